// The seed tutorial of issue 11, run as a new user would run it, in a lab:
//
//   www.centos1.com 10.10.10.11 ─┐
//   www.centos2.com 10.10.10.12 ─┼─ bridge     VIP 10.10.10.100 (IPaddr, label eth0:0)
//   client          10.10.10.50 ─┘             GET http://10.10.10.100/index.html
//
// The tutorial's three files, unchanged but for the lab's addresses, go to
// /etc/ha.d; nginx runs on both nodes all the time (the tutorial's
// haresources holds only the address); both nodes are started with
// `service heartbeat start`; and on www.centos1.com the tutorial's own cron
// script (curl the node's own page, `service heartbeat stop` if it is not
// 200) runs every second in a bounded loop.
//
// Each node is the lab's network namespace plus a private mount and UTS
// namespace (mount-namespace.ts) in which:
//   - `uname -n` is the node's name;
//   - /etc/ha.d is a bind mount of the node's copy of the tutorial's files;
//   - /etc/init.d/heartbeat is the init script of the built .deb, and /usr is
//     a read-only overlay of the .deb's /usr over the host's (so `heartbeat`,
//     `cl_status` are the package's commands, at the package's paths);
//   - /run, /var/lib/heartbeat and /var/log are the node's own directories.
// Other recipes (RecipeOptions: their own /etc/ha.d files, nginx behind
// haproxy on 127.0.0.1:8080, more bind mounts such as /etc/haproxy, a PID
// namespace per node) run in the same lab: test/e2e/tutorial/recipes.test.ts.
// Nothing of it is visible to the host; the lab's clean-up ends every process
// in the namespaces (the daemons were started by the init script, detached).
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildDeb, type BuiltDeb } from './deb-package.js';
import { quote, startMountNamespace, type MountNamespace, type NamespaceCommandResult } from './mount-namespace.js';
import { createLab, type Lab, type LabHost } from './netns.js';
import { computeOutage, startProber, type Outage, type Prober } from './real-heartbeat-outage.js';

export const NODE1 = 'www.centos1.com';
export const NODE2 = 'www.centos2.com';
export const NODE1_IP = '10.10.10.11';
export const NODE2_IP = '10.10.10.12';
export const CLIENT_IP = '10.10.10.50';
export const VIP = '10.10.10.100';

/** The tutorial's files; only the addresses are the lab's (the interface is eth0 as in the tutorial). */
export const TUTORIAL_HA_CF = `bcast eth0\nnode ${NODE1}\nnode ${NODE2}\n`;
export const TUTORIAL_HARESOURCES = `${NODE1} IPaddr::${VIP}/24/eth0:0\n`;
export const TUTORIAL_AUTHKEYS = 'auth 1\n1 md5 3530ba6f2c7d15fb93dc5b438c22f4a7\n';

/** The tutorial's cron script, verbatim but for the node's address. */
export function tutorialCronScript(nodeIp: string): string {
  return `HTTP_CODE=\`curl -o /dev/null -s -w "%{http_code}" "http://${nodeIp}/index.html"\`
if [ $HTTP_CODE != 200 ]; then service heartbeat stop; fi
`;
}

/**
 * Another recipe in the same lab (test/e2e/tutorial/recipes.test.ts): its own
 * /etc/ha.d files, nginx elsewhere than :80, more bind mounts, a PID namespace.
 */
export interface RecipeOptions {
  /** The node's /etc/ha.d files (default: the tutorial's three). */
  readonly haFiles?: { readonly haCf: string; readonly haresources: string; readonly probesIni?: string };
  /** nginx's `listen` (default 80, the tutorial's); started and checked on that address. */
  readonly nginxListen?: { readonly host: string; readonly port: number };
  /** More set-up lines (bind mounts) for the node, given its directory. */
  readonly extraSetup?: (nodeDir: string, nodeName: string) => string;
  /** Each node in its own PID namespace (so that `pidof nginx` sees the node's nginx only). */
  readonly pidNamespace?: boolean;
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface TutorialNode {
  readonly name: string;
  readonly ip: string;
  readonly host: LabHost;
  readonly ns: MountNamespace;
  readonly dir: string;
  /** A command in the node (its namespaces), with a clean system PATH. */
  sh(script: string): Promise<NamespaceCommandResult>;
  /** What the init script's daemon wrote (/var/log/heartbeat-ts.log in the node). */
  daemonLog(): string;
  hasVip(): Promise<boolean>;
  startNginx(): Promise<void>;
  stopNginx(): Promise<void>;
}

export interface TutorialLab {
  readonly lab: Lab;
  readonly deb: BuiltDeb;
  readonly nodes: readonly [TutorialNode, TutorialNode];
  readonly client: LabHost;
  readonly prober: Prober;
  /** Start the tutorial's cron script on a node: every `everyMs`, at most `maxRuns` times. */
  startCronLoop(node: TutorialNode, everyMs: number, maxRuns: number): void;
  /** The runs of the cron loop that called `service heartbeat stop`, as seen in its output. */
  cronOutput(): string;
  destroy(): Promise<void>;
}

function nginxConf(dir: string, nodeName: string, listen: string): string {
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'www', 'index.html'), `${nodeName}\n`);
  return `pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${listen};
    root ${dir}/www;
    location / { index index.html; }
  }
}
`;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    if (await check()) return;
    if (Date.now() > deadline || i > 100_000) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(100);
  }
}

async function startNode(lab: Lab, pkgRoot: string, base: string, name: string, hostName: string, ip: string, opts: RecipeOptions): Promise<TutorialNode> {
  const host = lab.host(hostName);
  const dir = join(base, hostName);
  for (const d of ['ha.d', 'run', 'lib', 'log', 'nginx']) mkdirSync(join(dir, d), { recursive: true });
  const files = opts.haFiles ?? { haCf: TUTORIAL_HA_CF, haresources: TUTORIAL_HARESOURCES };
  writeFileSync(join(dir, 'ha.d', 'ha.cf'), files.haCf);
  writeFileSync(join(dir, 'ha.d', 'haresources'), files.haresources);
  if (files.probesIni !== undefined) writeFileSync(join(dir, 'ha.d', 'probes.ini'), files.probesIni);
  writeFileSync(join(dir, 'ha.d', 'authkeys'), TUTORIAL_AUTHKEYS);
  chmodSync(join(dir, 'ha.d', 'authkeys'), 0o600);
  const listen = opts.nginxListen ?? { host: ip, port: 80 };
  writeFileSync(join(dir, 'nginx', 'nginx.conf'), nginxConf(join(dir, 'nginx'), name, opts.nginxListen ? `${listen.host}:${listen.port}` : '80'));
  const setup = [
    `mount --bind ${quote(join(dir, 'ha.d'))} /etc/ha.d`,
    `mount --bind ${quote(join(pkgRoot, 'etc/init.d/heartbeat'))} /etc/init.d/heartbeat`,
    `mount -t overlay overlay -o ${quote(`lowerdir=${join(pkgRoot, 'usr')}:/usr`)} /usr`,
    `mount --bind ${quote(join(dir, 'run'))} /run`,
    `mount --bind ${quote(join(dir, 'lib'))} /var/lib/heartbeat`,
    `mount --bind ${quote(join(dir, 'log'))} /var/log`,
    opts.extraSetup?.(dir, name) ?? '',
  ].join('\n');
  const ns = await startMountNamespace({ setup, hostname: name, netns: host.ns, pidNamespace: opts.pidNamespace });
  const sh = (script: string) => ns.exec('sh', ['-c', script], { env: { PATH: SYSTEM_PATH, LANG: 'C.UTF-8' }, extendEnv: false, timeout: 120_000 });
  const nginxDir = join(dir, 'nginx');
  return {
    name,
    ip,
    host,
    ns,
    dir,
    sh,
    daemonLog: () => {
      const f = join(dir, 'log', 'heartbeat-ts.log');
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
    hasVip: async () => {
      const r = await host.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'], { reject: false });
      return r.stdout.includes(` ${VIP}/`);
    },
    startNginx: async () => {
      const r = await sh(`nginx -e ${quote(join(nginxDir, 'error.log'))} -c ${quote(join(nginxDir, 'nginx.conf'))}`);
      if (r.exitCode !== 0) throw new Error(`nginx on ${name}: ${r.stderr}`);
      await waitFor(`nginx on ${name}`, 10_000, async () => (await sh(`curl -s -o /dev/null -w '%{http_code}' http://${listen.host}:${listen.port}/index.html`)).stdout === '200');
    },
    stopNginx: async () => {
      const r = await sh(`nginx -e ${quote(join(nginxDir, 'error.log'))} -c ${quote(join(nginxDir, 'nginx.conf'))} -s stop`);
      if (r.exitCode !== 0) throw new Error(`nginx -s stop on ${name}: ${r.stderr}`);
    },
  };
}

export async function startTutorialLab(opts: RecipeOptions = {}): Promise<TutorialLab> {
  const deb = await buildDeb();
  const base = mkdtempSync(join(tmpdir(), 'hbts-tutorial-'));
  // nginx's workers run as www-data and read the pages under it.
  chmodSync(base, 0o755);
  const pkgRoot = join(base, 'pkg');
  let lab: Lab | undefined;
  const namespaces: MountNamespace[] = [];
  let cron: ReturnType<MountNamespace['spawn']> | undefined;
  let cronText = '';
  let prober: Prober | undefined;
  const destroy = async (): Promise<void> => {
    if (prober) await prober.stop().catch(() => undefined);
    cron?.kill('SIGKILL');
    for (const ns of namespaces) await ns.close();
    await lab?.destroy();
    rmSync(base, { recursive: true, force: true });
    rmSync(deb.dir, { recursive: true, force: true });
  };
  try {
    await execa('dpkg-deb', ['-x', deb.file, pkgRoot]);
    lab = await createLab({
      hosts: [
        { name: 'centos1', ip: NODE1_IP },
        { name: 'centos2', ip: NODE2_IP },
        { name: 'client', ip: CLIENT_IP },
      ],
    });
    const n1 = await startNode(lab, pkgRoot, base, NODE1, 'centos1', NODE1_IP, opts);
    namespaces.push(n1.ns);
    const n2 = await startNode(lab, pkgRoot, base, NODE2, 'centos2', NODE2_IP, opts);
    namespaces.push(n2.ns);
    await n1.startNginx();
    await n2.startNginx();
    const client = lab.host('client');
    prober = await startProber(client, `http://${VIP}/index.html`, { intervalMs: 50, timeoutMs: 300 });
    const theLab: TutorialLab = {
      lab,
      deb,
      nodes: [n1, n2],
      client,
      prober,
      startCronLoop: (node, everyMs, maxRuns) => {
        const loop = `i=0\nwhile [ $i -lt ${maxRuns} ]; do\n${tutorialCronScript(node.ip)}sleep ${everyMs / 1000}\ni=$((i+1))\ndone\n`;
        cron = node.ns.spawn('sh', ['-c', loop], { env: { PATH: SYSTEM_PATH, LANG: 'C.UTF-8' }, extendEnv: false, buffer: false, stdin: 'ignore' });
        cron.stdout?.setEncoding('utf8');
        cron.stdout?.on('data', (c: string) => {
          if (cronText.length < 100_000) cronText += c;
        });
        cron.stderr?.setEncoding('utf8');
        cron.stderr?.on('data', (c: string) => {
          if (cronText.length < 100_000) cronText += c;
        });
      },
      cronOutput: () => cronText,
      destroy,
    };
    return theLab;
  } catch (err) {
    await destroy();
    throw err;
  }
}

export interface MeasuredOutage extends Outage {
  readonly event: string;
}

/** The outage the client saw after `eventAtMs` until `expected` served (bounded wait). */
export async function measureOutage(t: TutorialLab, event: string, eventAtMs: number, expected: string, timeoutMs: number): Promise<MeasuredOutage> {
  await t.prober.waitForServedBy(expected, timeoutMs, eventAtMs);
  const outage = computeOutage(t.prober.results(), eventAtMs, expected);
  if (!outage) throw new Error(`${event}: ${expected} never served`);
  return { event, ...outage };
}

export function formatOutage(o: MeasuredOutage): string {
  return `${o.event}: client-visible outage ${Math.round(o.outageMs)} ms (${o.failedProbes} failed probes), served by the new node ${Math.round(o.eventToServedMs)} ms after the event`;
}

export { waitFor };
