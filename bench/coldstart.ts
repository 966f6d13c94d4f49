// Issue 12's cold start: two nodes started together with the example's
// timers (keepalive 1 s, deadtime 10 s, initdead 30 s, bcast, auto_failback
// on), one IPaddr group homed on alpha; the figure is the time from spawning
// both daemons to the first echo reply from the service address at a client
// pinging it every 50 ms. heartbeat-ts and real Heartbeat 3.0.6 run side by
// side (two labs at once, so load from elsewhere hits both), HBTS_COLDSTART_RUNS
// rounds (default 3); the median is reported. Needs root (namespaces).
import { setTimeout as delay } from 'node:timers/promises';
import { coldStartPair, vipHolders, type ColdKind, type ColdPair } from '../test/helpers/cold-start.js';
import { realHeartbeatInstalled } from '../test/helpers/real-heartbeat.js';
import { median, out } from './print.js';

const GOAL_MS = 3000;
const BOUND_MS = 90_000;

interface Round {
  readonly servedMs: number;
  /** Spawn → both start helpers returned (ours: cl_status answers, itself a Node start; real: pid file written). */
  readonly readyMs: number;
  readonly holders: string[];
}

async function oneRound(kind: ColdKind): Promise<Round> {
  let pair: ColdPair | undefined;
  try {
    pair = await coldStartPair(kind);
    const deadline = pair.startedAt + BOUND_MS;
    while (pair.pinger.firstReplyAt() === undefined && Date.now() < deadline) await delay(25);
    const first = pair.pinger.firstReplyAt();
    if (first === undefined) throw new Error(`${kind}: the address did not answer within ${BOUND_MS / 1000} s`);
    // A moment for the other node to finish its own start-up work: a second holder would show here.
    await delay(2000);
    return { servedMs: first - pair.startedAt, readyMs: pair.readyAt - pair.startedAt, holders: await vipHolders(pair.lab) };
  } finally {
    await pair?.dispose();
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export interface ColdstartSettings {
  readonly runs: number;
  readonly withReal: boolean;
  readonly mixed: boolean;
}

export function coldstartSettings(): ColdstartSettings {
  const withReal = process.env['HBTS_COLDSTART_REAL'] !== '0' && realHeartbeatInstalled();
  return {
    runs: Math.max(1, Number.parseInt(process.env['HBTS_COLDSTART_RUNS'] ?? '3', 10) || 3),
    withReal,
    mixed: withReal && process.env['HBTS_COLDSTART_MIXED'] !== '0',
  };
}

export interface ColdstartFigures {
  readonly runs: number;
  /** Median spawn → first answer of the VIP. */
  readonly oursMs: number;
  readonly realMs?: number;
  readonly mixed: Readonly<Record<string, number>>;
}

/** Runs the cold-start rounds (printing each) and returns the medians. */
export async function measureColdstart(c: ColdstartSettings = coldstartSettings()): Promise<ColdstartFigures> {
  const { runs, withReal } = c;
  out(`both nodes cold-started together, example timers (keepalive 1 s, deadtime 10 s, initdead 30 s, bcast, auto_failback on), one IPaddr group; ${runs} rounds${withReal ? ', heartbeat-ts and Heartbeat 3.0.6 side by side' : ''}`);
  const ours: Round[] = [];
  const real: Round[] = [];
  for (let i = 0; i < runs; i++) {
    const [o, r] = await Promise.all([oneRound('ours'), withReal ? oneRound('real') : Promise.resolve(undefined)]);
    ours.push(o);
    if (r) real.push(r);
    const one = (x: Round): string => `${s(x.servedMs)} (start helpers back ${s(x.readyMs)}; on ${x.holders.join('+') || 'nobody'})`;
    out(`  round ${i + 1}/${runs}: heartbeat-ts ${one(o)}${r ? ` | Heartbeat 3.0.6 ${one(r)}` : ''}`);
  }
  // Mixed pairs: heartbeat-ts's short cut must not cost a real peer anything (it takes its own groups when it sees us stable).
  const mixed: Record<string, Round[]> = {};
  if (c.mixed) {
    for (let i = 0; i < runs; i++) {
      const [a, b] = await Promise.all([oneRound('ours+real'), oneRound('real+ours')]);
      (mixed['heartbeat-ts alpha (home) + Heartbeat bravo'] ??= []).push(a);
      (mixed['Heartbeat alpha (home) + heartbeat-ts bravo'] ??= []).push(b);
      out(`  mixed round ${i + 1}/${runs}: heartbeat-ts alpha + Heartbeat bravo ${s(a.servedMs)} (on ${a.holders.join('+') || 'nobody'}) | Heartbeat alpha + heartbeat-ts bravo ${s(b.servedMs)} (on ${b.holders.join('+') || 'nobody'})`);
    }
  }
  return {
    runs,
    oursMs: median(ours.map((x) => x.servedMs)),
    ...(real.length > 0 ? { realMs: median(real.map((x) => x.servedMs)) } : {}),
    mixed: Object.fromEntries(Object.entries(mixed).map(([label, rounds]) => [label, median(rounds.map((x) => x.servedMs))])),
  };
}

export const coldstartGoalMet = (f: ColdstartFigures): boolean => f.oursMs <= GOAL_MS;

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    out('cold start: skipped (needs root for network namespaces; run `sudo npm run bench coldstart`)');
    return;
  }
  const f = await measureColdstart();
  out('');
  out('| | heartbeat-ts | Heartbeat 3.0.6 | goal |');
  out('| --- | --- | --- | --- |');
  out(`| both nodes cold-started together: VIP answers (median of ${f.runs}) | ${s(f.oursMs)} | ${f.realMs === undefined ? '—' : s(f.realMs)} | ≤ 3 s ${coldstartGoalMet(f) ? 'met' : 'NOT met'} |`);
  for (const [label, ms] of Object.entries(f.mixed)) out(`| mixed pair, ${label}: VIP answers (median of ${f.runs}) | ${s(ms)} | | |`);
}
