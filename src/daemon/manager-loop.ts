// The manager loop: one queue of events into the resource manager (a pure
// reducer), the commands of each step carried out in order through ports, a
// timer on the manager's next deadline, and admin requests (hb_standby,
// hb_takeover) held as pending requests until the manager answers them.
//
// Reduction is never re-entered: an event enqueued while commands run (a
// group that fails at once, a probe) waits its turn in the queue. Everything
// here runs on the manager's clock, `ports.now()` (monotonic ms); the
// wall clock may jump.
import type { HbMessage } from '../heartbeat/index.js';
import type { Logger } from '../log/index.js';
import {
  isStable,
  nextDeadline,
  step,
  type AdminRefusalCode,
  type ManagerCommand,
  type ManagerEvent,
  type ManagerState,
  type StandbyRequest,
} from '../resources/index.js';

/** What the loop carries out itself: the answers to admin requests. */
export type ExecutedCommand = Exclude<ManagerCommand, { kind: 'admin-result' }>;

export interface ManagerPorts {
  /** The manager's clock: monotonic ms. */
  now(): number;
  /**
   * Carry out one command. `trigger` is the cluster message that began the
   * activity running now, if one did: every script of that activity gets its
   * fields as HA_* (spec §9.8).
   */
  execute(command: ExecutedCommand, state: ManagerState, trigger: HbMessage | undefined): void;
  /** After each reduction (resource moves are settled here). */
  afterStep(state: ManagerState): void;
  /** Once the queue ran dry (probes learn the groups' states). */
  afterDrain(state: ManagerState): void;
  /** True once the daemon stops: a refused admin request is not asked again. */
  stopping(): boolean;
  readonly log: Pick<Logger, 'crit' | 'debug'>;
}

/** The daemon's own refusal codes next to the manager's. */
export type AdminAnswerCode = AdminRefusalCode | 'timeout';

export interface AdminOutcome {
  readonly accepted: boolean;
  readonly text: string;
  readonly code?: AdminAnswerCode;
}

/** Refusals that waiting cannot cure (and outcomes: a standby that was sent, then timed out or was cancelled). */
const FINAL_REFUSALS: ReadonlySet<AdminAnswerCode> = new Set(['nice-failback-off', 'shutting-down', 'no-reply', 'cancelled']);

export interface AdminTiming {
  /** The whole request must be answered within this (the control client's patience). */
  readonly answerWithinMs: number;
  /** A refusal that may pass is asked again, once the cluster settled, for at most this long. */
  readonly settleWaitMs: number;
  /** How often a refused request looks whether the cluster settled. */
  readonly retryEveryMs: number;
}

/** The activity running now (the manager's current activity), if any. */
export function currentActivity(state: ManagerState): NonNullable<ManagerState["currentActivity"]>["activity"] | undefined {
  return state.currentActivity?.activity;
}

export class ManagerLoop {
  private current: ManagerState;
  private readonly queue: Array<{ readonly event: ManagerEvent; readonly trigger: HbMessage | undefined }> = [];
  private draining = false;
  private tickTimer: NodeJS.Timeout | undefined;
  private tickAt: number | undefined;
  private closed = false;
  /** Bumped whenever the manager's state changes (a refused request is asked again only after a change). */
  private version = 0;
  private readonly pending = new Map<number, (answer: AdminOutcome) => void>();
  private requestSeq = 0;
  /** The running activity's fingerprint and the cluster message that began it. */
  private activityTrigger: { readonly fingerprint: string; readonly message: HbMessage } | undefined;

  constructor(
    initial: ManagerState,
    private readonly ports: ManagerPorts,
  ) {
    this.current = initial;
  }

  get state(): ManagerState {
    return this.current;
  }

  /** Reduce `event` (now, or after the events before it); `trigger`: the cluster message it comes from. */
  enqueue(event: ManagerEvent, trigger?: HbMessage): void {
    this.queue.push({ event, trigger });
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) this.reduce(next.event, next.trigger);
    } finally {
      this.draining = false;
    }
    this.scheduleTick();
    this.ports.afterDrain(this.current);
  }

  private reduce(event: ManagerEvent, trigger: HbMessage | undefined): void {
    const before = fingerprintOf(this.current);
    let result;
    try {
      result = step(this.current, event);
    } catch (err) {
      this.ports.log.crit(`resource manager failed on event ${event.type}: ${(err as Error).stack ?? String(err)}`);
      return;
    }
    if (result.state !== this.current) this.version++;
    this.current = result.state;
    this.noteTrigger(before, fingerprintOf(this.current), trigger);
    const activityTrigger = this.activityTrigger?.message;
    for (const command of result.commands) {
      // One command that throws must not drop the ones after it: a dropped
      // start-group is an operation the manager waits for forever.
      try {
        if (command.kind === 'admin-result') this.answer(command.id, { accepted: command.accepted, text: command.text, ...(command.code === undefined ? {} : { code: command.code }) });
        else this.ports.execute(command, this.current, activityTrigger);
      } catch (err) {
        this.ports.log.crit(`resource manager command ${command.kind} failed (the commands after it still run): ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.ports.afterStep(this.current);
  }

  /** An activity begun while a cluster message was reduced keeps that message for all its operations. */
  private noteTrigger(before: string | undefined, after: string | undefined, trigger: HbMessage | undefined): void {
    if (this.activityTrigger !== undefined && this.activityTrigger.fingerprint !== after) this.activityTrigger = undefined;
    if (trigger !== undefined && after !== undefined && after !== before) this.activityTrigger = { fingerprint: after, message: trigger };
  }

  private scheduleTick(): void {
    const due = nextDeadline(this.current);
    if (due === undefined || this.closed) {
      if (this.tickTimer) clearTimeout(this.tickTimer);
      this.tickTimer = undefined;
      this.tickAt = undefined;
      return;
    }
    if (this.tickTimer && this.tickAt === due) return;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickAt = due;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined;
      this.tickAt = undefined;
      this.enqueue({ type: 'tick', now: this.ports.now() });
    }, Math.max(0, due - this.ports.now()));
  }

  // ─────────────────────────── admin requests ───────────────────────────

  /**
   * hb_standby / hb_takeover. The manager answers at once (refused, or
   * hb_takeover sent) or, for a standby it sent, with its outcome (the peer's
   * `other`, or the 10 s "No reply to standby request"). Heartbeat silently
   * ignores a request that arrives while resources are moving; an admin (or
   * a script) would rather it happened once they settle, so a refusal that
   * may pass is asked again after each change, once the cluster is stable.
   * The refusal was logged once; retries are logged at debug level.
   */
  async request(kind: 'standby' | 'takeover', rsc: StandbyRequest, timing: AdminTiming): Promise<AdminOutcome> {
    const now = (): number => this.ports.now();
    const limitAt = now() + timing.answerWithinMs;
    const attempt = (retry: boolean): Promise<AdminOutcome> =>
      new Promise((resolve) => {
        const id = ++this.requestSeq;
        const timer = setTimeout(() => {
          this.pending.delete(id);
          resolve({ accepted: false, text: `no outcome within ${timing.answerWithinMs / 1000} s`, code: 'timeout' });
        }, Math.max(0, limitAt - now()));
        this.pending.set(id, (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        this.enqueue({ type: kind === 'standby' ? 'admin-standby' : 'admin-takeover', now: now(), rsc, id, retry });
      });
    let answer = await attempt(false);
    const settleUntil = now() + timing.settleWaitMs;
    let lastTry = this.version;
    while (!answer.accepted && !(answer.code !== undefined && FINAL_REFUSALS.has(answer.code)) && now() < settleUntil && !this.ports.stopping()) {
      await new Promise((r) => setTimeout(r, timing.retryEveryMs));
      // Asking again only makes sense once something changed and the cluster is stable.
      if (!isStable(this.current) || this.version === lastTry) continue;
      lastTry = this.version;
      answer = await attempt(true);
    }
    return answer;
  }

  private answer(id: number | undefined, outcome: AdminOutcome): void {
    const waiter = id === undefined ? undefined : this.pending.get(id);
    if (waiter === undefined) {
      this.ports.log.debug(`admin-result for no waiting request: ${outcome.text}`);
      return;
    }
    this.pending.delete(id!);
    waiter(outcome);
  }

  /** No more ticks (the daemon is on its way out: its last heartbeats only). */
  stopTicking(): void {
    this.closed = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    this.tickAt = undefined;
  }

  /** No more ticks; every waiting admin request is answered. */
  close(): void {
    this.stopTicking();
    for (const waiter of this.pending.values()) waiter({ accepted: false, text: 'heartbeat is shutting down', code: 'shutting-down' });
    this.pending.clear();
  }
}

function fingerprintOf(state: ManagerState): string | undefined {
  const activity = currentActivity(state);
  return activity === undefined ? undefined : JSON.stringify(activity);
}
