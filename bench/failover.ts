// Failover outage as a client sees it (issue 5's benchmark): two nodes, the
// group `IPaddr::10.77.0.100/24/eth0 nginx` homed on alpha, a client in its
// own namespace asking http://10.77.0.100/ every 20 ms; keepalive 200 ms,
// deadtime 1 s. For each kind — crash (link pulled + every process
// SIGKILLed), graceful stop (`heartbeat -k` / SIGTERM), hb_standby, failback
// (the stopped primary starts again, auto_failback on) — the median of N runs
// of the outage (first failed probe → first answer from the node that must
// serve), for heartbeat-ts and, when the Debian package is installed, for
// real Heartbeat 3.0.6 with the same timers and the same resource scripts
// (heartbeat-ts's nginx LSB script on both sides), side by side.
//
// Needs root (namespaces). HBTS_FAILOVER_RUNS sets N (default 5, at least 5
// for the published figures); HBTS_FAILOVER_REAL=0 skips real Heartbeat.
import { NGINX_LSB_SCRIPT } from '../test/helpers/hbts-node.js';
import { FAILOVER_LAB_HOSTS, startOurFailoverPair } from '../test/helpers/failover-pair.js';
import { createLab, type Lab } from '../test/helpers/netns.js';
import { FAILOVER_KINDS, startRealFailoverPair, type FailoverKind, type FailoverMeasurement } from '../test/helpers/real-heartbeat-failover.js';
import { realHeartbeatInstalled } from '../test/helpers/real-heartbeat.js';
import { median, out } from './print.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
/** Issue 5's targets at keepalive 200 ms / deadtime 1 s, on the median outage. */
const TARGET_MS: Readonly<Record<FailoverKind, number>> = { crash: 1100, graceful: 150, standby: 150, failback: 200 };

interface Pair {
  measure(kind: FailoverKind): Promise<FailoverMeasurement>;
  dispose(): Promise<void>;
}

type Figures = Record<FailoverKind, FailoverMeasurement[]>;

/** N rounds of every kind on one pair (rounds interleave the kinds, so a slow moment of the machine does not hit one kind only). */
async function runAll(label: string, runs: number, makePair: (lab: Lab) => Promise<Pair>): Promise<Figures> {
  const figures: Figures = { crash: [], graceful: [], standby: [], failback: [] };
  const lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
  try {
    const pair = await makePair(lab);
    try {
      for (let round = 1; round <= runs; round++) {
        const line: string[] = [];
        for (const kind of FAILOVER_KINDS) {
          const m = await pair.measure(kind);
          figures[kind].push(m);
          line.push(`${kind} ${m.outageMs.toFixed(0)}`);
        }
        out(`  ${label} round ${round}/${runs}: outage ms ${line.join(', ')}`);
      }
    } finally {
      await pair.dispose();
    }
  } finally {
    await lab.destroy();
  }
  return figures;
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '—';
}

function range(ms: readonly number[]): string {
  return ms.length ? `${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}` : '';
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('skipped: the failover benchmark needs root (network namespaces, addresses, real daemons); run `sudo npm run bench`');
    return;
  }
  const runs = Math.max(1, Number.parseInt(process.env['HBTS_FAILOVER_RUNS'] ?? '5', 10) || 5);
  const withReal = process.env['HBTS_FAILOVER_REAL'] !== '0' && realHeartbeatInstalled();
  out(`client outage (HTTP GET every 20 ms from a third namespace), keepalive ${KEEPALIVE_MS} ms / deadtime ${DEADTIME_MS} ms, group IPaddr + nginx (LSB script), ${runs} runs each`);

  const started = Date.now();
  const ours = await runAll('heartbeat-ts', runs, (lab) =>
    startOurFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS, startupFallbackDelay: '2', autoFailback: 'on' }),
  );
  out(`  heartbeat-ts runs took ${((Date.now() - started) / 1000).toFixed(0)} s`);

  let real: Figures | undefined;
  if (withReal) {
    const t = Date.now();
    real = await runAll('heartbeat 3.0.6', runs, (lab) =>
      startRealFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS, nginxScript: NGINX_LSB_SCRIPT }),
    );
    out(`  real Heartbeat runs took ${((Date.now() - t) / 1000).toFixed(0)} s`);
  } else {
    out(
      process.env['HBTS_FAILOVER_REAL'] === '0'
        ? '  real Heartbeat 3.0.6: skipped (HBTS_FAILOVER_REAL=0)'
        : '  real Heartbeat 3.0.6: not installed (apt-get install heartbeat) — heartbeat-ts figures only',
    );
  }

  out('');
  out(`median outage (min–max)      heartbeat-ts            real Heartbeat 3.0.6    ratio   target      `);
  for (const kind of FAILOVER_KINDS) {
    const o = ours[kind].map((m) => m.outageMs);
    const r = real?.[kind].map((m) => m.outageMs) ?? [];
    const mo = median(o);
    const mr = median(r);
    const ratio = real && mr > 0 ? (mo / mr).toFixed(2) : '—';
    const met = mo <= TARGET_MS[kind] ? 'met' : 'NOT met';
    out(
      `  ${kind.padEnd(26)} ${`${fmt(mo)} (${range(o)})`.padEnd(23)} ${(real ? `${fmt(mr)} (${range(r)})` : '—').padEnd(23)} ${ratio.padEnd(7)} ≤ ${TARGET_MS[kind]} ms ${met}`,
    );
  }
  out('');
  out('median event → served (the admin command or the crash, to the first answer from the new node)');
  for (const kind of FAILOVER_KINDS) {
    const o = median(ours[kind].map((m) => m.eventToServedMs));
    const r = real ? median(real[kind].map((m) => m.eventToServedMs)) : NaN;
    out(`  ${kind.padEnd(26)} ${fmt(o).padEnd(23)} ${(real ? fmt(r) : '—').padEnd(23)} ${real && r > 0 ? (o / r).toFixed(2) : '—'}`);
  }
}
