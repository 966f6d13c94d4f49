// hb_probe as a real process against real local HTTP servers, and, for
// --then, against the real control-socket server recording what it is asked.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXIT_DAEMON_REFUSED,
  EXIT_DAEMON_UNREACHABLE,
  EXIT_OK,
  EXIT_PROBE_FAILED,
  EXIT_USAGE,
  parseHbProbeArgs,
} from '../../../src/cli/hb_probe.js';
import { startControlServer, type ControlRequest, type ControlResponse, type ControlServer } from '../../../src/control/index.js';
import { closedPort, OK_BODY, startProbeTestServer, type ProbeTestServer } from '../../helpers/monitor-http-servers.js';

const REPO = resolve(import.meta.dirname, '../../..');
const ENTRY = join(REPO, 'src/cli/hb_probe.ts');

function hbProbe(args: string[], env: Record<string, string> = {}) {
  return execa('node', ['--import', 'tsx', ENTRY, ...args], { cwd: REPO, reject: false, env: { HA_VARRUN: '', ...env } });
}

let server: ProbeTestServer;
let runDir: string;
let control: ControlServer;
const received: ControlRequest[] = [];
let answer: ControlResponse = { ok: true, result: 'released' };

beforeAll(async () => {
  server = await startProbeTestServer();
  runDir = await mkdtemp(join(tmpdir(), 'hbts-hb_probe-'));
  control = await startControlServer(runDir, async (request) => {
    received.push(request);
    return answer;
  });
});
afterAll(async () => {
  await control?.close();
  await server?.close();
  await rm(runDir, { recursive: true, force: true });
});

describe('hb_probe (real process)', () => {
  it('exits 0 and prints nothing when the page answers as expected', async () => {
    const md5 = createHash('md5').update(OK_BODY).digest('hex');
    const r = await hbProbe([server.url('/ok'), '--expect-md5', md5]);
    expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ exitCode: EXIT_OK, stdout: '', stderr: '' });
    const s = await hbProbe(['--expect-status', '503', server.url('/status/503')]);
    expect(s.exitCode).toBe(EXIT_OK);
  });

  it('exits 1 with the reason on stderr for each kind of failure', async () => {
    const port = await closedPort();
    const cases: Array<[string[], RegExp]> = [
      [[server.url('/status/500')], /^hb_probe http:\/\/127\.0\.0\.1:\d+\/status\/500: HTTP status 500, expected 200 \(\d+ ms\)$/],
      [[server.url('/ok'), '--expect-md5', '0'.repeat(32)], /: body md5 [0-9a-f]{32}, expected 0{32} \(\d+ ms\)$/],
      // deadlines generous enough that a loaded machine still gets the headers in time
      [[server.url('/silent'), '--timeout', '600ms'], /: timed out after 600 ms while waiting for the response$/],
      [[server.url('/stall'), '--timeout', '0.8'], /: timed out after 800 ms while reading the body$/],
      [[`http://127.0.0.1:${port}/`], /: connection refused \(\d+ ms\)$/],
      [[server.url('/reset')], /: connection reset while waiting for the response \(\d+ ms\)$/],
    ];
    const results = await Promise.all(cases.map(([args]) => hbProbe(args)));
    results.forEach((r, i) => {
      expect(r.exitCode, cases[i]![0].join(' ')).toBe(EXIT_PROBE_FAILED);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });

  it('--then standby --group: asks the daemon over the control socket to release that group', async () => {
    received.length = 0;
    const r = await hbProbe([server.url('/status/500'), '--then', 'standby', '--group', '10.0.0.100', '--run-dir', runDir]);
    expect(r.exitCode).toBe(EXIT_PROBE_FAILED);
    expect(received).toEqual([
      { command: 'probe-release', group: '10.0.0.100', reason: expect.stringMatching(/^hb_probe http:\/\/127\.0\.0\.1:\d+\/status\/500: HTTP status 500/) },
    ]);
    expect(r.stderr).toContain('hb_probe: asked the heartbeat daemon to release group 10.0.0.100');
  });

  it('--then shutdown: finds the daemon through HA_VARRUN and asks it to stop', async () => {
    received.length = 0;
    const r = await hbProbe([server.url('/status/502'), '--then', 'shutdown'], { HA_VARRUN: runDir });
    expect(r.exitCode).toBe(EXIT_PROBE_FAILED);
    expect(received).toEqual([{ command: 'shutdown', reason: expect.stringContaining('HTTP status 502, expected 200') }]);
    expect(r.stderr).toContain('hb_probe: asked the heartbeat daemon to stop');
  });

  it('--then does nothing when the probe passes', async () => {
    received.length = 0;
    const r = await hbProbe([server.url('/ok'), '--then', 'standby', '--run-dir', runDir]);
    expect(r.exitCode).toBe(EXIT_OK);
    expect(received).toEqual([]);
  });

  it('exits 3 when the daemon cannot be reached, 4 when it refuses', async () => {
    const nowhere = join(runDir, 'no-daemon-here');
    const unreachable = await hbProbe([server.url('/status/500'), '--then', 'standby', '--run-dir', nowhere]);
    expect(unreachable.exitCode).toBe(EXIT_DAEMON_UNREACHABLE);
    expect(unreachable.stderr).toContain('hb_probe: could not ask the heartbeat daemon to release every group: heartbeat is not running');

    answer = { ok: false, error: 'no group named web' };
    try {
      const refused = await hbProbe([server.url('/status/500'), '--then', 'standby', '--group', 'web', '--run-dir', runDir]);
      expect(refused.exitCode).toBe(EXIT_DAEMON_REFUSED);
      expect(refused.stderr).toContain('hb_probe: the heartbeat daemon refused to release group web: no group named web');
    } finally {
      answer = { ok: true, result: 'released' };
    }
  });

  it('exits 2 on bad usage and 0 on --help', async () => {
    const bad = await hbProbe(['--then', 'reboot', server.url('/ok')]);
    expect(bad.exitCode).toBe(EXIT_USAGE);
    expect(bad.stderr).toBe(`hb_probe: --then "reboot" must be standby or shutdown\nTry 'hb_probe --help'.`);
    const help = await hbProbe(['--help']);
    expect(help.exitCode).toBe(EXIT_OK);
    expect(help.stdout).toMatch(/^Usage: hb_probe URL \[options\]/);
    expect(help.stdout).toContain('3  the probe failed and the daemon could not be reached for --then');
  });
});

describe('parseHbProbeArgs', () => {
  const env = {};
  it('takes the shared options every command takes (README)', () => {
    const parsed = parseHbProbeArgs(['--config-dir', '/etc/ha.d', 'http://127.0.0.1/', '--state-dir', '/s', '--node', 'alpha', '--run-dir', '/r'], env);
    expect(parsed).toMatchObject({ url: 'http://127.0.0.1/', runDir: '/r' });
  });
  it('reads options before or after the URL, with defaults', () => {
    expect(parseHbProbeArgs(['--timeout', '5', 'http://127.0.0.1/'], env)).toEqual({
      url: 'http://127.0.0.1/',
      expectStatus: 200,
      timeout: 5000,
      runDir: '/run/heartbeat',
    });
    expect(
      parseHbProbeArgs(['https://h/x', '--then', 'standby', '--group', 'IPaddr::10.0.0.1', '--expect-md5', 'A'.repeat(32), '--expect-status=204'], {
        HA_VARRUN: '/var/run/heartbeat',
      }),
    ).toEqual({
      url: 'https://h/x',
      expectStatus: 204,
      expectMd5: 'a'.repeat(32),
      timeout: 2000,
      then: 'standby',
      group: 'IPaddr::10.0.0.1',
      runDir: '/var/run/heartbeat',
    });
    expect(parseHbProbeArgs(['http://h/', '--run-dir', '/tmp/r'], { HA_VARRUN: '/x' })).toMatchObject({ runDir: '/tmp/r' });
  });

  it.each([
    [[], 'which URL? e.g. hb_probe http://127.0.0.1/index.html'],
    [['http://a/', 'http://b/'], 'one URL only, got: http://a/ http://b/'],
    [['ftp://a/'], '"ftp://a/" is not an http:// or https:// URL'],
    [['127.0.0.1/'], '"127.0.0.1/" is not an http:// or https:// URL'],
    [['http://a/', '--expect-status', '20'], '--expect-status "20" must be an HTTP status code from 100 to 599'],
    [['http://a/', '--expect-md5', 'xyz'], '--expect-md5 "xyz" must be 32 hexadecimal digits'],
    [['http://a/', '--timeout', '2 s'], '--timeout "2 s" is not a time: write seconds (2, 1.5) or a number with ms, us or s (500ms, 2s)'],
    [['http://a/', '--timeout', '0'], '--timeout "0" is too short: at least 1ms'],
    [['http://a/', '--then', 'halt'], '--then "halt" must be standby or shutdown'],
    [['http://a/', '--group', 'web'], '--group only makes sense with --then standby'],
    [['http://a/', '--then', 'shutdown', '--group', 'web'], '--group only makes sense with --then standby'],
    [['http://a/', '--then', 'standby', '--group', ''], '--group needs a group key (the first resource of its haresources line)'],
    [['http://a/', '--timeout'], "Option '--timeout <value>' argument missing"],
  ])('%j is a usage error', (argv, message) => {
    const r = parseHbProbeArgs(argv, env);
    expect(r).toEqual({ exitCode: EXIT_USAGE, stdout: '', stderr: `hb_probe: ${message}\nTry 'hb_probe --help'.\n` });
  });

  it('an unknown option is a usage error', () => {
    expect(parseHbProbeArgs(['http://a/', '--verbose'], env)).toMatchObject({ exitCode: EXIT_USAGE, stderr: expect.stringContaining("Unknown option '--verbose'") });
  });
});
