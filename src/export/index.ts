// Export of a heartbeat-ts (Heartbeat haresources) cluster to Pacemaker and
// Corosync: the public face of this folder. Pure builders and renderers, plus
// loadExportInput, the one function that reads files.
export { buildPacemakerModel, stickinessFor, HOME_SCORE, PING_MULTIPLIER, MONITOR_INTERVAL_S } from './build.js';
export type { ExportInput, BuildResult } from './build.js';
export { renderCib, CIB_SCHEMA } from './render-cib.js';
export { renderCrm } from './render-crm.js';
export { renderPcs } from './render-pcs.js';
export { renderCorosync, tokenForDeadtime, CONSENSUS_FACTOR } from './corosync.js';
export type { CorosyncInput, CorosyncResult } from './corosync.js';
export { mapResource, HEARTBEAT_WRAPPERS, SPECIAL_WRAPPERS } from './agents.js';
export { mapStonithHost, STONITH_PLUGIN_PARAMS } from './stonith.js';
export { loadExportInput } from './load.js';
export type { LoadExportResult } from './load.js';
export type * from './model.js';
