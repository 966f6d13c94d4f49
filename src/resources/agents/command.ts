// Short system commands the built-in agents run (`ip`), with a bound on how
// long each may take. Long-lived helpers (arping) go through arp-announcer.
//
// Plain child_process.spawn, not execa: every failover runs several of these
// in a row, and execa's own machinery costs about as much again as the
// process itself (measured in bench/resources.ts).
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  /** A one-line explanation when !ok. */
  readonly error?: string;
}

export interface CommandOptions {
  readonly execPrefix?: readonly string[];
  readonly timeoutMs: number;
  /** Written to the command's stdin (e.g. `ip -batch -` commands); stdin is empty otherwise. */
  readonly input?: string;
}

/** After the timeout's SIGTERM, SIGKILL this much later. */
const FORCE_KILL_AFTER_MS = 1000;
/** Bound on what is kept of each output stream. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const [file, ...rest] = [...(options.execPrefix ?? []), command, ...args];
  const what = [command, ...args].join(' ');
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let timedOut = false;
    let tooMuchOutput = false;
    let spawnError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    let child: ChildProcess;
    try {
      child = spawn(file!, rest, {
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
      });
    } catch (err) {
      // Only invalid arguments (e.g. a NUL byte) throw here; a missing file is an 'error' event.
      const message = err instanceof Error ? err.message : String(err);
      resolve({ ok: false, stdout: '', stderr: '', error: `${what} could not run: ${message}` });
      return;
    }
    const timeoutTimer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
    }, options.timeoutMs);

    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_OUTPUT_BYTES) stdout.push(chunk);
      else if (!tooMuchOutput) {
        tooMuchOutput = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrBytes += chunk.length;
      if (stderrBytes <= MAX_OUTPUT_BYTES) stderr.push(chunk);
    });
    if (options.input !== undefined) {
      // A command that exits without reading its input must not crash us with EPIPE.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
    child.once('error', (err) => {
      spawnError = err;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      // A process that never started has no exit code (Node reports the negative errno).
      const exitCode = spawnError ? undefined : (code ?? undefined);
      const withCode = exitCode !== undefined ? { exitCode } : {};
      if (!spawnError && !timedOut && !tooMuchOutput && code === 0) {
        resolve({ ok: true, exitCode: 0, stdout: out, stderr: err });
        return;
      }
      let error: string;
      if (spawnError) error = `${what} could not run: ${spawnError.message}`;
      else if (timedOut) error = `${what} did not finish within ${options.timeoutMs} ms`;
      else if (tooMuchOutput) error = `${what} printed more than ${MAX_OUTPUT_BYTES} bytes`;
      else if (exitCode === undefined) error = `${what} was killed by ${signal ?? 'a signal'}`;
      else error = `${what} failed (exit ${exitCode})${err.trim() ? `: ${err.trim()}` : ''}`;
      resolve({ ok: false, ...withCode, stdout: out, stderr: err, error });
    });
  });
}
