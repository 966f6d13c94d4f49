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
}

export async function runDaemon(opts: RunDaemonOptions, io: ControlModeIo): Promise<number> {
  const { config, problems } = loadAndResolveConfig({ configDir: opts.configDir, localNode: opts.node });
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
  await applyRealtime(config.haCf.realtime, logger.child('heartbeat'));
  const code = await daemon.exited;
  await logging.close();
  await lock.release();
  return code;
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
    stderr: true,
  });
}
