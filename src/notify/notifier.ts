// The ordered event stream: each event gets the next number and its time,
// then goes to every target through the target's own ordered queue
// (queue.ts), so a slow script never delays the FIFO or the file, and
// nothing here ever waits in the caller: heartbeats go first.
//
//   notify.d  every script, one at a time, in name order, each with the
//             event's arguments and environment and `timeout`; the next
//             event's scripts start when the previous event's are done.
//   fifo      one line per event (fifo.ts: no reader never blocks).
//   file      one line per event appended (opened per line: logrotate-safe).
import { appendFile } from 'node:fs/promises';
import { closeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '../log/index.js';
import { runProcess } from '../resources/index.js';
import type { NotifyEvent, StampedEvent } from './events.js';
import { FIFO_PATIENCE_MS, openFifo, writeFifoLine } from './fifo.js';
import { eventArgs, eventEnvironment, eventLine } from './format.js';
import { OrderedQueue } from './queue.js';
import { listScripts, MAX_NOTIFY_SCRIPTS } from './scripts.js';
import type { NotifyTargets } from './targets.js';

/** Events waiting per target before the oldest is dropped. */
export const NOTIFY_QUEUE_CAPACITY = 1_000;
/** After a script's timeout: SIGTERM to its process group, then SIGKILL this much later. */
export const SCRIPT_KILL_GRACE_MS = 2_000;
/** Longest time a drop is kept quiet: drops are logged at most once per this, with their count. */
const DROP_LOG_INTERVAL_MS = 60_000;

export interface NotifierOptions {
  readonly targets: NotifyTargets;
  readonly configDir: string;
  /** The daemon's HA_* environment for every script (script-environment.ts). */
  readonly env: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Where the process runner keeps its output capture files. */
  readonly scratchDir?: string;
  /** How long a line waits for room in a full pipe before it is dropped (default FIFO_PATIENCE_MS). */
  readonly fifoPatienceMs?: number;
}

interface Target {
  readonly name: string;
  readonly queue: OrderedQueue<StampedEvent>;
}

export class Notifier {
  private seq = 0;
  private readonly targets: Target[] = [];
  private fifoFd: number | undefined;
  private readonly log: Logger;
  private lastDropLog = new Map<string, number>();

  constructor(private readonly options: NotifierOptions) {
    this.log = options.logger;
  }

  /** Opens the FIFO (creating it); throws with a clear message when it cannot be used. */
  async start(): Promise<void> {
    const t = this.options.targets;
    if (t.dir !== null) this.addTarget('notify.d', (e, dropped) => this.runScripts(t.dir!, e, dropped), MAX_NOTIFY_SCRIPTS * (t.timeoutMs + SCRIPT_KILL_GRACE_MS + 10_000));
    if (t.fifo !== null) {
      this.fifoFd = await openFifo(t.fifo);
      const fd = this.fifoFd;
      this.addTarget(`fifo ${t.fifo}`, async (e, dropped) => {
        const done = await writeFifoLine(fd, eventLine({ ...e, dropped }, this.options.configDir), this.options.fifoPatienceMs ?? FIFO_PATIENCE_MS);
        if (done === 'full') this.noteDrop(`fifo ${t.fifo}`, `no reader, or one too slow: the pipe stayed full; event ${e.seq} (${e.event.kind}) dropped`);
      }, 30_000);
    }
    if (t.file !== null) {
      const file = t.file;
      this.addTarget(`file ${file}`, (e, dropped) => appendFile(file, eventLine({ ...e, dropped }, this.options.configDir), { mode: 0o644 }), 30_000);
    }
  }

  /** Numbers the event and hands it to every target; returns at once. */
  emit(event: NotifyEvent): StampedEvent {
    const stamped: StampedEvent = { seq: ++this.seq, at: new Date().toISOString(), event, dropped: 0 };
    for (const t of this.targets) t.queue.push(stamped);
    return stamped;
  }

  /** Waits (at most `boundMs`) for what is queued to be delivered, then stops. */
  async close(boundMs: number): Promise<void> {
    for (const t of this.targets) t.queue.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.targets.map((t) => t.queue.idle())),
      new Promise((resolve) => (timer = setTimeout(resolve, boundMs))),
    ]);
    clearTimeout(timer);
    for (const t of this.targets) {
      const { waiting, busy } = t.queue.stats;
      if (waiting > 0 || busy) this.log.warn(`notifications: ${t.name} still had ${waiting + (busy ? 1 : 0)} event(s) to deliver at exit; not delivered`);
    }
    if (this.fifoFd !== undefined) closeSync(this.fifoFd);
    this.fifoFd = undefined;
  }

  private addTarget(name: string, deliver: (e: StampedEvent, dropped: number) => Promise<void>, guardMs: number): void {
    const queue = new OrderedQueue<StampedEvent>({
      capacity: NOTIFY_QUEUE_CAPACITY,
      guardMs,
      deliver: (e, dropped) => deliver(e, dropped),
      onDrop: (e, total) => this.noteDrop(name, `queue full (${NOTIFY_QUEUE_CAPACITY} events): the oldest, event ${e.seq} (${e.event.kind}), dropped; ${total} dropped so far`),
      onFailure: (e, problem) => this.log.error(`notifications: ${name}: event ${e.seq} (${e.event.kind}): ${problem}`),
    });
    this.targets.push({ name, queue });
  }

  private noteDrop(target: string, text: string): void {
    const now = Date.now();
    const last = this.lastDropLog.get(target);
    if (last !== undefined && now - last < DROP_LOG_INTERVAL_MS) return;
    this.lastDropLog.set(target, now);
    this.log.warn(`notifications: ${target}: ${text}`);
  }

  private async runScripts(dir: string, stamped: StampedEvent, dropped: number): Promise<void> {
    const listing = await listScripts(dir);
    if (listing.error) {
      this.noteDrop('notify.d', `cannot read ${dir}: ${listing.error}; event ${stamped.seq} (${stamped.event.kind}) not delivered to scripts`);
      return;
    }
    for (const s of listing.skipped) this.log.debug(`notifications: ${dir}/${s.name} skipped: ${s.why}`);
    const e = { ...stamped, dropped };
    const args = eventArgs(e, this.options.configDir);
    const env = { ...this.options.env, ...eventEnvironment(e, this.options.configDir) };
    for (const script of listing.scripts) {
      const r = await runProcess({
        command: script,
        args,
        env,
        timeoutMs: this.options.targets.timeoutMs,
        killGraceMs: SCRIPT_KILL_GRACE_MS,
        ...(this.options.scratchDir ? { scratchDir: this.options.scratchDir } : {}),
      });
      const what = `notify.d/${basename(script)} ${args.join(' ')} (event ${e.seq})`;
      const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
      if (r.spawnError) this.log.error(`notifications: ${what} could not run: ${r.spawnError}`);
      else if (r.timedOut) this.log.error(`notifications: ${what} killed after its timeout of ${this.options.targets.timeoutMs} ms${tail ? `: ${tail}` : ''}`);
      else if (r.exitCode !== 0) this.log.warn(`notifications: ${what} exited with ${r.exitCode ?? r.signal}${tail ? `: ${tail}` : ''}`);
      else this.log.debug(`notifications: ${what} done in ${Math.round(r.durationMs)} ms`);
    }
  }
}
