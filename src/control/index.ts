export { ADMIN_ANSWER_LIMIT_MS, ADMIN_CLIENT_WAIT_MS, controlSocketPath, parseControlRequest, RESOURCE_SCOPES, CONTROL_SOCKET_NAME } from './protocol.js';
export type { ControlRequest, ControlResponse, ResourceScope } from './protocol.js';
export { requestDaemon, DaemonUnreachableError } from './client.js';
export { startControlServer } from './server.js';
export type { ControlHandler, ControlServer } from './server.js';
export { STATUS_SCHEMA_VERSION, formatStatusJson } from './status.js';
export type { DaemonStatus, GroupView, LinkView, NodeStatusValue, NodeView, StatusEvent, StatusEventKind } from './status.js';
