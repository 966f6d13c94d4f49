// `heartbeat` without a mode: load and check the configuration (refusing to
// start on any error, all reported at once), take the pid file, start the
// daemon in the foreground and return its exit code when it stops.
import { formatProblem, hasErrors, type ClusterConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { Daemon } from './daemon.js';
import { loadAndResolveConfig } from './load-config.js';
import { applyRealtime } from './realtime.js';
import { AlreadyRunningError, acquirePidFile, type PidFileLock } from './pidfile.js';
import type { DaemonPaths } from './script-environment.js';
import { LSB_EXIT_GENERIC, LSB_EXIT_NOTCONFIGED, type ControlModeIo } from './control-modes.js';

export interface RunDaemonOptions extends DaemonPaths {
  readonly node: string;
  /** Heartbeat's -d (once per -d): ha.cf's `debug` level is raised to at least this. */
  readonly debugLevel?: number;
  /** Heartbeat's -v: the configuration summary to log at start, line by line. */
  readonly summarize?: (config: ClusterConfig) => string;
  /** Heartbeat's -l (no realtime priority): ha.cf's `realtime` is ignored and the daemon runs with normal scheduling. */
  readonly noRealtime?: boolean;
}

export async function runDaemon(opts: RunDaemonOptions, io: ControlModeIo): Promise<number> {
  const loaded = loadAndResolveConfig({ configDir: opts.configDir, localNode: opts.node });
  const { problems } = loaded;
  const config = loaded.config && withDebugLevel(loaded.config, opts.debugLevel ?? 0);
  if (!config || hasErrors(problems)) {
    for (const p of problems) io.stderr(`${formatProblem(p)}\n`);
    io.stderr('heartbeat: Configuration error, heartbeat not started. Fix the errors above (heartbeat --check shows them too).\n');
    return LSB_EXIT_NOTCONFIGED;
  }
  let lock: PidFileLock;
  try {
    lock = await acquirePidFile(opts.runDir);
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      io.stderr(`${err.message}\n`);
      return LSB_EXIT_GENERIC;
    }
    io.stderr(`heartbeat: cannot create the pid file in ${opts.runDir}: ${(err as Error).message}; check --run-dir and that you are root\n`);
    return LSB_EXIT_GENERIC;
  }
  process.on('exit', () => lock.releaseSync());
  const logging = createDaemonLogger(config);
  const logger = logging.logger;
  process.on('uncaughtException', (err) => logger.crit(`internal error (a bug in heartbeat-ts; please report it): ${err.stack ?? String(err)}`));
  process.on('unhandledRejection', (err) => logger.error(`internal error (unhandled rejection): ${(err as Error)?.stack ?? String(err)}`));

  if (opts.noRealtime) {
    logger.info('-l (no realtime priority): normal scheduling for this run, whatever ha.cf `realtime` says');
  }
  if (opts.debugLevel) logger.info(`debug level ${config.haCf.debug} (-d given ${opts.debugLevel} time(s))`);
  if (opts.summarize) {
    for (const line of opts.summarize(config).split('\n')) if (line.trim() !== '') logger.info(`config: ${line}`);
  }

  const daemon = new Daemon({ paths: opts, config, logger });
  try {
    await daemon.start();
  } catch (err) {
    const message = (err as Error).message;
    logger.error(`heartbeat not started: ${message}`);
    io.stderr(`heartbeat: not started: ${message}\n`);
    await daemon.close().catch(() => undefined);
    await logging.close();
    await lock.release();
    return LSB_EXIT_GENERIC;
  }
  await applyRealtime(config.haCf.realtime && !opts.noRealtime, logger.child('heartbeat'));
  const code = await daemon.exited;
  await logging.close();
  await lock.release();
  return code;
}

/** -d raises ha.cf's debug level, never lowers it (Heartbeat: ++debug_level per -d, on top of ha.cf's). */
function withDebugLevel(config: ClusterConfig, level: number): ClusterConfig {
  if (level <= config.haCf.debug) return config;
  return { ...config, haCf: { ...config.haCf, debug: level } };
}

function createDaemonLogger(config: ClusterConfig) {
  const haCf = config.haCf;
  return createLogger({
    ident: 'heartbeat',
    node: config.localNode,
    format: config.options.log.format,
    ...(haCf.logfile ? { logfile: haCf.logfile } : {}),
    ...(haCf.debugfile ? { debugfile: haCf.debugfile } : {}),
    ...(haCf.logfacility ? { logfacility: haCf.logfacility } : {}),
    debugLevel: haCf.debug,
    // Under systemd stderr is the journal; with logfacility set, syslog
    // lines reach the journal too, and every line would appear twice.
    stderr: !(process.env.JOURNAL_STREAM && haCf.logfacility),
  });
}
