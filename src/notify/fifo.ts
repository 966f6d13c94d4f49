// The FIFO target. heartbeat-ts creates the FIFO when it is missing and
// keeps it open for reading AND writing, without blocking (as keepalived's
// notify_fifo): a missing reader never blocks the daemon and never makes a
// write fail; lines wait in the kernel's pipe buffer (64 KiB, some hundreds
// of events) until a reader comes. Each line is written with one write of
// at most PIPE_BUF bytes, so readers never see half lines. When the pipe is
// full (no reader for long, or one too slow) a line is retried for
// FIFO_PATIENCE_MS and then dropped and counted; meanwhile newer events wait
// in the bounded queue in front of it (drop-oldest, counted).
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export const FIFO_PATIENCE_MS = 2_000;
const FIFO_RETRY_MS = 100;

/** Makes the FIFO if missing; refuses a path that exists and is not a FIFO. Returns the open descriptor. */
export async function openFifo(path: string): Promise<number> {
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new Error(`[notify] fifo ${path}: ${err.message}`);
  });
  if (existing === undefined) {
    // Loaded here: most daemons have no FIFO to make, and execa's modules stay in memory once loaded (issue 12).
    const { execa } = await import('execa');
    const made = await execa('mkfifo', ['-m', '0600', path], { reject: false, stdin: 'ignore' });
    if (made.exitCode !== 0) throw new Error(`[notify] fifo ${path}: cannot create it: ${String(made.stderr).trim() || `mkfifo exited with ${made.exitCode}`}`);
  } else if (!existing.isFIFO()) {
    throw new Error(`[notify] fifo ${path} exists and is not a FIFO: remove it or name another path`);
  }
  // libuv adds O_CLOEXEC. O_RDWR: opening never waits for a reader, and writes never fail for lack of one (fifo(7)).
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new Error(`[notify] fifo ${path} was replaced by something that is not a FIFO`);
  }
  return fd;
}

export type FifoWrite = 'written' | 'full';

/** Writes one line; waits (without blocking the event loop) while the pipe is full, up to `patienceMs`. */
export async function writeFifoLine(fd: number, line: string, patienceMs: number = FIFO_PATIENCE_MS): Promise<FifoWrite> {
  const bytes = Buffer.from(line, 'utf8');
  const giveUpAt = Date.now() + patienceMs;
  for (;;) {
    try {
      writeSync(fd, bytes);
      return 'written';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
    if (Date.now() >= giveUpAt) return 'full';
    await delay(FIFO_RETRY_MS);
  }
}
