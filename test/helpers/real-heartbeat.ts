// Runs Debian's REAL Heartbeat 3.0.6 daemon on a lab host (netns.ts), fenced
// off from the machine: the other half of every interop test and the baseline
// of the failover benchmark. What follows was learned running it this way
// (heartbeat 1:3.0.6-13, cluster-glue 1.0.12, resource-agents 4.12, Debian 12).
//
// HOW A NODE RUNS
//   ip netns exec <lab host ns> unshare --uts --mount --propagation private
//       --ipc --pid --fork --mount-proc --kill-child sh <root>/launch.sh
//   launch.sh (PID 1 of the node): hostname <node>; bind-mounts <root>/etc/ha.d,
//   <root>/var/lib/heartbeat, <root>/run (so also /var/run) and the stubs
//   (below); then `heartbeat -f &` and `wait`. When the daemon exits, PID 1
//   exits and the kernel ends whatever the daemon's scripts left behind (nginx,
//   send_arp, ResourceManager's background `sleep 30; hb_standby`).
// - `-f` = foreground: no fork. The daemon still setsid()s, points stdio at
//   /dev/null once the config is validated, chdirs to
//   /var/lib/heartbeat/cores/root. Config errors come before that: on stderr
//   (kept in <root>/log/launcher.err) and in the logfile, exit within ~0.1 s;
//   startRealHeartbeat() rejects with both.
// - It restarts itself by exec (-R, same PID) after a healed partition or "No
//   local heartbeat": the PID namespace still holds it.
// - Processes (comm "heartbeat", titles "master control process", "FIFO
//   reader", "write: bcast eth0", "read: bcast eth0"): 2 + 2 per medium, all
//   SCHED_RR; plus transient harc / ResourceManager / agent shells.
// - /run/heartbeat.pid (node PID) is written first; hb_generation is
//   incremented just after it (wait for the file, not the pid file).
//
// FILES IT NEEDS / WRITES
//   etc/ha.d: ha.cf, haresources, authkeys (mode 600, refused otherwise) + the
//     package's harc, shellfuncs, rc.d/, resource.d/ (copied) + LabTrace.
//   var/lib/heartbeat: the package's dir tree (cores/{root,hacluster,nobody}
//     0700 — it chdirs there; ccm, crm, pengine hacluster:haclient 0750; api,
//     casual, ckpt, lrm). It creates hb_uuid (16 raw bytes), hb_generation
//     (decimal right-aligned to 15 columns + \n; the first one is the current
//     epoch second: "No Previous generation - starting at <t>"), fifo,
//     hostcache, delhostcache. Kept across restart(): same uuid, generation+1,
//     the peer logs "Heartbeat restart on node X".
//   run: heartbeat/{ccm,crm,dopd} hacluster:haclient 0750 (tmpfiles.d), crm,
//     lock (1777), resource-agents (IPaddr, send_arp pid files), shm →
//     /dev/shm. The daemon adds heartbeat/rsctmp and heartbeat/register (the
//     API socket cl_status talks to).
//   ha.cf gets `logfile <root>/log/ha-log`, `debugfile <root>/log/ha-debug`,
//   `use_logd no` first. Never `logfacility`: ha_log would call logger(1)
//   into the host's syslog.
//
// WHAT IT LOGS
//   Daemon lines: "Nov 22 03:15:02 alpha heartbeat: [10]: info: …" (PID as
//   seen in the node). Script lines (harc, ResourceManager, mach_down,
//   IPaddr via ha_log): "2026/11/22_03:15:13  ResourceManager(default)[139]:
//   info: …", one-second resolution. harc sends all script output to the
//   debugfile. Every start logs WARNs that are normal here: "Logging daemon
//   is disabled", "Core dumps could be lost…", and "Initial dead time [1000
//   ms] may be too small!" below 10 s; "ERROR: Cannot lock ourselves into
//   memory" when RLIMIT_MEMLOCK cannot be raised (this machine: hard 8 MiB,
//   `ulimit -l unlimited` refused) — harmless, it runs unlocked.
//   Useful lines: "Local status now set to: 'active'", "node X: is dead",
//   "mach_down takeover complete", "Initial resource acquisition complete",
//   "Heartbeat shutdown complete", "CRIT: Resource STOP failure".
//
// WHAT IT ACCEPTS (ka = keepalive)
//   initdead down to deadtime (1 s) with only the warning; initdead < deadtime
//   → "Initial dead time [500] is smaller than deadtime [1000]"; deadtime ≤
//   2×ka → "Dead time [400] is too small compared to keeplive [200]";
//   `keepalive 2s` refused; a missing interface → "IP interface [eth9] does
//   not exist". All refused before the pid file.
//
// TIMES AT ka 200 ms / deadtime 1 s (bcast md5; see the e2e tests' output)
//   both active ≈1.2–1.9 s after a simultaneous start; groups start ≈11–12 s
//   after (the 10 s RQSTDELAY fallback, spec §9.3). A node started alone takes
//   its groups after initdead but `cl_status rscstatus` says `transition`
//   until its own 10 s fallback ends. crash → VIP on the peer ≈1.4–1.6 s;
//   restart → VIP home ≈2.5 s; SIGTERM → VIP on the peer ≈1.2–1.5 s (the
//   stopping node gives up EVERY group, the peer's too, spec §9.7), exit ≈2.6 s
//   after SIGTERM. For 5 s after a start a node advertises dt = deadtime+2 s
//   (spec §8.1): a crash right after a restart takes ≈3 s to notice.
//
// THE FENCE (why the machine is safe)
//   PID ns: reboot(2) from inside (cl_reboot, failfast children) only ends the
//     namespace; kill/pkill can reach only the node's processes.
//   Mount ns: the private dirs above, and logging stubs bind-mounted over every
//     existing host file of STUBBED_COMMANDS (symlinks resolved: on Debian
//     reboot, shutdown, halt, poweroff, telinit, runlevel → systemctl; pkill →
//     pgrep; init → systemd), plus a PATH dir of stubs for names this host
//     lacks. ResourceManager's RecoverFromFailedStop (`pkill -9 heartbeat
//     ipfail ccm`, `/sbin/reboot -nf`, else `/sbin/init 6`) hits only stubs
//     (sandbox.test.ts drives it for real). Debian's /etc/init.d/nginx would
//     hand over to systemctl if /run/systemd/system existed: the private /run
//     has none. libplumb only READS /proc/sys/kernel/core_*.
//   UTS ns: `hostname` is the node name (= uname -n, what the daemon uses).
//   IPC ns: the daemon's SysV shared memory.
//   Net ns: the lab host's.
//   Everything runs in the lab's namespaces, so lab.destroy() also ends it.
//
// TOOLS: cl_status must run in the daemon's mount ns (API socket under /run)
//   AND its PID ns: from outside, the daemon refuses the client ("WARN:
//   api_add_client: bad pid", cl_status then says "Heartbeat is apparently
//   running on this machine, but refuses my connection" and still exits 0).
//   hb_standby / hb_takeover (/usr/share/heartbeat) write to
//   /var/lib/heartbeat/fifo. exec() runs them with
//   `nsenter -t <node PID 1> -m -u -i -n -p`.
//
// PITFALLS: the root dir must not live under a mounted-over path (it is put
//   in $TMPDIR). `restart()` keeps var/lib/heartbeat and logs but rebuilds
//   run/ (a reboot's tmpfs); a crashed node's VIP stays on its interface until
//   the test removes it (failover helpers: dropStaleAddresses). Set
//   HBTS_KEEP_REAL_LAB=1 to keep root dirs for debugging.
import { execa, type ResultPromise } from 'execa';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { LabHost } from './netns.js';
import { waitUntil } from './wait.js';

export const REAL_HEARTBEAT_BIN = '/usr/libexec/heartbeat/heartbeat';
export const REAL_CL_STATUS = '/usr/bin/cl_status';
export const REAL_HB_STANDBY = '/usr/share/heartbeat/hb_standby';
export const REAL_HB_TAKEOVER = '/usr/share/heartbeat/hb_takeover';
const HOST_HA_DIR = '/etc/ha.d';
const HOST_VARLIB = '/var/lib/heartbeat';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/real-heartbeat');
export const LABTRACE_SCRIPT = join(FIXTURES, 'LabTrace');

/**
 * Commands that could reach outside the node (kill other processes, reboot or
 * power off the machine, talk to the host's init). Each one, wherever it
 * exists on the host, is covered by a bind-mounted logging stub inside the
 * node's mount namespace, and the stub directory is first in PATH for the
 * names that do not exist on this host.
 */
export const STUBBED_COMMANDS = [
  'pkill',
  'pgrep',
  'killall',
  'reboot',
  'shutdown',
  'halt',
  'poweroff',
  'systemctl',
  'init',
  'telinit',
  'runlevel',
] as const;
/** Exit code each stub returns: "nothing matched" for the process finders, success otherwise. */
export const STUB_EXIT_CODES: Readonly<Record<(typeof STUBBED_COMMANDS)[number], number>> = {
  pkill: 1,
  pgrep: 1,
  killall: 1,
  reboot: 0,
  shutdown: 0,
  halt: 0,
  poweroff: 0,
  systemctl: 0,
  init: 0,
  telinit: 0,
  runlevel: 0,
};
const STUB_SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host paths hidden by the node's private bind mounts: the root dir must not live under them. */
const MOUNTED_OVER = ['/etc/ha.d', '/var/lib/heartbeat', '/run', '/var/run', '/etc/nginx', '/var/log/nginx', '/var/lib/nginx', '/var/www/html'];
const NGINX_HOST_DIRS = { etc: '/etc/nginx', log: '/var/log/nginx', lib: '/var/lib/nginx', www: '/var/www/html' } as const;

export interface ToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StartRealHeartbeatOptions {
  /** `uname -n` inside the node; default: the lab host's name. */
  readonly nodeName?: string;
  /**
   * ha.cf directives (see realHaCf). `logfile`, `debugfile` (into the node's
   * log dir) and `use_logd no` are put first unless given here.
   */
  readonly haCf: readonly string[];
  readonly haresources?: string;
  /** authkeys text; written with mode 600 (the daemon refuses anything looser). */
  readonly authkeys: string;
  /** Extra resource.d scripts: name → path of a script file on this machine (copied, mode 755). */
  readonly resourceScripts?: Readonly<Record<string, string>>;
  /** Install the LabTrace recording script in resource.d (default true). */
  readonly labTrace?: boolean;
  /**
   * Give the node a private /etc/nginx (copy of the host's), /var/log/nginx,
   * /var/lib/nginx and /var/www/html whose index.html says the node name, so
   * the unmodified Debian /etc/init.d/nginx can run one nginx per node.
   */
  readonly nginx?: boolean;
  /** Extra environment for the daemon (and so for every script it runs). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra daemon flags, e.g. ['-d'] for debug. `-f` (foreground) is always given. */
  readonly flags?: readonly string[];
  /**
   * Reuse this root dir (a node "reboot"): var/lib/heartbeat (hb_uuid,
   * hb_generation) and the logs are kept, etc/ha.d and run/ are rebuilt.
   */
  readonly rootDir?: string;
  /** Bound on the wait for the daemon's pid file (default 20 s). */
  readonly startTimeoutMs?: number;
  /** Keep the root dir on dispose() (debugging; also with HBTS_KEEP_REAL_LAB=1). */
  readonly keepRootDir?: boolean;
}

export interface LabTraceEntry {
  readonly atMs: number;
  readonly node: string;
  readonly name: string;
  readonly op: string;
  readonly result: string;
}

export interface RealHeartbeatNode {
  readonly host: LabHost;
  readonly nodeName: string;
  readonly rootDir: string;
  /** ha.cf `logfile` (info and above), as seen from the test process. */
  readonly logPath: string;
  /** ha.cf `debugfile` (everything, plus the output of harc/ResourceManager). */
  readonly debugLogPath: string;
  /** One line per stub call: `<command> <args…>`. */
  readonly stubLogPath: string;
  readonly labTracePath: string;
  /** Epoch ms when the launcher was spawned. */
  readonly startedAt: number;
  readonly options: StartRealHeartbeatOptions;
  readLog(): string;
  readDebugLog(): string;
  readStubLog(): string;
  readLabTrace(): LabTraceEntry[];
  /** Current size of the log in bytes, to wait only for lines written after this point. */
  logSize(): number;
  /** Wait (bounded) until a line of the logfile matches; resolves with that line. */
  waitForLog(re: RegExp, timeoutMs: number, opts?: { readonly from?: number }): Promise<string>;
  /** Run a command inside the node (its net, mount, UTS, IPC and PID namespaces). */
  exec(cmd: string, args?: readonly string[], opts?: { readonly timeoutMs?: number; readonly env?: Readonly<Record<string, string>> }): Promise<ToolResult>;
  /** The real /usr/bin/cl_status, inside the node. */
  clStatus(...args: string[]): Promise<ToolResult>;
  /** The real /usr/share/heartbeat/hb_standby [all|foreign|local|failback]. */
  hbStandby(arg?: string): Promise<ToolResult>;
  /** The real /usr/share/heartbeat/hb_takeover [all|foreign|local|failback]. */
  hbTakeover(arg?: string): Promise<ToolResult>;
  /** Host PIDs of every process of the node (its PID namespace: the daemon, its children, resources). */
  pids(): number[];
  /** Host PID of the master control process (from its pid file), if running. */
  mcpPid(): number | undefined;
  /** Host PIDs of the processes named `heartbeat` (MCP, FIFO reader, media readers/writers). */
  heartbeatPids(): number[];
  isRunning(): boolean;
  /** Resolves when the node's namespace init has exited. */
  readonly exited: Promise<void>;
  /** Graceful stop: SIGTERM to the MCP (what `heartbeat -k` does), then wait (bounded) for it to finish. */
  stop(timeoutMs?: number): Promise<{ readonly durationMs: number }>;
  /** SIGKILL every process of the node at once (the daemon and whatever its scripts started). */
  crash(): Promise<void>;
  /** Start the daemon again on the same root dir (generation +1, same uuid). The node must be stopped. */
  restart(overrides?: Partial<StartRealHeartbeatOptions>): Promise<RealHeartbeatNode>;
  /** Crash if still running, then remove the root dir (unless kept). Idempotent. */
  dispose(): Promise<void>;
}

/** True when the Debian heartbeat package and the namespace tools are installed. */
export function realHeartbeatInstalled(): boolean {
  return [REAL_HEARTBEAT_BIN, REAL_CL_STATUS, REAL_HB_STANDBY, REAL_HB_TAKEOVER, '/usr/share/heartbeat/ResourceManager', join(HOST_HA_DIR, 'harc')].every(
    (p) => existsSync(p),
  );
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Every existing host file a stub must cover (symlinks resolved: /usr/sbin/reboot → /usr/bin/systemctl). */
export function stubTargets(): string[] {
  const targets = new Set<string>();
  for (const name of STUBBED_COMMANDS) {
    for (const dir of STUB_SEARCH_DIRS) {
      const p = join(dir, name);
      if (!existsSync(p)) continue;
      try {
        targets.add(realpathSync(p));
      } catch {
        /* dangling symlink: nothing to cover */
      }
    }
  }
  return [...targets].sort();
}

function stubScript(stubLog: string): string {
  const codes = Object.entries(STUB_EXIT_CODES)
    .filter(([, code]) => code !== 0)
    .map(([name]) => name)
    .join('|');
  return [
    '#!/bin/sh',
    '# Lab stub (test/helpers/real-heartbeat.ts): bind-mounted over a command that',
    '# could touch the machine. It only records how it was called.',
    'name=${0##*/}',
    `{ printf '%s' "$name"; for a in "$@"; do printf ' %s' "$a"; done; printf '\\n'; } >> ${sq(stubLog)}`,
    `case $name in ${codes}) exit 1 ;; esac`,
    'exit 0',
    '',
  ].join('\n');
}

function ensureDir(path: string, mode: number, uid = 0, gid = 0): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  chownSync(path, uid, gid);
}

/** Recreate the host's /var/lib/heartbeat directory tree (modes, owners; no files). */
function copyDirTree(from: string, to: string): void {
  const st = statSync(from);
  ensureDir(to, st.mode & 0o7777, st.uid, st.gid);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyDirTree(join(from, entry.name), join(to, entry.name));
  }
}

function idsOf(user: string, group: string): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  const groups = readFileSync('/etc/group', 'utf8').split('\n');
  const uid = Number(passwd.find((l) => l.startsWith(`${user}:`))?.split(':')[2] ?? 0);
  const gid = Number(groups.find((l) => l.startsWith(`${group}:`))?.split(':')[2] ?? 0);
  return { uid, gid };
}

interface NodeLayout {
  root: string;
  etcHa: string;
  varLib: string;
  run: string;
  logDir: string;
  log: string;
  debugLog: string;
  stubLog: string;
  launcherOut: string;
  launcherErr: string;
  stubDir: string;
  stub: string;
  launchScript: string;
  nginx: { etc: string; log: string; lib: string; www: string };
}

function layoutOf(root: string): NodeLayout {
  return {
    root,
    etcHa: join(root, 'etc/ha.d'),
    varLib: join(root, 'var/lib/heartbeat'),
    run: join(root, 'run'),
    logDir: join(root, 'log'),
    log: join(root, 'log/ha-log'),
    debugLog: join(root, 'log/ha-debug'),
    stubLog: join(root, 'log/stubs.log'),
    launcherOut: join(root, 'log/launcher.out'),
    launcherErr: join(root, 'log/launcher.err'),
    stubDir: join(root, 'stubs/bin'),
    stub: join(root, 'stubs/lab-stub'),
    launchScript: join(root, 'launch.sh'),
    nginx: { etc: join(root, 'nginx/etc'), log: join(root, 'nginx/log'), lib: join(root, 'nginx/lib'), www: join(root, 'nginx/www') },
  };
}

function withLogDirectives(lines: readonly string[], l: NodeLayout): string[] {
  const has = (d: string): boolean => lines.some((x) => x.trim().split(/\s+/)[0] === d);
  const head: string[] = [];
  if (!has('logfile')) head.push(`logfile ${l.log}`);
  if (!has('debugfile')) head.push(`debugfile ${l.debugLog}`);
  if (!has('use_logd')) head.push('use_logd no');
  return [...head, ...lines];
}

function prepareRoot(nodeName: string, opts: StartRealHeartbeatOptions, root: string): NodeLayout {
  for (const dir of MOUNTED_OVER) {
    if (isUnder(root, dir)) throw new Error(`real-heartbeat root ${root} is under ${dir}, which the node mounts over`);
  }
  const l = layoutOf(root);
  const hacluster = idsOf('hacluster', 'haclient');

  // etc/ha.d: the package's scripts, plus this node's three config files.
  rmSync(l.etcHa, { recursive: true, force: true });
  ensureDir(l.etcHa, 0o755);
  for (const entry of ['harc', 'shellfuncs', 'README.config', 'rc.d', 'resource.d']) {
    const from = join(HOST_HA_DIR, entry);
    if (existsSync(from)) cpSync(from, join(l.etcHa, entry), { recursive: true, preserveTimestamps: true });
  }
  ensureDir(join(l.etcHa, 'resource.d'), 0o755);
  ensureDir(l.logDir, 0o755);
  writeFileSync(join(l.etcHa, 'ha.cf'), withLogDirectives(opts.haCf, l).join('\n') + '\n', { mode: 0o644 });
  writeFileSync(join(l.etcHa, 'haresources'), opts.haresources ?? '', { mode: 0o644 });
  writeFileSync(join(l.etcHa, 'authkeys'), opts.authkeys, { mode: 0o600 });
  chmodSync(join(l.etcHa, 'authkeys'), 0o600);
  const scripts: Record<string, string> = {};
  if (opts.labTrace ?? true) scripts['LabTrace'] = LABTRACE_SCRIPT;
  Object.assign(scripts, opts.resourceScripts ?? {});
  for (const [name, path] of Object.entries(scripts)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`resource script name ${name} is not a plain file name`);
    const dest = join(l.etcHa, 'resource.d', name);
    if (!existsSync(path)) throw new Error(`resource script ${name}: no such file ${path}`);
    writeFileSync(dest, readFileSync(path));
    chmodSync(dest, 0o755);
  }

  // var/lib/heartbeat: the package's directory tree; kept across restarts (hb_uuid, hb_generation).
  if (!existsSync(l.varLib)) copyDirTree(HOST_VARLIB, l.varLib);

  // run/: what tmpfiles.d and the boot would give the daemon; always fresh (a tmpfs after a reboot).
  rmSync(l.run, { recursive: true, force: true });
  ensureDir(l.run, 0o755);
  ensureDir(join(l.run, 'heartbeat'), 0o750, hacluster.uid, hacluster.gid);
  for (const sub of ['ccm', 'crm', 'dopd']) ensureDir(join(l.run, 'heartbeat', sub), 0o750, hacluster.uid, hacluster.gid);
  ensureDir(join(l.run, 'crm'), 0o750, hacluster.uid, hacluster.gid);
  ensureDir(join(l.run, 'lock'), 0o1777);
  ensureDir(join(l.run, 'lock/subsys'), 0o755);
  ensureDir(join(l.run, 'resource-agents'), 0o1755);
  symlinkSync('/dev/shm', join(l.run, 'shm'));

  // Stubs.
  rmSync(join(root, 'stubs'), { recursive: true, force: true });
  ensureDir(l.stubDir, 0o755);
  writeFileSync(l.stub, stubScript(l.stubLog), { mode: 0o755 });
  chmodSync(l.stub, 0o755);
  for (const name of STUBBED_COMMANDS) symlinkSync(l.stub, join(l.stubDir, name));
  if (!existsSync(l.stubLog)) writeFileSync(l.stubLog, '');

  if (opts.nginx) {
    for (const [key, hostDir] of Object.entries(NGINX_HOST_DIRS)) {
      if (!existsSync(hostDir)) throw new Error(`nginx lab node needs ${hostDir} on this machine (apt-get install nginx)`);
      const dir = l.nginx[key as keyof typeof NGINX_HOST_DIRS];
      if (key === 'etc') {
        rmSync(dir, { recursive: true, force: true });
        cpSync(hostDir, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      } else {
        ensureDir(dir, 0o755);
      }
    }
    writeFileSync(join(l.nginx.www, 'index.html'), `${nodeName}\n`, { mode: 0o644 });
  }
  return l;
}

function launchScript(nodeName: string, l: NodeLayout, opts: StartRealHeartbeatOptions): string {
  const binds: Array<[string, string]> = [
    [l.etcHa, '/etc/ha.d'],
    [l.varLib, '/var/lib/heartbeat'],
    [l.run, '/run'],
    ...stubTargets().map((t): [string, string] => [l.stub, t]),
  ];
  if (opts.nginx) {
    for (const [key, hostDir] of Object.entries(NGINX_HOST_DIRS)) binds.push([l.nginx[key as keyof typeof NGINX_HOST_DIRS], hostDir]);
  }
  const flags = ['-f', ...(opts.flags ?? [])].map(sq).join(' ');
  return [
    '#!/bin/sh',
    `# Generated by test/helpers/real-heartbeat.ts for node ${nodeName}.`,
    '# Runs as PID 1 of a private PID namespace, inside private mount, UTS and IPC',
    '# namespaces and the lab host network namespace.',
    'set -eu',
    // As root at boot: lets the daemon mlockall() itself (else it logs
    // "Cannot lock ourselves into memory" and runs unlocked).
    'ulimit -l unlimited 2>/dev/null || true',
    `hostname ${sq(nodeName)}`,
    ...binds.map(([from, to]) => `mount --bind ${sq(from)} ${sq(to)}`),
    'cd /',
    `${sq(REAL_HEARTBEAT_BIN)} ${flags} &`,
    // PID 1 stays until the daemon exits; then the kernel ends whatever is left
    // in the namespace (nginx, send_arp, background `sleep 30; hb_standby`).
    'wait $!',
    '',
  ].join('\n');
}

function nodeEnv(l: NodeLayout, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: `${l.stubDir}:${NODE_PATH}`, HOME: '/root', LANG: 'C', ...extra };
}

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function pidNsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const text = readOr(`/proc/${pid}/task/${pid}/children`);
  return text
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** The first descendant of `pid` living in another PID namespace: the node's namespace init. */
function findNsInit(pid: number): number | undefined {
  const ours = pidNsOf(pid);
  const queue = [pid];
  for (let i = 0; i < queue.length && i < 64; i++) {
    const p = queue[i]!;
    for (const c of childrenOf(p)) {
      const ns = pidNsOf(c);
      if (ns !== undefined && ns !== ours) return c;
      queue.push(c);
    }
  }
  return undefined;
}

function processesInPidNs(nsLink: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pidNsOf(pid) === nsLink) out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

/** `NSpid:` of /proc/PID/status: the PID in each namespace level, outermost first. */
function nsPidsOf(pid: number): number[] {
  const line = readOr(`/proc/${pid}/status`)
    .split('\n')
    .find((l) => l.startsWith('NSpid:'));
  return (line ?? '')
    .slice('NSpid:'.length)
    .trim()
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

function commOf(pid: number): string {
  return readOr(`/proc/${pid}/comm`).trim();
}

export function parseLabTrace(text: string): LabTraceEntry[] {
  const out: LabTraceEntry[] = [];
  for (const line of text.split('\n')) {
    const [at, node, name, op, result] = line.trim().split(/\s+/);
    if (!at || !node || !name || !op || !/^\d+$/.test(at)) continue;
    out.push({ atMs: Number(at), node, name, op, result: result ?? '' });
  }
  return out;
}

const keepRootByEnv = (): boolean => process.env['HBTS_KEEP_REAL_LAB'] === '1';

/** Root dirs left by test processes that died before their cleanup ran (named hbts-real-<pid>-…). */
function removeStaleRoots(): void {
  if (keepRootByEnv()) return;
  const base = realpathSync(tmpdir());
  for (const name of readdirSync(base)) {
    const m = /^hbts-real-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(base, name), { recursive: true, force: true });
    }
  }
}

/**
 * Start a real Heartbeat 3.0.6 daemon on a lab host. Resolves once the
 * daemon has written its pid file (it is then past config validation);
 * rejects with the daemon's own error output if it refuses to start.
 */
export async function startRealHeartbeat(host: LabHost, opts: StartRealHeartbeatOptions): Promise<RealHeartbeatNode> {
  if (!realHeartbeatInstalled()) throw new Error('the Debian heartbeat package is not installed (apt-get install heartbeat)');
  if (process.getuid?.() !== 0) throw new Error('running the real heartbeat needs root (namespaces, mounts)');
  const nodeName = (opts.nodeName ?? host.name).toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(nodeName)) throw new Error(`node name ${nodeName} is not a plain host name`);
  if (opts.rootDir === undefined) removeStaleRoots();
  const root = opts.rootDir ?? mkdtempSync(join(realpathSync(tmpdir()), `hbts-real-${process.pid}-${nodeName}-`));
  let l: NodeLayout;
  try {
    l = prepareRoot(nodeName, opts, root);
    writeFileSync(l.launchScript, launchScript(nodeName, l, opts), { mode: 0o755 });
  } catch (err) {
    if (opts.rootDir === undefined) rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const startedAt = Date.now();
  const child: ResultPromise = host.spawn(
    'unshare',
    ['--uts', '--mount', '--propagation', 'private', '--ipc', '--pid', '--fork', '--mount-proc', '--kill-child', 'sh', l.launchScript],
    {
      env: nodeEnv(l, opts.env),
      extendEnv: false,
      stdin: 'ignore',
      stdout: { file: l.launcherOut, append: true },
      stderr: { file: l.launcherErr, append: true },
    },
  );
  let done = false;
  const exited: Promise<void> = child.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  const launcherPid = child.pid;
  if (launcherPid === undefined) throw new Error(`could not spawn the real heartbeat launcher on ${host.name}`);

  const failure = (why: string): Error => {
    const err = readOr(l.launcherErr).trim();
    const log = readOr(l.log).trim().split('\n').slice(-15).join('\n');
    return new Error(`real heartbeat on ${nodeName} ${why}\n--- launcher stderr ---\n${err}\n--- ha-log (tail) ---\n${log}\n--- root: ${l.root}`);
  };

  let initPid: number;
  let pidNs: string;
  try {
    initPid = await waitUntil('the node namespace init', 5000, () => (done ? -1 : findNsInit(launcherPid)));
    if (initPid < 0) throw failure('exited before its namespace was set up');
    const ns = pidNsOf(initPid);
    if (ns === undefined) throw failure('lost its namespace init');
    pidNs = ns;
    const pidFile = join(l.run, 'heartbeat.pid');
    await waitUntil('the heartbeat pid file', opts.startTimeoutMs ?? 20_000, () => {
      if (done) return -1;
      return /^\d+/.test(readOr(pidFile).trim()) ? 1 : undefined;
    });
    if (done) throw failure('exited during start-up');
  } catch (err) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
    await Promise.race([exited, delay(5000)]);
    const reported = err instanceof Error && err.message.startsWith('real heartbeat') ? err : failure(`did not start: ${(err as Error).message}`);
    if (opts.rootDir === undefined && !(opts.keepRootDir || keepRootByEnv())) rmSync(l.root, { recursive: true, force: true });
    throw reported;
  }

  const pids = (): number[] => (done ? [] : processesInPidNs(pidNs));
  const mcpPid = (): number | undefined => {
    const nsPid = Number(readOr(join(l.run, 'heartbeat.pid')).trim());
    if (!Number.isInteger(nsPid) || nsPid <= 0) return undefined;
    return pids().find((p) => {
      const levels = nsPidsOf(p);
      return levels[levels.length - 1] === nsPid;
    });
  };

  const toolEnv = (extra: Readonly<Record<string, string>> = {}): Record<string, string> =>
    nodeEnv(l, { HA_LOGFILE: l.log, HA_DEBUGLOG: l.debugLog, ...(opts.env ?? {}), ...extra });

  const exec: RealHeartbeatNode['exec'] = async (cmd, args = [], o = {}) => {
    if (done) throw new Error(`real heartbeat node ${nodeName} is not running`);
    const r = await execa('nsenter', ['-t', String(initPid), '-m', '-u', '-i', '-n', '-p', '--', cmd, ...args], {
      env: toolEnv(o.env),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: o.timeoutMs ?? 30_000,
      cwd: '/',
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  };

  let disposed = false;
  let superseded = false;
  const crash = async (): Promise<void> => {
    if (done) return;
    // Heartbeat's own processes first, then everything else: one SIGKILL each.
    const all = pids();
    const hb = all.filter((p) => commOf(p) === 'heartbeat');
    for (const p of [...hb, ...all.filter((p) => !hb.includes(p))]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      process.kill(initPid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await Promise.race([exited, delay(10_000)]);
    if (!done) throw new Error(`real heartbeat node ${nodeName} survived SIGKILL for 10 s`);
  };

  const node: RealHeartbeatNode = {
    host,
    nodeName,
    rootDir: l.root,
    logPath: l.log,
    debugLogPath: l.debugLog,
    stubLogPath: l.stubLog,
    labTracePath: join(l.varLib, 'labtrace/trace.log'),
    startedAt,
    options: opts,
    readLog: () => readOr(l.log),
    readDebugLog: () => readOr(l.debugLog),
    readStubLog: () => readOr(l.stubLog),
    readLabTrace: () => parseLabTrace(readOr(join(l.varLib, 'labtrace/trace.log'))),
    logSize: () => Buffer.byteLength(readOr(l.log)),
    waitForLog: async (re, timeoutMs, o = {}) => {
      const from = o.from ?? 0;
      return waitUntil(`${re} in ${nodeName}'s log`, timeoutMs, () => {
        const text = Buffer.from(readOr(l.log)).subarray(from).toString('utf8');
        return text.split('\n').find((line) => re.test(line));
      }, 50);
    },
    exec,
    clStatus: (...args) => exec(REAL_CL_STATUS, args),
    hbStandby: (arg) => exec(REAL_HB_STANDBY, arg === undefined ? [] : [arg]),
    hbTakeover: (arg) => exec(REAL_HB_TAKEOVER, arg === undefined ? [] : [arg]),
    pids,
    mcpPid,
    heartbeatPids: () => pids().filter((p) => commOf(p) === 'heartbeat'),
    isRunning: () => !done,
    exited,
    stop: async (timeoutMs = 60_000) => {
      const t0 = Date.now();
      if (done) return { durationMs: 0 };
      const mcp = mcpPid();
      if (mcp === undefined) throw new Error(`real heartbeat node ${nodeName}: no master control process to stop`);
      process.kill(mcp, 'SIGTERM');
      await Promise.race([exited, delay(timeoutMs)]);
      if (!done) {
        await crash();
        throw new Error(`real heartbeat node ${nodeName} did not stop within ${timeoutMs} ms of SIGTERM (killed)`);
      }
      return { durationMs: Date.now() - t0 };
    },
    crash,
    restart: async (overrides = {}) => {
      if (!done) throw new Error(`real heartbeat node ${nodeName} is still running; stop() or crash() it first`);
      const next = await startRealHeartbeat(host, { ...opts, ...overrides, rootDir: l.root });
      // The root dir now belongs to the new handle: disposing this one must not remove it.
      superseded = true;
      return next;
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await crash().catch(() => undefined);
      if (!(superseded || opts.keepRootDir || keepRootByEnv())) rmSync(l.root, { recursive: true, force: true });
    },
  };
  return node;
}
