// The short-command runner the built-in agents use for `ip`: output,
// exit codes, stdin for `ip -batch -`, the timeout, and commands that
// cannot run — each with a one-line reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/resources/agents/command.js';
import { createShellScriptDir, processAlive, waitFor } from '../../helpers/resources-scripts.js';

const scripts = createShellScriptDir('hbts-res-cmd-');
const { dir, script } = scripts;
afterAll(() => scripts.cleanup());

describe('runCommand', () => {
  it('returns stdout and stderr of a successful command, run with LC_ALL=C', async () => {
    const path = script('ok', 'echo "out $1 $LC_ALL"; echo "err" >&2');
    const r = await runCommand(path, ['a'], { timeoutMs: 10_000 });
    expect(r).toEqual({ ok: true, exitCode: 0, stdout: 'out a C\n', stderr: 'err\n' });
  });

  it('explains a failure with the command, its exit code and its error output', async () => {
    const path = script('fails', 'echo "RTNETLINK answers: File exists" >&2; exit 2');
    const r = await runCommand(path, ['addr', 'add'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ ok: false, exitCode: 2 });
    expect(r.error).toBe(`${path} addr add failed (exit 2): RTNETLINK answers: File exists`);
  });

  it('feeds INPUT to the command (ip -batch -) and leaves stdin empty otherwise', async () => {
    const path = script('cat-input', 'cat');
    expect((await runCommand(path, [], { timeoutMs: 10_000, input: 'addr show\nroute show\n' })).stdout).toBe(
      'addr show\nroute show\n',
    );
    expect((await runCommand(path, [], { timeoutMs: 10_000 })).stdout).toBe('');
  });

  it('survives a command that exits without reading a large input', async () => {
    const path = script('ignores-input', 'exit 0');
    const r = await runCommand(path, [], { timeoutMs: 10_000, input: 'x'.repeat(4 * 1024 * 1024) });
    expect(r.ok).toBe(true);
  });

  it('ends a command that outlives its timeout, and says so', async () => {
    const pidFile = join(dir, 'slow.pid');
    const path = script('slow', `echo $$ > ${pidFile}; exec sleep 1000`);
    const r = await runCommand(path, [], { timeoutMs: 200 });
    expect(r.ok).toBe(false);
    expect(r.error).toBe(`${path} did not finish within 200 ms`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor('the timed-out command to be gone', () => !processAlive(pid));
  });

  it('reports a command that cannot be started, without an exit code', async () => {
    const r = await runCommand(join(dir, 'missing'), ['x'], { timeoutMs: 1000 });
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBeUndefined();
    expect(r.error).toMatch(/^\S+missing x could not run: .*ENOENT/);
  });

  it('puts the exec prefix in front of the command', async () => {
    const prefix = script('prefix', 'echo "via prefix"; exec "$@"');
    const path = script('target', 'echo "target $1"');
    const r = await runCommand(path, ['z'], { timeoutMs: 10_000, execPrefix: [prefix] });
    expect(r.stdout).toBe('via prefix\ntarget z\n');
  });
});
