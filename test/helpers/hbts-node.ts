// Runs heartbeat-ts daemons (the built dist/cli/heartbeat.js, as a user
// would) inside lab namespaces (netns.ts), each with its own config, state
// and run directories, and drives them with the real admin commands
// (cl_status, hb_standby, hb_takeover, heartbeat -k).
//
// nginx: each node gets its own nginx.conf (pid file, temp dirs, logs under
// the node's directory, a page that says the node's name) and heartbeat-ts's
// LSB script copied into <config-dir>/resource.d/nginx, where it wins over
// Debian's /etc/init.d/nginx as in Heartbeat. The daemon passes NGINX_CONF
// and NGINX_PIDFILE in its environment to the script.
import type { ResultPromise } from 'execa';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { DaemonStatus } from '../../src/control/status.js';
import { killAllIn, type LabHost } from './netns.js';
import { pidFileProcessAlive } from './failover-watch.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '../..');
export const DIST_CLI = join(REPO_ROOT, 'dist/cli');
export const NGINX_LSB_SCRIPT = join(REPO_ROOT, 'src/scripts/nginx');

export interface OurNodeOptions {
  readonly nodeName: string;
  /** ha.cf lines; the harness adds `logfile` and `debugfile` into the node's directory. */
  readonly haCf: readonly string[];
  readonly haresources: string;
  readonly authkeys: string;
  readonly heartbeatTsIni?: string;
  /**
   * heartbeat-ts.ini `startup_fallback_delay` (Heartbeat's RQSTDELAY, 10 s by
   * default): two-node tests that are not about start-up negotiation set it
   * short so that a cluster that starts together settles in ~3 s, not ~12 s.
   */
  readonly startupFallbackDelay?: string;
  readonly probesIni?: string;
  /** Give the node its own nginx (config, page naming the node) and the LSB script as resource.d/nginx. */
  readonly nginx?: boolean;
  /** Extra resource.d scripts: name → file to copy. */
  readonly resourceScripts?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a directory (a restart keeps state: generation, uuid). */
  readonly rootDir?: string;
  /** How long to wait for the control socket to answer (default 15 s). */
  readonly startTimeoutMs?: number;
  /** Heartbeat flags put before the harness's own options (e.g. Debian's unit's `-f`). */
  readonly flags?: readonly string[];
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface OurNode {
  readonly nodeName: string;
  readonly host: LabHost;
  readonly rootDir: string;
  readonly configDir: string;
  readonly stateDir: string;
  readonly runDir: string;
  readonly logPath: string;
  readonly nginxConf: string;
  /** The daemon process (ip netns exec … node heartbeat.js). */
  readonly process: ResultPromise;
  readonly exited: Promise<{ exitCode?: number; signal?: string; output: string }>;
  readLog(): string;
  logSize(): number;
  /** Resolves with the first matching log line written after byte offset `from` (default 0). */
  waitForLog(re: RegExp, timeoutMs: number, opts?: { from?: number }): Promise<string>;
  clStatus(...args: string[]): Promise<CommandResult>;
  status(): Promise<DaemonStatus>;
  hbStandby(arg?: string): Promise<CommandResult>;
  hbTakeover(arg?: string): Promise<CommandResult>;
  /** `heartbeat <args>` with this node's directories (e.g. '-k', '-s', '-r'). */
  heartbeat(...args: string[]): Promise<CommandResult>;
  /** heartbeat -k and wait for the daemon to exit. */
  stop(timeoutMs?: number): Promise<CommandResult>;
  /** SIGKILL every process in this node's namespace (daemon, nginx, scripts): a machine crash. */
  crash(): Promise<void>;
  isRunning(): boolean;
}

function nginxConfig(root: string): string {
  const n = join(root, 'nginx');
  return `# nginx for lab node (heartbeat-ts tests)
user root;
daemon on;
worker_processes 1;
pid ${n}/nginx.pid;
error_log ${n}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${n}/tmp/body;
  proxy_temp_path ${n}/tmp/proxy;
  fastcgi_temp_path ${n}/tmp/fastcgi;
  uwsgi_temp_path ${n}/tmp/uwsgi;
  scgi_temp_path ${n}/tmp/scgi;
  server {
    listen 80 reuseport;
    root ${n}/www;
    location / { }
  }
}
`;
}

/** The heartbeat-ts.ini text with `startup_fallback_delay` set in its [resources] section. */
function withStartupFallback(ini: string | undefined, delay: string | undefined): string | undefined {
  if (delay === undefined) return ini;
  const line = `startup_fallback_delay = ${delay}`;
  if (ini === undefined) return `[resources]\n${line}\n`;
  if (/^\s*\[resources\]\s*$/m.test(ini)) return ini.replace(/^(\s*\[resources\]\s*)$/m, `$1\n${line}`);
  return `${ini.endsWith('\n') ? ini : `${ini}\n`}[resources]\n${line}\n`;
}

async function runIn(host: LabHost, cmd: string, args: readonly string[], env?: Record<string, string>): Promise<CommandResult> {
  const r = await host.exec(cmd, args, { reject: false, ...(env ? { env } : {}), timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Start one heartbeat-ts daemon in `host`'s namespace; resolves when its control socket answers. */
export async function startOurNode(host: LabHost, opts: OurNodeOptions): Promise<OurNode> {
  if (!existsSync(join(DIST_CLI, 'heartbeat.js'))) throw new Error('dist/ is missing: run npm run build first');
  const root = opts.rootDir ?? mkdtempSync(join(tmpdir(), `hbts-${opts.nodeName}-`));
  const configDir = join(root, 'etc');
  const stateDir = join(root, 'state');
  const runDir = join(root, 'run');
  const logPath = join(root, 'ha-log');
  const debugPath = join(root, 'ha-debug');
  const nginxConf = join(root, 'nginx', 'nginx.conf');
  mkdirSync(join(configDir, 'resource.d'), { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(configDir, 'ha.cf'), [`logfile ${logPath}`, `debugfile ${debugPath}`, ...opts.haCf, ''].join('\n'));
  writeFileSync(join(configDir, 'haresources'), opts.haresources.endsWith('\n') ? opts.haresources : `${opts.haresources}\n`);
  writeFileSync(join(configDir, 'authkeys'), opts.authkeys.endsWith('\n') ? opts.authkeys : `${opts.authkeys}\n`);
  chmodSync(join(configDir, 'authkeys'), 0o600);
  const ini = withStartupFallback(opts.heartbeatTsIni, opts.startupFallbackDelay);
  if (ini !== undefined) writeFileSync(join(configDir, 'heartbeat-ts.ini'), ini);
  if (opts.probesIni !== undefined) writeFileSync(join(configDir, 'probes.ini'), opts.probesIni);
  for (const [name, file] of Object.entries(opts.resourceScripts ?? {})) {
    copyFileSync(file, join(configDir, 'resource.d', name));
    chmodSync(join(configDir, 'resource.d', name), 0o755);
  }
  const env: Record<string, string> = { ...(opts.env ?? {}) };
  if (opts.nginx) {
    for (const d of ['www', 'tmp']) mkdirSync(join(root, 'nginx', d), { recursive: true });
    writeFileSync(nginxConf, nginxConfig(root));
    writeFileSync(join(root, 'nginx', 'www', 'index.html'), `${opts.nodeName}\n`);
    copyFileSync(NGINX_LSB_SCRIPT, join(configDir, 'resource.d', 'nginx'));
    chmodSync(join(configDir, 'resource.d', 'nginx'), 0o755);
    env.NGINX_CONF = nginxConf;
    env.NGINX_PIDFILE = join(root, 'nginx', 'nginx.pid');
  }
  const args = [
    join(DIST_CLI, 'heartbeat.js'),
    ...(opts.flags ?? []),
    '--config-dir', configDir,
    '--state-dir', stateDir,
    '--run-dir', runDir,
    '--node', opts.nodeName,
  ];
  const child = host.spawn('node', args, { env, all: true, buffer: true });
  let running = true;
  const exited = (async () => {
    const r = await child;
    running = false;
    return {
      ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }),
      ...(r.signal === undefined ? {} : { signal: r.signal }),
      output: String(r.all ?? ''),
    };
  })();

  const dirArgs = ['--run-dir', runDir];
  const node: OurNode = {
    nodeName: opts.nodeName,
    host,
    rootDir: root,
    configDir,
    stateDir,
    runDir,
    logPath,
    nginxConf,
    process: child,
    exited,
    readLog: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    logSize: () => (existsSync(logPath) ? statSync(logPath).size : 0),
    waitForLog: async (re, timeoutMs, o = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = existsSync(logPath) ? readFileSync(logPath).subarray(o.from ?? 0).toString('utf8') : '';
        const line = text.split('\n').find((l) => re.test(l));
        if (line !== undefined) return line;
        if (Date.now() > deadline) throw new Error(`${opts.nodeName}: no log line matching ${re} within ${timeoutMs} ms`);
        await delay(25);
      }
    },
    clStatus: (...a) => runIn(host, 'node', [join(DIST_CLI, 'cl_status.js'), ...a, ...dirArgs]),
    status: async () => {
      const r = await runIn(host, 'node', [join(DIST_CLI, 'cl_status.js'), '--json', ...dirArgs]);
      if (r.exitCode !== 0) throw new Error(`${opts.nodeName}: cl_status --json failed (${r.exitCode}): ${r.stderr}`);
      return JSON.parse(r.stdout) as DaemonStatus;
    },
    hbStandby: (arg) => runIn(host, 'node', [join(DIST_CLI, 'hb_standby.js'), ...(arg ? [arg] : []), ...dirArgs]),
    hbTakeover: (arg) => runIn(host, 'node', [join(DIST_CLI, 'hb_takeover.js'), ...(arg ? [arg] : []), ...dirArgs]),
    heartbeat: (...a) =>
      runIn(host, 'node', [join(DIST_CLI, 'heartbeat.js'), ...a, '--config-dir', configDir, '--state-dir', stateDir, ...dirArgs, '--node', opts.nodeName]),
    stop: async (timeoutMs = 40_000) => {
      const r = await node.heartbeat('-k');
      await Promise.race([exited, delay(timeoutMs)]);
      return r;
    },
    crash: async () => {
      await killAllIn([host.ns]);
      await Promise.race([exited, delay(5_000)]);
    },
    isRunning: () => running,
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  // A start that fails leaves nothing behind: the daemon is ended and a
  // directory this call created is removed (the error carries the output).
  const fail = async (message: string): Promise<never> => {
    if (running) child.kill('SIGKILL');
    const r = await exited;
    if (opts.rootDir === undefined) rmSync(root, { recursive: true, force: true });
    throw new Error(`${message}:\n${r.output}`);
  };
  for (;;) {
    if (!running) {
      const r = await exited;
      return fail(`${opts.nodeName}: heartbeat exited during start-up (code ${r.exitCode ?? r.signal})`);
    }
    const r = await node.clStatus('hbstatus');
    if (r.exitCode === 0) return node;
    if (Date.now() > deadline) return fail(`${opts.nodeName}: heartbeat did not answer cl_status within the start timeout`);
    await delay(50);
  }
}

/** Restart a stopped or crashed node with the same directories (its generation goes up). */
export async function restartOurNode(node: OurNode, opts: OurNodeOptions): Promise<OurNode> {
  return startOurNode(node.host, { ...opts, rootDir: node.rootDir });
}

/** Remove a node's directory (after its lab is destroyed). */
export function removeNodeDir(node: OurNode): void {
  rmSync(node.rootDir, { recursive: true, force: true });
}

/**
 * Whether an nginx master (from this node's pid file) is alive. A killed
 * master stays a zombie until PID 1 reaps it (every 1–2 s here): kill -0
 * would call it alive, its /proc state does not.
 */
export function nginxRunning(node: OurNode): boolean {
  return pidFileProcessAlive(join(node.rootDir, 'nginx', 'nginx.pid'));
}

/** Two-node lab ha.cf lines for heartbeat-ts tests (fast timers). */
export function labHaCf(o: {
  readonly nodes: readonly string[];
  readonly media?: readonly string[];
  readonly keepalive?: string;
  readonly deadtime?: string;
  readonly warntime?: string;
  readonly initdead?: string;
  readonly autoFailback?: 'on' | 'off' | 'legacy';
  readonly extra?: readonly string[];
}): string[] {
  return [
    `keepalive ${o.keepalive ?? '200ms'}`,
    `deadtime ${o.deadtime ?? '1'}`,
    `warntime ${o.warntime ?? '500ms'}`,
    `initdead ${o.initdead ?? '2'}`,
    'udpport 694',
    ...(o.media ?? ['bcast eth0']),
    `auto_failback ${o.autoFailback ?? 'on'}`,
    ...o.nodes.map((n) => `node ${n}`),
    ...(o.extra ?? []),
  ];
}
