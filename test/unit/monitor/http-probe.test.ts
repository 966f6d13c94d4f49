// The probe executor against real servers on 127.0.0.1: every way a probe
// can end is a distinct outcome, and one deadline covers connect, headers and
// body (a server trickling bytes forever cannot keep a probe alive).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, runHttpProbe, type ProbeOutcome } from '../../../src/monitor/index.js';
import { closedPort, OK_BODY, startProbeTestServer, type ProbeTestServer } from '../../helpers/monitor-http-servers.js';

const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('hex');

let server: ProbeTestServer;
beforeAll(async () => {
  server = await startProbeTestServer();
});
afterAll(async () => {
  await server.close();
});

const probe = (path: string, extra: { expectStatus?: number; expectMd5?: string; timeout?: number } = {}): Promise<ProbeOutcome> =>
  runHttpProbe({ url: server.url(path), expectStatus: extra.expectStatus ?? 200, timeout: extra.timeout ?? 2000, ...(extra.expectMd5 ? { expectMd5: extra.expectMd5 } : {}) });

describe('runHttpProbe outcomes', () => {
  it('ok: the expected status, with and without a body digest', async () => {
    const plain = await probe('/ok');
    expect(plain).toMatchObject({ kind: 'ok', status: 200 });
    expect(plain.durationMs).toBeGreaterThan(0);
    expect(await probe('/ok', { expectMd5: md5(OK_BODY) })).toMatchObject({ kind: 'ok', status: 200 });
    expect(await probe('/status/204', { expectStatus: 204 })).toMatchObject({ kind: 'ok', status: 204 });
  });

  it('bad-status: another code, including a redirect (not followed)', async () => {
    expect(await probe('/status/500')).toMatchObject({ kind: 'bad-status', status: 500, expected: 200 });
    expect(await probe('/status/301')).toMatchObject({ kind: 'bad-status', status: 301, expected: 200 });
    expect(await probe('/ok', { expectStatus: 204 })).toMatchObject({ kind: 'bad-status', status: 200, expected: 204 });
  });

  it('body-mismatch: carries the expected and the actual md5', async () => {
    const expected = md5('something else');
    expect(await probe('/ok', { expectMd5: expected })).toMatchObject({
      kind: 'body-mismatch',
      expectedMd5: expected,
      gotMd5: md5(OK_BODY),
    });
  });

  it('timeout while waiting for the response from a server that never answers', async () => {
    const o = await probe('/silent', { timeout: 300 });
    expect(o).toMatchObject({ kind: 'timeout', phase: 'response', timeoutMs: 300 });
    expect(o.durationMs).toBeGreaterThanOrEqual(299);
  });

  it('timeout while reading a body that stalls after the headers', async () => {
    expect(await probe('/stall', { timeout: 500 })).toMatchObject({ kind: 'timeout', phase: 'body', timeoutMs: 500 });
  });

  it('one overall deadline: a body trickling a byte every 20 ms still times out', async () => {
    const o = await probe('/trickle', { timeout: 500 });
    expect(o).toMatchObject({ kind: 'timeout', phase: 'body', timeoutMs: 500 });
  });

  it('refused: nothing listens on the port', async () => {
    const port = await closedPort();
    const o = await runHttpProbe({ url: `http://127.0.0.1:${port}/`, expectStatus: 200, timeout: 2000 });
    expect(o).toMatchObject({ kind: 'refused' });
  });

  it('reset: before the response, and in the middle of the body', async () => {
    expect(await probe('/reset')).toMatchObject({ kind: 'reset', phase: 'response' });
    expect(await probe('/reset-body')).toMatchObject({ kind: 'reset', phase: 'body' });
  });

  it('url: refuses a URL that is not http(s) without any I/O', async () => {
    expect(await runHttpProbe({ url: 'ftp://127.0.0.1/', expectStatus: 200, timeout: 100 })).toMatchObject({ kind: 'url' });
    expect(await runHttpProbe({ url: 'not a url', expectStatus: 200, timeout: 100 })).toMatchObject({ kind: 'url' });
  });

  it('bounds the body: too large to hash is a failure, but without a digest the status suffices', async () => {
    const limit = { maxBodyBytes: 64 * 1024 };
    const target = { url: server.url('/big'), expectStatus: 200, timeout: 2000 };
    expect(await runHttpProbe({ ...target, expectMd5: md5('x') }, limit)).toMatchObject({ kind: 'body-too-large', limit: 65536 });
    expect(await runHttpProbe(target, limit)).toMatchObject({ kind: 'ok', status: 200 });
    const whole = Buffer.alloc(2 << 20, 'b');
    expect(await runHttpProbe({ ...target, expectMd5: md5(whole) }, { maxBodyBytes: 4 << 20 })).toMatchObject({ kind: 'ok' });
  });

  it('aborted: the caller stops it (supervisor shutting down), early or before it starts', async () => {
    const controller = new AbortController();
    const pending = runHttpProbe({ url: server.url('/silent'), expectStatus: 200, timeout: 10_000 }, { signal: controller.signal });
    setImmediate(() => controller.abort());
    expect(await pending).toMatchObject({ kind: 'aborted' });
    expect(await runHttpProbe({ url: server.url('/ok'), expectStatus: 200, timeout: 1000 }, { signal: controller.signal })).toMatchObject({
      kind: 'aborted',
    });
  });

  it('describes every outcome in one line', async () => {
    const lines = [
      describeOutcome(await probe('/ok')),
      describeOutcome(await probe('/status/503')),
      describeOutcome(await probe('/silent', { timeout: 300 })),
      describeOutcome(await probe('/reset')),
    ];
    expect(lines[0]).toMatch(/^HTTP 200 in \d+ ms$/);
    expect(lines[1]).toMatch(/^HTTP status 503, expected 200 \(\d+ ms\)$/);
    expect(lines[2]).toBe('timed out after 300 ms while waiting for the response');
    expect(lines[3]).toMatch(/^connection reset while waiting for the response \(\d+ ms\)$/);
    for (const l of lines) expect(l).not.toContain('\n');
  });
});

describe('runHttpProbe over https', () => {
  let dir: string;
  let https: HttpsServer;
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hbts-probe-tls-'));
    await execa('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=probe-test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    https = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
      res.statusCode = req.url === '/down' ? 503 : 200;
      res.end('tls\n');
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
    port = (https.address() as AddressInfo).port;
  });
  afterAll(async () => {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('probes a self-signed local service (the certificate is not what is checked)', async () => {
    expect(await runHttpProbe({ url: `https://127.0.0.1:${port}/`, expectStatus: 200, timeout: 3000, expectMd5: md5('tls\n') })).toMatchObject({
      kind: 'ok',
      status: 200,
    });
    expect(await runHttpProbe({ url: `https://127.0.0.1:${port}/down`, expectStatus: 200, timeout: 3000 })).toMatchObject({
      kind: 'bad-status',
      status: 503,
    });
  });

  it('a plain-http server on an https URL is a failure, not a hang', async () => {
    const o = await runHttpProbe({ url: `https://127.0.0.1:${server.port}/ok`, expectStatus: 200, timeout: 2000 });
    expect(o.kind).toBe('other');
    expect(describeOutcome(o)).toContain('while connecting');
  });
});
