// Two heartbeat-ts nodes serving a VIP and a web service to a client, in a
// lab of network namespaces: the set-up of issue 5's real failover tests, of
// the demo and of the failover benchmark.
//
//   alpha 10.77.0.1 ─┐
//   bravo 10.77.0.2 ─┼─ bridge          group: alpha IPaddr::10.77.0.100/24/eth0 nginx
//   client 10.77.0.3 ┘                  client: GET http://10.77.0.100/ every 20 ms
//
// Each node runs the built daemon (dist/cli/heartbeat.js) with its own
// directories and its own nginx whose page names the node (hbts-node.ts);
// the client's prober (real-heartbeat-outage.ts) says who served each probe,
// and an exclusivity watcher (failover-watch.ts) records any moment where a
// service address or an exclusive process is on both nodes.
//
// `measure(kind)` mirrors real-heartbeat-failover.ts's so that the benchmark
// runs exactly the same scenarios against heartbeat-ts and real Heartbeat.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { requestDaemon } from '../../src/control/index.js';
import type { DaemonStatus } from '../../src/control/status.js';
import { labHaCf, startOurNode, type OurNode, type OurNodeOptions } from './hbts-node.js';
import type { Lab, LabHost } from './netns.js';
import { haTime } from './real-heartbeat-config.js';
import { type FailoverKind, type FailoverMeasurement } from './real-heartbeat-failover.js';
import { dropStaleAddresses } from './lab-addresses.js';
import { computeOutage, startProber, type Outage, type Prober } from './real-heartbeat-outage.js';
import { pidFileProcessAlive, startExclusivityWatcher, type ExclusivityWatcher, type WatchedProcess } from './failover-watch.js';

export const FAILOVER_LAB_HOSTS = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
  { name: 'client', ip: '10.77.0.3' },
] as const;

/** The service address homed on alpha, and a second one homed on bravo (two-group tests). */
export const VIP_ALPHA = '10.77.0.100';
export const VIP_BRAVO = '10.77.0.101';

export const FAILOVER_AUTHKEYS = 'auth 1\n1 sha1 failover-lab-secret\n';

export interface PairGroup {
  readonly home: string;
  /** haresources words, e.g. ['IPaddr::10.77.0.100/24/eth0', 'nginx']. The first one is the group's key. */
  readonly resources: readonly string[];
}

/** The group: the VIP through IPaddr, then nginx. */
export function vipNginx(home: string, vip = VIP_ALPHA): PairGroup {
  return { home, resources: [`IPaddr::${vip}/24/eth0`, 'nginx'] };
}

export interface OurPairOptions {
  readonly primary?: string;
  readonly backup?: string;
  readonly client?: string;
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
  readonly autoFailback?: 'on' | 'off';
  /** ha.cf media lines (default `bcast eth0`). */
  readonly media?: readonly string[];
  /** More ha.cf lines (e.g. `ping`, `respawn … ipfail`). */
  readonly haCfExtra?: readonly string[];
  /** Default: [vipNginx(primary)]. */
  readonly groups?: readonly PairGroup[];
  /** The address the client probes (default VIP_ALPHA). */
  readonly vip?: string;
  /**
   * The web service resource: `nginx` (the LSB script, one nginx per node) or
   * a resource.d script to install under `name` whose `status` output and
   * pid file follow the same conventions (the demo's fallback web app).
   */
  readonly webService?: { readonly name: string; readonly script: string; readonly pidFile: (nodeRoot: string) => string; readonly env: (nodeRoot: string, node: string) => Record<string, string> };
  /** Install the FailoverRecorder resource script (see recorderScript()). */
  readonly recorder?: boolean;
  /** heartbeat-ts.ini `startup_fallback_delay` (default: Heartbeat's 10 s; tests not about start-up use 2). */
  readonly startupFallbackDelay?: string;
  /** heartbeat-ts.ini `[log] format` (json gives ms timestamps, for the demo's timeline). */
  readonly logFormat?: 'text' | 'json';
  /** probes.ini for a node. */
  readonly probesIni?: (node: string) => string;
  /** More heartbeat-ts.ini text for a node (e.g. an `[http]` section), appended to what the other options give. */
  readonly extraIni?: (node: string) => string;
  /** Run the exclusivity watcher (default true). */
  readonly watch?: boolean;
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  /** Bound on reaching a steady state (default 60 s: start-up includes the 10 s RQSTDELAY, spec §9.3). */
  readonly settleTimeoutMs?: number;
  readonly onProgress?: (message: string) => void;
}

export interface RecorderEvent {
  readonly atMs: number;
  readonly node: string;
  readonly name: string;
  readonly op: 'start' | 'stop';
}

export interface ServedOutage extends Outage {
  readonly servedBy: string;
}

export interface OurFailoverPair {
  readonly lab: Lab;
  readonly vip: string;
  readonly primaryName: string;
  readonly backupName: string;
  readonly groups: readonly PairGroup[];
  /** The current handle of a node (a restart replaces it). */
  node(name: string): OurNode;
  primary(): OurNode;
  backup(): OurNode;
  isRunning(name: string): boolean;
  /** A node's view (the control socket's `status`, what cl_status --json prints). */
  status(name: string): Promise<DaemonStatus>;
  /**
   * When `observer` last accepted a status from `peer`, as an epoch ms that is
   * never later than the true moment (the request's send time minus the
   * daemon's "ms ago"): the honest origin of a dead-time lower bound.
   */
  lastHeard(observer: string, peer: string): Promise<number>;
  readonly prober: Prober;
  readonly watcher: ExclusivityWatcher | undefined;
  /** Link pulled and every process SIGKILLed; returns the epoch ms of the event (before the link went down). */
  crash(name: string): Promise<number>;
  /** `heartbeat -k` and wait for the daemon to exit; returns the epoch ms of the event. */
  stop(name: string): Promise<number>;
  /**
   * Every process of the node SIGKILLed (daemon, nginx), the machine left as
   * it is: link up, addresses still on the interface. A crash without reboot
   * (restart it with `start(name, { reboot: false })`). Returns the epoch ms.
   */
  crashProcesses(name: string): Promise<number>;
  /**
   * Start a stopped or crashed node again on its directories. A crashed node
   * is "rebooted" first: addresses other than its own dropped, run state
   * cleared, link plugged back; `reboot: false` keeps what the crash left.
   */
  start(name: string, opts?: { readonly reboot?: boolean }): Promise<OurNode>;
  /**
   * Wait (bounded) until every running node is active, sees the other running
   * node active, is stable, and agrees that group `key` is held by `holders[key]`
   * (and it runs there), three checks in a row.
   */
  waitHolders(holders: Readonly<Record<string, string>>, timeoutMs?: number): Promise<Record<string, DaemonStatus>>;
  /** Wait until both running nodes apply the configured dead time to each other (past the first 5 s, spec §8.1). */
  waitPastStartup(timeoutMs?: number): Promise<void>;
  /** First probe answered by `expected` at or after `eventAtMs`, and the outage around it (every earlier probe has reported). */
  servedBy(expected: string, eventAtMs: number, timeoutMs: number): Promise<ServedOutage>;
  /**
   * Wait (bounded) until both run, every group is on its home node (stable,
   * agreed), the primary serves the client and both are past start-up. Starts
   * nothing and hands nothing over: a node that is down fails it at once.
   */
  steady(): Promise<void>;
  /** Start every node that is down (the backup first); a crashed one is "rebooted". */
  startStoppedNodes(): Promise<void>;
  /**
   * Once the running nodes have settled, `hb_takeover local` on each node that
   * is the home of a group held elsewhere (after hb_standby, or with
   * auto_failback off); resolves when every group is home. Runs nothing when
   * they are.
   */
  bringGroupsHome(): Promise<void>;
  /** The benchmark's scenarios (same meaning as real-heartbeat-failover.ts). */
  measure(kind: FailoverKind): Promise<FailoverMeasurement>;
  recorderEvents(): RecorderEvent[];
  /** Log lines of a node (its current and earlier runs: the log file is kept across restarts) matching `re`, from byte offset `from`. */
  logLines(name: string, re: RegExp, from?: number): string[];
  dispose(): Promise<void>;
}

/** A resource.d script that only records: `FailoverRecorder NAME start|stop|status`. */
export function recorderScript(): string {
  return `#!/bin/sh
# FailoverRecorder NAME {start|stop|status}: a resource that does nothing but
# record when it was started and stopped, and on which node, so that a test
# can count starts and see where it runs. State lives in FAILOVER_RECORDER_DIR
# (the node's "run" area: a reboot clears it).
set -u
name=\${1:?usage: FailoverRecorder NAME start|stop|status}
op=\${2:?usage: FailoverRecorder NAME start|stop|status}
dir=\${FAILOVER_RECORDER_DIR:?FAILOVER_RECORDER_DIR is not set}
node=\${FAILOVER_NODE:?FAILOVER_NODE is not set}
mkdir -p "$dir"
case $op in
  start)
    if [ ! -e "$dir/$name.active" ]; then
      : > "$dir/$name.active"
      echo "$(date +%s%3N) $node $name start" >> "$dir/../recorder-events.log"
    fi ;;
  stop)
    if [ -e "$dir/$name.active" ]; then
      rm -f "$dir/$name.active"
      echo "$(date +%s%3N) $node $name stop" >> "$dir/../recorder-events.log"
    fi ;;
  status)
    if [ -e "$dir/$name.active" ]; then echo "$name is running"; else echo "$name is stopped"; fi ;;
  *) echo "usage: FailoverRecorder NAME start|stop|status" >&2; exit 2 ;;
esac
exit 0
`;
}

export function parseRecorderEvents(text: string): RecorderEvent[] {
  const out: RecorderEvent[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\S+) (\S+) (start|stop)$/.exec(line.trim());
    if (m) out.push({ atMs: Number(m[1]), node: m[2]!, name: m[3]!, op: m[4] as 'start' | 'stop' });
  }
  return out;
}

const SCRATCH_PREFIX = 'hbts-failover-';

/** Directories left by test processes that died before their cleanup ran (named hbts-failover-<pid>-…). */
function removeStaleScratch(): void {
  if (process.env['HBTS_KEEP_FAILOVER_LAB'] === '1') return;
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function addressOf(resource: string): string | undefined {
  const m = /^IPaddr2?::(\d+\.\d+\.\d+\.\d+)/.exec(resource);
  return m?.[1];
}

function recorderNameOf(resource: string): string | undefined {
  const m = /^FailoverRecorder::(\S+)$/.exec(resource);
  return m?.[1];
}

/**
 * Why the running nodes (their views) are not settled on `holders` (group key →
 * node): every node active, stable, seeing the others active, agreeing on
 * each holder, and the group running on its holder. Empty = settled.
 */
export function unsettled(views: Readonly<Record<string, DaemonStatus>>, holders: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const live = Object.keys(views);
  for (const [n, s] of Object.entries(views)) {
    if (s.status !== 'active') problems.push(`${n} is ${s.status}`);
    if (!s.resources.stable) problems.push(`${n} is not stable`);
    for (const peer of live.filter((p) => p !== n)) {
      const st = s.nodes.find((v) => v.name === peer)?.status;
      if (st !== 'active') problems.push(`${n} sees ${peer} ${st ?? 'nowhere'}`);
    }
    for (const [key, holder] of Object.entries(holders)) {
      const g = s.resources.groups.find((v) => v.key === key);
      if (!g) problems.push(`${n} has no group ${key}`);
      else {
        if (g.holder !== holder) problems.push(`${n} says ${key} is held by ${g.holder}`);
        if (n === holder && g.state !== 'running') problems.push(`${key} is ${g.state} on ${n}`);
      }
    }
  }
  return problems;
}

export async function startOurFailoverPair(lab: Lab, opts: OurPairOptions = {}): Promise<OurFailoverPair> {
  const names = [...lab.hosts.keys()];
  const primaryName = opts.primary ?? names[0] ?? 'alpha';
  const backupName = opts.backup ?? names[1] ?? 'bravo';
  const clientHost = lab.host(opts.client ?? names[2] ?? 'client');
  const nodeNames = [primaryName, backupName];
  const hostOf = (n: string): LabHost => lab.host(n);
  const keepaliveMs = opts.keepaliveMs ?? 200;
  const deadtimeMs = opts.deadtimeMs ?? 1000;
  const groups = opts.groups ?? [vipNginx(primaryName)];
  const vip = opts.vip ?? VIP_ALPHA;
  const progress = opts.onProgress ?? ((): void => undefined);
  const settleTimeoutMs = opts.settleTimeoutMs ?? 60_000;
  const probeTimeoutMs = opts.probeTimeoutMs ?? 300;
  const web = opts.webService;
  const webName = web?.name ?? 'nginx';
  const groupKey = (g: PairGroup): string => g.resources[0]!;

  removeStaleScratch();
  const scratch = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  const recorderFile = join(scratch, 'FailoverRecorder');
  if (opts.recorder) writeFileSync(recorderFile, recorderScript(), { mode: 0o755 });
  const roots = new Map(nodeNames.map((n) => [n, join(scratch, n)]));
  const rootOf = (n: string): string => roots.get(n)!;
  const recorderDir = (n: string): string => join(rootOf(n), 'recorder', 'state');

  const nodeOptions = (n: string): OurNodeOptions => ({
    nodeName: n,
    rootDir: rootOf(n),
    haCf: labHaCf({
      nodes: nodeNames,
      keepalive: haTime(keepaliveMs),
      deadtime: haTime(deadtimeMs),
      warntime: haTime(Math.max(keepaliveMs * 2, Math.round(deadtimeMs / 2))),
      initdead: haTime(Math.max(2000, 2 * deadtimeMs)),
      autoFailback: opts.autoFailback ?? 'on',
      ...(opts.media === undefined ? {} : { media: opts.media }),
      ...(opts.haCfExtra === undefined ? {} : { extra: opts.haCfExtra }),
    }),
    haresources: groups.map((g) => `${g.home} ${g.resources.join(' ')}`).join('\n'),
    authkeys: FAILOVER_AUTHKEYS,
    ...(opts.logFormat === 'json' || opts.extraIni
      ? { heartbeatTsIni: `${opts.logFormat === 'json' ? '[log]\nformat = json\n' : ''}${opts.extraIni?.(n) ?? ''}` }
      : {}),
    ...(opts.startupFallbackDelay === undefined ? {} : { startupFallbackDelay: opts.startupFallbackDelay }),
    ...(opts.probesIni ? { probesIni: opts.probesIni(n) } : {}),
    nginx: web === undefined,
    resourceScripts: {
      ...(opts.recorder ? { FailoverRecorder: recorderFile } : {}),
      ...(web ? { [web.name]: web.script } : {}),
    },
    env: {
      FAILOVER_NODE: n,
      FAILOVER_RECORDER_DIR: recorderDir(n),
      ...(web ? web.env(rootOf(n), n) : {}),
    },
  });
  for (const n of nodeNames) mkdirSync(rootOf(n), { recursive: true });

  const nodes = new Map<string, OurNode>();
  const running = (n: string): boolean => nodes.get(n)?.isRunning() ?? false;
  let prober: Prober | undefined;
  let watcher: ExclusivityWatcher | undefined;
  let disposed = false;
  let crashWindow: string | undefined;

  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await prober?.stop().catch(() => undefined);
    await watcher?.stop().catch(() => undefined);
    for (const n of nodeNames) {
      const node = nodes.get(n);
      if (node?.isRunning()) await node.crash().catch(() => undefined);
    }
    if (process.env['HBTS_KEEP_FAILOVER_LAB'] !== '1') rmSync(scratch, { recursive: true, force: true });
    else progress(`kept ${scratch}`);
  };

  try {
    if (opts.watch !== false) {
      const addresses = groups.flatMap((g) => g.resources.map(addressOf)).filter((a): a is string => a !== undefined);
      const processes: WatchedProcess[] = [];
      for (const n of nodeNames) {
        const pidFile = web ? web.pidFile(rootOf(n)) : join(rootOf(n), 'nginx', 'nginx.pid');
        processes.push({ name: webName, node: n, isRunning: () => pidFileProcessAlive(pidFile) });
        for (const g of groups) {
          for (const r of g.resources) {
            const rec = recorderNameOf(r);
            if (rec) processes.push({ name: `FailoverRecorder::${rec}`, node: n, isRunning: () => existsSync(join(recorderDir(n), `${rec}.active`)) });
          }
        }
      }
      watcher = await startExclusivityWatcher({ hosts: nodeNames.map(hostOf), addresses, processes });
    }
    progress(`starting heartbeat-ts on ${nodeNames.join(' and ')}`);
    const started = await Promise.all(nodeNames.map((n) => startOurNode(hostOf(n), nodeOptions(n))));
    started.forEach((node, i) => nodes.set(nodeNames[i]!, node));
    prober = await startProber(clientHost, `http://${vip}/`, {
      ...(opts.probeIntervalMs !== undefined ? { intervalMs: opts.probeIntervalMs } : {}),
      timeoutMs: probeTimeoutMs,
    });
  } catch (err) {
    await dispose();
    throw err;
  }
  const probe = prober;
  const node = (n: string): OurNode => {
    const h = nodes.get(n);
    if (!h) throw new Error(`no node ${n} in this pair`);
    return h;
  };

  const crash = async (n: string): Promise<number> => {
    // The watcher's monitor lives in the node's namespace and would die with it.
    await watcher?.pause(n);
    // A crashed machine keeps its addresses on its unplugged link until it is
    // rebooted (start() ends this window once they are gone).
    watcher?.allowOverlapBegin(`${n} crashed: its addresses stay on its unplugged link until it is rebooted`, [n]);
    crashWindow = n;
    const at = Date.now();
    await hostOf(n).setLink(false);
    await node(n).crash();
    // The monitor is resumed by start(): a dead node's addresses cannot change
    // meanwhile, and the failover being measured gets the CPU to itself.
    return at;
  };
  const stop = async (n: string): Promise<number> => {
    const at = Date.now();
    const r = await node(n).stop();
    if (r.exitCode !== 0) throw new Error(`heartbeat -k on ${n} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
    if (node(n).isRunning()) throw new Error(`heartbeat -k on ${n} returned but the daemon is still running`);
    return at;
  };
  const crashProcesses = async (n: string): Promise<number> => {
    // The watcher's monitor lives in the node's namespace and would die with it.
    await watcher?.pause(n);
    const at = Date.now();
    await node(n).crash();
    return at;
  };
  const start = async (n: string, startOpts: { readonly reboot?: boolean } = {}): Promise<OurNode> => {
    if (running(n)) throw new Error(`${n} is already running`);
    await watcher?.resume(n);
    if (startOpts.reboot === false) {
      progress(`starting heartbeat-ts on ${n} (no reboot: what the crash left is still there)`);
      const again = await startOurNode(hostOf(n), nodeOptions(n));
      nodes.set(n, again);
      return again;
    }
    // A reboot: the kernel forgets the addresses, /run is empty, the cable is back.
    await dropStaleAddresses(hostOf(n));
    if (crashWindow === n) {
      // Ends once the monitor has reported the deletions (its stamps, not our clock, date them).
      await watcher?.allowOverlapEnd();
      crashWindow = undefined;
    }
    rmSync(recorderDir(n), { recursive: true, force: true });
    await hostOf(n).setLink(true);
    progress(`starting heartbeat-ts on ${n}`);
    const h = await startOurNode(hostOf(n), nodeOptions(n));
    nodes.set(n, h);
    return h;
  };

  // Polling goes straight to the control socket (cl_status --json asks the
  // same question, at the price of a Node start-up per poll); the admin
  // actions under test always go through the real commands.
  const statusOf = async (n: string): Promise<DaemonStatus> => {
    const r = await requestDaemon(node(n).runDir, { command: 'status' }, 5_000);
    if (!r.ok) throw new Error(`${n}: status refused: ${r.error}`);
    return r.result as DaemonStatus;
  };

  const waitHolders = async (holders: Readonly<Record<string, string>>, timeoutMs = settleTimeoutMs): Promise<Record<string, DaemonStatus>> => {
    const deadline = Date.now() + timeoutMs;
    let streak = 0;
    for (let i = 0; ; i++) {
      const live = nodeNames.filter(running);
      let views: Record<string, DaemonStatus> = {};
      let problems: string[];
      try {
        const statuses = await Promise.all(live.map(statusOf));
        views = Object.fromEntries(live.map((n, k) => [n, statuses[k]!]));
        problems = live.length === 0 ? ['no node is running'] : unsettled(views, holders);
      } catch (err) {
        problems = [(err as Error).message];
      }
      streak = problems.length === 0 ? streak + 1 : 0;
      if (streak >= 3) return views;
      if (Date.now() > deadline || i > 10_000) throw new Error(`not settled within ${timeoutMs} ms: ${problems.join('; ')}`);
      await delay(200);
    }
  };

  const waitPastStartup = async (timeoutMs = 15_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ; i++) {
      const live = nodeNames.filter(running);
      const statuses = await Promise.all(live.map(statusOf));
      const ok = statuses.every((s) => s.nodes.filter((v) => !v.isLocal && live.includes(v.name)).every((v) => v.deadtimeMs === deadtimeMs));
      if (ok) return;
      if (Date.now() > deadline || i > 10_000) throw new Error(`nodes still apply their start-up dead time after ${timeoutMs} ms`);
      await delay(200);
    }
  };

  const servedBy = async (expected: string, eventAtMs: number, timeoutMs: number): Promise<ServedOutage> => {
    const served = await probe.waitForServedBy(expected, timeoutMs, eventAtMs);
    await probe.waitForAnswers(served.seq, probeTimeoutMs + 5000);
    const o = computeOutage(probe.results(), eventAtMs, expected);
    if (!o) throw new Error(`no outage figure: ${expected} never answered after ${new Date(eventAtMs).toISOString()}`);
    return { ...o, servedBy: expected };
  };

  const lastHeard = async (observer: string, peer: string): Promise<number> => {
    const askedAt = Date.now();
    const s = await statusOf(observer);
    const ago = s.nodes.find((v) => v.name === peer)?.lastHeardMsAgo;
    if (ago === null || ago === undefined) throw new Error(`${observer} never heard ${peer}`);
    return askedAt - ago;
  };

  const homeHolders = (): Record<string, string> => Object.fromEntries(groups.map((g) => [groupKey(g), g.home]));

  /** Who holds each group once the running nodes have settled (they agree and are stable). */
  const settledHolders = async (timeoutMs: number): Promise<Record<string, string>> => {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ; i++) {
      const live = nodeNames.filter(running);
      const statuses = await Promise.all(live.map(statusOf));
      const views = statuses.map((s) => Object.fromEntries(s.resources.groups.map((g) => [g.key, g.holder])));
      const agree = views.every((v) => JSON.stringify(v) === JSON.stringify(views[0]));
      const stable = statuses.every((s) => s.resources.stable && s.status === 'active');
      if (agree && stable && views[0]) {
        try {
          await waitHolders(views[0], Math.max(1, Math.min(5_000, deadline - Date.now())));
          return views[0];
        } catch {
          /* it moved meanwhile: look again */
        }
      }
      if (Date.now() > deadline || i > 10_000) throw new Error(`nodes did not settle within ${timeoutMs} ms`);
      await delay(200);
    }
  };

  const startStoppedNodes = async (): Promise<void> => {
    if (!running(backupName)) await start(backupName);
    if (!running(primaryName)) await start(primaryName);
  };

  const bringGroupsHome = async (): Promise<void> => {
    const deadline = Date.now() + settleTimeoutMs;
    const holders = await settledHolders(settleTimeoutMs);
    let moved = false;
    for (const home of nodeNames) {
      const away = groups.filter((g) => g.home === home && holders[groupKey(g)] !== home);
      if (away.length === 0) continue;
      // Groups away from home (after hb_standby, or auto_failback off): their home asks for them back.
      progress(`hb_takeover local on ${home} to bring ${away.map(groupKey).join(', ')} home`);
      const r = await node(home).hbTakeover('local');
      if (r.exitCode !== 0) throw new Error(`hb_takeover failed on ${home}: ${r.stderr || r.stdout}`);
      await waitHolders({ ...holders, ...Object.fromEntries(away.map((g) => [groupKey(g), home])) }, Math.max(1, deadline - Date.now()));
      moved = true;
    }
    if (moved) await waitHolders(homeHolders(), Math.max(1, deadline - Date.now()));
  };

  const steady = async (): Promise<void> => {
    const deadline = Date.now() + settleTimeoutMs;
    const down = nodeNames.filter((n) => !running(n));
    if (down.length > 0) throw new Error(`not steady: ${down.join(' and ')} not running (start() first)`);
    await waitHolders(homeHolders(), settleTimeoutMs);
    await probe.waitForServedBy(primaryName, Math.max(1, deadline - Date.now()), Date.now());
    await waitPastStartup(Math.max(1, deadline - Date.now()));
  };

  const serveTimeout = deadtimeMs + 30_000;
  const measure = async (kind: FailoverKind): Promise<FailoverMeasurement> => {
    // Each run starts from the steady state, whatever the previous one left.
    await startStoppedNodes();
    await bringGroupsHome();
    await steady();
    let eventAtMs: number;
    let expected: string;
    switch (kind) {
      case 'crash':
        expected = backupName;
        eventAtMs = await crash(primaryName);
        break;
      case 'graceful':
        expected = backupName;
        eventAtMs = await stop(primaryName);
        break;
      case 'standby': {
        expected = backupName;
        eventAtMs = Date.now();
        const r = await node(primaryName).hbStandby('all');
        if (r.exitCode !== 0) throw new Error(`hb_standby failed on ${primaryName}: ${r.stderr || r.stdout}`);
        break;
      }
      case 'failback': {
        expected = primaryName;
        await stop(primaryName);
        await probe.waitForServedBy(backupName, serveTimeout, Date.now());
        await waitHolders(Object.fromEntries(groups.map((g) => [groupKey(g), backupName])));
        eventAtMs = Date.now();
        await start(primaryName);
        break;
      }
    }
    progress(`${kind}: waiting for ${expected} to serve`);
    const o = await servedBy(expected, eventAtMs, serveTimeout + (kind === 'failback' ? settleTimeoutMs : 0));
    // A crashed primary is "rebooted" at once (its group then comes home by auto-failback).
    if (kind === 'crash') await start(primaryName);
    progress(`${kind}: outage ${o.outageMs.toFixed(0)} ms, event → served ${o.eventToServedMs.toFixed(0)} ms`);
    return { kind, outageMs: o.outageMs, eventToServedMs: o.eventToServedMs, failedProbes: o.failedProbes, servedBy: expected, eventAtMs };
  };

  return {
    lab,
    vip,
    primaryName,
    backupName,
    groups,
    node,
    primary: () => node(primaryName),
    backup: () => node(backupName),
    isRunning: running,
    status: statusOf,
    lastHeard,
    prober: probe,
    watcher,
    crash,
    crashProcesses,
    stop,
    start,
    waitHolders,
    waitPastStartup,
    servedBy,
    steady,
    startStoppedNodes,
    bringGroupsHome,
    measure,
    recorderEvents: () => {
      const all: RecorderEvent[] = [];
      for (const n of nodeNames) {
        const f = join(rootOf(n), 'recorder', 'recorder-events.log');
        if (existsSync(f)) all.push(...parseRecorderEvents(readFileSync(f, 'utf8')));
      }
      return all.sort((a, b) => a.atMs - b.atMs);
    },
    logLines: (n, re, from = 0) => {
      const path = node(n).logPath;
      if (!existsSync(path)) return [];
      return readFileSync(path).subarray(from).toString('utf8').split('\n').filter((l) => re.test(l));
    },
    dispose,
  };
}

/** One printed line per measured move, the same shape in every failover test. */
export function outageLine(label: string, o: ServedOutage): string {
  return (
    `[heartbeat-ts failover] ${label}: client outage ${o.outageMs.toFixed(0)} ms ` +
    `(event → ${o.servedBy} serves ${o.eventToServedMs.toFixed(0)} ms, ${o.failedProbes} failed probes of 20 ms)`
  );
}
