// Runs one resource script operation as its own process group, with a
// timeout that ends the whole group (the script and everything it spawned).
//
// Output goes to files, not pipes: a start script that leaves a daemon
// behind (nginx, `something &`) may hand it the script's stdout, and a pipe
// would then stay open for the daemon's whole life. Heartbeat likewise sent
// start/stop output to a file (its debug log).
import { execa } from 'execa';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
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

/** execa passes any file descriptor number straight to the child, though its types list only 3–9. */
function nativeFd(fd: number): 3 {
  return fd as 3;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function readTail(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function runProcess(options: ProcessRunOptions): Promise<ProcessRunResult> {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const dir = await mkdtemp(join(options.scratchDir ?? tmpdir(), 'hbts-run-'));
  const stdoutPath = join(dir, 'stdout');
  const stderrPath = join(dir, 'stderr');
  const stdoutFd = openSync(stdoutPath, 'w');
  const stderrFd = openSync(stderrPath, 'w');
  const started = performance.now();
  const [file, ...rest] = [...(options.execPrefix ?? []), options.command, ...options.args];
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  try {
    const subprocess = execa(file!, rest, {
      stdin: 'ignore',
      stdout: nativeFd(stdoutFd),
      stderr: nativeFd(stderrFd),
      // Its own process group, so a timeout can end the script and its children together.
      detached: true,
      reject: false,
      env: { ...options.env },
      extendEnv: true,
      cleanup: false,
    });
    const pid = subprocess.pid;
    timeoutTimer = setTimeout(() => {
      timedOut = true;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.killGraceMs);
    }, options.timeoutMs);

    let boundTimer: NodeJS.Timeout | undefined;
    const raced = await Promise.race([
      subprocess,
      // Never hang on a process that even SIGKILL cannot end (uninterruptible sleep).
      new Promise<'unkillable'>((resolve) => {
        boundTimer = setTimeout(() => resolve('unkillable'), options.timeoutMs + options.killGraceMs + AFTER_KILL_BOUND_MS);
      }),
    ]);
    clearTimeout(boundTimer);
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    if (timedOut) {
      // The leader is gone; children that ignored SIGTERM may not be.
      signalGroup(pid, 'SIGKILL');
    }
    const durationMs = performance.now() - started;
    const [stdout, stderr] = await Promise.all([readTail(stdoutPath, maxBytes), readTail(stderrPath, maxBytes)]);
    if (raced === 'unkillable') {
      return { timedOut: true, unkillable: true, stdout, stderr, durationMs, ...(pid !== undefined ? { pid } : {}) };
    }
    const result = raced;
    const base = { timedOut, stdout, stderr, durationMs, ...(pid !== undefined ? { pid } : {}) };
    if (result.exitCode === undefined && result.signal === undefined && !timedOut) {
      return { ...base, spawnError: result.shortMessage ?? result.message ?? 'could not start the process' };
    }
    return {
      ...base,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(result.signal !== undefined ? { signal: result.signal } : {}),
    };
  } finally {
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    closeSync(stdoutFd);
    closeSync(stderrFd);
    await rm(dir, { recursive: true, force: true });
  }
}
