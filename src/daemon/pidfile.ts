// The daemon's pid file, `<run-dir>/heartbeat.pid` (Heartbeat: /run/heartbeat.pid,
// "%ld\n"). It is what `heartbeat -k|-s|-r` find the daemon by, and what
// refuses a second daemon for the same run dir.
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const PID_FILE_NAME = 'heartbeat.pid';

export function pidFilePath(runDir: string): string {
  return join(runDir, PID_FILE_NAME);
}

export interface RunningDaemon {
  readonly pid: number;
}

/** Whether a process with this pid exists (EPERM counts as existing, like Heartbeat's kill(pid, 0) test). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What the pid file says: the running daemon, or undefined when there is no
 * pid file or the process it names is gone. `pidInFile` tells a stale file
 * apart from no file (heartbeat -s reports them with different LSB codes).
 */
export async function readRunningDaemon(runDir: string): Promise<{ running?: RunningDaemon; pidInFile?: number }> {
  let text: string;
  try {
    text = await readFile(pidFilePath(runDir), 'utf8');
  } catch {
    return {};
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return {};
  return processExists(pid) ? { running: { pid }, pidInFile: pid } : { pidInFile: pid };
}

export class AlreadyRunningError extends Error {
  constructor(readonly pid: number, path: string) {
    super(`heartbeat: already running [pid ${pid}] (pid file ${path}); stop it with heartbeat -k first`);
  }
}

export interface PidFileLock {
  readonly path: string;
  release(): Promise<void>;
  /** Synchronous release for process 'exit' handlers. */
  releaseSync(): void;
}

/**
 * Create the pid file exclusively. A pid file naming a live process refuses
 * the start; one naming a dead process (a crash) is replaced.
 */
export async function acquirePidFile(runDir: string): Promise<PidFileLock> {
  await mkdir(runDir, { recursive: true, mode: 0o755 });
  const path = pidFilePath(runDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      const ownsFile = (): boolean => {
        try {
          return Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid;
        } catch {
          return false;
        }
      };
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          if (ownsFile()) await unlink(path).catch(() => undefined);
        },
        releaseSync: () => {
          if (released) return;
          released = true;
          if (ownsFile()) {
            try {
              unlinkSync(path);
            } catch {
              /* best effort at exit */
            }
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const { running } = await readRunningDaemon(runDir);
      if (running && running.pid !== process.pid) throw new AlreadyRunningError(running.pid, path);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new Error(`cannot create the pid file ${path}: it keeps reappearing; is another heartbeat starting?`);
}
