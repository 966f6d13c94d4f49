// Live check of `heartbeat --export`: a two-node Corosync 3 + Pacemaker 2.1
// cluster (Debian's packages) in network namespaces runs the exported
// configuration unchanged: the service address answers HTTP from nginx on
// the home node; the home node crashes (link down + SIGKILL of everything it
// runs) and the group moves; it comes back and the group fails back
// (auto_failback on). Prints the client-visible outages.
//
// Run as root: npm run build && node --import tsx test/live/pacemaker-live.ts
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
const NODES = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
] as const;

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
export async function runLivePacemakerCheck(): Promise<LiveResult> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbts-pm-live-'));
  const lab = await createLab({ hosts: [...NODES, { name: 'client', ip: '10.77.0.9' }] });
  try {
    const conf = path.join(dir, 'ha.d');
    fs.mkdirSync(conf);
    fs.writeFileSync(
      path.join(conf, 'ha.cf'),
      `keepalive 500ms\ndeadtime 3\ninitdead 10\nucast eth0 ${NODES[0].ip}\nucast eth0 ${NODES[1].ip}\nauto_failback on\nnode alpha\nnode bravo\n`,
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
    const samples: Sample[] = [];
    startClient(lab, samples);

    // First heartbeat-ts itself with the same files, for the outages to compare.
    for (const n of NODES) cluster.start(n.name, 'hbts');
    await waitFor('heartbeat-ts: the VIP to answer from alpha', 120_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
    const hbCrashAt = Date.now();
    await cluster.crash('alpha');
    await waitFor('heartbeat-ts: the VIP to answer from bravo', 120_000, async () => (samples.at(-1)?.answer === 'bravo' ? true : undefined));
    const hbCrashOutage = outage(samples, hbCrashAt - 1000, 'bravo');
    const hbBackAt = Date.now();
    await lab.host('alpha').setLink(true);
    cluster.start('alpha', 'hbts');
    await waitFor('heartbeat-ts: the VIP to answer from alpha again', 120_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
    const hbFailbackOutage = outage(samples, hbBackAt, 'alpha');
    log(`heartbeat-ts with the same files: crash outage ${hbCrashOutage} ms, failback outage ${hbFailbackOutage} ms`);
    await cluster.crash('alpha');
    await cluster.crash('bravo');
    await lab.host('alpha').setLink(true);
    await lab.host('bravo').setLink(true);

    for (const n of NODES) cluster.start(n.name);
    const bootAt = Date.now();
    await waitFor('both nodes online with a DC', 120_000, async () => {
      const s = await cluster.status('bravo');
      return /<current_dc [^>]*present="true"/.test(s) && (s.match(/<node name="[^"]+"[^>]*online="true"/g) ?? []).length === 2 ? true : undefined;
    });
    const formationMs = Date.now() - bootAt;
    log(`cluster formed in ${formationMs} ms`);
    const load = await cluster.on('bravo', 'cibadmin', ['--replace', '--scope', 'configuration', '--xml-file', path.join(dir, 'configuration.xml')]);
    if (load.exitCode !== 0) throw new Error(`cibadmin --replace: ${load.stderr}`);

    await waitFor('the VIP to answer from alpha', 120_000, async () => (samples.at(-1)?.answer === 'alpha' ? true : undefined));
    log('VIP answers from alpha (the home node)');

    const crashAt = Date.now();
    await cluster.crash('alpha');
    await waitFor('the VIP to answer from bravo', 120_000, async () => (samples.at(-1)?.answer === 'bravo' ? true : undefined));
    const crashOutage = outage(samples, crashAt - 1000, 'bravo');
    log(`alpha crashed: VIP answers from bravo; client-visible outage ${crashOutage} ms (token ${token} ms)`);

    const backAt = Date.now();
    await lab.host('alpha').setLink(true);
    cluster.start('alpha');
    await waitFor('the VIP to answer from alpha again (auto_failback on)', 180_000, async () =>
      samples.at(-1)?.answer === 'alpha' ? true : undefined,
    );
    const failbackOutage = outage(samples, backAt, 'alpha');
    log(`alpha back after ${Date.now() - backAt} ms: VIP answers from alpha again; failback outage ${failbackOutage} ms`);
    const both = samples.filter((s) => s.at >= crashAt).map((s) => s.answer);
    log(`answers since the crash: ${both.filter((a) => a === 'alpha').length} alpha, ${both.filter((a) => a === 'bravo').length} bravo, ${both.filter((a) => a === '-').length} none`);
    process.stdout.write(
      `RESULT token=${token} crash_outage_ms=${crashOutage} failback_outage_ms=${failbackOutage} heartbeat_ts_crash_outage_ms=${hbCrashOutage} heartbeat_ts_failback_outage_ms=${hbFailbackOutage}\n`,
    );
    return {
      tokenMs: Number(token),
      formationMs,
      crashOutageMs: crashOutage,
      failbackOutageMs: failbackOutage,
      heartbeatTsCrashOutageMs: hbCrashOutage,
      heartbeatTsFailbackOutageMs: hbFailbackOutage,
    };
  } finally {
    await lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  runLivePacemakerCheck().catch((err: unknown) => {
    process.stderr.write(`pacemaker-live: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
