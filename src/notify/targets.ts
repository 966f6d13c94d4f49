// Where notifications go, resolved from [notify] and the config directory:
// the notify.d directory (`dir`, or <config-dir>/notify.d when it exists),
// a FIFO and a line file. Used by the daemon and by `heartbeat --check`.
import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NotifyOptions } from '../config/index.js';

export interface NotifyTargets {
  /** null: no scripts. */
  readonly dir: string | null;
  /** The dir was set in [notify] (it must exist then); false: the default, used only when present. */
  readonly dirExplicit: boolean;
  readonly fifo: string | null;
  readonly file: string | null;
  readonly timeoutMs: number;
  /** Heartbeat's message hooks (spec §9.8). */
  readonly rcDir: string;
}

export function resolveTargets(options: NotifyOptions, configDir: string): NotifyTargets {
  const fallback = join(configDir, 'notify.d');
  let dir: string | null;
  if (options.dir === 'none') dir = null;
  else if (options.dir !== null) dir = options.dir;
  else dir = isDirectory(fallback) ? fallback : null;
  return {
    dir,
    dirExplicit: options.dir !== null && options.dir !== 'none',
    fifo: options.fifo,
    file: options.file,
    timeoutMs: options.timeout,
    rcDir: join(configDir, 'rc.d'),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Problems a start would hit: a configured notify.d that is not a directory,
 * a FIFO path taken by something else, a FIFO or file whose directory is missing.
 */
export function targetProblems(targets: NotifyTargets): string[] {
  const problems: string[] = [];
  if (targets.dirExplicit && targets.dir !== null && !isDirectory(targets.dir)) {
    problems.push(`[notify] dir ${targets.dir} ${existsSync(targets.dir) ? 'is not a directory' : 'does not exist'}`);
  }
  if (targets.fifo !== null) {
    const st = lstatOrUndefined(targets.fifo);
    if (st !== undefined && !st.isFIFO()) problems.push(`[notify] fifo ${targets.fifo} exists and is not a FIFO: remove it or name another path`);
    if (st === undefined && !isDirectory(dirname(targets.fifo))) problems.push(`[notify] fifo ${targets.fifo}: its directory ${dirname(targets.fifo)} does not exist`);
  }
  if (targets.file !== null && !isDirectory(dirname(targets.file))) {
    problems.push(`[notify] file ${targets.file}: its directory ${dirname(targets.file)} does not exist`);
  }
  return problems;
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** One line per target, for `heartbeat --check`. */
export function describeTargets(targets: NotifyTargets): string[] {
  const out: string[] = [];
  const seconds = `${targets.timeoutMs / 1000} s`;
  out.push(targets.dir === null ? 'no notify.d scripts' : `scripts in ${targets.dir}, one at a time, in name order (timeout ${seconds} each)`);
  if (targets.fifo !== null) out.push(`one line per event to the FIFO ${targets.fifo}`);
  if (targets.file !== null) out.push(`one line per event appended to ${targets.file}`);
  if (isDirectory(targets.rcDir)) out.push(`Heartbeat's message hooks: ${targets.rcDir}/<message type> for types heartbeat-ts does not handle itself`);
  return out;
}
