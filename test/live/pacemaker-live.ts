// Live check of `heartbeat --export`: a two- or three-node Corosync 3 +
// Pacemaker 2.1 cluster (Debian's packages) in network namespaces runs the
// exported configuration unchanged: the service address answers HTTP from
// nginx on the home node; the home node crashes (link down + SIGKILL of
// everything it runs) and the group moves; it comes back and the group fails
// back (auto_failback on). Prints the client-visible outages.
//
// Run as root: npm run build && node --import tsx test/live/pacemaker-live.ts [2|3]
// Not part of `npm test` (see docs/migrate-to-pacemaker.md): Pacemaker's
// start-up (DC election) takes tens of seconds on a loaded machine.
//
// Each node is a network namespace of the lab helper, plus its own mount and
// UTS namespace with private tmpfs on /run, /dev/shm, /var/lib/pacemaker,
// /var/lib/corosync, /etc/corosync, /var/log/{pacemaker,corosync} and its own
// /etc/nginx/nginx.conf: corosync and pacemaker never run in the host's
// namespaces, and no `systemd:` resource is used (nginx is lsb:nginx, Debian's
// init script). Everything started lives in the lab's namespaces and is
// ended by PID when the lab is destroyed, also on failure.
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createLab, type Lab } from '../helpers/netns.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HEARTBEAT = path.join(ROOT, 'dist/cli/heartbeat.js');
const VIP = '10.77.0.100';
const ALL_NODES = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
  { name: 'charlie', ip: '10.77.0.3' },
] as const;
type ClusterNode = (typeof ALL_NODES)[number];

const NODE_SCRIPT = `#!/bin/sh
# node.sh NAME DIR MODE: one cluster node, inside its network namespace, in a new
# mount + UTS namespace; MODE pacemaker (corosync + pacemakerd) or hbts (heartbeat-ts).
set -e
NAME=$1; DIR=$2; MODE=$3
hostname "$NAME"
for d in /run /dev/shm /var/lib/pacemaker /var/lib/corosync /etc/corosync /var/log/pacemaker /var/log/corosync /var/lib/heartbeat; do
  mount -t tmpfs -o mode=0755 tmpfs "$d"
done
chmod 1777 /dev/shm
mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores /run/crm
chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker /run/crm
chmod 750 /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores
cp "$DIR/corosync.conf" /etc/corosync/corosync.conf
cp "$DIR/authkey" /etc/corosync/authkey
chmod 400 /etc/corosync/authkey
mount --bind "$DIR/nginx-$NAME.conf" /etc/nginx/nginx.conf
if [ "$MODE" = hbts ]; then
  exec "$NODE_BIN" "$HEARTBEAT" --config-dir "$DIR/ha.d" --state-dir /var/lib/heartbeat --run-dir /run/heartbeat --node "$NAME" > "$DIR/hbts-$NAME.log" 2>&1
fi
corosync -f > "$DIR/corosync-$NAME.log" 2>&1 &
echo $$ > "$DIR/pacemakerd-$NAME.pid"
exec pacemakerd -f > "$DIR/pacemakerd-$NAME.log" 2>&1
`;

const nginxConf = (name: string, dir: string): string => `worker_processes 1;
pid /run/nginx.pid;
error_log /run/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen ${VIP}:80;
    location / { return 200 "${name}\\n"; }
  }
}
# ${dir}
`;

interface Sample {
  readonly at: number;
  readonly answer: string;
}

function log(message: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(250);
  }
}

class Cluster {
  readonly pids = new Map<string, number>();
  constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {}

  start(name: string, mode: 'pacemaker' | 'hbts' = 'pacemaker'): void {
    fs.rmSync(path.join(this.dir, `pacemakerd-${name}.pid`), { force: true });
    this.lab
      .host(name)
      .spawn('unshare', ['--mount', '--uts', '--propagation', 'private', 'sh', path.join(this.dir, 'node.sh'), name, this.dir, mode], {
        env: { NODE_BIN: process.execPath, HEARTBEAT },
      });
  }

  async pidOf(name: string): Promise<number> {
    return waitFor(`${name}'s pacemakerd`, 20_000, async () => {
      try {
        const pid = Number(fs.readFileSync(path.join(this.dir, `pacemakerd-${name}.pid`), 'utf8').trim());
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    });
  }

  /** A command in the node's namespaces (its network, mount and UTS namespaces). */
  async on(name: string, cmd: string, args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
    const pid = await this.pidOf(name);
    const r = await execa('nsenter', ['-t', String(pid), '-n', '-m', '-u', cmd, ...args], { reject: false, timeout: 30_000 });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async status(name: string): Promise<string> {
    return (await this.on(name, 'crm_mon', ['-1', '--output-as=xml'])).stdout;
  }

  /** SIGKILL of everything the node runs, by PID (the processes of its network namespace). */
  async crash(name: string): Promise<void> {
    const host = this.lab.host(name);
    await host.setLink(false);
    const r = await execa('ip', ['netns', 'pids', host.ns], { reject: false });
    for (const pid of String(r.stdout).split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await waitFor(`${name}'s processes to end`, 10_000, async () => {
      const left = await execa('ip', ['netns', 'pids', host.ns], { reject: false });
      return String(left.stdout).trim() === '' ? true : undefined;
    });
    // A rebooted machine has only its own address again.
    await host.exec('ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { reject: false });
  }
}

/** The client: one HTTP GET of the VIP every 50 ms, each answer with its time. */
function startClient(lab: Lab, samples: Sample[]): void {
  const child = lab
    .host('client')
    .spawn('sh', ['-c', `while :; do r=$(curl -s -m 0.4 http://${VIP}/ || echo -); echo "$(date +%s%3N) $r"; sleep 0.05; done`], {
      buffer: false,
    });
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      const [at, answer] = l.split(' ');
      if (at && answer) samples.push({ at: Number(at), answer });
    }
  });
}

/** The longest run without an answer from `to`, after the last answer from `from` at or after `since`. */
function outage(samples: readonly Sample[], since: number, to: string): number | undefined {
  const after = samples.filter((s) => s.at >= since);
  const lastGood = after.findIndex((s) => s.answer === to);
  if (lastGood < 0) return undefined;
  const before = after.slice(0, lastGood).filter((s) => s.answer !== '-');
  const lastOld = before.length > 0 ? before[before.length - 1]!.at : since;
  return after[lastGood]!.at - lastOld;
}

export interface LiveResult {
  readonly nodeCount: number;
  /** Where the group went when its home node crashed, under Pacemaker and under heartbeat-ts. */
  readonly crashTarget: string;
  readonly heartbeatTsCrashTarget: string;
  /** Three nodes or more: how long alpha, cut off alone, took to stop the VIP. */
  readonly minorityStoppedMs: number | undefined;
  /** corosync token the export derived from deadtime. */
  readonly tokenMs: number;
  readonly formationMs: number;
  readonly crashOutageMs: number | undefined;
  readonly failbackOutageMs: number | undefined;
  /** The same crash and failback with heartbeat-ts running the same files. */
  readonly heartbeatTsCrashOutageMs: number | undefined;
  readonly heartbeatTsFailbackOutageMs: number | undefined;
}

/**
 * The whole check; throws when a step does not happen within its (generous)
 * deadline. The lab and the scratch directory are removed in every case.
 */
export async function runLivePacemakerCheck(nodeCount: 2 | 3 = 2): Promise<LiveResult> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  const NODES: readonly ClusterNode[] = ALL_NODES.slice(0, nodeCount);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbts-pm-live-'));
  const lab = await createLab({ hosts: [...NODES, { name: 'client', ip: '10.77.0.9' }] });
  // An answer from a node other than the home node: the group moved.
  const movedAway = async (): Promise<string | undefined> => {
    const answer = samples.at(-1)?.answer;
    return answer !== undefined && answer !== '-' && answer !== 'alpha' ? answer : undefined;
  };
  const samples: Sample[] = [];
  try {
    const conf = path.join(dir, 'ha.d');
    fs.mkdirSync(conf);
    fs.writeFileSync(
      path.join(conf, 'ha.cf'),
      `keepalive 500ms\ndeadtime 3\ninitdead 10\n${NODES.map((n) => `ucast eth0 ${n.ip}\n`).join('')}auto_failback on\n${NODES.map((n) => `node ${n.name}\n`).join('')}`,
    );
    fs.writeFileSync(path.join(conf, 'haresources'), `alpha IPaddr2::${VIP}/24/eth0 nginx\n`);
    // heartbeat-ts's own files: a key, and a short start-up negotiation for two nodes started together.
    fs.writeFileSync(path.join(conf, 'authkeys'), 'auth 1\n1 sha1 4f1c6c1b0a3d2e5f6a7b8c9d0e1f2a3b4c5d6e7f\n', { mode: 0o600 });
    fs.chmodSync(path.join(conf, 'authkeys'), 0o600);
    fs.writeFileSync(path.join(conf, 'heartbeat-ts.ini'), '[resources]\nstartup_fallback_delay = 2\n');
    const cib = await execa('node', [HEARTBEAT, '--export', 'pacemaker', '--config-dir', conf]);
    const corosync = await execa('node', [HEARTBEAT, '--export', 'corosync', '--config-dir', conf]);
    log(`export warnings:\n${cib.stderr}\n${corosync.stderr}`);
    const configuration = /<configuration>[\s\S]*<\/configuration>/.exec(cib.stdout)![0];
    fs.writeFileSync(path.join(dir, 'configuration.xml'), configuration);
    fs.writeFileSync(path.join(dir, 'corosync.conf'), corosync.stdout);
    const token = /^\s*token: (\d+)$/m.exec(corosync.stdout)![1];
    await execa('corosync-keygen', ['-k', path.join(dir, 'authkey')]);
    fs.writeFileSync(path.join(dir, 'node.sh'), NODE_SCRIPT, { mode: 0o755 });
    for (const n of NODES) fs.writeFileSync(path.join(dir, `nginx-${n.name}.conf`), nginxConf(n.name, dir));

    const cluster = new Cluster(lab, dir);
    startClient(lab, samples);

    // First heartbeat-ts itself with the same files, for the outages to compare.
    for (const n of NODES) cluster.start(n.name, 'hbts');
    await waitFor('heartbeat-ts: the VIP to answer from alpha', 120_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
    const hbCrashAt = Date.now();
    await cluster.crash('alpha');
    const hbCrashTarget = await waitFor('heartbeat-ts: the VIP to answer from another node', 120_000, movedAway);
    const hbCrashOutage = outage(samples, hbCrashAt - 1000, hbCrashTarget);
    const hbBackAt = Date.now();
    await lab.host('alpha').setLink(true);
    cluster.start('alpha', 'hbts');
    await waitFor('heartbeat-ts: the VIP to answer from alpha again', 120_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
    const hbFailbackOutage = outage(samples, hbBackAt, 'alpha');
    log(`heartbeat-ts with the same files: crash outage ${hbCrashOutage} ms (to ${hbCrashTarget}), failback outage ${hbFailbackOutage} ms`);
    for (const n of NODES) await cluster.crash(n.name);
    for (const n of NODES) await lab.host(n.name).setLink(true);

    for (const n of NODES) cluster.start(n.name);
    const bootAt = Date.now();
    await waitFor(`all ${nodeCount} nodes online with a DC`, 120_000, async () => {
      const s = await cluster.status('bravo');
      return /<current_dc [^>]*present="true"/.test(s) && (s.match(/<node name="[^"]+"[^>]*online="true"/g) ?? []).length === nodeCount ? true : undefined;
    });
    const formationMs = Date.now() - bootAt;
    log(`cluster formed in ${formationMs} ms`);
    const load = await cluster.on('bravo', 'cibadmin', ['--replace', '--scope', 'configuration', '--xml-file', path.join(dir, 'configuration.xml')]);
    if (load.exitCode !== 0) throw new Error(`cibadmin --replace: ${load.stderr}`);

    await waitFor('the VIP to answer from alpha', 120_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
    log('VIP answers from alpha (the home node)');

    const crashAt = Date.now();
    await cluster.crash('alpha');
    const crashTarget = await waitFor('the VIP to answer from another node', 120_000, movedAway);
    const crashOutage = outage(samples, crashAt - 1000, crashTarget);
    log(`alpha crashed: VIP answers from ${crashTarget}; client-visible outage ${crashOutage} ms (token ${token} ms)`);

    const backAt = Date.now();
    await lab.host('alpha').setLink(true);
    cluster.start('alpha');
    await waitFor('the VIP to answer from alpha again (auto_failback on)', 180_000, async () =>
      samples.at(-1)?.answer === 'alpha' ? true : undefined,
    );
    const failbackOutage = outage(samples, backAt, 'alpha');
    log(`alpha back after ${Date.now() - backAt} ms: VIP answers from alpha again; failback outage ${failbackOutage} ms`);
    let minorityStoppedMs: number | undefined;
    if (nodeCount >= 3) {
      // Past the pair: a node cut off alone has no quorum and stops its groups
      // (no-quorum-policy=stop), while the majority starts them; two nodes never
      // could tell a dead peer from a partition.
      const cutAt = Date.now();
      await lab.host('alpha').setLink(false);
      await waitFor('the majority to serve the VIP', 120_000, movedAway);
      await waitFor('alpha, alone without quorum, to stop the VIP', 120_000, async () => {
        const addr = await cluster.on('alpha', 'ip', ['-o', 'addr', 'show', 'dev', 'eth0']);
        return addr.exitCode === 0 && !addr.stdout.includes(`${VIP}/`) ? true : undefined;
      });
      minorityStoppedMs = Date.now() - cutAt;
      log(`alpha cut off alone: it stopped the VIP ${minorityStoppedMs} ms after the cut; the majority serves it`);
      await lab.host('alpha').setLink(true);
      await waitFor('the VIP to answer from alpha after the heal', 180_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
      log('partition healed: VIP answers from alpha again');
    }
    const both = samples.filter((s) => s.at >= crashAt).map((s) => s.answer);
    log(`answers since the crash: ${NODES.map((n) => `${both.filter((a) => a === n.name).length} ${n.name}`).join(', ')}, ${both.filter((a) => a === '-').length} none`);
    process.stdout.write(
      `RESULT nodes=${nodeCount} token=${token} crash_to=${crashTarget} crash_outage_ms=${crashOutage} failback_outage_ms=${failbackOutage} heartbeat_ts_crash_outage_ms=${hbCrashOutage} heartbeat_ts_failback_outage_ms=${hbFailbackOutage}\n`,
    );
    return {
      nodeCount,
      crashTarget,
      minorityStoppedMs,
      heartbeatTsCrashTarget: hbCrashTarget,
      tokenMs: Number(token),
      formationMs,
      crashOutageMs: crashOutage,
      failbackOutageMs: failbackOutage,
      heartbeatTsCrashOutageMs: hbCrashOutage,
      heartbeatTsFailbackOutageMs: hbFailbackOutage,
    };
  } finally {
    await lab.destroy();
    // HBTS_PM_LIVE_KEEP=1 keeps the scratch directory (every node's logs) for a post-mortem.
    if (process.env.HBTS_PM_LIVE_KEEP === '1') log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const count = process.argv[2] === '3' ? 3 : 2;
  runLivePacemakerCheck(count).catch((err: unknown) => {
    process.stderr.write(`pacemaker-live: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
