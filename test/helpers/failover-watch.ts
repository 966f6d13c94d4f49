// The "never on both nodes" auditor of the e2e tests (the failover pair and
// the mixed cluster with real Heartbeat): while a test runs,
// it records where each service address is configured and where each
// exclusive process (nginx, a recorder resource) runs, and reports every
// interval in which two nodes had the same one at once.
//
// Addresses are followed with one `ip -ts -o monitor address` per node
// namespace rather than by polling: every add and delete is seen, however
// short, with the time `ip` received it from the kernel (µs), so the order of
// events on two nodes is decided by timestamps and not by which pipe Node
// happened to read first. The monitor is proved live before the watcher is
// handed out (a throw-away loopback address must show up in it).
// Processes are sampled every `sampleMs` from their pid files (no process is
// started for that: a file read and /proc).
//
// `ip -ts` stamps an event when it prints it, not when the kernel acted: a
// monitor that waits for the CPU stamps late, and on a busy machine that can
// turn a clean hand-over (delete on one node, add on the other a few ms
// later) into a false overlap. The monitors therefore run with realtime
// scheduling (chrt) where the kernel allows it: woken at once, they stamp
// within microseconds of the kernel's notification.
//
// Overlaps are legitimate while a test deliberately cuts the cluster in two
// (a partition, or a crashed node whose address stays on its unplugged link):
// the test opens an allowance window around that interval, optionally limited
// to overlaps involving given nodes. A window is closed on what the monitors
// saw, not on the test's clock: allowOverlapEnd() first waits until every
// monitor has reported everything the kernel did before the call (a marker
// address round trip), then ends the window no earlier than the last event
// stamped.
//
// Each test judges only its own overlaps: beginTest() (in a beforeEach) marks
// where the current test starts, or a test passes its own `sinceMs`;
// assertExclusive() reports the violations since then, with the windows and
// the address events around them. transitions() lists every change of who
// holds what (an address added or deleted, a process started or gone), for
// tests that check where a group went and how many times.
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { LabHost } from './netns.js';

export interface WatchedProcess {
  /** What must run on at most one node (e.g. `nginx`). */
  readonly name: string;
  readonly node: string;
  /** Synchronous and cheap: sampled every few ms. */
  readonly isRunning: () => boolean;
}

export interface WatchOptions {
  /** The node hosts whose addresses are followed. */
  readonly hosts: readonly LabHost[];
  /** Addresses that must be configured on at most one of `hosts` at a time. */
  readonly addresses: readonly string[];
  readonly processes?: readonly WatchedProcess[];
  /** Process sampling period (default 20 ms). */
  readonly sampleMs?: number;
}

export interface Overlap {
  /** `address 10.77.0.100` or `process nginx`. */
  readonly what: string;
  readonly nodes: readonly string[];
  /** Epoch ms. For sampled processes, the first and last sample that saw both. */
  readonly fromMs: number;
  readonly toMs: number;
}

/** A node gained (`now` true) or lost an address or a process. */
export interface WatchTransition {
  /** Epoch ms: the monitor's stamp (addresses) or the sample's time (processes). */
  readonly atMs: number;
  readonly node: string;
  /** The address (`10.77.0.100`) or the process name (`nginx`). */
  readonly what: string;
  readonly now: boolean;
}

/** Which overlaps to judge: since beginTest() (default), since `sinceMs`, or the whole run. */
export interface JudgeOptions {
  readonly wholeRun?: boolean;
  /** Overlaps still going on at or after this epoch ms (instead of beginTest()'s mark). */
  readonly sinceMs?: number;
}

export interface AllowanceWindow {
  readonly reason: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Only overlaps involving one of these nodes are allowed (undefined: any). */
  readonly nodes?: readonly string[];
}

export interface ExclusivityWatcher {
  /** From now on, overlaps (involving `nodes`, if given) are expected, until allowOverlapEnd(). */
  allowOverlapBegin(reason: string, nodes?: readonly string[]): void;
  /**
   * Ends the open window once the monitors have caught up with the kernel
   * (every address change made before the call has been seen), at the later
   * of that moment and the last event's own time stamp.
   */
  allowOverlapEnd(): Promise<void>;
  /** Until the next call, violations() and assertExclusive() judge only overlaps still going on at or after now. */
  beginTest(): void;
  overlaps(): Overlap[];
  /** Overlaps not covered by an allowance window (since beginTest(), since `sinceMs`, or of the whole run with `{ wholeRun: true }`). */
  violations(opts?: JudgeOptions): Overlap[];
  /** Throws a readable error listing every violation, the allowance windows and the address events around them. */
  assertExclusive(label: string, opts?: JudgeOptions): void;
  /**
   * Every gain or loss of a watched address or process at or after `sinceMs`
   * (the state when the watcher started is the baseline), in time order; an
   * address rewritten in place (lost and back within ADDRESS_REWRITE_MS) is
   * neither.
   */
  transitions(sinceMs?: number): WatchTransition[];
  /** Resolves once every live monitor has reported every address change the kernel made before the call. */
  caughtUp(): Promise<void>;
  /** The nodes on which the watched process `name` runs right now (sampled at the call). */
  runningOn(name: string): string[];
  /** How much the watcher saw: address events and process samples (proof that it ran). */
  stats(): { readonly addressEvents: number; readonly processSamples: number; readonly windows: readonly AllowanceWindow[] };
  /**
   * Stop following `host` (its processes are about to be SIGKILLed, the
   * monitor with them); its addresses are assumed unchanged until resume().
   */
  pause(host: string): Promise<void>;
  /** Follow `host` again: new monitor, proved live, state resynchronised. */
  resume(host: string): Promise<void>;
  /** Which nodes have `address` right now, by the monitor's account. */
  holdersOf(address: string): string[];
  stop(): Promise<void>;
}

/** `ip -ts` prints local time with µs: `[2026-11-22T04:04:20.483290]`. */
export function parseIpTimestamp(text: string): number | undefined {
  const m = /^\[(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{1,6})\]/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const base = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
  return base + Number((frac ?? '0').padEnd(6, '0')) / 1000;
}

export interface AddressEvent {
  /** The monitor's stamp (when `ip` printed it), epoch ms. */
  readonly atMs: number;
  readonly deleted: boolean;
  readonly address: string;
  readonly device: string;
}

/** One line of `ip -ts -o monitor address` (IPv4 only; other lines → undefined). */
export function parseAddressEvent(line: string): AddressEvent | undefined {
  const atMs = parseIpTimestamp(line);
  if (atMs === undefined) return undefined;
  const m = /\]\s*(Deleted\s+)?\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\//.exec(line);
  if (!m) return undefined;
  return { atMs, deleted: m[1] !== undefined, device: m[2] ?? '', address: m[3] ?? '' };
}

/** Intersections of two sets of [from, to] intervals (to = Infinity while open). */
export function intersect(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [af, at] of a) {
    for (const [bf, bt] of b) {
      const from = Math.max(af, bf);
      const to = Math.min(at, bt);
      if (from <= to) out.push([from, to]);
    }
  }
  return out.sort((x, y) => x[0] - y[0]);
}

/**
 * How soon a node may get back an address it just lost for the two to be one
 * rewrite, not a loss and a gain: `ifconfig eth0:0 IP netmask M` (real
 * Heartbeat's IPaddr) sets the address, then its netmask, and the kernel
 * deletes the address and adds it again in between. A release and a new
 * acquisition (two resource-script runs) take far longer.
 */
export const ADDRESS_REWRITE_MS = 100;

/** `changes` in time order, without an address's loss and regain on the same node within ADDRESS_REWRITE_MS. */
export function withoutRewrites(changes: readonly WatchTransition[], addresses: ReadonlySet<string>): WatchTransition[] {
  const all = [...changes].sort((a, b) => a.atMs - b.atMs);
  const rewrite = new Set<WatchTransition>();
  for (const lost of all) {
    if (lost.now || !addresses.has(lost.what) || rewrite.has(lost)) continue;
    const back = all.find((t) => t.now && t.node === lost.node && t.what === lost.what && t.atMs >= lost.atMs && t.atMs - lost.atMs <= ADDRESS_REWRITE_MS && !rewrite.has(t));
    if (back) {
      rewrite.add(lost);
      rewrite.add(back);
    }
  }
  return all.filter((t) => !rewrite.has(t));
}

/** Whether an overlap is covered by one allowance window (both ends inside it, and a node it names involved). */
export function isAllowed(o: Overlap, windows: readonly AllowanceWindow[]): boolean {
  return windows.some((w) => w.fromMs <= o.fromMs && o.toMs <= w.toMs && (w.nodes === undefined || o.nodes.some((n) => w.nodes!.includes(n))));
}

/** Whether the pid in `pidFile` is a live process (a zombie is not). */
export function pidFileProcessAlive(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

// Marker addresses (127.77.x.y, numbered) added and deleted on lo to prove a
// monitor live and to flush it: once marker n shows up, every change the
// kernel made before it has been seen.
const MARKER_PREFIX = '127.77.';
const markerAddress = (n: number): string => `${MARKER_PREFIX}${(n >> 8) & 255}.${n & 255}`;
const markerNumber = (address: string): number | undefined => {
  if (!address.startsWith(MARKER_PREFIX)) return undefined;
  const [hi, lo] = address.slice(MARKER_PREFIX.length).split('.').map(Number);
  return hi === undefined || lo === undefined ? undefined : hi * 256 + lo;
};

/** Realtime priority of the address monitors (below the kernel's own threads, above any daemon under test). */
const MONITOR_RT_PRIORITY = 80;

let realtimeAllowed: boolean | undefined;
async function canRunRealtime(): Promise<boolean> {
  if (realtimeAllowed === undefined) {
    const r = await execa('chrt', ['-f', String(MONITOR_RT_PRIORITY), 'true'], { reject: false });
    realtimeAllowed = r.exitCode === 0;
  }
  return realtimeAllowed;
}

/** Every address event seen, with its node (for the failure report). */
interface SeenEvent extends AddressEvent {
  readonly node: string;
}

/** Epoch ms as `HH:MM:SS.mmm` (UTC), `now` for an open end. */
function fmtTime(ms: number): string {
  return ms === Infinity ? 'now' : new Date(ms).toISOString().slice(11, 23);
}

/** The failure report: violations, the windows, and the address events from a little before the first to a little after the last. */
export function describeViolations(label: string, v: readonly Overlap[], windows: readonly AllowanceWindow[], events: readonly SeenEvent[]): string {
  const lines = v.map((o) => `  ${o.what} on ${o.nodes.join(' and ')} from ${fmtTime(o.fromMs)} to ${fmtTime(o.toMs)} (${o.toMs === Infinity ? 'still' : `${(o.toMs - o.fromMs).toFixed(1)} ms`})`);
  const wins = windows.map((w) => `  ${fmtTime(w.fromMs)} → ${fmtTime(w.toMs)}${w.nodes ? ` [${w.nodes.join(', ')}]` : ''}: ${w.reason}`);
  const from = Math.min(...v.map((o) => o.fromMs)) - 2000;
  const to = Math.max(...v.map((o) => (o.toMs === Infinity ? o.fromMs : o.toMs))) + 2000;
  const evs = events
    .filter((e) => e.atMs >= from && e.atMs <= to)
    .map((e) => `  ${fmtTime(e.atMs)} ${e.node}: ${e.deleted ? 'deleted' : 'added'} ${e.address} on ${e.device}`);
  return (
    `${label}: held by two nodes at once outside a partition:\n${lines.join('\n')}\n` +
    `allowance windows (UTC):\n${wins.length > 0 ? wins.join('\n') : '  none'}\n` +
    `address events (monitor stamps, UTC) around them:\n${evs.length > 0 ? evs.join('\n') : '  none'}`
  );
}

export async function startExclusivityWatcher(opts: WatchOptions): Promise<ExclusivityWatcher> {
  const sampleMs = opts.sampleMs ?? 20;
  const watched = new Set(opts.addresses);
  // address → node → intervals
  const intervals = new Map<string, Map<string, Array<[number, number]>>>();
  const processOverlaps: Overlap[] = [];
  const openProcessOverlap = new Map<string, { nodes: string[]; fromMs: number; toMs: number }>();
  const windows: AllowanceWindow[] = [];
  let openWindow: { reason: string; fromMs: number; nodes?: readonly string[] } | undefined;
  let addressEvents = 0;
  let processSamples = 0;
  let lastEventAtMs = 0;
  let testStartMs = 0;
  const seen: SeenEvent[] = [];
  const changes: WatchTransition[] = [];
  /** Set once the start-up snapshot is taken: what was there before is the baseline, not a change. */
  let baselineTaken = false;
  const noteChange = (t: WatchTransition): void => {
    if (!baselineTaken) return;
    changes.push(t);
    if (changes.length > 20_000) changes.splice(0, changes.length - 20_000);
  };
  const eventsByNode = new Map<string, number>();
  const realtime = await canRunRealtime();
  /** Highest marker each node's monitor reported. */
  const markerSeen = new Map<string, number>();
  let nextMarker = 1;
  let stopped = false;

  const nodeIntervals = (address: string, node: string): Array<[number, number]> => {
    let byNode = intervals.get(address);
    if (!byNode) intervals.set(address, (byNode = new Map()));
    let list = byNode.get(node);
    if (!list) byNode.set(node, (list = []));
    return list;
  };
  const apply = (node: string, e: AddressEvent): void => {
    const marker = markerNumber(e.address);
    if (marker !== undefined) {
      markerSeen.set(node, Math.max(markerSeen.get(node) ?? 0, marker));
      return;
    }
    if (!watched.has(e.address)) return;
    addressEvents++;
    eventsByNode.set(node, (eventsByNode.get(node) ?? 0) + 1);
    lastEventAtMs = Math.max(lastEventAtMs, e.atMs);
    seen.push({ ...e, node });
    if (seen.length > 5000) seen.splice(0, seen.length - 5000);
    const list = nodeIntervals(e.address, node);
    const last = list[list.length - 1];
    const open = last !== undefined && last[1] === Infinity;
    if (!e.deleted && !open) {
      list.push([e.atMs, Infinity]);
      noteChange({ atMs: e.atMs, node, what: e.address, now: true });
    }
    if (e.deleted && open) {
      last[1] = e.atMs;
      noteChange({ atMs: e.atMs, node, what: e.address, now: false });
    }
  };

  // One monitor per host. A node "crash" SIGKILLs every process in its
  // namespace, the monitor included (`ip -n` joins the namespace), so the
  // pair pauses the host's monitor around a crash and resumes it after: a
  // dead node's addresses cannot change meanwhile, and a resync on resume
  // catches any difference anyway. A monitor that dies otherwise is an error.
  const monitors = new Map<string, ResultPromise>();
  const paused = new Set<string>();
  const lostMonitors: string[] = [];

  const spawnMonitor = (host: LabHost): void => {
    const args = ['-n', host.ns, '-ts', '-o', 'monitor', 'address'];
    // chrt execs ip: the pid killed on pause() is the monitor's.
    const mon = realtime
      ? execa('chrt', ['-f', String(MONITOR_RT_PRIORITY), 'ip', ...args], { buffer: false, reject: false, stdin: 'ignore' })
      : execa('ip', args, { buffer: false, reject: false, stdin: 'ignore' });
    monitors.set(host.name, mon);
    let pending = '';
    mon.stdout?.setEncoding('utf8');
    mon.stdout?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const e = parseAddressEvent(line);
        if (e) apply(host.name, e);
      }
    });
    void mon.then(() => {
      if (!stopped && !paused.has(host.name) && monitors.get(host.name) === mon) lostMonitors.push(host.name);
    });
  };

  // Prove a monitor live and flush it: a marker added after the call must
  // show up (and with it, in order, everything the kernel did before).
  // Markers wrap after 65535; a run makes a few hundred.
  const arm = async (hosts: readonly LabHost[]): Promise<void> => {
    const first = nextMarker;
    const caughtUp = (h: LabHost): boolean => {
      const m = markerSeen.get(h.name) ?? 0;
      return m >= first && m < nextMarker;
    };
    const deadline = Date.now() + 10_000;
    for (let round = 0; !hosts.every(caughtUp); round++) {
      if (Date.now() > deadline || round > 100) throw new Error(`address monitors not live after 10 s on ${hosts.filter((h) => !caughtUp(h)).map((h) => h.name).join(', ')}`);
      if (nextMarker > 65_000) throw new Error('exclusivity watcher: out of marker addresses');
      const address = markerAddress(nextMarker++);
      for (const host of hosts.filter((h) => !caughtUp(h))) {
        await execa('ip', ['-n', host.ns, 'addr', 'add', `${address}/32`, 'dev', 'lo'], { reject: false });
        await execa('ip', ['-n', host.ns, 'addr', 'del', `${address}/32`, 'dev', 'lo'], { reject: false });
      }
      const until = Date.now() + 500;
      while (!hosts.every(caughtUp) && Date.now() < until) await delay(5);
    }
  };
  const liveHosts = (): LabHost[] => opts.hosts.filter((h) => !paused.has(h.name));

  // What is there now, compared with what the events said (events from now on
  // keep it current). A snapshot that raced with an event is taken again.
  const resync = async (host: LabHost): Promise<void> => {
    for (let i = 0; ; i++) {
      const before = eventsByNode.get(host.name) ?? 0;
      const r = await execa('ip', ['-n', host.ns, '-o', '-4', 'addr', 'show'], { reject: false });
      // Every change made before the snapshot has now been applied; none since, if the count did not move.
      await arm([host]);
      if ((eventsByNode.get(host.name) ?? 0) !== before && i < 20) continue;
      applySnapshot(host, String(r.stdout));
      return;
    }
  };
  const applySnapshot = (host: LabHost, stdout: string): void => {
    const now = Date.now();
    const present = new Set<string>();
    for (const line of stdout.split('\n')) {
      const m = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(line);
      if (m?.[1] && watched.has(m[1])) present.add(m[1]);
    }
    for (const address of watched) {
      const list = nodeIntervals(address, host.name);
      const last = list[list.length - 1];
      const open = last !== undefined && last[1] === Infinity;
      if (present.has(address) && !open) {
        list.push([now, Infinity]);
        noteChange({ atMs: now, node: host.name, what: address, now: true });
      }
      if (!present.has(address) && open) {
        last[1] = now;
        noteChange({ atMs: now, node: host.name, what: address, now: false });
      }
    }
  };

  const stopMonitors = async (): Promise<void> => {
    for (const m of monitors.values()) m.kill('SIGKILL');
    await Promise.race([Promise.allSettled([...monitors.values()]), delay(3000)]);
  };

  try {
    for (const host of opts.hosts) spawnMonitor(host);
    await arm(opts.hosts);
    for (const host of opts.hosts) await resync(host);
    baselineTaken = true;
  } catch (err) {
    await stopMonitors();
    throw err;
  }

  // Process sampling: consecutive samples in which two nodes run the same thing form one overlap.
  const byName = new Map<string, WatchedProcess[]>();
  for (const p of opts.processes ?? []) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const lastRunning = new Map<WatchedProcess, boolean>();
  const sample = (): void => {
    const now = Date.now();
    processSamples++;
    for (const [name, procs] of byName) {
      const running: string[] = [];
      for (const p of procs) {
        const on = p.isRunning();
        if (on) running.push(p.node);
        const before = lastRunning.get(p);
        if (before !== undefined && before !== on) noteChange({ atMs: now, node: p.node, what: name, now: on });
        lastRunning.set(p, on);
      }
      const open = openProcessOverlap.get(name);
      if (running.length > 1) {
        if (open) open.toMs = now;
        else openProcessOverlap.set(name, { nodes: running, fromMs: now, toMs: now });
      } else if (open) {
        processOverlaps.push({ what: `process ${name}`, nodes: open.nodes, fromMs: open.fromMs, toMs: open.toMs });
        openProcessOverlap.delete(name);
      }
    }
  };
  const timer = setInterval(sample, sampleMs);
  sample();

  const overlaps = (): Overlap[] => {
    const out: Overlap[] = [];
    for (const [address, byNode] of intervals) {
      const nodes = [...byNode.keys()];
      for (let i = 0; i < nodes.length; i++) {
        for (let j = i + 1; j < nodes.length; j++) {
          for (const [fromMs, toMs] of intersect(byNode.get(nodes[i]!)!, byNode.get(nodes[j]!)!)) {
            out.push({ what: `address ${address}`, nodes: [nodes[i]!, nodes[j]!], fromMs, toMs });
          }
        }
      }
    }
    out.push(...processOverlaps);
    for (const [name, o] of openProcessOverlap) out.push({ what: `process ${name}`, nodes: o.nodes, fromMs: o.fromMs, toMs: Infinity });
    return out.sort((a, b) => a.fromMs - b.fromMs);
  };
  const allWindows = (): AllowanceWindow[] => [...windows, ...(openWindow ? [{ ...openWindow, toMs: Infinity }] : [])];
  const violations = (o?: JudgeOptions): Overlap[] =>
    overlaps().filter((x) => !isAllowed(x, allWindows()) && (o?.wholeRun === true || x.toMs >= (o?.sinceMs ?? testStartMs)));

  return {
    allowOverlapBegin: (reason, nodes) => {
      if (openWindow) throw new Error(`an allowance window is already open (${openWindow.reason})`);
      openWindow = { reason, fromMs: Date.now(), ...(nodes ? { nodes } : {}) };
    },
    allowOverlapEnd: async () => {
      if (!openWindow) return;
      // The kernel's changes up to now reach us through the monitors, stamped when printed: wait for them.
      await arm(liveHosts());
      windows.push({ ...openWindow, toMs: Math.max(Date.now(), lastEventAtMs) });
      openWindow = undefined;
    },
    beginTest: () => {
      testStartMs = Date.now();
    },
    overlaps,
    violations,
    assertExclusive: (label, o) => {
      if (lostMonitors.length > 0) throw new Error(`${label}: the address monitor of ${lostMonitors.join(', ')} died: the watcher is blind there`);
      const v = violations(o);
      if (v.length === 0) return;
      throw new Error(describeViolations(label, v, allWindows(), seen));
    },
    pause: async (name) => {
      const mon = monitors.get(name);
      if (!mon || paused.has(name)) return;
      paused.add(name);
      mon.kill('SIGKILL');
      await Promise.race([mon, delay(3000)]);
    },
    resume: async (name) => {
      if (!paused.has(name)) return;
      const host = opts.hosts.find((h) => h.name === name);
      if (!host) throw new Error(`no watched host ${name}`);
      spawnMonitor(host);
      paused.delete(name);
      await arm([host]);
      await resync(host);
    },
    transitions: (sinceMs = 0) => withoutRewrites(changes, watched).filter((t) => t.atMs >= sinceMs),
    caughtUp: () => arm(liveHosts()),
    runningOn: (name) => (byName.get(name) ?? []).filter((p) => p.isRunning()).map((p) => p.node),
    stats: () => ({ addressEvents, processSamples, windows: allWindows() }),
    holdersOf: (address) =>
      [...(intervals.get(address) ?? new Map<string, Array<[number, number]>>()).entries()]
        .filter(([, list]) => list.length > 0 && list[list.length - 1]![1] === Infinity)
        .map(([node]) => node),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      sample();
      await stopMonitors();
    },
  };
}
