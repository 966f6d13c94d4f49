// hb_probe (from dist/) across a real network: a real nginx in one namespace,
// hb_probe in another, and the real control-socket server standing in for
// the daemon's end of --then (the request it receives is what the daemon
// would act on). Covers: a healthy page, a frozen nginx (SIGSTOP: the kernel
// still accepts, nothing answers), a stopped nginx, a host that is not there,
// DNS failure, and a cron-like loop that asks for the action exactly once.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlRequest, type ControlServer } from '../../../src/control/index.js';
import { createLab, type Lab, type LabHost } from '../../helpers/netns.js';

const REPO = resolve(import.meta.dirname, '../../..');
const HB_PROBE = join(REPO, 'dist/cli/hb_probe.js');
const WEB_IP = '10.61.0.1';
const CLIENT_IP = '10.61.0.2';
const ABSENT_IP = '10.61.0.50';
const PAGE = '<h1>node web</h1>\n';
const PAGE_MD5 = createHash('md5').update(PAGE).digest('hex');

let lab: Lab | undefined;
let dir: string;
let control: ControlServer | undefined;
let nginx: ResultPromise | undefined;
const received: ControlRequest[] = [];

function probeFrom(host: LabHost, args: string[]) {
  return host.exec('node', [HB_PROBE, ...args], { reject: false, env: { HA_VARRUN: '' } });
}

/** Resolves to a box: an async function returning the execa child itself would wait for it to exit. */
async function startNginx(web: LabHost): Promise<{ child: ResultPromise }> {
  const child = web.spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')]);
  // ready when a probe from inside the namespace passes (bounded)
  for (let i = 0; i < 100; i++) {
    const r = await probeFrom(web, [`http://${WEB_IP}/index.html`, '--timeout', '200ms']);
    if (r.exitCode === 0) return { child };
    if (child.exitCode !== null && child.exitCode !== undefined) break;
  }
  throw new Error(`nginx did not come up in ${dir}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hbts-monitor-e2e-'));
  // nginx's worker runs as www-data and must read the page
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'www'));
  await mkdir(join(dir, 'run'));
  await writeFile(join(dir, 'www', 'index.html'), PAGE);
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      // one process, so SIGSTOP freezes the very process that serves
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      `  server { listen ${WEB_IP}:80; root ${dir}/www; }`,
      '}',
      '',
    ].join('\n'),
  );
  control = await startControlServer(join(dir, 'run'), async (request) => {
    received.push(request);
    return { ok: true, result: null };
  });
  lab = await createLab({ hosts: [{ name: 'web', ip: WEB_IP }, { name: 'client', ip: CLIENT_IP }] });
  nginx = (await startNginx(lab.host('web'))).child;
});

afterAll(async () => {
  try {
    await lab?.destroy();
  } finally {
    await control?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

describe('hb_probe across namespaces', () => {
  it('passes against a healthy nginx, body digest included', async () => {
    const r = await probeFrom(lab!.host('client'), [`http://${WEB_IP}/index.html`, '--expect-md5', PAGE_MD5]);
    expect({ exitCode: r.exitCode, stderr: r.stderr, stdout: r.stdout }).toEqual({ exitCode: 0, stderr: '', stdout: '' });
  });

  it('times out against a frozen nginx (connection accepted, no answer)', async () => {
    nginx!.kill('SIGSTOP');
    try {
      const r = await probeFrom(lab!.host('client'), [`http://${WEB_IP}/index.html`, '--timeout', '500ms']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(`hb_probe http://${WEB_IP}/index.html: timed out after 500 ms while waiting for the response`);
    } finally {
      nginx!.kill('SIGCONT');
    }
    const again = await probeFrom(lab!.host('client'), [`http://${WEB_IP}/index.html`]);
    expect(again.exitCode).toBe(0);
  });

  it('times out connecting to an address nobody answers, and reports DNS failures', async () => {
    const client = lab!.host('client');
    const absent = await probeFrom(client, [`http://${ABSENT_IP}/`, '--timeout', '400ms']);
    expect(absent.exitCode).toBe(1);
    expect(absent.stderr).toBe(`hb_probe http://${ABSENT_IP}/: timed out after 400 ms while connecting`);
    // the lab has no route to any resolver: the lookup fails at once, no packet leaves
    const dns = await probeFrom(client, ['http://nohost.invalid/']);
    expect(dns.exitCode).toBe(1);
    expect(dns.stderr).toMatch(/^hb_probe http:\/\/nohost\.invalid\/: DNS lookup of nohost\.invalid failed \((EAI_AGAIN|ENOTFOUND), \d+ ms\)$/);
  });

  it('a cron-like loop asks the daemon to stop exactly once after nginx dies', async () => {
    const web = lab!.host('web');
    received.length = 0;
    const runDir = join(dir, 'run');
    const outcomes: number[] = [];
    let killed = false;
    // bounded: at most 40 rounds; nginx is stopped after the third passing round
    for (let round = 0; round < 40 && received.length === 0; round++) {
      const r = await probeFrom(web, [`http://${WEB_IP}/index.html`, '--timeout', '1s', '--then', 'shutdown', '--run-dir', runDir]);
      outcomes.push(r.exitCode ?? -1);
      if (r.exitCode === 1) expect(r.stderr).toMatch(/connection refused[^\n]*\nhb_probe: asked the heartbeat daemon to stop$/);
      if (!killed && outcomes.filter((c) => c === 0).length === 3) {
        killed = true;
        nginx!.kill('SIGTERM');
        await nginx;
      }
    }
    expect(outcomes.slice(0, 3)).toEqual([0, 0, 0]);
    expect(outcomes.at(-1)).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({ command: 'shutdown', reason: expect.stringMatching(new RegExp(`^hb_probe http://${WEB_IP.replace(/\./g, '\\.')}/index\\.html: connection refused`)) });
  });
});
