export { GroupRunner, UnknownGroupError } from './group-runner.js';
export type { GroupRunnerOptions } from './group-runner.js';
export { applyStopFailurePolicy, DEFAULT_REBOOT_COMMAND } from './stop-failure-policy.js';
export type { StopFailurePolicyDeps, StopFailurePolicyOutcome } from './stop-failure-policy.js';
export { KeyedSerialQueue } from './serial-queue.js';
export type {
  GroupStartFailed,
  GroupStartResult,
  GroupStarted,
  GroupStatusResult,
  GroupStopFailed,
  GroupStopped,
  GroupStopResult,
  ResourceStatus,
  ResourceStep,
} from './types.js';
