export { HeartbeatNode, MAX_TICK_INTERVAL, type HeartbeatNodeOptions } from './heartbeat-node.js';
export { toHeartbeatEvent } from './events.js';
export { Lifecycle, type LifecycleTable } from './lifecycle.js';
export { lagThresholds, type LagThresholds } from './loop-lag.js';
export { PingMonitor, type PingTarget } from './ping-monitor.js';
export { RateLimiter } from './rate-limit.js';
export type {
  ApplyConfigResult,
  BadPacketEvent,
  HeartbeatCounters,
  ClusterMessageEvent,
  HeartbeatEvent,
  HeartbeatEventKind,
  HeartbeatEventOf,
  HeartbeatNodeEvents,
  HeartbeatSnapshot,
  LinkSnapshot,
  LinkStatusEvent,
  NodeSnapshot,
  NodeStatusEvent,
} from './types.js';
