// The pid file (<run-dir>/heartbeat.pid, Heartbeat's "%ld\n") refuses a
// second daemon, replaces a stale one left by a crash, and tells
// heartbeat -s a stale file from no file.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlreadyRunningError, acquirePidFile, pidFilePath, readRunningDaemon } from '../../../src/daemon/pidfile.js';

describe('pid file', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written as "<pid>\\n", refuses a second holder and is removed on release', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-pid-'));
    const lock = await acquirePidFile(dir);
    expect(readFileSync(pidFilePath(dir), 'utf8')).toBe(`${process.pid}\n`);
    // A live process other than us in the file: refused.
    const other = spawn('sleep', ['30']);
    try {
      await lock.release();
      writeFileSync(pidFilePath(dir), `${other.pid}\n`);
      const err = await acquirePidFile(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlreadyRunningError);
      expect((err as Error).message).toContain(`already running [pid ${other.pid}]`);
      expect(await readRunningDaemon(dir)).toEqual({ running: { pid: other.pid }, pidInFile: other.pid });
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('replaces a stale file naming a dead process', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-pid-'));
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(pidFilePath(dir), `${dead.pid}\n`);
    expect(await readRunningDaemon(dir)).toEqual({ pidInFile: dead.pid });
    const lock = await acquirePidFile(dir);
    expect(readFileSync(pidFilePath(dir), 'utf8')).toBe(`${process.pid}\n`);
    lock.releaseSync();
    expect(existsSync(pidFilePath(dir))).toBe(false);
    expect(await readRunningDaemon(dir)).toEqual({});
  });
});
