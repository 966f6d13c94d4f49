// Issue 11's two other recipes users follow with keepalived, done the
// heartbeat-ts way, in the tutorial's lab (test/helpers/tutorial-lab.ts:
// each node is a network + mount + UTS namespace, here also a PID
// namespace, with its own /etc/ha.d, /run, /var/log; both nodes started with
// `service heartbeat start` from the built .deb):
//
// 1. The HAProxy pair. Debian's real haproxy package, its own init script
//    /etc/init.d/haproxy as the haresources resource (after the VIP), with
//    the node's /etc/haproxy/haproxy.cfg (a bind mount) and its pidfile in the
//    node's private /run; haproxy in front of the node's nginx on
//    127.0.0.1:8080; probes.ini checks haproxy over HTTP. haproxy is killed
//    on the active node behind the daemon's back → the probe fails `fall`
//    times → the peer runs `/etc/init.d/haproxy start` and serves the VIP.
// 2. keepalived's "nginx + `pidof nginx`" vrrp_script pair: nginx runs on
//    both nodes, haresources holds only the VIP, and probes.ini runs the
//    recipe's check verbatim, `command = pidof nginx`. It is truthful here
//    because each node is its own PID namespace: pidof sees the node's nginx
//    only, not the host's or other tests'. nginx is killed on the active
//    node → the command fails `fall` times → the peer serves.
//
// Timers: keepalive 200ms, deadtime 1 s; probes every 500 ms, fall 2. The
// bounds are correctness bounds with margins for a loaded 2-core machine;
// each outage is printed, not asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../helpers/mount-namespace.js';
import { formatOutage, measureOutage, NODE1, NODE2, startTutorialLab, VIP, waitFor, type RecipeOptions, type TutorialLab } from '../../helpers/tutorial-lab.js';

const GROUP = `IPaddr::${VIP}/24/eth0`;
const FALL = 2;
/** Served by the peer within this after the kill: fall × 500 ms plus starting the group, with a wide margin. */
const TAKEOVER_BOUND_MS = 10_000;
const BACKEND = { host: '127.0.0.1', port: 8080 };

function haCf(): string {
  return `keepalive 200ms
deadtime 1
warntime 500ms
initdead 2
bcast eth0
auto_failback off
node ${NODE1}
node ${NODE2}
`;
}

function probesIni(name: string, check: string): string {
  return `[${name}]
${check}
interval = 500ms
timeout = 400ms
fall = ${FALL}
rise = 2
group = ${GROUP}
action = standby
`;
}

function haproxyCfg(): string {
  return `global
  maxconn 64

defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s

frontend www
  bind :80
  default_backend nginx

backend nginx
  server local ${BACKEND.host}:${BACKEND.port}
`;
}

/** One lab per recipe, torn down in its afterAll even when a case fails. */
function recipeLab(opts: RecipeOptions): () => TutorialLab {
  let lab: TutorialLab | undefined;
  beforeAll(async () => {
    lab = await startTutorialLab(opts);
  }, 180_000);
  afterAll(async () => {
    await lab?.destroy();
  }, 60_000);
  return () => {
    if (!lab) throw new Error('no recipe lab');
    return lab;
  };
}

async function startBoth(t: TutorialLab): Promise<void> {
  const starts = await Promise.all(t.nodes.map((n) => n.sh('service heartbeat start')));
  for (const [i, r] of starts.entries()) expect(r.exitCode, `${t.nodes[i]!.name}: ${r.stdout}${r.stderr}`).toBe(0);
  await t.prober.waitForServedBy(NODE1, 60_000);
}

describe('the HAProxy pair: Debian haproxy and its init script as the resource, an HTTP probe', () => {
  const t = recipeLab({
    pidNamespace: true,
    nginxListen: BACKEND,
    haFiles: {
      haCf: haCf(),
      haresources: `${NODE1} ${GROUP} haproxy\n`,
      probesIni: probesIni('haproxy', 'url = http://127.0.0.1/\nexpect_status = 200'),
    },
    extraSetup: (dir) => {
      mkdirSync(join(dir, 'haproxy'), { recursive: true });
      writeFileSync(join(dir, 'haproxy', 'haproxy.cfg'), haproxyCfg());
      return `mount --bind ${quote(join(dir, 'haproxy'))} /etc/haproxy`;
    },
  });

  it('the VIP serves through haproxy on the first node only, started by its init script', async () => {
    await startBoth(t());
    const [n1, n2] = t().nodes;
    // The page is nginx's, behind haproxy: nginx itself listens on 127.0.0.1:8080 only.
    const direct = await t().client.exec('curl', ['-s', '-o', '/dev/null', '-m', '2', `http://${n1.ip}:${BACKEND.port}/`], { reject: false });
    expect(direct.exitCode).not.toBe(0);
    await waitFor('haproxy running on the first node', 10_000, async () => (await n1.sh('/etc/init.d/haproxy status')).exitCode === 0);
    expect((await n1.sh('cat /run/haproxy.pid')).stdout).toMatch(/^\d+$/);
    expect((await n2.sh('/etc/init.d/haproxy status')).exitCode).toBe(3);
    expect(await n2.hasVip()).toBe(false);
  }, 120_000);

  it('haproxy killed on the first node: the probe fails `fall` times, the second node starts haproxy and serves', async () => {
    const [n1, n2] = t().nodes;
    const killedAt = Date.now();
    const kill = await n1.sh('kill -KILL $(cat /run/haproxy.pid)');
    expect(kill.exitCode, kill.stderr).toBe(0);
    const outage = await measureOutage(t(), `haproxy killed on ${NODE1} (HTTP probe, fall ${FALL})`, killedAt, NODE2, TAKEOVER_BOUND_MS);
    process.stdout.write(`${formatOutage(outage)}\n`);
    expect(n1.daemonLog()).toMatch(/releasing group .*\[monitor\]/);
    expect(await n2.hasVip()).toBe(true);
    expect((await n2.sh('/etc/init.d/haproxy status')).exitCode).toBe(0);
    await waitFor('the VIP released by the first node', 10_000, async () => !(await n1.hasVip()));
  }, 60_000);
});

describe('the "nginx + pidof nginx" pair: the check taken verbatim as a command probe, each node its own PID namespace', () => {
  const t = recipeLab({
    pidNamespace: true,
    haFiles: { haCf: haCf(), haresources: `${NODE1} ${GROUP}\n`, probesIni: probesIni('nginx', 'command = pidof nginx') },
  });

  it('the VIP serves from the first node; each node`s pidof sees its own nginx only', async () => {
    await startBoth(t());
    const [n1, n2] = t().nodes;
    // worker_processes 1: the node's master and its one worker, nobody else's.
    for (const n of [n1, n2]) {
      const pidof = await n.sh('pidof nginx');
      expect(pidof.exitCode).toBe(0);
      expect(pidof.stdout.trim().split(/\s+/), n.name).toHaveLength(2);
    }
  }, 120_000);

  it('nginx killed on the active node: `pidof nginx` fails `fall` times, the peer serves', async () => {
    const [n1, n2] = t().nodes;
    const killedAt = Date.now();
    // Stopped first, then killed: a master SIGKILLed after its worker could
    // fork a new worker in between, which would then live on (and serve).
    const kill = await n1.sh('pids=$(pidof nginx) && kill -STOP $pids && kill -KILL $pids');
    expect(kill.exitCode, kill.stderr).toBe(0);
    const outage = await measureOutage(t(), `nginx killed on ${NODE1} (command probe \`pidof nginx\`, fall ${FALL})`, killedAt, NODE2, TAKEOVER_BOUND_MS);
    process.stdout.write(`${formatOutage(outage)}\n`);
    await waitFor('no nginx left on the first node', 5_000, async () => (await n1.sh('pidof nginx')).exitCode === 1);
    expect((await n2.sh('pidof nginx')).exitCode).toBe(0);
    expect(n1.daemonLog()).toMatch(/releasing group .*\[monitor\]/);
    expect(await n2.hasVip()).toBe(true);
    await waitFor('the VIP released by the first node', 10_000, async () => !(await n1.hasVip()));
  }, 60_000);
});
