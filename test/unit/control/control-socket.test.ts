// The admin control socket: one JSON request per connection, root-only
// socket file (mode 0600), every malformed request answered with a reason,
// and a daemon that is not there reported as "not running".
import fc from 'fast-check';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  controlSocketPath,
  DaemonUnreachableError,
  parseControlRequest,
  requestDaemon,
  startControlServer,
  type ControlRequest,
  type ControlServer,
} from '../../../src/control/index.js';

describe('parseControlRequest', () => {
  it('accepts the documented commands', () => {
    expect(parseControlRequest('{"command":"status"}')).toEqual({ command: 'status' });
    expect(parseControlRequest('{"command":"standby"}')).toEqual({ command: 'standby', scope: 'all' });
    expect(parseControlRequest('{"command":"takeover","scope":"failback"}')).toEqual({ command: 'takeover', scope: 'failback' });
    expect(parseControlRequest('{"command":"shutdown","reason":"x"}')).toEqual({ command: 'shutdown', reason: 'x' });
    expect(parseControlRequest('{"command":"probe-release","group":"g","reason":"r"}')).toEqual({ command: 'probe-release', group: 'g', reason: 'r' });
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[1]', 'must be a JSON object'],
    ['{"command":"standby","scope":"half"}', 'scope must be one of'],
    ['{"command":"reboot"}', 'unknown command'],
    ['{"command":"probe-release"}', 'needs a reason'],
    ['{"command":"shutdown","reason":3}', 'reason must be a string'],
  ])('refuses %s with a reason', (text, reason) => {
    const r = parseControlRequest(text);
    expect(typeof r).toBe('string');
    expect(r).toContain(reason);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const r = parseControlRequest(s);
      expect(typeof r === 'string' || typeof r === 'object').toBe(true);
    }));
  });
});

describe('control socket', () => {
  let dir: string;
  let server: ControlServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers one request per connection on a 0600 socket', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-ctl-'));
    const seen: ControlRequest[] = [];
    server = await startControlServer(dir, async (req) => {
      seen.push(req);
      return { ok: true, result: { echo: req.command } };
    });
    expect(statSync(controlSocketPath(dir)).mode & 0o777).toBe(0o600);
    const answer = await requestDaemon(dir, { command: 'status' });
    expect(answer).toEqual({ ok: true, result: { echo: 'status' } });
    expect(seen).toEqual([{ command: 'status' }]);
  });

  it('answers garbage with an error instead of crashing, and keeps serving', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-ctl-'));
    server = await startControlServer(dir, async () => ({ ok: true, result: null }));
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(controlSocketPath(dir));
      let out = '';
      s.on('connect', () => s.write('{"command":\n'));
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    expect(JSON.parse(raw)).toEqual({ ok: false, error: 'the request is not valid JSON' });
    expect(await requestDaemon(dir, { command: 'status' })).toEqual({ ok: true, result: null });
  });

  it('a handler that throws becomes an error answer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-ctl-'));
    server = await startControlServer(dir, async () => {
      throw new Error('boom');
    });
    expect(await requestDaemon(dir, { command: 'status' })).toEqual({ ok: false, error: 'boom' });
  });

  it('no daemon: DaemonUnreachableError "not-running" with a sentence saying what to do', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hbts-ctl-'));
    const err = await requestDaemon(dir, { command: 'status' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonUnreachableError);
    expect((err as DaemonUnreachableError).reason).toBe('not-running');
    expect((err as Error).message).toMatch(/heartbeat is not running .*--run-dir/);
  });
});
