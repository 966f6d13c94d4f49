// "Our node" for the interop tests: the heartbeat-ts DAEMON on a lab host, as
// an admin runs it —
//   node dist/cli/heartbeat.js --config-dir C --state-dir S --run-dir R --node N
// (started by hbts-node.ts) from an /etc/ha.d-style directory (ha.cf and
// authkeys; haresources empty: issue 3's interop is the heartbeat layer), and
// seen only through what an admin or the real peer could see:
// - node and link status through our `cl_status nodestatus|hblinkstatus`,
//   the generation, dead times and bad-packet counter through `cl_status --json`;
// - its logfile: logLines(), mark() and waitForNodeStatus(), which times
//   "node X: is dead" / "Status update for node X: status Y" by tailing the
//   file every 20 ms from the moment the daemon is spawned (cl_status starts a
//   Node process per call: far too slow to time a detection, and a line
//   already written when the caller starts waiting keeps the time it was seen);
// - crash (SIGKILL of everything in its namespace), stop (`heartbeat -k`),
//   restart on the same directory (same uuid, generation + 1).
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { LabHost } from './netns.js';
import { startOurNode as startDaemon, type CommandResult, type OurNode as DaemonNode } from './hbts-node.js';

export interface OurNodeOptions {
  readonly host: LabHost;
  /** Our node name (`--node`); must be a `node` in the ha.cf of configDir. */
  readonly nodeName: string;
  /** A directory holding ha.cf and authkeys (mode 0600); its haresources is not used (ours runs none). */
  readonly configDir: string;
  /**
   * The daemon's own directory (hbts-node's layout: etc/, state/, run/,
   * ha-log); kept across restart(), so hb_generation and hb_uuid persist.
   */
  readonly workDir: string;
  /** Bound on start-up until the control socket answers (default 20 s). */
  readonly readyTimeoutMs?: number;
}

export interface OurNode {
  readonly nodeName: string;
  readonly host: LabHost;
  readonly options: OurNodeOptions;
  /** Where the daemon keeps hb_generation and hb_uuid (`--state-dir`). */
  readonly stateDir: string;
  /** Epoch ms when the process was spawned. */
  readonly startedAt: number;
  /** Epoch ms when start-up returned (the control socket answers: media open, heartbeats going out). */
  readonly readyAt: number;
  /** The generation (hg) this run uses (`cl_status --json`). */
  readonly generation: number;
  /** `cl_status nodestatus NODE`: init | up | active | dead | ping. */
  nodeStatus(node: string): Promise<string>;
  /** `cl_status hblinkstatus NODE LINK`: up | dead. */
  linkStatus(node: string, link: string): Promise<string>;
  /** Our dead time applied to NODE (its advertised dt), ms; null before it was heard. */
  deadtimeOf(node: string): Promise<number | null>;
  /** A position in this run's log (for waitForNodeStatus); 0 = its start. */
  mark(): number;
  /**
   * Epoch ms at which this node's log said NODE entered one of `statuses`
   * after position `from` (a mark()), as seen by a 20 ms tail of the logfile.
   * Rejects at the deadline or if the node exits without saying it.
   */
  waitForNodeStatus(node: string, statuses: readonly string[], from: number, timeoutMs: number): Promise<number>;
  /** Datagrams dropped as malformed or unauthenticated since start (`cl_status --json` badPackets). */
  badPacketCount(): Promise<number>;
  /** Every line this run has logged so far, "level: message" (level lowercase). */
  logLines(): string[];
  isRunning(): boolean;
  /** SIGKILL of every process of this node (its namespace). */
  crash(): Promise<void>;
  /** Graceful stop (`heartbeat -k`), bounded. */
  stop(timeoutMs?: number): Promise<void>;
  /** Start again on the same work dir (new generation); the old handle is done. */
  restart(overrides?: Partial<Pick<OurNodeOptions, 'configDir'>>): Promise<OurNode>;
}

/** How often the logfile is read: the resolution of every time waitForNodeStatus returns. */
const LOG_TAIL_PERIOD_MS = 20;

/**
 * Directives of the given ha.cf that the harness owns: hbts-node writes
 * `logfile`/`debugfile` into the node's directory and the adapter reads that
 * file, so a second pair from the config dir would point the log elsewhere.
 */
const HARNESS_DIRECTIVES = /^\s*(logfile|debugfile)\b/;

/** The daemon's text log line: `heartbeat[PID]: 2026/11/22_03:03:32 WARN: message` (src/log/logger.ts). */
const DAEMON_LINE = /^\S+\[\d+\]: \d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d (\S+): (.*)$/;

interface SeenLine {
  /** Byte offset of the line's start in the logfile. */
  readonly offset: number;
  /** Epoch ms when the tail first read it. */
  readonly seenAt: number;
  /** "level: message". */
  readonly text: string;
}

/**
 * Reads a growing logfile from `startOffset` on, keeping each complete line
 * with the time it was first read. Runs only while `alive()`; every read is of
 * the bytes appended since the last one.
 */
class LogTail {
  private readonly lines: SeenLine[] = [];
  private position: number;
  private partial = Buffer.alloc(0);
  private partialOffset: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    readonly startOffset: number,
  ) {
    this.position = startOffset;
    this.partialOffset = startOffset;
  }

  start(alive: () => boolean): void {
    this.timer = setInterval(() => {
      this.readNew();
      if (!alive()) this.stopTail();
    }, LOG_TAIL_PERIOD_MS);
  }

  stopTail(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.readNew();
  }

  /** Lines from absolute byte offset `from` on, reading what is new first. */
  since(from: number): readonly SeenLine[] {
    this.readNew();
    return this.lines.filter((l) => l.offset >= from);
  }

  size(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }

  private readNew(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      const end = fstatSync(fd).size;
      if (end <= this.position) return;
      // Bounded: one read of what was appended, at most 16 MiB per tick.
      const length = Math.min(end - this.position, 16 * 1024 * 1024);
      const chunk = Buffer.alloc(length);
      const got = readSync(fd, chunk, 0, length, this.position);
      this.position += got;
      this.absorb(chunk.subarray(0, got));
    } finally {
      closeSync(fd);
    }
  }

  private absorb(chunk: Buffer): void {
    const now = Date.now();
    let data = Buffer.concat([this.partial, chunk]);
    let offset = this.partialOffset;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
      const raw = data.subarray(0, nl).toString('utf8');
      const m = DAEMON_LINE.exec(raw);
      if (m) this.lines.push({ offset, seenAt: now, text: `${m[1]!.toLowerCase()}: ${m[2]!}` });
      else if (this.lines.length > 0) {
        // A message with a newline in it: the rest belongs to the line before.
        const last = this.lines.pop()!;
        this.lines.push({ ...last, text: `${last.text}\n${raw}` });
      } else this.lines.push({ offset, seenAt: now, text: `info: ${raw}` });
      offset += nl + 1;
      data = data.subarray(nl + 1);
    }
    this.partial = Buffer.from(data);
    this.partialOffset = offset;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The status a log line announces for `node`, if it announces one. */
function announcedStatus(text: string, node: string): string | undefined {
  const n = escapeRegExp(node);
  // The component label follows Heartbeat's text (` [heartbeat]`).
  const label = '(?: \\[[^\\]]+\\])?';
  if (new RegExp(`node ${n}: is dead${label}$`).test(text)) return 'dead';
  return new RegExp(`Status update for node ${n}: status (\\S+)${label}$`).exec(text)?.[1];
}

function answer(r: CommandResult, what: string, nodeName: string): string {
  const out = r.stdout.trim();
  // cl_status: 0 = up/active, 1 = down/dead; anything else is an error.
  if ((r.exitCode !== 0 && r.exitCode !== 1) || out === '') {
    throw new Error(`our node ${nodeName}: cl_status ${what} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  }
  return out;
}

export async function startOurNode(opts: OurNodeOptions): Promise<OurNode> {
  const haCf = readFileSync(join(opts.configDir, 'ha.cf'), 'utf8')
    .split('\n')
    .filter((l) => !HARNESS_DIRECTIVES.test(l));
  const authkeys = readFileSync(join(opts.configDir, 'authkeys'), 'utf8');
  // hbts-node's layout: the daemon logs to <root>/ha-log, appended across restarts.
  const logPath = join(opts.workDir, 'ha-log');
  const tail = new LogTail(logPath, existsSync(logPath) ? statSync(logPath).size : 0);
  const startedAt = Date.now();
  const daemon = await startDaemon(opts.host, {
    nodeName: opts.nodeName,
    haCf,
    haresources: '',
    authkeys,
    rootDir: opts.workDir,
    startTimeoutMs: opts.readyTimeoutMs ?? 20_000,
  });
  const readyAt = Date.now();
  tail.start(() => daemon.isRunning());
  try {
    if (daemon.logPath !== logPath) throw new Error(`hbts-node logs to ${daemon.logPath}, expected ${logPath}`);
    const generation = (await daemon.status()).generation;
    return wrap(daemon, opts, tail, startedAt, readyAt, generation);
  } catch (err) {
    await daemon.crash();
    tail.stopTail();
    throw err;
  }
}

function wrap(daemon: DaemonNode, opts: OurNodeOptions, tail: LogTail, startedAt: number, readyAt: number, generation: number): OurNode {
  const name = opts.nodeName;
  const nodeView = async (node: string) => {
    const v = (await daemon.status()).nodes.find((n) => n.name === node);
    if (!v) throw new Error(`our node ${name} does not know node ${node}`);
    return v;
  };
  const self: OurNode = {
    nodeName: name,
    host: opts.host,
    options: opts,
    stateDir: daemon.stateDir,
    startedAt,
    readyAt,
    generation,
    nodeStatus: async (node) => answer(await daemon.clStatus('nodestatus', node), `nodestatus ${node}`, name),
    linkStatus: async (node, link) => answer(await daemon.clStatus('hblinkstatus', node, link), `hblinkstatus ${node} ${link}`, name),
    deadtimeOf: async (node) => (await nodeView(node)).deadtimeMs,
    mark: () => tail.size() - tail.startOffset,
    waitForNodeStatus: async (node, statuses, from, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = daemon.isRunning();
        const hit = tail.since(tail.startOffset + from).find((l) => {
          const s = announcedStatus(l.text, node);
          return s !== undefined && statuses.includes(s);
        });
        if (hit) return hit.seenAt;
        const what = `our node ${name} to log node ${node} ${statuses.join('|')}`;
        if (!running) throw new Error(`${what}: it exited first`);
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await delay(LOG_TAIL_PERIOD_MS);
      }
    },
    badPacketCount: async () => (await daemon.status()).badPackets,
    logLines: () => tail.since(tail.startOffset).map((l) => l.text),
    isRunning: () => daemon.isRunning(),
    crash: async () => {
      if (daemon.isRunning()) await daemon.crash();
      tail.stopTail();
      if (daemon.isRunning()) throw new Error(`our node ${name} survived SIGKILL`);
    },
    stop: async (timeoutMs = 10_000) => {
      if (daemon.isRunning()) await daemon.stop(timeoutMs);
      tail.stopTail();
      if (daemon.isRunning()) throw new Error(`our node ${name} did not stop within ${timeoutMs} ms of heartbeat -k`);
    },
    restart: async (overrides = {}) => {
      if (daemon.isRunning()) throw new Error(`our node ${name} is still running; stop() or crash() it first`);
      return startOurNode({ ...opts, ...overrides });
    },
  };
  return self;
}
