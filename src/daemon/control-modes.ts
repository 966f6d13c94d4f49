// `heartbeat -k | -s | -r`: find the running daemon through its pid file and
// act on it, with Heartbeat's messages and LSB exit codes (heartbeat.c main()).
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { DaemonUnreachableError, requestDaemon } from '../control/index.js';
import { processExists, readRunningDaemon } from './pidfile.js';

export const LSB_EXIT_OK = 0;
export const LSB_EXIT_GENERIC = 1;
export const LSB_EXIT_EPERM = 4;
export const LSB_EXIT_NOTCONFIGED = 6;
export const LSB_EXIT_NOTRUNNING = 7;
export const LSB_STATUS_VAR_PID = 1;
export const LSB_STATUS_STOPPED = 3;

export interface ControlModeIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface ControlModeOptions {
  readonly configDir: string;
  readonly runDir: string;
  readonly node: string;
}

/** How long `heartbeat -k` waits for the daemon to release everything and exit (CONTRACT: well under 40 s). */
export const KILL_WAIT_MS = 35_000;

/** heartbeat -k: SIGTERM, then wait until the process is gone. */
export async function killRunningDaemon(opts: ControlModeOptions, io: ControlModeIo, waitMs = KILL_WAIT_MS): Promise<number> {
  const { running } = await readRunningDaemon(opts.runDir);
  if (!running) {
    io.stderr('INFO: Heartbeat already stopped.\n');
    return LSB_EXIT_OK;
  }
  try {
    process.kill(running.pid, 'SIGTERM');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') {
      io.stderr('INFO: Heartbeat already stopped.\n');
      return LSB_EXIT_OK;
    }
    io.stderr(`ERROR: Could not kill pid ${running.pid}: ${(err as Error).message}; run heartbeat -k as root\n`);
    return code === 'EPERM' ? LSB_EXIT_EPERM : LSB_EXIT_GENERIC;
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!processExists(running.pid)) return LSB_EXIT_OK;
    await delay(50);
  }
  io.stderr(
    `ERROR: heartbeat [pid ${running.pid}] is still releasing its resources after ${Math.round(waitMs / 1000)} s; ` +
      'see its log for a resource that will not stop\n',
  );
  return LSB_EXIT_GENERIC;
}

/** heartbeat -s: Heartbeat's one-line status report. */
export async function reportDaemonStatus(opts: ControlModeOptions, io: ControlModeIo): Promise<number> {
  const { running, pidInFile } = await readRunningDaemon(opts.runDir);
  if (!running) {
    io.stdout('heartbeat is stopped. No process\n');
    return pidInFile !== undefined ? LSB_STATUS_VAR_PID : LSB_STATUS_STOPPED;
  }
  io.stdout(`heartbeat OK [pid ${running.pid} et al] is running on ${os.hostname().toLowerCase()} [${opts.node}]...\n`);
  return LSB_EXIT_OK;
}

/**
 * heartbeat -r: validate the new configuration here first (like Heartbeat),
 * then ask the daemon to re-read it and report what it did.
 */
export async function reloadRunningDaemon(opts: ControlModeOptions, io: ControlModeIo): Promise<number> {
  const { running } = await readRunningDaemon(opts.runDir);
  if (!running) {
    io.stderr(`ERROR: heartbeat is not running (no live pid in ${opts.runDir}/heartbeat.pid); start it with heartbeat\n`);
    return LSB_EXIT_NOTRUNNING;
  }
  // Loaded here only: -k and -s must not pay for the configuration parsers.
  const { formatProblem, hasErrors, loadClusterConfig } = await import('../config/index.js');
  const { problems } = loadClusterConfig({ configDir: opts.configDir, localNode: opts.node });
  if (hasErrors(problems)) {
    for (const p of problems) io.stderr(`${formatProblem(p)}\n`);
    io.stderr(`Config errors: Heartbeat pid ${running.pid} NOT restarted; fix the errors above and run heartbeat -r again\n`);
    return LSB_EXIT_GENERIC;
  }
  try {
    const answer = await requestDaemon(opts.runDir, { command: 'reload' }, 30_000);
    if (!answer.ok) {
      io.stderr(`heartbeat [pid ${running.pid}] refused the new configuration: ${answer.error}\n`);
      return LSB_EXIT_GENERIC;
    }
    const result = answer.result as { summary?: string } | undefined;
    io.stdout(`Signalled heartbeat pid ${running.pid} to reread config files${result?.summary ? `: ${result.summary}` : ''}\n`);
    return LSB_EXIT_OK;
  } catch (err) {
    if (!(err instanceof DaemonUnreachableError)) throw err;
    // No control socket (a daemon still starting): fall back to Heartbeat's SIGHUP.
    try {
      process.kill(running.pid, 'SIGHUP');
      io.stdout(`Signalled heartbeat pid ${running.pid} to reread config files\n`);
      return LSB_EXIT_OK;
    } catch (killErr) {
      io.stderr(`Unable to send SIGHUP to pid ${running.pid}: ${(killErr as Error).message}\n`);
      return LSB_EXIT_GENERIC;
    }
  }
}

/**
 * heartbeat -R [-C STATE]: Heartbeat's internal flag for the copy it execs
 * of itself to restart with its resources kept. Run by hand, Heartbeat
 * checks the configuration, then, since the running daemon is never the
 * caller itself, answers "not running" or "already running" and starts
 * nothing (heartbeat.c main(), WeAreRestarting). heartbeat-ts does the same:
 * it never re-executes itself (`heartbeat -r` reloads in place).
 */
export async function answerRestartExec(opts: ControlModeOptions, io: ControlModeIo): Promise<number> {
  const { formatProblem, hasErrors, loadClusterConfig } = await import('../config/index.js');
  const { problems } = loadClusterConfig({ configDir: opts.configDir, localNode: opts.node });
  if (hasErrors(problems)) {
    for (const p of problems) io.stderr(`${formatProblem(p)}\n`);
    io.stderr('Config errors: Heartbeat NOT restarted\n');
    return LSB_EXIT_GENERIC;
  }
  const { running } = await readRunningDaemon(opts.runDir);
  if (!running) {
    io.stderr('ERROR: heartbeat is not running.\n');
    return LSB_EXIT_NOTCONFIGED;
  }
  io.stderr(
    `ERROR: Heartbeat already running [pid ${running.pid}]. (-R is Heartbeat's internal restart flag; to re-read the configuration use heartbeat -r)\n`,
  );
  return LSB_EXIT_GENERIC;
}
