// Runs one resource script operation as its own process group, with a
// timeout that ends the whole group (the script and everything it spawned).
//
// Output goes to files, not pipes: a start script that leaves a daemon
// behind (nginx, `something &`) may hand it the script's stdout, and a pipe
// would then stay open for the daemon's whole life. Heartbeat likewise sent
// start/stop output to a file (its debug log). The files are unlinked as
// soon as they are open: the descriptors are all a run needs, and nothing is
// left behind whatever happens to the daemon.
//
// Plain child_process.spawn, not execa: a failover runs several scripts in a
// row and execa's machinery roughly doubled the cost of each (bench/resources.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ProcessRunOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Merged over process.env. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** After the timeout: SIGTERM to the group, then SIGKILL to the group this much later. */
  readonly killGraceMs: number;
  /** Words put before the command (e.g. `ip netns exec NS`); the prefix must exec, not fork. */
  readonly execPrefix?: readonly string[];
  /** Only the last this-many bytes of each stream are kept (default 64 KiB). */
  readonly maxOutputBytes?: number;
  /** Where the short-lived output files go (default the OS temp directory; the daemon passes its run dir). */
  readonly scratchDir?: string;
}

export interface ProcessRunResult {
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  /** Set when the process could not be started at all (missing file, permission). */
  readonly spawnError?: string;
  /** Set when even SIGKILL did not end the process within the bound (uninterruptible sleep). */
  readonly unkillable?: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly pid?: number;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024;
/** How long to wait for the process to disappear after SIGKILL before giving up on it. */
const AFTER_KILL_BOUND_MS = 5000;

let runCounter = 0;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** The last MAXBYTES of what was written to FD. */
function readTail(fd: number, maxBytes: number): string {
  const { size } = fstatSync(fd);
  const length = Math.min(size, maxBytes);
  if (length === 0) return '';
  const buffer = Buffer.alloc(length);
  let read = 0;
  for (let i = 0; i < 1000 && read < length; i++) {
    const n = readSync(fd, buffer, read, length - read, size - length + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read).toString('utf8');
}

/** An output capture file, created exclusively (a random name in a shared directory) and unlinked at once. */
function openCaptureFile(path: string): number {
  const fd = openSync(path, 'wx+', 0o600);
  try {
    unlinkSync(path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

type Ended = { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly error?: Error } | 'unkillable';

export async function runProcess(options: ProcessRunOptions): Promise<ProcessRunResult> {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const base = join(options.scratchDir ?? tmpdir(), `hbts-run-${process.pid}-${++runCounter}-${randomBytes(4).toString('hex')}`);
  const stdoutFd = openCaptureFile(`${base}.out`);
  let stderrFd: number;
  try {
    stderrFd = openCaptureFile(`${base}.err`);
  } catch (err) {
    closeSync(stdoutFd);
    throw err;
  }
  const started = performance.now();
  const [file, ...rest] = [...(options.execPrefix ?? []), options.command, ...options.args];
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let boundTimer: NodeJS.Timeout | undefined;
  try {
    let child: ChildProcess;
    try {
      child = spawn(file!, rest, {
        stdio: ['ignore', stdoutFd, stderrFd],
        // Its own process group, so a timeout can end the script and its children together.
        detached: true,
        env: { ...process.env, ...options.env },
      });
    } catch (err) {
      // Only invalid arguments (e.g. a NUL byte) throw here; a missing file is an 'error' event.
      const spawnError = err instanceof Error ? err.message : String(err);
      return { timedOut: false, spawnError, stdout: '', stderr: '', durationMs: performance.now() - started };
    }
    const pid = child.pid;
    timeoutTimer = setTimeout(() => {
      timedOut = true;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.killGraceMs);
    }, options.timeoutMs);

    const ended = await new Promise<Ended>((resolve) => {
      let error: Error | undefined;
      child.once('error', (err) => (error = err));
      child.once('close', (code, signal) => resolve({ code, signal, ...(error ? { error } : {}) }));
      // Never hang on a process that even SIGKILL cannot end (uninterruptible sleep).
      boundTimer = setTimeout(() => resolve('unkillable'), options.timeoutMs + options.killGraceMs + AFTER_KILL_BOUND_MS);
    });
    clearTimeout(boundTimer);
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    if (timedOut) {
      // The leader is gone; children that ignored SIGTERM may not be.
      signalGroup(pid, 'SIGKILL');
    }
    const durationMs = performance.now() - started;
    const stdout = readTail(stdoutFd, maxBytes);
    const stderr = readTail(stderrFd, maxBytes);
    const withPid = pid !== undefined ? { pid } : {};
    if (ended === 'unkillable') {
      return { timedOut: true, unkillable: true, stdout, stderr, durationMs, ...withPid };
    }
    const common = { timedOut, stdout, stderr, durationMs, ...withPid };
    if (ended.error && pid === undefined) {
      return { ...common, spawnError: ended.error.message || 'could not start the process' };
    }
    return {
      ...common,
      ...(ended.code !== null && ended.code >= 0 ? { exitCode: ended.code } : {}),
      ...(ended.signal !== null ? { signal: ended.signal } : {}),
    };
  } finally {
    clearTimeout(boundTimer);
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    closeSync(stdoutFd);
    closeSync(stderrFd);
  }
}
