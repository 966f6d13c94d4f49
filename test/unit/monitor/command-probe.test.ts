// Command probes (keepalived's vrrp_script, the "nginx + pidof nginx" recipe)
// with real commands run by /bin/sh: exit 0 is a success; an exit status, a
// signal, a command that does not exist, or the deadline are failures; at the
// deadline the whole process group dies; the event loop is never blocked.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeConfig } from '../../../src/config/types.js';
import { createMemoryLogger } from '../../../src/log/index.js';
import { createProbeSupervisor, describeOutcome, runCommandProbe, type ProbeSupervisor } from '../../../src/monitor/index.js';
import { waitForCondition } from '../../helpers/monitor-http-servers.js';

let dir: string;
let supervisors: ProbeSupervisor[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hbts-cmdprobe-'));
  supervisors = [];
});
afterEach(async () => {
  await Promise.all(supervisors.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A process is gone when it no longer exists or is a zombie waiting for PID 1 (which reaps only every 1-2 s). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('runCommandProbe', () => {
  it('exit status 0 is a success', async () => {
    const o = await runCommandProbe({ command: 'true', timeout: 10_000 });
    expect(o).toMatchObject({ kind: 'ok', exitCode: 0 });
    expect(describeOutcome(o)).toMatch(/^exit status 0 in \d+ ms$/);
  });

  it('any other status fails, with the last line of stderr as the reason', async () => {
    const o = await runCommandProbe({ command: 'echo first >&2; echo "nginx: not running" >&2; exit 3', timeout: 10_000 });
    expect(o).toMatchObject({ kind: 'exit', exitCode: 3, stderr: 'nginx: not running' });
    expect(describeOutcome(o)).toMatch(/^exit status 3 \(\d+ ms\): nginx: not running$/);
  });

  it('a command that does not exist fails with exit 127 and the shell saying so', async () => {
    const o = await runCommandProbe({ command: 'no-such-command-hbts', timeout: 10_000 });
    expect(o).toMatchObject({ kind: 'exit', exitCode: 127 });
    expect(o.kind === 'exit' && o.stderr).toMatch(/not found/);
  });

  it('a command killed by a signal fails', async () => {
    const o = await runCommandProbe({ command: 'kill -KILL $$', timeout: 10_000 });
    expect(o).toMatchObject({ kind: 'signal', signal: 'SIGKILL' });
  });

  it('kill -0 PID, the pidof-style check: passes while the process lives, fails once it is gone', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      expect(await runCommandProbe({ command: `kill -0 ${pid}`, timeout: 10_000 })).toMatchObject({ kind: 'ok' });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await runCommandProbe({ command: `kill -0 ${pid}`, timeout: 10_000 })).toMatchObject({ kind: 'exit', exitCode: 1 });
  });

  it('at the deadline the whole process group is killed, children included, and the probe fails', async () => {
    const pidFile = join(dir, 'child.pid');
    // A background child that ignores SIGTERM, then a foreground sleep: both must die.
    const command = `sh -c 'trap "" TERM; sleep 60' & echo $! > ${pidFile}; sleep 60`;
    const started = Date.now();
    const o = await runCommandProbe({ command, timeout: 300 }, { killGraceMs: 200 });
    const took = Date.now() - started;
    expect(o).toMatchObject({ kind: 'command-timeout', timeoutMs: 300 });
    expect(describeOutcome(o)).toBe('still running after 300 ms: its process group was killed');
    // Correctness bound, not speed: 300 ms + 200 ms grace, far below the 60 s the command wanted.
    expect(took).toBeLessThan(20_000);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await waitForCondition('the background child to be gone', () => gone(childPid));
  });

  it('does not block the event loop while the command runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const o = await runCommandProbe({ command: 'sleep 0.5', timeout: 10_000 });
      expect(o.kind).toBe('ok');
    } finally {
      clearInterval(timer);
    }
    // A blocked loop would tick 0 or 1 times in 0.5 s; any honest machine ticks many times.
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('command probes in the supervisor: the same fall/rise as HTTP probes', () => {
  function commandProbe(name: string, command: string, extra: Partial<ProbeConfig> = {}): ProbeConfig {
    return { name, line: 1, command, expectStatus: 200, interval: 40, timeout: 5000, fall: 2, rise: 2, action: 'standby', ...extra };
  }

  it('fails `fall` times in a row -> one release; passes `rise` times -> eligible again', async () => {
    const flag = join(dir, 'healthy');
    writeFileSync(flag, '');
    const { logger } = createMemoryLogger();
    const releases: Array<{ group: string | undefined; reason: string }> = [];
    const eligibles: Array<string | undefined> = [];
    let runs = 0;
    const supervisor = createProbeSupervisor({
      probes: [commandProbe('app', `test -f ${flag}`)],
      logger,
      onRelease: (group, reason) => releases.push({ group, reason }),
      onEligible: (group) => eligibles.push(group),
      onShutdown: () => undefined,
      onResult: () => runs++,
    });
    supervisors.push(supervisor);
    supervisor.start();
    await waitForCondition('3 passing runs', () => runs >= 3);
    expect(releases).toEqual([]);

    rmSync(flag);
    await waitForCondition('a release', () => releases.length > 0);
    expect(releases).toEqual([{ group: undefined, reason: expect.stringContaining('failed 2 time(s) in a row: exit status 1') }]);
    expect(supervisor.isEligible('any')).toBe(false);

    writeFileSync(flag, '');
    await waitForCondition('eligible again', () => eligibles.length > 0);
    expect(eligibles).toEqual([undefined]);
    expect(releases).toHaveLength(1);
    expect(existsSync(flag)).toBe(true);
  });
});
