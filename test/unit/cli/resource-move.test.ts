// hb_standby / hb_takeover argument handling: Heartbeat's usage text and
// exit codes (the /usr/share/heartbeat scripts), failback = foreign for
// hb_standby, passed through for hb_takeover (spec §9.5), and the request
// reaching the daemon over the real control socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMoveCommand } from '../../../src/cli/resource-move-command.js';
import { startControlServer, type ControlRequest, type ControlServer } from '../../../src/control/index.js';

function captureIo() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

describe('hb_standby / hb_takeover', () => {
  let dir = '';
  let server: ControlServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['hb_standby', [], { command: 'standby', scope: 'all' }],
    ['hb_standby', ['failback'], { command: 'standby', scope: 'foreign' }],
    ['hb_standby', ['local'], { command: 'standby', scope: 'local' }],
    ['hb_takeover', [], { command: 'takeover', scope: 'all' }],
    ['hb_takeover', ['failback'], { command: 'takeover', scope: 'failback' }],
  ] as const)('%s %j sends %j', async (cmd, args, expected) => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-move-'));
    const seen: ControlRequest[] = [];
    server = await startControlServer(dir, async (r) => {
      seen.push(r);
      return { ok: true, result: {} };
    });
    const { io, out } = captureIo();
    expect(await runMoveCommand(cmd, [...args, '--run-dir', dir], io)).toBe(0);
    expect(seen).toEqual([expected]);
    expect(out.stderr).toBe('');
  });

  it('a wrong word prints Heartbeat\'s message and usage, exit 1', async () => {
    const { io, out } = captureIo();
    expect(await runMoveCommand('hb_standby', ['half'], io)).toBe(1);
    expect(out.stdout).toBe('hb_standby: wrong resources(half).\nusage:\n');
    expect(out.stderr).toBe('hb_standby [all|foreign|local|failback]\n');
  });

  // README: every command takes --config-dir, --state-dir, --run-dir and --node;
  // "hb_standby --config-dir DIR" used to be refused as "too many arguments".
  it.each([
    ['hb_standby', ['--config-dir', '/etc/ha.d', 'local'], { command: 'standby', scope: 'local' }],
    ['hb_standby', ['--config-dir=/etc/ha.d', '--state-dir', '/var/lib/heartbeat', '--node', 'alpha'], { command: 'standby', scope: 'all' }],
    ['hb_takeover', ['foreign', '--node=alpha', '--config-dir', '/x'], { command: 'takeover', scope: 'foreign' }],
  ] as const)('%s %j takes the shared options like every command', async (cmd, args, expected) => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-move-'));
    const seen: ControlRequest[] = [];
    server = await startControlServer(dir, async (r) => {
      seen.push(r);
      return { ok: true, result: {} };
    });
    const { io, out } = captureIo();
    expect(await runMoveCommand(cmd, [...args, '--run-dir', dir], io)).toBe(0);
    expect(seen).toEqual([expected]);
    expect(out.stderr).toBe('');
  });

  it('a shared option without its value is a usage error, exit 1', async () => {
    const { io, out } = captureIo();
    expect(await runMoveCommand('hb_standby', ['--config-dir'], io)).toBe(1);
    expect(out.stderr).toContain('hb_standby: --config-dir needs a value');
    expect(out.stderr).toContain('hb_standby [all|foreign|local|failback]');
  });

  it('too many arguments, exit 1', async () => {
    const { io, out } = captureIo();
    expect(await runMoveCommand('hb_takeover', ['all', 'local'], io)).toBe(1);
    expect(out.stdout).toContain('hb_takeover: too many arguments');
  });

  it('a refusal from the daemon is printed and exits 1; no daemon exits 1 saying so', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-move-'));
    const none = captureIo();
    expect(await runMoveCommand('hb_standby', ['--run-dir', dir], none.io)).toBe(1);
    expect(none.out.stderr).toMatch(/heartbeat is not running/);
    server = await startControlServer(dir, async () => ({ ok: false, error: 'Standby mode only implemented when nice_failback on' }));
    const refused = captureIo();
    expect(await runMoveCommand('hb_standby', ['--run-dir', dir], refused.io)).toBe(1);
    expect(refused.out.stderr).toContain('nice_failback on');
  });

  it('--help prints the help and exits 0', async () => {
    const { io, out } = captureIo();
    expect(await runMoveCommand('hb_takeover', ['--help'], io)).toBe(0);
    expect(out.stdout).toContain('Usage: hb_takeover [all|foreign|local|failback]');
  });
});
