// Notifications (issue 13): one ordered event stream — notify.d scripts run
// one at a time, a FIFO, a line file — and Heartbeat's rc.d message hooks.
// docs/notifications.md describes the events, arguments and environment.
export { NOTIFY_EVENT_NAMES, NOTIFY_REASONS, groupReason } from './events.js';
export type { NotifyEvent, NotifyEventName, NotifyReason, StampedEvent } from './events.js';
export { eventArgs, eventEnvironment, eventLine, MAX_LINE_BYTES } from './format.js';
export { OrderedQueue } from './queue.js';
export type { OrderedQueueOptions } from './queue.js';
export { Notifier, NOTIFY_QUEUE_CAPACITY, SCRIPT_KILL_GRACE_MS } from './notifier.js';
export { RcHooks, BUILT_IN_RC_TYPES } from './rc-hooks.js';
export { listScripts, isScriptName, MAX_NOTIFY_SCRIPTS } from './scripts.js';
export { openFifo, writeFifoLine, FIFO_PATIENCE_MS } from './fifo.js';
export { resolveTargets, describeTargets, targetProblems } from './targets.js';
export type { NotifyTargets } from './targets.js';
export { DaemonNotifications, NOTIFY_CLOSE_BOUND_MS } from './daemon-bridge.js';
export type { DaemonNotificationsOptions, NotifySource } from './daemon-bridge.js';
