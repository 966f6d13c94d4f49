// A command probe: one run of an admin's command line (`pidof nginx`, a
// check script), like keepalived's vrrp_script. Exit status 0 is a success;
// any other status, a signal, or still running at the deadline is a failure.
// Never rejects: every ending is a typed outcome with its duration.
//
// The command runs as `/bin/sh -c COMMAND` in its own process group, through
// the resources' process runner (the one resource scripts use): a timeout
// ends the whole group (SIGTERM, then SIGKILL), and output goes to unlinked
// files, not pipes, so a command that leaves something running behind can
// never keep the probe waiting. The run is asynchronous: heartbeats go on
// while it runs.
import type { ProbeOutcome } from './http-probe.js';

export interface CommandProbeTarget {
  readonly command: string;
  /** The deadline, in ms. */
  readonly timeout: number;
}

export interface CommandProbeOptions {
  /** After the deadline: SIGTERM to the group, SIGKILL this much later (default 500 ms). */
  readonly killGraceMs?: number;
  /** Where the runner's short-lived output files go (default the OS temp directory). */
  readonly scratchDir?: string;
}

/** How much of the command's stderr a failure keeps for the log (its last line, bounded). */
const STDERR_SHOWN = 200;

export const DEFAULT_COMMAND_KILL_GRACE_MS = 500;

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  return last.length > STDERR_SHOWN ? `${last.slice(0, STDERR_SHOWN)}…` : last;
}

export async function runCommandProbe(target: CommandProbeTarget, options: CommandProbeOptions = {}): Promise<ProbeOutcome> {
  // Loaded on first use: hb_probe and an HTTP-only monitor never need the resources part.
  const { runProcess } = await import('../resources/index.js');
  const r = await runProcess({
    command: '/bin/sh',
    args: ['-c', target.command],
    timeoutMs: target.timeout,
    killGraceMs: options.killGraceMs ?? DEFAULT_COMMAND_KILL_GRACE_MS,
    maxOutputBytes: 4096,
    ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
  });
  const durationMs = Math.round(r.durationMs * 10) / 10;
  if (r.spawnError !== undefined) return { kind: 'spawn', message: r.spawnError, durationMs };
  if (r.timedOut) return { kind: 'command-timeout', timeoutMs: target.timeout, durationMs };
  if (r.exitCode === 0) return { kind: 'ok', status: 0, exitCode: 0, durationMs };
  if (r.exitCode !== undefined) return { kind: 'exit', exitCode: r.exitCode, stderr: lastLine(r.stderr), durationMs };
  return { kind: 'signal', signal: r.signal ?? 'a signal', durationMs };
}
