// LSB init scripts and resource.d scripts, called as Heartbeat calls them
// (spec §9.1): `SCRIPT [ARG…] start|stop|status`, arguments being the `::`
// parts of the resource. start/stop succeed on exit code 0 (LSB: a stop of a
// stopped service is a success); status is read from its stdout with
// Heartbeat's ownership rule, not from its exit code.
import type { Logger } from '../../log/index.js';
import { runProcess, type ProcessRunResult } from './process-runner.js';
import { statusOutputSaysRunning } from './status-output.js';
import type { AgentOperation, OperationOptions, OperationResult, OperationTimeouts, ResourceAgent } from './types.js';

export interface ScriptAgentDeps {
  readonly logger: Logger;
  readonly timeouts: OperationTimeouts;
  /** Environment every call gets (the daemon's HA_* variables, spec §9.8). */
  readonly env?: Readonly<Record<string, string>>;
  readonly execPrefix?: readonly string[];
  /** Time between SIGTERM and SIGKILL to a timed-out script's process group. */
  readonly killGraceMs: number;
  /** Where output capture files go (default the OS temp directory). */
  readonly scratchDir?: string;
}

export function createScriptAgent(resource: string, path: string, args: readonly string[], deps: ScriptAgentDeps): ResourceAgent {
  const description = [path, ...args].join(' ');
  const log = deps.logger;

  function logOutput(operation: AgentOperation, run: ProcessRunResult, failed: boolean): void {
    const level = failed ? 'info' : 'debug';
    for (const [stream, text] of [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
    ] as const) {
      for (const line of text.split('\n')) {
        if (line.trim()) log[level](`${description} ${operation} ${stream}: ${line}`, { resource });
      }
    }
  }

  async function invoke(operation: AgentOperation, timeoutMs: number, options?: OperationOptions): Promise<OperationResult> {
    if (operation === 'status') log.debug(`Running ${description} ${operation}`, { resource });
    else log.info(`Running ${description} ${operation}`, { resource });
    let run: ProcessRunResult;
    try {
      run = await runProcess({
        command: path,
        args: [...args, operation],
        env: { ...deps.env, ...options?.env },
        timeoutMs,
        killGraceMs: deps.killGraceMs,
        ...(deps.execPrefix ? { execPrefix: deps.execPrefix } : {}),
        ...(deps.scratchDir ? { scratchDir: deps.scratchDir } : {}),
      });
    } catch (err) {
      // Only the runner's own plumbing (temp files) can throw; never the script.
      const reason = `cannot run ${path}: ${err instanceof Error ? err.message : String(err)}`;
      log.error(reason, { resource });
      return { resource, operation, outcome: 'failed', reason, durationMs: 0, stdout: '', stderr: '' };
    }
    const base = {
      resource,
      operation,
      durationMs: run.durationMs,
      stdout: run.stdout,
      stderr: run.stderr,
      ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
    };
    if (run.timedOut) {
      const reason = run.unkillable
        ? `${operation} timed out after ${timeoutMs} ms and its process did not die even after SIGKILL`
        : `${operation} timed out after ${timeoutMs} ms; its process group was killed`;
      log.error(`${description}: ${reason}`, { resource });
      logOutput(operation, run, true);
      return { ...base, outcome: 'timedOut', reason };
    }
    if (run.spawnError !== undefined) {
      const reason = `cannot run ${path}: ${run.spawnError}`;
      // The script was found when the configuration was loaded and has gone
      // since (or lost its x bit): like a script that prints nothing, its
      // status means "not running" (Heartbeat's ownership rule); start and
      // stop fail with the exec error.
      if (operation === 'status') {
        log.debug(reason, { resource });
        return { ...base, outcome: 'stopped', stderr: reason };
      }
      log.error(reason, { resource });
      return { ...base, outcome: 'failed', reason };
    }
    if (operation === 'status') {
      logOutput(operation, run, false);
      return { ...base, outcome: statusOutputSaysRunning(run.stdout) ? 'running' : 'stopped' };
    }
    if (run.exitCode === 0) {
      logOutput(operation, run, false);
      return { ...base, outcome: operation === 'start' ? 'running' : 'stopped' };
    }
    const reason =
      run.exitCode !== undefined ? `${operation} exited with code ${run.exitCode}` : `${operation} was killed by ${run.signal ?? 'a signal'}`;
    // Heartbeat's wording (ResourceManager doscript).
    log.error(`Return code ${run.exitCode ?? run.signal ?? '?'} from ${path}`, { resource, operation });
    logOutput(operation, run, true);
    return { ...base, outcome: 'failed', reason };
  }

  return {
    resource,
    description,
    start: (options) => invoke('start', deps.timeouts.startTimeout, options),
    stop: (options) => invoke('stop', deps.timeouts.stopTimeout, options),
    status: (options) => invoke('status', deps.timeouts.statusTimeout, options),
  };
}
