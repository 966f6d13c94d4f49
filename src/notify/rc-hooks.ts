// Heartbeat's message hooks (spec §6, §9.8): for a cluster message of type T
// received once the local comm is up, Heartbeat runs `harc T`, which execs
// `<config-dir>/rc.d/T T` with every string field of the message as HA_<name>,
// one at a time. The rc.d directory is read once per daemon lifetime (new
// scripts need a restart), as Heartbeat does.
//
// heartbeat-ts does itself what Heartbeat's stock rc.d scripts do
// (ask_resources, hb_takeover, ip-request, ip-request-resp, status): those
// names are never run, so the stock scripts a Heartbeat package left in
// rc.d cannot act a second time. Every other type with a script is run
// (custom message types, `starting`, `resource`, `shutdone`, ...).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/index.js';
import { runProcess } from '../resources/index.js';
import { OrderedQueue } from './queue.js';
import { SCRIPT_KILL_GRACE_MS, NOTIFY_QUEUE_CAPACITY } from './notifier.js';

/** Types whose stock rc.d script heartbeat-ts replaces (Heartbeat's default rc.d). */
export const BUILT_IN_RC_TYPES: ReadonlySet<string> = new Set(['ask_resources', 'hb_takeover', 'ip-request', 'ip-request-resp', 'status']);

export interface RcHookRun {
  readonly type: string;
  readonly env: Readonly<Record<string, string>>;
}

export class RcHooks {
  private scripts = new Set<string>();
  private readonly queue: OrderedQueue<RcHookRun>;

  constructor(
    private readonly rcDir: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly scratchDir?: string,
  ) {
    this.queue = new OrderedQueue<RcHookRun>({
      capacity: NOTIFY_QUEUE_CAPACITY,
      guardMs: timeoutMs + SCRIPT_KILL_GRACE_MS + 10_000,
      deliver: (run) => this.run(run),
      onDrop: (run, total) => this.log.warn(`rc.d/${run.type}: ${NOTIFY_QUEUE_CAPACITY} hooks already waiting; the oldest dropped (${total} so far)`),
      onFailure: (run, problem) => this.log.error(`rc.d/${run.type}: ${problem}`),
    });
  }

  /** Reads rc.d once: the executable files whose name is a message type heartbeat-ts leaves to them. */
  async scan(): Promise<readonly string[]> {
    const names = await readdir(this.rcDir).catch(() => [] as string[]);
    const found = new Set<string>();
    for (const name of names) {
      if (BUILT_IN_RC_TYPES.has(name.toLowerCase()) || name.startsWith('.')) continue;
      const st = await stat(join(this.rcDir, name)).catch(() => undefined);
      if (st?.isFile() && (st.mode & 0o111) !== 0) found.add(name);
    }
    this.scripts = found;
    if (found.size > 0) this.log.info(`rc.d message hooks: ${[...found].sort().join(', ')} (run for cluster messages of these types)`);
    return [...found].sort();
  }

  /** Whether a message of this type runs a hook. */
  has(type: string): boolean {
    return this.scripts.has(type);
  }

  /** Queues `rc.d/T T` with the message's environment; returns at once. */
  push(run: RcHookRun): void {
    if (this.scripts.has(run.type)) this.queue.push(run);
  }

  async close(boundMs: number): Promise<void> {
    this.queue.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue.idle(), new Promise((r) => (timer = setTimeout(r, boundMs)))]);
    clearTimeout(timer);
  }

  private async run(hook: RcHookRun): Promise<void> {
    const r = await runProcess({
      command: join(this.rcDir, hook.type),
      args: [hook.type],
      env: hook.env,
      timeoutMs: this.timeoutMs,
      killGraceMs: SCRIPT_KILL_GRACE_MS,
      ...(this.scratchDir ? { scratchDir: this.scratchDir } : {}),
    });
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    if (r.spawnError) this.log.error(`rc.d/${hook.type} could not run: ${r.spawnError}`);
    else if (r.timedOut) this.log.error(`rc.d/${hook.type} killed after its timeout of ${this.timeoutMs} ms${tail ? `: ${tail}` : ''}`);
    else if (r.exitCode !== 0) this.log.warn(`rc.d/${hook.type} exited with ${r.exitCode ?? r.signal}${tail ? `: ${tail}` : ''}`);
    else this.log.debug(`rc.d/${hook.type} done in ${Math.round(r.durationMs)} ms`);
  }
}
