// "Our node" for the interop tests: one heartbeat-ts node on a lab host, run
// from a real /etc/ha.d-style directory (ha.cf, haresources, authkeys), seen
// only through what an admin or the real peer could see — node and link
// status, its log, a crash, a stop, a restart on the same state directory.
//
// TODAY it runs test/helpers/hbnode-runner.ts (a HeartbeatNode in its own
// process, JSON-line events on stdout, `snapshot` on stdin). When the full
// daemon exists, THIS FILE is the only place to change: start the daemon as
//   node dist/cli/heartbeat.js --config-dir C --state-dir S --run-dir R --node N
// and answer nodeStatus/linkStatus with `node dist/cli/cl_status.js
// nodestatus|hblinkstatus … --run-dir R` run inside host.ns; deadtimeOf() and
// badPacketCount() from `cl_status --json`; logLines() reads the daemon's
// logfile; mark() is the logfile's size and waitForNodeStatus() polls the
// logfile from there every 20 ms for "node X: is dead" / "Status update for
// node X: status Y" (cl_status is a Node process start per call: too slow to
// time a detection). The tests use nothing else.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { LabHost } from './netns.js';
import { startHbNodeFromConfigDir, type HbEvent, type HbNodeProcess } from './hbnode-lab.js';

export interface OurNodeOptions {
  readonly host: LabHost;
  /** Our node name (`--node`); must be a `node` in the ha.cf of configDir. */
  readonly nodeName: string;
  /** A directory holding ha.cf, haresources and authkeys (mode 0600). */
  readonly configDir: string;
  /** hb_generation and hb_uuid live here; kept across restart(). */
  readonly stateDir: string;
  /** Bound on start-up until the node transmits (default 20 s). */
  readonly readyTimeoutMs?: number;
}

export interface OurNode {
  readonly nodeName: string;
  readonly host: LabHost;
  readonly options: OurNodeOptions;
  /** Epoch ms when the process was spawned. */
  readonly startedAt: number;
  /** Epoch ms when it reported being up (media open, heartbeats going out). */
  readonly readyAt: number;
  /** The generation (hg) this run uses. */
  readonly generation: number;
  /** `cl_status nodestatus NODE`: init | up | active | dead | ping. */
  nodeStatus(node: string): Promise<string>;
  /** `cl_status hblinkstatus NODE LINK`: up | dead. */
  linkStatus(node: string, link: string): Promise<string>;
  /** Our dead time applied to NODE (its advertised dt), ms. */
  deadtimeOf(node: string): Promise<number>;
  /** A position in what the node has reported so far (for waitForNodeStatus); 0 = its start. */
  mark(): number;
  /**
   * Epoch ms at which this node reported NODE entering one of `statuses`
   * after position `from` (a mark()). Rejects at the deadline or if the node exits.
   */
  waitForNodeStatus(node: string, statuses: readonly string[], from: number, timeoutMs: number): Promise<number>;
  /** Datagrams dropped as malformed or unauthenticated since start. */
  badPacketCount(): Promise<number>;
  /** Every log line so far, "level: message". */
  logLines(): string[];
  isRunning(): boolean;
  /** SIGKILL of every process of this node (the node and its descendants). */
  crash(): Promise<void>;
  /** Graceful stop (SIGTERM), bounded. */
  stop(timeoutMs?: number): Promise<void>;
  /** Start again on the same state dir (new generation); the old handle is done. */
  restart(overrides?: Partial<Pick<OurNodeOptions, 'configDir'>>): Promise<OurNode>;
}

interface NodeView {
  readonly name: string;
  readonly status: string;
  readonly deadtime: number;
  readonly links: ReadonlyArray<{ readonly name: string; readonly status: string }>;
}

/** This process and every descendant (bounded walk of /proc children lists). */
export function processTree(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length && i < 4096; i++) {
    const pid = out[i]!;
    let tasks: string[] = [];
    try {
      tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/);
    } catch {
      continue;
    }
    for (const c of tasks) if (/^\d+$/.test(c)) out.push(Number(c));
  }
  return out;
}

export async function startOurNode(opts: OurNodeOptions): Promise<OurNode> {
  const startedAt = Date.now();
  const proc = await startHbNodeFromConfigDir(opts.host, opts.nodeName, opts.configDir, opts.stateDir, {
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
  });
  const first = proc.events.find((e) => e.ev === 'ready' || e.ev === 'startError');
  if (!first || first.ev !== 'ready') {
    proc.kill('SIGKILL');
    await Promise.race([proc.exited, delay(5000)]);
    throw new Error(`our node ${opts.nodeName} did not start: ${String(first?.message ?? proc.stderr())}`);
  }
  return wrap(proc, opts, startedAt, first);
}

function wrap(proc: HbNodeProcess, opts: OurNodeOptions, startedAt: number, ready: HbEvent): OurNode {
  let running = true;
  void proc.exited.then(() => {
    running = false;
  });
  const view = async (node: string): Promise<NodeView> => {
    const snap = await proc.snapshot();
    const v = (snap.nodes as NodeView[]).find((n) => n.name === node);
    if (!v) throw new Error(`our node ${opts.nodeName} does not know node ${node}`);
    return v;
  };
  const self: OurNode = {
    nodeName: opts.nodeName,
    host: opts.host,
    options: opts,
    startedAt,
    readyAt: ready.t,
    generation: Number(ready.generation),
    nodeStatus: async (node) => (await view(node)).status,
    linkStatus: async (node, link) => {
      const l = (await view(node)).links.find((x) => x.name === link);
      if (!l) throw new Error(`our node ${opts.nodeName} has no link ${link} to ${node}`);
      return l.status;
    },
    deadtimeOf: async (node) => (await view(node)).deadtime,
    mark: () => proc.events.length,
    waitForNodeStatus: async (node, statuses, from, timeoutMs) => {
      const what = `${node} ${statuses.join('|')}`;
      const pred = (x: HbEvent): boolean => x.ev === 'nodeStatus' && x.node === node && statuses.includes(String(x.status));
      // Synchronous check then subscribe: no event can slip in between.
      const seen = proc.events.slice(from).find(pred);
      return (seen ?? (await proc.waitForNext(what, pred, timeoutMs))).t;
    },
    badPacketCount: async () => Number((await proc.snapshot()).badPackets),
    logLines: () => proc.events.filter((e) => e.ev === 'log').map((e) => `${String(e.level)}: ${String(e.msg)}`),
    isRunning: () => running,
    crash: async () => {
      if (!running) return;
      for (const pid of processTree(proc.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      await Promise.race([proc.exited, delay(10_000)]);
      if (running) throw new Error(`our node ${opts.nodeName} survived SIGKILL for 10 s`);
    },
    stop: async (timeoutMs = 10_000) => {
      if (!running) return;
      await proc.stop(timeoutMs);
    },
    restart: async (overrides = {}) => {
      if (running) throw new Error(`our node ${opts.nodeName} is still running; stop() or crash() it first`);
      return startOurNode({ ...opts, ...overrides });
    },
  };
  return self;
}
