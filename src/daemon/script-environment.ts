// The environment resource scripts run with, as Heartbeat provides it
// (spec §9.8): what the daemon exports to all children, one HA_<directive>
// per recorded ha.cf directive, `env NAME=value` lines, and — when a cluster
// message triggered the operation — every string field of that message.
import { join } from 'node:path';
import type { ClusterConfig } from '../config/index.js';
import type { HbMessage } from '../heartbeat/wire/message.js';

export interface DaemonPaths {
  readonly configDir: string;
  readonly stateDir: string;
  readonly runDir: string;
}

/** Heartbeat's HA_DATEFMT (shellfuncs' ha_log timestamps). */
export const HA_DATEFMT = '%Y/%m/%d_%T ';

/** Environment shared by every script the daemon runs. */
export function baseScriptEnvironment(config: ClusterConfig, paths: DaemonPaths): Record<string, string> {
  const env: Record<string, string> = {};
  const haCf = config.haCf;
  for (const [name, value] of Object.entries(haCf.directives)) env[`HA_${name}`] = value;
  for (const [name, value] of Object.entries(haCf.env)) env[`HA_${name}`] = value;
  env.HA_CURHOST = config.localNode;
  env.HA_DIR = paths.configDir;
  env.HA_FUNCS = join(paths.configDir, 'shellfuncs');
  env.HA_RCDIR = join(paths.configDir, 'rc.d');
  env.HA_RESOURCEDIR = join(paths.configDir, 'resource.d');
  env.HA_DATEFMT = HA_DATEFMT;
  env.HA_LOGFILE = haCf.logfile ?? '';
  env.HA_DEBUGLOG = haCf.debugfile ?? '';
  if (haCf.logfacility) env.HA_LOGFACILITY = haCf.logfacility;
  env.HA_LOGD = 'no';
  env.HA_COMPRESSION = haCf.compression;
  env.HA_VARLIB = paths.stateDir;
  env.HA_VARRUN = paths.runDir;
  env.HA_RSCTMP = join(paths.runDir, 'rsctmp');
  env.OCF_ROOT = '/usr/lib/ocf';
  if (haCf.debug > 0) env.HA_debug = String(haCf.debug);
  return env;
}

/**
 * The fields of the message that triggered an operation (HA_t, HA_src, …),
 * plus HA_OSTATUS (this node's own status) and HA_NICEFAILBACK.
 */
export function messageScriptEnvironment(
  message: HbMessage | undefined,
  localStatus: string,
  autoFailback: ClusterConfig['haCf']['autoFailback'],
): Record<string, string> {
  const env: Record<string, string> = {};
  if (message) {
    for (const field of message.fields) {
      // Only string fields become variables, first occurrence wins (lookup rule, spec §2).
      if (field.type !== 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field.name)) continue;
      const key = `HA_${field.name}`;
      if (!(key in env)) env[key] = field.value.replace(/\0/g, '');
    }
  }
  env.HA_OSTATUS = localStatus;
  if (autoFailback !== 'legacy') env.HA_NICEFAILBACK = 'yes';
  return env;
}
