// `npm run bench summary` (or `issue12`, and the last part of a bare
// `npm run bench`): issue 12's table, every figure from this one invocation,
// heartbeat-ts beside real Heartbeat 3.0.6 measured in the same run:
//   idle CPU per node at keepalive 200 ms and 1 s, idle RSS / PSS  (cost.ts's idleAt: both pairs side by side)
//   100 groups: crash → last VIP answers, failback worst VIP outage  (scale.ts: ours, then real Heartbeat)
//   both nodes cold-started together → VIP answers                (coldstart.ts: both side by side)
// keepalived is not measured by any benchmark here, so its column says "–"
// (as the issue's table does where it has no figure).
//
// Each part prints its rounds as it goes and follows its own environment
// variables (HBTS_COST_*, HBTS_SCALE_*, HBTS_COLDSTART_*); here the scale part
// runs heartbeat-ts at its default parallel_groups only unless
// HBTS_SCALE_PARALLEL says otherwise, and the cold start skips the mixed
// pairs unless HBTS_COLDSTART_MIXED=1. Takes ~12–25 min (real Heartbeat at
// 100 groups is most of it). Needs root.
import { join } from 'node:path';
import { DIST_CLI } from '../test/helpers/hbts-node.js';
import { realHeartbeatInstalled } from '../test/helpers/real-heartbeat.js';
import { coldstartGoalMet, coldstartSettings, measureColdstart } from './coldstart.js';
import { bareNodeMemory, idleAt, startupMs, type IdleFigures } from './cost.js';
import { median, out } from './print.js';
import { DEFAULT_PARALLEL_GROUPS, loadAverage, measureScale, realFigure, scaleSettings, TARGET_CRASH_MS, TARGET_FAILBACK_MS } from './scale.js';

const OURS = 'heartbeat-ts';
const REAL = 'Heartbeat 3.0.6';
const NO_KEEPALIVED = '–';
const RSS_GOAL_KB = 45 * 1024;
const KEEPALIVES_MS = [200, 1000] as const;

const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const envInt = (name: string, fallback: number, min = 1): number => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v >= min ? v : fallback;
};
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('skipped: the summary runs the cost, scale and cold-start labs (network namespaces); run `sudo npm run bench summary`');
    return;
  }
  const started = Date.now();
  const withReal = realHeartbeatInstalled();
  out(`issue 12's table, every figure from this run (load ${loadAverage()})${withReal ? '' : '; real Heartbeat 3.0.6 not installed: its column stays empty'}`);

  // 1. Idle cost, both pairs side by side in the same windows.
  const windows = envInt('HBTS_COST_WINDOWS', 6);
  const windowS = envInt('HBTS_COST_WINDOW_S', 10);
  const settleS = envInt('HBTS_COST_SETTLE_S', 30, 0);
  out('');
  out(`-- idle: two-node ucast pair, one IPaddr group; ${windows} windows of ${windowS} s after ${settleS} s`);
  const idle = new Map<number, Map<string, IdleFigures>>();
  for (const ka of KEEPALIVES_MS) {
    out(`  keepalive ${ka} ms (load ${loadAverage()}):`);
    idle.set(ka, await idleAt(ka, withReal && process.env['HBTS_COST_REAL'] !== '0', windows, windowS, settleS));
  }
  const bare = await bareNodeMemory();
  const probeTimes: number[] = [];
  for (let i = 0; i < 20; i++) probeTimes.push((await startupMs([join(DIST_CLI, 'hb_probe.js'), '--help'], 1)).median);

  // 2. 100 groups: heartbeat-ts, then real Heartbeat in the same lab shape.
  out('');
  out('-- scale');
  const base = scaleSettings();
  const scale = await measureScale({ ...base, parallel: process.env['HBTS_SCALE_PARALLEL'] === undefined ? [DEFAULT_PARALLEL_GROUPS] : base.parallel });
  const ours = scale.ours.find((r) => r.parallel === DEFAULT_PARALLEL_GROUPS) ?? scale.ours[0];

  // 3. Cold start, both side by side.
  out('');
  out('-- cold start');
  const cold = await measureColdstart({ ...coldstartSettings(), mixed: process.env['HBTS_COLDSTART_MIXED'] === '1' });

  const cpu = (ka: number, who: string): string => {
    const f = idle.get(ka)?.get(who);
    return f ? `${f.cpuPercent.toFixed(2)} % (${f.wakeupsPerS.toFixed(0)} wake-ups/s)` : '—';
  };
  const cpuGoal = (ka: number): string => {
    const o = idle.get(ka)?.get(OURS);
    const r = idle.get(ka)?.get(REAL);
    return o && r ? `≤ Heartbeat's: ${o.cpuPercent <= r.cpuPercent ? 'met' : 'NOT met'}` : '≤ Heartbeat\'s: ?';
  };
  const mem = (who: string): string => {
    const f = idle.get(KEEPALIVES_MS[0])?.get(who);
    return f ? `${mb(f.memory.rssKb)} / ${mb(f.memory.pssKb)}` : '—';
  };
  const ourRss = idle.get(KEEPALIVES_MS[0])?.get(OURS)?.memory.rssKb;
  const fmtOurs = (v: readonly number[] | undefined): string =>
    `${v && v.length > 0 ? `${sec(median(v))}${v.length > 1 ? ` (median of ${v.length})` : ''}` : '—'}${ours?.failure ? `; ${ours.failure}` : ''}`;
  const probeMedian = median(probeTimes);

  out('');
  out(`issue 12 — measured in this run (${((Date.now() - started) / 60_000).toFixed(0)} min; load at the end ${loadAverage()}); heartbeat-ts's scale figures at parallel_groups ${ours?.parallel ?? '—'}`);
  out('');
  out(row(['', 'heartbeat-ts', 'Heartbeat 3.0.6', 'keepalived', 'goal']));
  out(row(['---', '---', '---', '---', '---']));
  out(row(['idle CPU per node, keepalive 200 ms', cpu(200, OURS), cpu(200, REAL), NO_KEEPALIVED, cpuGoal(200)]));
  out(row(['idle CPU per node, keepalive 1 s', cpu(1000, OURS), cpu(1000, REAL), NO_KEEPALIVED, cpuGoal(1000)]));
  out(
    row([
      'idle RSS / PSS per node',
      mem(OURS),
      mem(REAL),
      NO_KEEPALIVED,
      `RSS ≤ 45 MB: ${ourRss !== undefined && ourRss <= RSS_GOAL_KB ? 'met' : 'NOT met'} (bare node: ${mb(bare.rssKb)})`,
    ]),
  );
  const oc = ours && !ours.failure ? median(ours.crash) : NaN;
  const of = ours && !ours.failure ? median(ours.failback) : NaN;
  out(row([`${scale.groups} groups (one VIP each), crash: last VIP answers`, fmtOurs(ours?.crash), realFigure(scale.real, 'crash'), NO_KEEPALIVED, `≤ ${sec(TARGET_CRASH_MS)}: ${oc <= TARGET_CRASH_MS ? 'met' : 'NOT met'}`]));
  out(row([`${scale.groups} groups, failback: worst outage of one VIP`, fmtOurs(ours?.failback), realFigure(scale.real, 'failback'), NO_KEEPALIVED, `≤ ${sec(TARGET_FAILBACK_MS)}: ${of <= TARGET_FAILBACK_MS ? 'met' : 'NOT met'}`]));
  out(
    row([
      'both nodes cold-started together: VIP answers',
      `${sec(cold.oursMs)}${cold.runs > 1 ? ` (median of ${cold.runs})` : ''}`,
      cold.realMs === undefined ? '—' : sec(cold.realMs),
      NO_KEEPALIVED,
      `≤ 3 s: ${coldstartGoalMet(cold) ? 'met' : 'NOT met'}`,
    ]),
  );
  out(row(['hb_probe --help start-up (median of 20)', `${probeMedian.toFixed(0)} ms`, '', NO_KEEPALIVED, `≤ 100 ms: ${probeMedian <= 100 ? 'met' : 'NOT met'}`]));
}
