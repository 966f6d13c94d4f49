// dist/cli/hb_probe.js is not what tsc wrote: scripts/bundle-cli.mjs turns
// it into one file that keeps only what hb_probe calls and takes Node's
// built-ins on demand, so that a cron run starts fast (issue 12). These
// tests hold the bundle to the source: the same exit code, stdout and stderr
// (durations aside) as src/cli/hb_probe.ts for every kind of outcome, over
// http and https, with and without --then; and a plain http probe loads
// neither TLS nor crypto. Real servers on 127.0.0.1 only.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlRequest, type ControlResponse, type ControlServer } from '../../../src/control/index.js';
import { closedPort, OK_BODY, startProbeTestServer, type ProbeTestServer } from '../../helpers/monitor-http-servers.js';

const REPO = resolve(import.meta.dirname, '../../..');
const BUNDLE = join(REPO, 'dist/cli/hb_probe.js');
const SOURCE = join(REPO, 'src/cli/hb_probe.ts');
const TLS_BODY = 'tls\n';
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
/** Deadline of the probes that must pass: far beyond what a loaded machine needs on loopback. */
const PASS_TIMEOUT = ['--timeout', '20s'];

let server: ProbeTestServer;
let tlsDir: string;
let tls: HttpsServer;
let tlsPort: number;
let runDir: string;
let control: ControlServer;
const received: ControlRequest[] = [];
let answer: ControlResponse = { ok: true, result: 'released' };

interface Run {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly asked: readonly ControlRequest[];
}

/** What differs from run to run: durations "(12 ms)" → "(N ms)", OpenSSL's thread id in "80AC49CFBC7F0000:error:". */
const normal = (text: string): string => text.replace(/\b\d+ ms\)/g, 'N ms)').replace(/\b[0-9A-F]{8,16}:error:/g, 'T:error:');

async function runOne(entry: 'bundle' | 'source', args: readonly string[], env: Record<string, string>): Promise<Run> {
  received.length = 0;
  const command = entry === 'bundle' ? ['node', BUNDLE] : ['node', '--import', 'tsx', SOURCE];
  const r = await execa(command[0]!, [...command.slice(1), ...args], { cwd: REPO, reject: false, env: { HA_VARRUN: '', ...env } });
  const asked = received.map((q) => ('reason' in q && typeof q.reason === 'string' ? { ...q, reason: normal(q.reason) } : q));
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: normal(r.stderr), asked };
}

/** Bundle and source, one after the other (the control server's record is per run). */
async function both(args: readonly string[], env: Record<string, string> = {}): Promise<{ bundle: Run; source: Run }> {
  const bundle = await runOne('bundle', args, env);
  const source = await runOne('source', args, env);
  return { bundle, source };
}

beforeAll(async () => {
  server = await startProbeTestServer();
  tlsDir = await mkdtemp(join(tmpdir(), 'hbts-probe-bundle-'));
  await execa('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=probe-test',
    '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem'),
  ]);
  tls = createHttpsServer({ key: await readFile(join(tlsDir, 'key.pem')), cert: await readFile(join(tlsDir, 'cert.pem')) }, (req, res) => {
    res.statusCode = req.url === '/down' ? 503 : 200;
    res.end(TLS_BODY);
  });
  await new Promise<void>((done) => tls.listen(0, '127.0.0.1', () => done()));
  tlsPort = (tls.address() as AddressInfo).port;
  runDir = join(tlsDir, 'run');
  control = await startControlServer(runDir, async (request) => {
    received.push(request);
    return answer;
  });
});

afterAll(async () => {
  try {
    await control?.close();
    tls?.closeAllConnections();
    await new Promise<void>((done) => (tls ? tls.close(() => done()) : done()));
    await server?.close();
  } finally {
    if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
  }
});

describe('the bundled hb_probe answers exactly as its source', () => {
  it('for every kind of probe outcome, over http and https', async () => {
    const refusedPort = await closedPort();
    const tlsUrl = (path: string): string => `https://127.0.0.1:${tlsPort}${path}`;
    const cases: Array<{ args: string[]; exitCode: number }> = [
      { args: [server.url('/ok'), ...PASS_TIMEOUT], exitCode: 0 },
      { args: [server.url('/ok'), '--expect-md5', md5(OK_BODY).toUpperCase(), ...PASS_TIMEOUT], exitCode: 0 },
      { args: ['--expect-status', '503', server.url('/status/503'), ...PASS_TIMEOUT], exitCode: 0 },
      { args: [server.url('/ok'), '--expect-md5', '0'.repeat(32), ...PASS_TIMEOUT], exitCode: 1 },
      { args: [server.url('/status/500'), ...PASS_TIMEOUT], exitCode: 1 },
      { args: [server.url('/big'), '--expect-md5', '0'.repeat(32), ...PASS_TIMEOUT], exitCode: 1 },
      // long enough that a loaded machine has connected well before: the phase in the message is then always the same
      { args: [server.url('/silent'), '--timeout', '3s'], exitCode: 1 },
      { args: [server.url('/reset'), ...PASS_TIMEOUT], exitCode: 1 },
      { args: [`http://127.0.0.1:${refusedPort}/`, ...PASS_TIMEOUT], exitCode: 1 },
      { args: [tlsUrl('/'), '--expect-md5', md5(TLS_BODY), ...PASS_TIMEOUT], exitCode: 0 },
      { args: [tlsUrl('/down'), ...PASS_TIMEOUT], exitCode: 1 },
      // an https URL on a plain-http server: a TLS failure, not a hang
      { args: [`https://127.0.0.1:${server.port}/ok`, ...PASS_TIMEOUT], exitCode: 1 },
    ];
    for (const c of cases) {
      const { bundle, source } = await both(c.args);
      expect(bundle, c.args.join(' ')).toEqual(source);
      expect(bundle.exitCode, c.args.join(' ')).toBe(c.exitCode);
      expect(bundle.stderr === '', c.args.join(' ')).toBe(c.exitCode === 0);
    }
  });

  it('for --then: the same request to the daemon, the same exit codes 1, 3 and 4', async () => {
    const failing = server.url('/status/500');
    const cases: Array<{ args: string[]; env?: Record<string, string>; exitCode: number; asked: number }> = [
      { args: [failing, '--then', 'standby', '--group', '10.0.0.100', '--run-dir', runDir], exitCode: 1, asked: 1 },
      { args: [failing, '--then', 'standby', '--run-dir', runDir], exitCode: 1, asked: 1 },
      { args: [failing, '--then', 'shutdown'], env: { HA_VARRUN: runDir }, exitCode: 1, asked: 1 },
      { args: [server.url('/ok'), '--then', 'shutdown', '--run-dir', runDir, ...PASS_TIMEOUT], exitCode: 0, asked: 0 },
      { args: [failing, '--then', 'standby', '--run-dir', join(runDir, 'nobody-here')], exitCode: 3, asked: 0 },
    ];
    for (const c of cases) {
      const { bundle, source } = await both(c.args, c.env);
      expect(bundle, c.args.join(' ')).toEqual(source);
      expect(bundle.exitCode, c.args.join(' ')).toBe(c.exitCode);
      expect(bundle.asked, c.args.join(' ')).toHaveLength(c.asked);
    }
    answer = { ok: false, error: 'no group named web' };
    try {
      const { bundle, source } = await both([failing, '--then', 'standby', '--group', 'web', '--run-dir', runDir]);
      expect(bundle).toEqual(source);
      expect(bundle.exitCode).toBe(4);
    } finally {
      answer = { ok: true, result: 'released' };
    }
  });

  it('for --help and every usage error', async () => {
    const cases: string[][] = [
      ['--help'],
      ['-h'],
      [],
      ['http://a/', 'http://b/'],
      ['ftp://a/'],
      ['http://127.0.0.1/', '--expect-status', '99'],
      ['http://127.0.0.1/', '--expect-md5', 'xyz'],
      ['http://127.0.0.1/', '--timeout', '2min'],
      ['http://127.0.0.1/', '--then', 'reboot'],
      ['http://127.0.0.1/', '--group', 'web'],
      ['http://127.0.0.1/', '--no-such-option'],
    ];
    for (const args of cases) {
      const { bundle, source } = await both(args);
      expect(bundle, args.join(' ')).toEqual(source);
      expect(bundle.exitCode, args.join(' ')).toBe(args[0] === '--help' || args[0] === '-h' ? 0 : 2);
    }
  });
});

describe('what the bundled hb_probe loads', () => {
  /** Node's own record of the built-in modules a run loaded, printed at exit. */
  async function modulesLoaded(args: readonly string[]): Promise<string[]> {
    const atExit = 'process.on("exit",()=>process.stderr.write("\\nLOADED "+JSON.stringify(process.moduleLoadList)+"\\n"))';
    const r = await execa('node', ['--import', `data:text/javascript,${encodeURIComponent(atExit)}`, BUNDLE, ...args], { reject: false, env: { HA_VARRUN: '' } });
    const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
    if (!line) throw new Error(`no module list from hb_probe ${args.join(' ')}: ${r.stderr}`);
    return (JSON.parse(line.slice('LOADED '.length)) as string[]).map((m) => m.replace(/^NativeModule /, ''));
  }

  it('a plain http probe loads neither TLS nor crypto; an https one with an md5 loads both', async () => {
    const plain = await modulesLoaded([server.url('/ok'), ...PASS_TIMEOUT]);
    expect(plain).toContain('_http_client');
    expect(plain.filter((m) => /^(https|tls|crypto|_tls_wrap|perf_hooks)$/.test(m))).toEqual([]);
    const secure = await modulesLoaded([`https://127.0.0.1:${tlsPort}/`, '--expect-md5', md5(TLS_BODY), ...PASS_TIMEOUT]);
    expect(secure).toEqual(expect.arrayContaining(['https', 'tls', 'crypto']));
  });
});
