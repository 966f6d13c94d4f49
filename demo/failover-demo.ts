// `npm run demo`: heartbeat-ts keeping a web service up while its node dies.
//
// Builds three network namespaces on a bridge (client, alpha, bravo), starts
// two heartbeat-ts daemons (the built dist/cli/heartbeat.js) that share the
// group `alpha IPaddr::10.77.0.100/24/eth0 nginx` (or a tiny node:http web
// app when nginx is not installed), and a client that asks
// http://10.77.0.100/ every 20 ms. Then it kills alpha (cable pulled, every
// process SIGKILLed), shows the takeover by bravo as a timeline with the
// outage the client saw, brings alpha back, shows the failback, and removes
// everything it created — also on Ctrl-C and on errors.
//
// Needs root (network namespaces, addresses). Nothing outside the namespaces
// and a temporary directory is touched.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../test/helpers/netns.js';
import { DIST_CLI } from '../test/helpers/hbts-node.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair, type OurFailoverPair, type OurPairOptions } from '../test/helpers/failover-pair.js';
import type { ProbeResult } from '../test/helpers/real-heartbeat-outage.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const URL = `http://${VIP_ALPHA}/`;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

interface TimelineEntry {
  readonly atMs: number;
  readonly what: string;
}

/** Log records of a node (the demo runs the daemons with `[log] format = json` for ms timestamps). */
function logRecords(pair: OurFailoverPair, node: string, fromMs: number): Array<{ atMs: number; msg: string }> {
  const records: Array<{ atMs: number; msg: string }> = [];
  for (const line of pair.node(node).readLog().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { time?: string; msg?: string };
      const atMs = Date.parse(o.time ?? '');
      if (Number.isFinite(atMs) && atMs >= fromMs && typeof o.msg === 'string') records.push({ atMs, msg: o.msg });
    } catch {
      /* a partial last line */
    }
  }
  return records;
}

/** The first log record of `node` at or after `fromMs` matching `re`, as a timeline entry. */
function fromLog(pair: OurFailoverPair, node: string, fromMs: number, re: RegExp, label?: string): TimelineEntry | undefined {
  const r = logRecords(pair, node, fromMs).find((x) => re.test(x.msg));
  return r ? { atMs: r.atMs, what: `${node}: ${label ?? `"${r.msg}"`}` } : undefined;
}

function lastAnswerBy(results: readonly ProbeResult[], node: string, beforeMs: number): ProbeResult | undefined {
  return results.filter((r) => r.ok && r.body === node && r.startMs < beforeMs).at(-1);
}

function printTimeline(zeroMs: number, entries: ReadonlyArray<TimelineEntry | undefined>): void {
  const sorted = entries.filter((e): e is TimelineEntry => e !== undefined).sort((a, b) => a.atMs - b.atMs);
  for (const e of sorted) out(`  ${`${(e.atMs - zeroMs).toFixed(0)} ms`.padStart(9)}  ${e.what}`);
}

async function commandExists(cmd: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${cmd}`], { reject: false })).exitCode === 0;
}

async function preflight(): Promise<{ nginx: boolean }> {
  const problems: string[] = [];
  if (process.platform !== 'linux') problems.push('Linux (network namespaces)');
  if (process.getuid?.() !== 0) problems.push('root: it creates network namespaces, a bridge and addresses (run `sudo npm run demo`)');
  if (!(await commandExists('ip'))) problems.push('the `ip` command (apt-get install iproute2)');
  if (!existsSync(join(DIST_CLI, 'heartbeat.js'))) problems.push('a build: run `npm run build` (npm run demo does it)');
  if (problems.length > 0) {
    process.stderr.write(`npm run demo needs:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  const nginx = process.env['HBTS_DEMO_WEBAPP'] !== '1' && (await commandExists('nginx'));
  return { nginx };
}

function webAppService(): NonNullable<OurPairOptions['webService']> {
  return {
    name: 'webapp',
    script: resolve(HERE, 'webapp.sh'),
    pidFile: (root) => join(root, 'webapp.pid'),
    env: (root, node) => ({ WEBAPP_NODE: node, WEBAPP_PIDFILE: join(root, 'webapp.pid'), WEBAPP_NODE_BIN: process.execPath }),
  };
}

async function main(): Promise<void> {
  const { nginx } = await preflight();
  const t0 = Date.now();
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await pair?.dispose().catch(() => undefined);
      await lab?.destroy().catch(() => undefined);
    })());
  const interrupted = (signal: string): void => {
    out(`\n${signal}: removing everything the demo created…`);
    void cleanup().finally(() => {
      out('removed.');
      process.exit(130);
    });
  };
  process.on('SIGINT', () => interrupted('interrupted'));
  process.on('SIGTERM', () => interrupted('terminated'));

  const service = nginx ? 'nginx' : 'webapp';
  out('heartbeat-ts failover demo');
  out('==========================');
  out(`client 10.77.0.3 ── bridge ── alpha 10.77.0.1, bravo 10.77.0.2   (one network namespace each)`);
  out(`service: ${URL} = haresources group "alpha ${GROUP} ${service}"`);
  out(
    nginx
      ? '         nginx: one instance per node, its page says the node name'
      : '         nginx is not installed: using a small node:http web app instead (demo/webapp.sh), its page says the node name',
  );
  out(`timers:  keepalive ${KEEPALIVE_MS} ms, deadtime ${DEADTIME_MS} ms, auto_failback on; the client asks ${URL} every 20 ms`);
  out();

  try {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    out('starting heartbeat-ts on alpha and bravo at the same time…');
    const startedAt = Date.now();
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: DEADTIME_MS,
      autoFailback: 'on',
      logFormat: 'json',
      ...(nginx ? {} : { webService: webAppService(), groups: [{ home: 'alpha', resources: [GROUP, 'webapp'] }] }),
    });
    const p = pair;
    const first = await p.prober.waitForServedBy('alpha', 60_000, startedAt);
    out(
      `alpha serves ${URL} ${((first.startMs - startedAt) / 1000).toFixed(1)} s after start ` +
        '(two nodes starting together wait 10 s for each other before taking their resources, as Heartbeat does)',
    );
    await p.steady();
    const [a, b] = await Promise.all([p.status('alpha'), p.status('bravo')]);
    for (const s of [a, b]) {
      const g = s.resources.groups[0]!;
      out(`  ${s.node}: node ${s.status}, group held by ${g.holder} — "${g.why}"`);
    }
    out();

    // ── The primary dies ──
    out('1. alpha dies: its cable is pulled and every process of it is SIGKILLed');
    const killAt = await p.crash('alpha');
    const takeover = await p.servedBy('bravo', killAt, DEADTIME_MS + 15_000);
    await p.waitHolders({ [GROUP]: 'bravo' });
    const results = p.prober.results();
    printTimeline(killAt, [
      { atMs: killAt, what: 'kill: alpha unplugged and SIGKILLed' },
      ((r) => (r ? { atMs: r.startMs, what: 'client: last answer from alpha' } : undefined))(lastAnswerBy(results, 'alpha', takeover.servedAtMs)),
      takeover.firstFailAtMs !== undefined ? { atMs: takeover.firstFailAtMs, what: 'client: first probe without an answer' } : undefined,
      fromLog(p, 'bravo', killAt - 50, /node alpha: is dead/, `declares alpha dead (no heartbeat for ${DEADTIME_MS} ms)`),
      fromLog(p, 'bravo', killAt - 50, /Taking over resource group/, 'takes over alpha\'s group'),
      fromLog(p, 'bravo', killAt - 50, /IPaddr: added/, `${VIP_ALPHA} up on bravo (+ gratuitous ARP)`),
      fromLog(p, 'bravo', killAt - 50, /Resource group .*: started in/, `${service} started: group up`),
      { atMs: takeover.servedAtMs, what: 'client: first answer from bravo' },
    ]);
    out(`  → the client saw an outage of ${takeover.outageMs.toFixed(0)} ms (${takeover.failedProbes} probes failed); bravo serves ${takeover.eventToServedMs.toFixed(0)} ms after the kill`);
    out();

    // ── The primary comes back ──
    out('2. alpha comes back (reboot: link up, heartbeat-ts started); auto_failback on brings the service home');
    const bootAt = Date.now();
    await p.start('alpha');
    const failback = await p.servedBy('alpha', bootAt, 60_000);
    await p.waitHolders({ [GROUP]: 'alpha' });
    const results2 = p.prober.results();
    printTimeline(bootAt, [
      { atMs: bootAt, what: 'alpha boots: heartbeat-ts starting' },
      fromLog(p, 'alpha', bootAt, /Local status now set to: 'active'/, 'joins the cluster (active)'),
      fromLog(p, 'bravo', bootAt, /wants to go standby/, 'offers alpha its group back (standby protocol)'),
      fromLog(p, 'bravo', bootAt, new RegExp(`resource\\.d/${service} stop`), `stopping ${service}`),
      fromLog(p, 'bravo', bootAt, /IPaddr: removed/, `${VIP_ALPHA} removed from bravo`),
      ((r) => (r ? { atMs: r.startMs, what: 'client: last answer from bravo' } : undefined))(lastAnswerBy(results2, 'bravo', failback.servedAtMs)),
      fromLog(p, 'alpha', bootAt, /IPaddr: added/, `${VIP_ALPHA} up on alpha`),
      fromLog(p, 'alpha', bootAt, /Resource group .*: started in/, `${service} started: group up`),
      { atMs: failback.servedAtMs, what: 'client: first answer from alpha' },
    ]);
    out(`  → the client saw an outage of ${failback.outageMs.toFixed(0)} ms while the group moved home (${failback.failedProbes} probes failed)`);
    p.watcher?.assertExclusive('demo');
    out(`  the address and ${service} were never on both nodes at once (outside the crashed node's dead link), as watched every step`);
    out();
  } finally {
    out('removing the namespaces, processes and files the demo created…');
    await cleanup();
    out(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
