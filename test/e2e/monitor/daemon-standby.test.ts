// Issue 6, "Done when", with the real daemon: application probes with
// `action = standby` on two heartbeat-ts nodes (dist/), each with a VIP and
// its own nginx, in namespaces; a client asks http://<vip>/ every 20 ms and
// the page names the node that answered.
//
// The probe (probes.ini on both nodes) guards the group `IPaddr::<vip>/24/eth0
// nginx` (home alpha, auto_failback on) with url http://127.0.0.1/, interval
// 500 ms, timeout 400 ms, fall 2, rise 2. nginx is broken behind the daemon's
// back: its processes are SIGKILLed by pid, never stopped through the LSB
// script, so only the probe can notice.
//
// The tests share one cluster and run in order: the backup's probe idles;
// kill → the backup serves once the probe failed fall times and its probe starts;
// the primary stays ineligible until its probe passes `rise` times, then the
// group comes home and the backup's probe idles again; 30 s of flapping nginx
// moves the group at most once per fall or rise, every move logged; and with
// rise × interval longer than the flapping nginx stays up (probes.ini changed
// and re-read with `heartbeat -r`), the group moves away once and stays away.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAddress } from '../../helpers/lab-addresses.js';
import {
  flapNginx,
  groupOf,
  killNginx,
  movesOf,
  nginxPidsIn,
  nginxStateAt,
  probesIniFor,
  rel,
  servingSpans,
  startNginx,
  unansweredMs,
  startProbeCluster,
  until,
  watchLog,
  type LogWatch,
  type Move,
  type ProbeCluster,
  type TimedLine,
  type Toggle,
} from '../../helpers/monitor-e2e-cluster.js';
import { LOADED_MACHINE_SLACK_MS } from '../../helpers/timing-bounds.js';

const INTERVAL_MS = 500;
const FALL = 2;
const RISE = 2;
/**
 * Issue 6: the backup serves the VIP within interval × fall plus one second
 * (the printed figure); the assertion adds what a loaded 2-core machine can
 * add (timing-bounds.ts) and still fails on a probe that never acts.
 */
const TAKEOVER_BOUND_MS = INTERVAL_MS * FALL + 1_000 + LOADED_MACHINE_SLACK_MS;
/** Not in the issue: rise passes, then the failback (bravo stops, alpha starts) within 2 s, plus a loaded machine's slack. */
const RECOVERY_BOUND_MS = INTERVAL_MS * RISE + 2_000 + LOADED_MACHINE_SLACK_MS;

const FLAP_EVERY_MS = 2_000;
const FLAP_FOR_MS = 30_000;

const GROUP_STARTED_LINE = /Resource group \S+: started in \d+ ms/;
const RELEASE_LINE = /releasing group .*\[monitor\]/;
const ELIGIBLE_LINE = /this node is eligible again for group .*\[monitor\]/;
const PROBE_RAN_LINE = /probe nginx (passed|failed|still failing).*\[monitor\]/;

let cluster: ProbeCluster | undefined;
const watches: LogWatch[] = [];

function watch(path: string): LogWatch {
  const w = watchLog(path);
  watches.push(w);
  return w;
}

const debugLog = (c: ProbeCluster, node: 'alpha' | 'bravo'): string => join(c[node].rootDir, 'ha-debug');

beforeAll(async () => {
  cluster = await startProbeCluster({
    subnet: '10.66.0',
    probe: { action: 'standby', interval: `${INTERVAL_MS}ms`, timeout: '400ms', fall: FALL, rise: RISE },
  });
});

afterAll(async () => {
  for (const w of watches) w.stop();
  await cluster?.destroy();
});

describe('application probe with action standby, two heartbeat-ts nodes with nginx', () => {
  it('the probe on the backup does not run while the backup does not hold the group', async () => {
    const c = cluster!;
    const alphaDebug = watch(debugLog(c, 'alpha'));
    const bravoDebug = watch(debugLog(c, 'bravo'));
    // alpha's own runs are the clock: wait until it has probed four more times
    await until('alpha to run its probe 4 times', () => (alphaDebug.lines().filter((l) => PROBE_RAN_LINE.test(l.text)).length >= 4 ? true : undefined), 20 * INTERVAL_MS);
    const [a, b] = await Promise.all([c.alpha.status(), c.bravo.status()]);
    expect(a.probes).toMatchObject([{ name: 'nginx', group: c.groupKey, state: 'up', lastOutcome: expect.stringMatching(/^HTTP 200 in \d+ ms$/) }]);
    expect(a.probes[0]!.runs).toBeGreaterThan(0);
    // The backup's probe has never run: no result, no run.
    expect(b.probes).toEqual([{ name: 'nginx', group: c.groupKey, state: 'up', lastOutcome: null, runs: 0, failures: 0, successes: 0, lastResultAt: null }]);
    expect(groupOf(b, c.groupKey)).toMatchObject({ holder: 'alpha', state: 'stopped', eligible: true });
    expect(bravoDebug.lines().filter((l) => /probe nginx.*\[monitor\]/.test(l.text))).toEqual([]);
    expect(await nginxPidsIn(c.bravo.host)).toEqual([]);
  });

  it('nginx killed on the primary: the backup serves the VIP once the probe has failed fall times, and its probe starts running', async () => {
    const c = cluster!;
    const alphaLog = watch(c.alpha.logPath);
    const bravoLog = watch(c.bravo.logPath);
    const bravoDebug = watch(debugLog(c, 'bravo'));
    const before = Date.now() - 1_000; // the client saw alpha just before the kill
    const { killedAt, pids } = await killNginx(c.alpha.host);
    const served = await c.prober.waitForServedBy('bravo', 10_000, killedAt);
    const servedMs = served.startMs - killedAt;
    const release = await alphaLog.waitFor(RELEASE_LINE, 5_000, killedAt);
    const started = await bravoLog.waitFor(GROUP_STARTED_LINE, 5_000, killedAt);
    const spans = servingSpans(c.prober.results(), before);
    console.log(
      [
        `[monitor e2e] standby takeover (interval ${INTERVAL_MS} ms, fall ${FALL}; bound ${TAKEOVER_BOUND_MS} ms), nginx pids ${pids.join(',')} SIGKILLed on alpha:`,
        `  kill → alpha's probe releases the group:   ${release.at - killedAt} ms`,
        `  kill → bravo's group started (log):         ${started.at - killedAt} ms`,
        `  kill → first client answer from bravo:      ${Math.round(servedMs)} ms`,
        `  client-visible outage (20 ms probes):       ~${Math.round(unansweredMs(spans))} ms`,
      ].join('\n'),
    );
    expect(servedMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    expect(movesOf(spans)).toEqual([{ from: 'alpha', to: 'bravo', at: served.startMs }]);
    expect(await hasAddress(c.alpha.host, c.vip)).toBe(false);
    expect(await hasAddress(c.bravo.host, c.vip)).toBe(true);
    const a = await c.alpha.status();
    expect(groupOf(a, c.groupKey)).toMatchObject({ holder: 'bravo', state: 'stopped', eligible: false, why: expect.stringContaining('probe nginx failed 2 time(s) in a row') });
    expect(a.probes[0]).toMatchObject({ state: 'down', lastOutcome: expect.stringMatching(/^connection refused/) });

    // bravo now holds the group: its probe runs against its own nginx
    const firstRun = await bravoDebug.waitFor(/probe nginx passed.*\[monitor\]/, 10 * INTERVAL_MS, started.at);
    console.log(`  bravo's group started → bravo's first probe run: ${firstRun.at - started.at} ms`);
    const b = await c.bravo.status();
    expect(b.probes).toMatchObject([{ name: 'nginx', group: c.groupKey, state: 'up', lastOutcome: expect.stringMatching(/^HTTP 200 in \d+ ms$/) }]);
    expect(b.probes[0]!.runs).toBeGreaterThan(0);
    expect(groupOf(b, c.groupKey)).toMatchObject({ holder: 'bravo', state: 'running' });
  });

  it('the primary stays ineligible while its nginx is down, and takes the group back once its probe passes rise times', async () => {
    const c = cluster!;
    const alphaLog = watch(c.alpha.logPath);
    const alphaDebug = watch(debugLog(c, 'alpha'));
    const since = Date.now();
    // alpha keeps probing its own (dead) nginx while it is ineligible: 4 more runs, still failing
    await until(
      'alpha to probe its dead nginx 4 times',
      () => (alphaDebug.lines().filter((l) => /probe nginx still failing.*\[monitor\]/.test(l.text)).length >= 4 ? true : undefined),
      20 * INTERVAL_MS,
    );
    expect(servingSpans(c.prober.results(), since).map((s) => s.who)).toEqual(['bravo']);
    expect(groupOf(await c.alpha.status(), c.groupKey)).toMatchObject({ holder: 'bravo', eligible: false });

    const nginxAt = Date.now();
    await startNginx(c.alpha);
    const eligible = await alphaLog.waitFor(ELIGIBLE_LINE, 20 * INTERVAL_MS, nginxAt);
    const back = await c.prober.waitForServedBy('alpha', 10_000, nginxAt);
    const spans = servingSpans(c.prober.results(), nginxAt);
    console.log(
      [
        `[monitor e2e] recovery (rise ${RISE}, auto_failback on):`,
        `  nginx restarted on alpha → alpha eligible again (log): ${eligible.at - nginxAt} ms`,
        `  nginx restarted on alpha → first client answer from alpha: ${Math.round(back.startMs - nginxAt)} ms`,
        `  failback outage seen by the client: ~${Math.round(unansweredMs(spans))} ms`,
      ].join('\n'),
    );
    expect(eligible.at - nginxAt).toBeGreaterThanOrEqual((RISE - 1) * INTERVAL_MS - 50);
    expect(back.startMs - nginxAt).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(movesOf(spans)).toEqual([{ from: 'bravo', to: 'alpha', at: back.startMs }]);
    await until(
      'both nodes to agree alpha runs the group',
      async () => {
        const [a, b] = await Promise.all([c.alpha.status(), c.bravo.status()]);
        return groupOf(a, c.groupKey).state === 'running' && groupOf(a, c.groupKey).eligible && groupOf(b, c.groupKey).holder === 'alpha' && b.resources.stable
          ? true
          : undefined;
      },
      10_000,
      100,
    );
    expect(await nginxPidsIn(c.bravo.host)).toEqual([]);
    // bravo gave the group back: its probe idles again while alpha's runs
    const bravoDebug = watch(debugLog(c, 'bravo'));
    const mark = Date.now();
    await until(
      'alpha to run its probe 4 times',
      () => (alphaDebug.lines().filter((l) => l.at >= mark && PROBE_RAN_LINE.test(l.text)).length >= 4 ? true : undefined),
      20 * INTERVAL_MS,
    );
    expect(bravoDebug.lines().filter((l) => /probe nginx.*\[monitor\]/.test(l.text))).toEqual([]);
  });

  it('no ping-pong while nginx flaps every 2 s for 30 s: at most one move per fall or rise, every move logged', async () => {
    const c = cluster!;
    const alphaLog = watch(c.alpha.logPath);
    const bravoLog = watch(c.bravo.logPath);
    const t0 = Date.now();
    const toggles = await flapNginx(c.alpha, FLAP_EVERY_MS, FLAP_FOR_MS);
    const flapEnd = Date.now();
    // nginx is up on alpha at the end: the group must settle at home (auto_failback)
    await settleAtHome(c);
    await c.prober.waitForServedBy('alpha', 10_000, flapEnd);
    const settledAt = Date.now();

    const spans = servingSpans(c.prober.results(), t0 - 1_000);
    const moves = movesOf(spans).filter((m) => m.at >= t0);
    const releases = alphaLog.lines().filter((l) => RELEASE_LINE.test(l.text));
    const eligibles = alphaLog.lines().filter((l) => ELIGIBLE_LINE.test(l.text));
    const starts = {
      alpha: alphaLog.lines().filter((l) => GROUP_STARTED_LINE.test(l.text)),
      bravo: bravoLog.lines().filter((l) => GROUP_STARTED_LINE.test(l.text)),
    };
    const cycleMs = (FALL + RISE) * INTERVAL_MS;
    const windowMs = settledAt - t0;
    const bound = Math.ceil(windowMs / cycleMs);
    console.log(
      [
        `[monitor e2e] flapping nginx on alpha every ${FLAP_EVERY_MS} ms for ${FLAP_FOR_MS} ms (fall ${FALL}, rise ${RISE}, interval ${INTERVAL_MS} ms):`,
        ...timeline(t0, toggles, releases, eligibles, starts, moves),
        `  moves seen by the client: ${moves.length} (alpha→bravo ${moves.filter((m) => m.to === 'bravo').length}, bravo→alpha ${moves.filter((m) => m.to === 'alpha').length})`,
        `  logged: ${releases.length} release(s), ${eligibles.length} recover(ies); group starts: alpha ${starts.alpha.length}, bravo ${starts.bravo.length}`,
        `  bound: one move per (fall+rise) × interval = ${cycleMs} ms over ${windowMs} ms → at most ${bound}`,
        `  settled at home ${settledAt - flapEnd} ms after the last toggle`,
      ].join('\n'),
    );

    // at most one move per rise/fall cycle, over the whole run
    expect(moves.length).toBeLessThanOrEqual(bound);
    expectEveryMoveLogged(moves, releases, eligibles, starts, t0);
    // a fall happens only while nginx is really down, a rise only while it is
    // really up. A rise needs `rise` passes, so it comes at least (rise − 1)
    // intervals after nginx came up. A fall is not bounded that way here: on a
    // loaded machine a run of the 400 ms probe just before the kill may time
    // out and count as the first failure (fall counting itself is pinned by
    // the probe state machine's unit tests).
    for (const r of releases) {
      const cause = nginxStateAt(toggles, r.at);
      expect(cause?.nginx, `release at ${rel(r.at, t0)}`).toBe('down');
    }
    for (const e of eligibles) {
      const cause = nginxStateAt(toggles, e.at);
      expect(cause?.nginx, `recovery at ${rel(e.at, t0)}`).toBe('up');
      expect(e.at - cause!.at, `recovery at ${rel(e.at, t0)}`).toBeGreaterThanOrEqual((RISE - 1) * INTERVAL_MS - 50);
    }
    expect(await hasAddress(c.alpha.host, c.vip)).toBe(true);
    expect(await hasAddress(c.bravo.host, c.vip)).toBe(false);
  });

  it('with rise × interval longer than the flapping nginx stays up, the group moves once and stays away until nginx is steady', async () => {
    const c = cluster!;
    const DAMPED_RISE = 8;
    // Half the 30 s is enough to show the damping (7 flaps, one move each way).
    const DAMPED_FLAP_FOR_MS = 14_000;
    // probes.ini re-read by `heartbeat -r` on alpha (probes restart; alpha holds the group and is eligible)
    writeFileSync(join(c.alpha.configDir, 'probes.ini'), probesIniFor(c.groupKey, { action: 'standby', interval: `${INTERVAL_MS}ms`, timeout: '400ms', fall: FALL, rise: DAMPED_RISE }));
    const alphaLog = watch(c.alpha.logPath);
    const reload = await c.alpha.heartbeat('-r');
    expect(reload.exitCode, reload.stderr).toBe(0);
    await alphaLog.waitFor(/probes\.ini changed: probes restarted/, 5_000);
    const bravoLog = watch(c.bravo.logPath);
    const t0 = Date.now();
    const toggles = await flapNginx(c.alpha, FLAP_EVERY_MS, DAMPED_FLAP_FOR_MS);
    const flapEnd = Date.now();
    const midway = c.prober.results().filter((r) => r.startMs >= t0 && r.startMs <= flapEnd);
    await settleAtHome(c);
    await c.prober.waitForServedBy('alpha', 10_000, flapEnd);

    const moves = movesOf(servingSpans(c.prober.results(), t0 - 1_000)).filter((m) => m.at >= t0);
    const releases = alphaLog.lines().filter((l) => RELEASE_LINE.test(l.text));
    const eligibles = alphaLog.lines().filter((l) => ELIGIBLE_LINE.test(l.text));
    const starts = {
      alpha: alphaLog.lines().filter((l) => GROUP_STARTED_LINE.test(l.text)),
      bravo: bravoLog.lines().filter((l) => GROUP_STARTED_LINE.test(l.text)),
    };
    console.log(
      [
        `[monitor e2e] flapping nginx on alpha every ${FLAP_EVERY_MS} ms for ${DAMPED_FLAP_FOR_MS} ms with rise ${DAMPED_RISE} (${DAMPED_RISE * INTERVAL_MS} ms > the ${FLAP_EVERY_MS} ms nginx stays up):`,
        ...timeline(t0, toggles, releases, eligibles, starts, moves),
        `  moves seen by the client: ${moves.length}; answers during the flapping: ${midway.filter((r) => r.ok).length} ok, ${midway.filter((r) => !r.ok).length} failed`,
      ].join('\n'),
    );
    const lastUp = toggles.at(-1)!;
    expect(lastUp.nginx).toBe('up');
    // one move away at the first fall, one move home only once nginx stayed up for rise runs
    expect(moves.map((m) => m.to)).toEqual(['bravo', 'alpha']);
    // The move away belongs to the first fall (before nginx went down a second
    // time; on a loaded machine the takeover may end after nginx is back up).
    expect(moves[0]!.at).toBeLessThan(toggles[2]!.at);
    expect(moves[1]!.at - lastUp.at).toBeGreaterThanOrEqual((DAMPED_RISE - 1) * INTERVAL_MS);
    expect(releases).toHaveLength(1);
    expect(eligibles).toHaveLength(1);
    expectEveryMoveLogged(moves, releases, eligibles, starts, t0);
  });
});

type Starts = { readonly alpha: readonly TimedLine[]; readonly bravo: readonly TimedLine[] };

/** Both nodes agree alpha runs the group, eligible and stable (bounded). */
async function settleAtHome(c: ProbeCluster): Promise<void> {
  await until(
    'the cluster to settle with alpha running the group',
    async () => {
      const [a, b] = await Promise.all([c.alpha.status(), c.bravo.status()]);
      const ga = groupOf(a, c.groupKey);
      return ga.state === 'running' && ga.eligible && a.resources.stable && b.resources.stable && groupOf(b, c.groupKey).holder === 'alpha' ? true : undefined;
    },
    20_000,
    100,
  );
}

/** Each move away follows a logged fall (release), each move home a logged rise, and the new server logged starting the group. */
function expectEveryMoveLogged(moves: readonly Move[], releases: readonly TimedLine[], eligibles: readonly TimedLine[], starts: Starts, t0: number): void {
  const away = moves.filter((m) => m.to === 'bravo');
  const home = moves.filter((m) => m.to === 'alpha');
  expect(away.length).toBeLessThanOrEqual(releases.length);
  expect(home.length).toBeLessThanOrEqual(eligibles.length);
  expect(away.length).toBeLessThanOrEqual(starts.bravo.length);
  expect(home.length).toBeLessThanOrEqual(starts.alpha.length);
  for (const [i, m] of away.entries()) expect(releases[i]!.at, `move to bravo at ${rel(m.at, t0)}: its release`).toBeLessThanOrEqual(m.at + 50);
  for (const [i, m] of home.entries()) expect(eligibles[i]!.at, `move to alpha at ${rel(m.at, t0)}: its recovery`).toBeLessThanOrEqual(m.at + 50);
}

function timeline(t0: number, toggles: readonly Toggle[], releases: readonly TimedLine[], eligibles: readonly TimedLine[], starts: Starts, moves: readonly Move[]): string[] {
  return [
    ...toggles.map((t) => ({ at: t.at, text: `flapper: nginx on alpha ${t.nginx} (${t.note})` })),
    ...releases.map((l) => ({ at: l.at, text: 'alpha: probe fell, releasing the group' })),
    ...eligibles.map((l) => ({ at: l.at, text: 'alpha: probe rose, eligible again' })),
    ...starts.alpha.map((l) => ({ at: l.at, text: 'alpha: group started' })),
    ...starts.bravo.map((l) => ({ at: l.at, text: 'bravo: group started' })),
    ...moves.map((m) => ({ at: m.at, text: `client: now served by ${m.to} (was ${m.from})` })),
  ]
    .sort((x, y) => x.at - y.at)
    .map((e) => `  ${rel(e.at, t0).padStart(10)}  ${e.text}`);
}
