// Issue 12's many-groups case: N one-address groups homed on alpha (an LVS or
// HAProxy front), two nodes, keepalive 200 ms / deadtime 1 s, a client asking
// every VIP over HTTP. Per round: a crash of alpha (figure: when the LAST VIP
// first answers from bravo, after the kill) and alpha's return (figure: the
// worst outage of one VIP during the auto-failback).
//
// heartbeat-ts (test/helpers/scale-lab.ts): each `parallel_groups` setting
// listed runs its own rounds in a fresh lab (1 is Heartbeat's one group after
// the other). Then real Heartbeat 3.0.6 in the same lab shape and the same
// invocation (test/helpers/real-heartbeat-scale.ts: the package's IPaddr per
// group, one group after the other, so minutes per move): every wait bounded
// by HBTS_SCALE_REAL_TIMEOUT_S, a move that does not end in time is printed
// as "did not finish in … s" with how many VIPs were served by then.
//
// Needs root. HBTS_SCALE_GROUPS (default 100), HBTS_SCALE_RUNS (default 3),
// HBTS_SCALE_PARALLEL (default "1,16,64"), HBTS_SCALE_PROBE_MS (each VIP
// probed every this many ms, default 100), HBTS_SCALE_REAL=0 skips real
// Heartbeat, HBTS_SCALE_REAL_RUNS (default 1), HBTS_SCALE_REAL_TIMEOUT_S
// (bound on each real move, default 600).
import { loadavg } from 'node:os';
import { createLab } from '../test/helpers/netns.js';
import { FAILOVER_LAB_HOSTS } from '../test/helpers/failover-pair.js';
import { realHeartbeatInstalled } from '../test/helpers/real-heartbeat.js';
import { startRealScalePair } from '../test/helpers/real-heartbeat-scale.js';
import { ScaleTimeout } from '../test/helpers/scale-client.js';
import { startScaleLab, type VipFigure } from '../test/helpers/scale-lab.js';
import { median, out } from './print.js';

export const TARGET_CRASH_MS = 1500;
export const TARGET_FAILBACK_MS = 300;
/** heartbeat-ts's default `[resources] parallel_groups` (src/config/extension-options.ts). */
export const DEFAULT_PARALLEL_GROUPS = 16;

const worst = (f: readonly VipFigure[]): number => Math.max(...f.map((x) => x.ms));

function int(name: string, fallback: number): number {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const loadAverage = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** One move of real Heartbeat: its figure, or how far it got before the bound. */
export type RealMove = { readonly ms: number } | { readonly unfinished: { readonly served: number; readonly total: number; readonly timeoutMs: number } };

export interface RealRound {
  readonly crash: RealMove;
  /** Absent when the crash did not finish (nothing to fail back from). */
  readonly failback?: RealMove;
  readonly loadBefore: string;
  readonly loadAfter: string;
}

export interface ScaleFigures {
  readonly groups: number;
  readonly ours: readonly OurSetting[];
  /** Real Heartbeat 3.0.6 rounds; a string says why there are none. */
  readonly real: readonly RealRound[] | string;
}

export interface ScaleSettings {
  readonly groups: number;
  readonly runs: number;
  readonly probeMs: number;
  readonly parallel: readonly number[];
  readonly realRuns: number;
  readonly realTimeoutMs: number;
  readonly withReal: boolean;
}

export function scaleSettings(): ScaleSettings {
  return {
    groups: int('HBTS_SCALE_GROUPS', 100),
    runs: int('HBTS_SCALE_RUNS', 3),
    probeMs: int('HBTS_SCALE_PROBE_MS', 100),
    parallel: (process.env['HBTS_SCALE_PARALLEL'] ?? '1,16,64')
      .split(',')
      .map((x) => Number.parseInt(x, 10))
      .filter((x) => Number.isInteger(x) && x >= 1 && x <= 256),
    realRuns: int('HBTS_SCALE_REAL_RUNS', 1),
    realTimeoutMs: int('HBTS_SCALE_REAL_TIMEOUT_S', 600) * 1000,
    withReal: process.env['HBTS_SCALE_REAL'] !== '0',
  };
}

export interface OurSetting {
  readonly parallel: number;
  readonly crash: number[];
  readonly failback: number[];
  /** A round that failed (a move not done within its bound): the rounds after it are not run. */
  readonly failure?: string;
}

async function measureOurs(groups: number, parallel: number, runs: number, probeMs: number): Promise<OurSetting> {
  const crash: number[] = [];
  const failback: number[] = [];
  let failure: string | undefined;
  const lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
  try {
    const scale = await startScaleLab(lab, { groups, intervalMs: probeMs, extraIni: `[resources]\nparallel_groups = ${parallel}\n` });
    try {
      for (let round = 1; round <= runs; round++) {
        try {
          await scale.steady(120_000);
          const c = worst(await scale.crash(120_000));
          const f = worst(await scale.failback(180_000));
          crash.push(c);
          failback.push(f);
          out(`  heartbeat-ts parallel_groups ${parallel} round ${round}/${runs}: crash → last VIP answers ${c.toFixed(0)} ms; failback worst VIP outage ${f.toFixed(0)} ms (load ${loadAverage()})`);
        } catch (err) {
          // Printed, not thrown: the other settings and real Heartbeat still run, and the table says so.
          failure = `round ${round}/${runs} failed: ${(err as Error).message.split('\n')[0]}`;
          out(`  heartbeat-ts parallel_groups ${parallel} ${failure} (load ${loadAverage()})`);
          break;
        }
      }
    } finally {
      await scale.dispose();
    }
  } finally {
    await lab.destroy();
  }
  return { parallel, crash, failback, ...(failure !== undefined ? { failure } : {}) };
}

/** A real move's figure, or its ScaleTimeout as an unfinished result (anything else is a failure). */
async function realMove(move: () => Promise<VipFigure[]>): Promise<RealMove> {
  try {
    return { ms: worst(await move()) };
  } catch (err) {
    if (err instanceof ScaleTimeout) return { unfinished: { served: err.served, total: err.total, timeoutMs: err.timeoutMs } };
    throw err;
  }
}

export const formatRealMove = (m: RealMove): string =>
  'ms' in m ? `${(m.ms / 1000).toFixed(1)} s` : `did not finish in ${(m.unfinished.timeoutMs / 1000).toFixed(0)} s (${m.unfinished.served}/${m.unfinished.total} VIPs served)`;

async function measureReal(s: ScaleSettings): Promise<RealRound[]> {
  const rounds: RealRound[] = [];
  const lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
  try {
    const started = Date.now();
    const pair = await startRealScalePair(lab, { groups: s.groups, intervalMs: s.probeMs, onProgress: (m) => out(`    [real] ${m}`) });
    try {
      for (let round = 1; round <= s.realRuns; round++) {
        await pair.steady(s.realTimeoutMs);
        if (round === 1) out(`  Heartbeat 3.0.6: start-up to every VIP served and both nodes stable ${((Date.now() - started) / 1000).toFixed(0)} s`);
        const loadBefore = loadAverage();
        const crash = await realMove(() => pair.crash(s.realTimeoutMs));
        const failback = 'ms' in crash ? await realMove(() => pair.failback(s.realTimeoutMs)) : undefined;
        const r: RealRound = { crash, ...(failback ? { failback } : {}), loadBefore, loadAfter: loadAverage() };
        rounds.push(r);
        out(
          `  Heartbeat 3.0.6 round ${round}/${s.realRuns}: crash → last VIP answers ${formatRealMove(crash)}; failback worst VIP outage ${failback ? formatRealMove(failback) : 'not measured'} (load ${r.loadBefore} → ${r.loadAfter})`,
        );
        if (!failback || !('ms' in failback)) break;
      }
    } finally {
      await pair.dispose();
    }
  } finally {
    await lab.destroy();
  }
  return rounds;
}

/** Runs every measurement of the scale benchmark (printing each round) and returns the figures. */
export async function measureScale(s: ScaleSettings = scaleSettings()): Promise<ScaleFigures> {
  out(`${s.groups} one-address groups on alpha, keepalive 200 ms / deadtime 1 s, every VIP probed over HTTP every ${s.probeMs} ms; heartbeat-ts ${s.runs} rounds per setting${s.withReal ? `, Heartbeat 3.0.6 ${s.realRuns} round(s), each move bounded by ${s.realTimeoutMs / 1000} s` : ''} (load ${loadAverage()})`);
  const ours: OurSetting[] = [];
  for (const parallel of s.parallel) ours.push(await measureOurs(s.groups, parallel, s.runs, s.probeMs));
  let real: RealRound[] | string;
  if (!s.withReal) real = 'skipped (HBTS_SCALE_REAL=0)';
  else if (!realHeartbeatInstalled()) real = 'not installed (apt-get install heartbeat)';
  else real = await measureReal(s);
  return { groups: s.groups, ours, real };
}

/** The real rounds' median figure of one kind (finished moves only), or why there is none. */
export function realFigure(real: ScaleFigures['real'], kind: 'crash' | 'failback'): string {
  if (typeof real === 'string') return real;
  const moves = real.map((r) => r[kind]).filter((m): m is RealMove => m !== undefined);
  const done = moves.filter((m): m is { ms: number } => 'ms' in m).map((m) => m.ms);
  const unfinished = moves.find((m) => !('ms' in m));
  if (unfinished) return formatRealMove(unfinished);
  if (done.length === 0) return 'not measured';
  return `${(median(done) / 1000).toFixed(1)} s${done.length > 1 ? ` (median of ${done.length})` : ''}`;
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('skipped: the scale benchmark needs root (network namespaces); run `sudo npm run bench scale`');
    return;
  }
  const f = await measureScale();
  out('');
  out(`median (min–max)                 crash: last VIP answers        failback: worst VIP outage`);
  const fmt = (v: readonly number[]): string => (v.length === 0 ? '—' : `${median(v).toFixed(0)} ms (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)})`);
  for (const r of f.ours) {
    out(`  heartbeat-ts parallel_groups ${String(r.parallel).padEnd(4)} ${fmt(r.crash).padEnd(30)} ${fmt(r.failback)}${r.failure ? `  (${r.failure})` : ''}`);
  }
  out(`  Heartbeat 3.0.6 (${f.groups} groups)       ${realFigure(f.real, 'crash').padEnd(30)} ${realFigure(f.real, 'failback')}`);
  out(`  target (${f.groups} groups)                ≤ ${TARGET_CRASH_MS} ms                      ≤ ${TARGET_FAILBACK_MS} ms`);
  for (const r of f.ours) {
    const c = !r.failure && median(r.crash) <= TARGET_CRASH_MS ? 'met' : 'NOT met';
    const fb = !r.failure && median(r.failback) <= TARGET_FAILBACK_MS ? 'met' : 'NOT met';
    out(`  parallel_groups ${r.parallel}: crash target ${c}, failback target ${fb}`);
  }
}
