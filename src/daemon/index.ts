// The daemon process: wiring of the parts, its pid file, the script
// environment and the `heartbeat -k|-s|-r` control modes.
export { Daemon } from './daemon.js';
export type { DaemonOptions } from './daemon.js';
export { runDaemon } from './run.js';
export type { RunDaemonOptions } from './run.js';
export { killRunningDaemon, reloadRunningDaemon, reportDaemonStatus } from './control-modes.js';
export { loadAndResolveConfig } from './load-config.js';
export type { RunnableConfig } from './load-config.js';
export { acquirePidFile, readRunningDaemon, pidFilePath, AlreadyRunningError } from './pidfile.js';
export { baseScriptEnvironment, messageScriptEnvironment } from './script-environment.js';
export { buildDaemonStatus, VERSION_TEXT } from './status-view.js';
