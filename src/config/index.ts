// The configuration layer's public face: other folders import only this.
export type * from './types.js';
export { loadClusterConfig, readConfigFile, CONFIG_FILES, MAX_CONFIG_FILE_BYTES } from './loader.js';
export type { LoadOptions, LoadResult, ResolvingLoadOptions, ResourceResolver } from './loader.js';
export { parseHaCf, defaultInitdead } from './hacf.js';
export { haCfDefaultValues, isIpfailCommand } from './hacf-directives.js';
export type { HaCfParseOptions, HaCfParseResult } from './hacf.js';
export { DEFAULT_UDPPORT } from './hacf-state.js';
export { parseHaResources } from './haresources.js';
export type { HaResourcesParseResult } from './haresources.js';
export { parseAuthKeys, checkAuthKeysFile, MAX_AUTH_INDEX, AUTH_METHODS } from './authkeys.js';
export type { AuthKeysParseResult, FileOwnership } from './authkeys.js';
export {
  parseExtensionOptions,
  defaultExtensionOptions,
  parseExtensionTime,
  parseListenAddress,
  EXTENSION_DEFAULTS,
  EXTENSION_FILE_NAME,
} from './extension-options.js';
export type { ExtensionOptionsParseResult } from './extension-options.js';
export { parseProbes, parseProbeTime, PROBE_DEFAULTS, PROBE_KEYS } from './probes.js';
export { formatProblem, hasErrors, countBySeverity } from './problems.js';
export { parseTime, parseBoolean, formatMillis, isIPv4 } from './values.js';
export type { Parsed } from './values.js';
export { deepFreeze } from './freeze.js';
export { diffConfig, LIVE_TIMERS } from './diff.js';
export type { ConfigDiff, LiveTimer } from './diff.js';
export { nodeCron } from './node-cron.js';
