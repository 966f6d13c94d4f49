// What a group operation reports back to the daemon, which turns it into
// events for the resource manager. Every result names the group, carries a
// step per resource touched (with the agent's own result) and its duration.
import type { OperationResult } from '../agents/index.js';

export interface ResourceStep {
  /** The resource token as written in haresources. */
  readonly resource: string;
  /**
   * - `skipped`: a start found the resource already running (status said so) and left it alone.
   * - `started` / `stopped`: the operation succeeded.
   * - `failed`: the operation failed (for stops: after every retry).
   */
  readonly action: 'skipped' | 'started' | 'stopped' | 'failed';
  /** The last agent result for this resource (the status result for `skipped`). */
  readonly result: OperationResult;
  /** Operations run on this resource for this step (stops are retried). */
  readonly attempts: number;
}

export interface GroupStarted {
  readonly outcome: 'started';
  readonly group: string;
  readonly steps: readonly ResourceStep[];
  readonly durationMs: number;
}

/**
 * A resource would not start. The whole group was then stopped right to left
 * (`rollback`), as Heartbeat does; Heartbeat then gives the group to the
 * peer after a delay (ExtensionOptions.resources.failedStartStandbyDelay):
 * that decision belongs to the resource manager.
 */
export interface GroupStartFailed {
  readonly outcome: 'failed';
  readonly group: string;
  /** The resource whose start failed. */
  readonly resource: string;
  readonly reason: string;
  readonly steps: readonly ResourceStep[];
  /** Resources this attempt started (before the failure), in start order. */
  readonly startedByThisAttempt: readonly string[];
  /** The stop of the group that followed; `stopFailed` here needs the stop-failure policy too. */
  readonly rollback: GroupStopResult;
  readonly durationMs: number;
}

export type GroupStartResult = GroupStarted | GroupStartFailed;

export interface GroupStopped {
  readonly outcome: 'stopped';
  readonly group: string;
  readonly steps: readonly ResourceStep[];
  /** Stops that failed although status then said "not running" (a non-LSB script; Heartbeat only warns). */
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

/**
 * A resource would not stop after every retry and its status does not say
 * it is stopped: a critical state. The stop went no further (the resources
 * left of it are untouched, in `notStopped` with it); the group must never be
 * treated as stopped. Apply the configured stop-failure policy.
 */
export interface GroupStopFailed {
  readonly outcome: 'stopFailed';
  readonly group: string;
  readonly resource: string;
  readonly reason: string;
  readonly steps: readonly ResourceStep[];
  /** The failing resource and those left of it, in haresources order. */
  readonly notStopped: readonly string[];
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

export type GroupStopResult = GroupStopped | GroupStopFailed;

export interface ResourceStatus {
  readonly resource: string;
  /** Heartbeat's ownership answer: anything but a clear "running" counts as not running. */
  readonly state: 'running' | 'stopped';
  readonly result: OperationResult;
}

export interface GroupStatusResult {
  readonly group: string;
  /** Heartbeat's statgroup: ALL → running, NONE → stopped, SOME → partial. */
  readonly state: 'running' | 'stopped' | 'partial';
  readonly resources: readonly ResourceStatus[];
  readonly durationMs: number;
}
