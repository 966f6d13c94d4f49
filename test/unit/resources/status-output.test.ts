// Heartbeat's ownership rule on the stdout of `status` (spec §9.1:
// ResourceManager we_own_resource ignores the exit code). Checked against
// the real shell glob run by /bin/sh, on examples and on random text.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statusOutputSaysRunning } from '../../../src/resources/index.js';

// The exact case statement of ResourceManager's we_own_resource.
const HEARTBEAT_CASE = `case "$1" in
  *[Nn][Oo][Tt]\\ *[Rr]unning*) echo no;;
  *[Rr]unning*|*OK*) echo yes;;
  *) echo no;;
esac`;

function shellSaysRunning(text: string): boolean {
  const r = spawnSync('sh', ['-c', HEARTBEAT_CASE, 'sh', text], { encoding: 'utf8' });
  return r.stdout.trim() === 'yes';
}

describe('status output ownership rule (spec §9.1)', () => {
  it.each([
    ['nginx is running (pid 42)', true],
    ['running', true],
    ['INFO:  Running OK', true],
    ['OK', true],
    ['nginx is not running', false],
    ['nginx is NOT running', false],
    ['Not   Running at all', false],
    ['nginx is not running (dead, but /run/nginx.pid exists)', false],
    ['stopped', false],
    ['is stopped', false],
    ['', false],
    ['RUNNING', false],
    ['ok', false],
    ['notrunning', true],
    ['not\nrunning', true],
    ['not \nrunning', false],
    ['first line OK\nsecond line', true],
  ])('%j → running=%s', (text, expected) => {
    expect(statusOutputSaysRunning(text)).toBe(expected);
    expect(shellSaysRunning(text)).toBe(expected);
  });

  it('agrees with the shell glob on random status texts', () => {
    const piece = fc.constantFrom('not', 'NOT', 'Not', 'nOt', ' ', '  ', 'running', 'Running', 'RUNNING', 'OK', 'ok', 'is', 'stopped', '\n', 'x', 'n', 'ot r', 'unning');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), (text) => {
        expect(statusOutputSaysRunning(text)).toBe(shellSaysRunning(text));
      }),
      { numRuns: 200 },
    );
  });
});
