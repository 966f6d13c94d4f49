export { Membership } from './machine.js';
export { REQNODES_RETRY } from './join.js';
export { STARTUP_DEADTIME_EXTRA, STARTUP_DEADTIME_PERIOD } from './local-status.js';
export { MAX_REXMIT_BATCH } from './sequencing.js';
export { MAX_HISTORY } from './send-history.js';
export { REPEAT_STATUS_AFTER_COMM_UP_MS, REPEAT_STATUS_AFTER_LOSS_MS } from './outgoing.js';
export { MAX_GAP, MAX_MISSING } from './sequence-filter.js';
export { hex, parseDecimal, parseHex } from './numbers.js';
export { isUnsequencedType, stampOutgoing } from './stamp.js';
export type {
  LinkStatus,
  LinkView,
  LogLevel,
  MembershipAction,
  MembershipConfig,
  MembershipEvent,
  MembershipSnapshot,
  Millis,
  NodeStatus,
  NodeType,
  NodeView,
  ReceiveOrigin,
} from './types.js';
