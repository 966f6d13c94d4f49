// The resource manager: Heartbeat's v1 resource negotiation (spec §9) as a
// pure reducer. The daemon feeds it events (membership, cluster messages,
// admin requests, probe verdicts, group results, ticks) and carries out the
// commands it returns. See docs/resource-manager.md.
export { createManager, ManagerConfigError } from './create.js';
export { step, EVENT_TABLE, MESSAGE_TABLE } from './step.js';
export { isStable, rscStatus, resourceState, groupViews } from './queries.js';
export { nextDeadline, TIMERS } from './timers.js';
export { believedHolders } from './groups.js';
export type { ManagerGroupView } from './queries.js';
export { toClusterMessage } from './cluster-message.js';
export type { ClusterMessage, ClusterMessageResult, OutgoingMessage } from './cluster-message.js';
export { ON_PEER_STARTING, ON_RESOURCE_MESSAGE } from './negotiation.js';
export { STANDBY_TABLE, HB_TAKEOVER_MAPPING } from './standby.js';
export { DEFAULT_TIMERS, RESOURCE_STATE_NUMBER, STANDBY_PHASE_NUMBER } from './types.js';
export type {
  ManagerInit,
  ManagerTimers,
  ManagerConfig,
  ManagerState,
  ManagerEvent,
  GroupResultEvent,
  ManagerCommand,
  StepResult,
  StandbyRequest,
  AdminAnswer,
  AdminRefusalCode,
  ReleaseSource,
  ResourceStateName,
  StandbyPhase,
  GroupRunState,
  PeerStatus,
} from './types.js';
export type { RscName } from './rsc.js';
