// What the daemon hands the notifications part: it subscribes to the
// heartbeat layer's events itself, and the daemon calls it at the few points
// where group operations start and end, probes fall or rise, and the
// configuration is re-read. Everything returns at once.
import type { Logger } from '../log/index.js';
import type { Activity, GroupOpResult } from '../observe/index.js';
import type { ProbeFallRise } from '../monitor/index.js';
import type { HbMessage, HeartbeatEvent } from '../heartbeat/index.js';
import { classifyActivity } from '../observe/index.js';
import { groupReason, type NotifyEvent, type NotifyReason } from './events.js';
import { Notifier } from './notifier.js';
import { RcHooks } from './rc-hooks.js';
import { targetProblems, type NotifyTargets } from './targets.js';

/** HeartbeatNode's one event stream (the bridge reads node status, comm up and messages). */
export interface NotifySource {
  subscribe(listener: (e: HeartbeatEvent) => void): unknown;
}

export interface DaemonNotificationsOptions {
  readonly targets: NotifyTargets;
  readonly configDir: string;
  readonly localNode: string;
  readonly homeOf: (key: string) => string | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** The HA_* environment of an rc.d hook for this message (the daemon's messageScriptEnvironment). */
  readonly messageEnv: (message: HbMessage) => Record<string, string>;
  readonly logger: Logger;
  readonly scratchDir?: string;
}

/** Statuses of a node that is not (yet, or any more) alive. */
const NOT_ALIVE = new Set(['dead', 'init']);

/** How long a graceful stop waits for queued notifications. */
export const NOTIFY_CLOSE_BOUND_MS = 5_000;

export class DaemonNotifications {
  readonly notifier: Notifier;
  private readonly rc: RcHooks;
  private commUp = false;
  /** Why each group operation in flight started ("start key" / "stop key"). */
  private readonly reasons = new Map<string, { reason: NotifyReason; detail: string }>();

  constructor(private readonly options: DaemonNotificationsOptions) {
    const { targets, logger } = options;
    this.notifier = new Notifier({ targets, configDir: options.configDir, env: options.env, logger, ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}) });
    this.rc = new RcHooks(targets.rcDir, targets.timeoutMs, logger, options.scratchDir);
  }

  /** Before any heartbeat: a target that cannot be used stops the start with a clear message. */
  async start(): Promise<void> {
    const problems = targetProblems(this.options.targets);
    if (problems.length > 0) throw new Error(problems.join('; '));
    await this.notifier.start();
    await this.rc.scan();
  }

  /**
   * Subscribe BEFORE the daemon's own listeners: a node's death then comes
   * out before the group moves it causes (listeners run in order).
   */
  watch(source: NotifySource): void {
    source.subscribe((e) => {
      if (e.kind === 'nodeStatus') {
        if (e.isLocal) return;
        if (e.status === 'dead' && e.previous !== 'dead') this.emit({ kind: 'node-dead', node: e.node, nodeType: e.nodeType });
        else if (NOT_ALIVE.has(e.previous) && !NOT_ALIVE.has(e.status)) this.emit({ kind: 'node-up', node: e.node, nodeType: e.nodeType, status: e.status });
      } else if (e.kind === 'commUp') {
        this.commUp = true;
      } else if (e.kind === 'message') {
        if (!this.commUp || !this.rc.has(e.type)) return;
        this.rc.push({ type: e.type, env: { ...this.options.env, ...this.options.messageEnv(e.message) } });
      }
    });
  }

  /** The daemon starts a group operation the running activity asked for. */
  operationStarted(op: 'start' | 'stop', key: string, activity: Activity | undefined): void {
    const reason = groupReason(activity, this.options.localNode, this.options.homeOf, key);
    const detail = activity === undefined ? `${op} outside any activity` : classifyActivity(activity, this.options.localNode, this.options.homeOf, [key]).detail;
    this.reasons.set(`${op} ${key}`, { reason, detail });
    this.emit({ kind: op === 'start' ? 'group-acquiring' : 'group-releasing', group: key, reason, detail });
  }

  operationFinished(result: GroupOpResult): void {
    const started = this.reasons.get(`${result.op} ${result.key}`) ?? { reason: 'other' as const, detail: `${result.op} outside any activity` };
    this.reasons.delete(`${result.op} ${result.key}`);
    const { reason, detail } = started;
    if (!result.ok) this.emit({ kind: 'group-failed', group: result.key, reason, op: result.op, detail: `${result.op} failed (${detail})` });
    else this.emit({ kind: result.op === 'start' ? 'group-held' : 'group-released', group: result.key, reason, detail });
  }

  probeFallRise(change: ProbeFallRise): void {
    this.emit({ kind: change.phase === 'down' ? 'probe-fall' : 'probe-rise', probe: change.probe, ...(change.group === undefined ? {} : { group: change.group }), detail: change.reason });
  }

  configReloaded(summary: string): void {
    this.emit({ kind: 'config-reloaded', detail: summary });
  }

  async close(): Promise<void> {
    await Promise.all([this.notifier.close(NOTIFY_CLOSE_BOUND_MS), this.rc.close(NOTIFY_CLOSE_BOUND_MS)]);
  }

  private emit(event: NotifyEvent): void {
    try {
      this.notifier.emit(event);
    } catch (err) {
      this.options.logger.error(`notifications: ${event.kind} not queued: ${(err as Error).message}`);
    }
  }
}
