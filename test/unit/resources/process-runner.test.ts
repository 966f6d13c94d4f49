// Running one script operation for real: output captured, environment
// merged, and on timeout the whole process group ended.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../../../src/resources/index.js';
import { createShellScriptDir, processAlive, waitFor } from '../../helpers/resources-scripts.js';

const scripts = createShellScriptDir('hbts-res-run-');
const { dir, script } = scripts;
afterAll(() => scripts.cleanup());

describe('runProcess', () => {
  it('captures stdout, stderr, the exit code and the merged environment', async () => {
    const path = script('hello', 'echo "out $1 $HA_CURHOST ${HOME:+home-set}"; echo "err $2" >&2; exit 3');
    const r = await runProcess({ command: path, args: ['a', 'b'], env: { HA_CURHOST: 'alpha' }, timeoutMs: 10_000, killGraceMs: 500 });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, stdout: 'out a alpha home-set\n', stderr: 'err b\n' });
    expect(r.spawnError).toBeUndefined();
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('does not wait for a daemon the script leaves behind holding its output', async () => {
    const pidFile = join(dir, 'daemon.pid');
    const path = script('daemonizer', `sleep 1000 & echo $! > ${pidFile}; echo started`);
    const r = await runProcess({ command: path, args: [], timeoutMs: 20_000, killGraceMs: 500 });
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'started\n' });
    const daemon = Number(readFileSync(pidFile, 'utf8'));
    expect(processAlive(daemon)).toBe(true);
    process.kill(daemon, 'SIGKILL');
    await waitFor('the test daemon to end', () => !processAlive(daemon));
  });

  it('on timeout kills the whole process group, children that ignore SIGTERM included', async () => {
    const pidFile = join(dir, 'hang.pids');
    // The child ignores SIGTERM, so only the SIGKILL to the group can end it.
    const path = script('hang', `sh -c 'trap "" TERM; while :; do sleep 1; done' & echo "$$ $!" > ${pidFile}; echo waiting; sleep 1000`);
    const r = await runProcess({ command: path, args: ['start'], timeoutMs: 300, killGraceMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe('waiting\n');
    const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    await waitFor('the script and its child to be gone', () => pids.every((p) => !processAlive(p)));
  });

  it('captures output in files under the scratch directory it is given, and removes them', async () => {
    const scratch = mkdtempSync(join(dir, 'scratch-'));
    const path = script('where', 'readlink /proc/$$/fd/1');
    const r = await runProcess({ command: path, args: [], timeoutMs: 10_000, killGraceMs: 100, scratchDir: scratch });
    expect(r.stdout.startsWith(`${scratch}/hbts-run-`)).toBe(true);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('reports a script that cannot be started', async () => {
    const r = await runProcess({ command: join(dir, 'nope'), args: [], timeoutMs: 1000, killGraceMs: 100 });
    expect(r.exitCode).toBeUndefined();
    expect(r.spawnError).toMatch(/ENOENT/);
  });

  it('keeps only the tail of a flood of output', async () => {
    const path = script('flood', 'i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done');
    const r = await runProcess({ command: path, args: [], timeoutMs: 10_000, killGraceMs: 100, maxOutputBytes: 100 });
    expect(r.stdout.length).toBe(100);
    expect(r.stdout.endsWith('line 2999\n')).toBe(true);
  });
});
