// Issue 5, "the same tests with one node replaced by real Heartbeat 3.0.6":
// the failover scenarios in both directions,
//   real primary (home of the group) + heartbeat-ts backup, and
//   heartbeat-ts primary + real backup.
//
// One lab and one cluster per direction (test/helpers/mixed-harness.ts); the
// scenarios run in order and each starts from a known state: both nodes up in
// the wanted auto_failback mode (changing the mode restarts both, state kept:
// generation +1), the primary serving, both resource-stable. Every outage is
// printed with a label; the exclusivity watcher's record (VIP and nginx on
// both nodes) is checked after every scenario.
//
// Facts relied on (shared/spec/heartbeat-protocol.md): §9.3 start-up and the
// 10 s RQSTDELAY fallback when both start together; §9.4 legacy ip-request;
// §9.5 standby / hb_takeover; §9.6 mach_down; §9.7 graceful shutdown; §8.1
// dt = deadtime + 2 s during a daemon's first 5 s.
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../helpers/wait.js';
import { MIXED_DEADTIME_MS, MIXED_KEEPALIVE_MS, type NodeKind } from '../../helpers/mixed-cluster.js';
import { BOTH_START_TIMEOUT_MS, SETTLE_TIMEOUT_MS, kindName, useMixedCluster } from '../../helpers/mixed-harness.js';
import { ourErrorLines, realLogProblems } from '../../helpers/mixed-log-checks.js';

/**
 * Crash → served: deadtime, the 250 ms detection poll (real) or our tick, the
 * takeover scripts and nginx start (spec §12.2): ~1.9 s in all when idle,
 * 3 s seen on a loaded 2-core machine. Detection on the start-up dead time
 * (deadtime + 2 s, spec §8.1) plus the takeover would still exceed it.
 */
const CRASH_MARGIN_MS = 3500;
/** How late the crashed node's last heartbeats may have left on a loaded machine (moves detection earlier than event + deadtime − keepalive). */
const LATE_HEARTBEAT_MS = 300;
/** Graceful stop, standby, takeover, failback: no dead time involved; a generous bound that still catches a wait for deadtime or a 10 s timer. */
const HANDOVER_BOUND_MS = 8000;

for (const primaryKind of ['real', 'ours'] as const satisfies readonly NodeKind[]) {
  const backupKind: NodeKind = primaryKind === 'real' ? 'ours' : 'real';
  describe(`mixed cluster: ${kindName(primaryKind)} primary + ${kindName(backupKind)} backup (bcast+md5, keepalive ${MIXED_KEEPALIVE_MS} ms, deadtime ${MIXED_DEADTIME_MS} ms)`, () => {
    const s = useMixedCluster(primaryKind);
    const c = s.cluster;

    describe('auto_failback on', () => {
      it('both start: each side sees the other active, the group ends on its home node exactly once', async () => {
        const { primary, backup } = c();
        await s.startBoth('on');
        const since = c().bothStartedAt();
        // The 10 s RQSTDELAY fallback applies when both start together (spec §9.3).
        await c().waitSettled(BOTH_START_TIMEOUT_MS, primary);
        const served = c().prober.results().find((r) => r.ok && r.startMs >= since);
        s.progress(`both start → first answer from ${served?.body} ${((served?.startMs ?? since) - since).toFixed(0)} ms after the start`);
        for (const [self, peer] of [
          [primary, backup],
          [backup, primary],
        ] as const) {
          const ns = await self.clStatus('nodestatus', peer.name);
          expect({ who: self.label, exitCode: ns.exitCode, out: ns.stdout.trim() }).toEqual({ who: self.label, exitCode: 0, out: 'active' });
        }
        expect(['local', 'all']).toContain((await primary.clStatus('rscstatus')).stdout.trim());
        // The backup has no group of its own: it holds none of the primary's.
        expect(['none', 'local']).toContain((await backup.clStatus('rscstatus')).stdout.trim());
        await s.expectServedOnlyBy(primary);
        const started = c()
          .watcher.transitions(since)
          .filter((t) => t.now);
        expect(started.map((t) => `${t.node}:${t.what}`).sort()).toEqual([`${primary.name}:${c().vip}`, `${primary.name}:nginx`]);
        s.expectStartedTogether();
        await s.expectNeverOnBoth(since);
      }, 90_000);

      it(`hb_standby on the primary → the backup serves; hb_takeover on the primary → it serves again`, async () => {
        await s.bothUpIn('on');
        await s.takeGroupHomeIfAway();
        await s.waitSettledOnPrimary();
        const { primary, backup } = c();
        const since = Date.now();
        let at = Date.now();
        const standby = await primary.hbStandby('all');
        expect(standby.exitCode, standby.stderr).toBe(0);
        s.record(`hb_standby on ${primary.label} → ${backup.label} serves`, await c().outage(at, backup, HANDOVER_BOUND_MS));
        await c().waitSettled(SETTLE_TIMEOUT_MS, backup);
        await s.expectServedOnlyBy(backup);
        expect(['foreign', 'all']).toContain((await backup.clStatus('rscstatus')).stdout.trim());

        at = Date.now();
        const takeover = await primary.hbTakeover('all');
        expect(takeover.exitCode, takeover.stderr).toBe(0);
        const o = s.record(`hb_takeover on ${primary.label} → it serves again`, await c().outage(at, primary, HANDOVER_BOUND_MS));
        expect(o.eventToServedMs).toBeLessThan(HANDOVER_BOUND_MS);
        await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
        await s.expectServedOnlyBy(primary);
        await s.expectNeverOnBoth(since);
      }, 90_000);

      it('graceful stop of the primary → the backup serves quickly; the primary returns → the group goes home', async () => {
        await s.bothUpIn('on');
        await s.takeGroupHomeIfAway();
        await s.waitSettledOnPrimary();
        const { primary, backup } = c();
        const since = Date.now();
        let at = Date.now();
        await primary.stop();
        const o = s.record(`graceful stop of ${primary.label} (${primary.kind === 'real' ? 'SIGTERM = heartbeat -k' : 'heartbeat -k'}) → ${backup.label} serves`, await c().outage(at, backup, HANDOVER_BOUND_MS));
        expect(o.eventToServedMs).toBeLessThan(HANDOVER_BOUND_MS);
        await waitUntil(`${backup.label} holds all`, SETTLE_TIMEOUT_MS, async () => ((await backup.view(primary.name)).rsc === 'all' ? true : undefined), 250);

        at = Date.now();
        await primary.start('on');
        const f = s.record(`${primary.label} returns, auto_failback on → group home (event = daemon start)`, await c().outage(at, primary, SETTLE_TIMEOUT_MS));
        expect(f.eventToServedMs).toBeLessThan(SETTLE_TIMEOUT_MS);
        await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
        await s.expectServedOnlyBy(primary);
        await s.expectNeverOnBoth(since);
      }, 120_000);

      it(`crash of the primary (cable pulled, every process SIGKILLed) → the backup serves within deadtime + ${CRASH_MARGIN_MS} ms; it returns → the group goes home`, async () => {
        await s.bothUpIn('on');
        await s.takeGroupHomeIfAway();
        await s.waitSettledOnPrimary();
        const { primary, backup } = c();
        const since = Date.now();
        const at = await c().crash(primary);
        const o = s.record(`crash of ${primary.label} → ${backup.label} serves`, await c().outage(at, backup, MIXED_DEADTIME_MS + 30_000));
        // Never before the dead time (spec §8.1), and within the bound.
        expect(o.eventToServedMs).toBeGreaterThan(MIXED_DEADTIME_MS - MIXED_KEEPALIVE_MS - LATE_HEARTBEAT_MS);
        expect(o.eventToServedMs).toBeLessThan(MIXED_DEADTIME_MS + CRASH_MARGIN_MS);
        await waitUntil(`${backup.label} holds all`, SETTLE_TIMEOUT_MS, async () => ((await backup.view(primary.name)).rsc === 'all' ? true : undefined), 250);

        const back = await c().returnAfterCrash(primary, 'on');
        const f = s.record(`${primary.label} returns after the crash, auto_failback on → group home (event = daemon start)`, await c().outage(back, primary, SETTLE_TIMEOUT_MS));
        expect(f.eventToServedMs).toBeLessThan(SETTLE_TIMEOUT_MS);
        await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
        await s.expectServedOnlyBy(primary);
        await s.expectNeverOnBoth(since);
      }, 120_000);
    });

    describe('auto_failback on, the backup fails', () => {
      it('crash of the backup → the primary keeps serving; the backup returns → nothing moves', async () => {
        await s.bothUpIn('on');
        await s.takeGroupHomeIfAway();
        await s.waitSettledOnPrimary();
        const { primary, backup } = c();
        const since = Date.now();
        const logFrom = primary.logSize();
        await c().crash(backup);
        // The primary notices (after the dead time) and stays the only server.
        await primary.waitForLog(new RegExp(`node ${backup.name}: is dead`), MIXED_DEADTIME_MS + 10_000, logFrom);
        const back = await c().returnAfterCrash(backup, 'on');
        await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
        // Past any auto-failback round the primary may run with the returned backup (spec §9.5).
        await waitUntil(`${primary.label} and ${backup.label} stable`, SETTLE_TIMEOUT_MS, async () => {
          const [p, b] = await Promise.all([primary.view(backup.name), backup.view(primary.name)]);
          return p.rsc !== 'transition' && b.rsc !== 'transition' && p.peer === 'active' && b.peer === 'active' ? true : undefined;
        }, 250);
        s.progress(`backup crash: ${backup.label} back for ${Date.now() - back} ms`);
        await s.expectServedOnlyBy(primary);
        expect(['local', 'all']).toContain((await primary.clStatus('rscstatus')).stdout.trim());
        // The backup has no group of its own and holds none of the primary's.
        expect(['none', 'local']).toContain((await backup.clStatus('rscstatus')).stdout.trim());
        const failed = c()
          .prober.results()
          .filter((r) => r.startMs >= since && !r.ok);
        expect(failed.length, 'client probes failed while only the backup crashed and returned').toBe(0);
        expect(c().watcher.transitions(since).filter((t) => t.node === primary.name)).toEqual([]);
        await s.expectNeverOnBoth(since);
      }, 120_000);
    });

    describe('auto_failback off', () => {
      it('both start in off mode: the group goes home; crash of the primary → the backup serves; the primary returns → the group stays', async () => {
        const since = Date.now();
        await s.bothUpIn('off');
        await s.takeGroupHomeIfAway();
        await s.waitSettledOnPrimary();
        const { primary, backup } = c();
        await s.expectServedOnlyBy(primary);
        const started = c()
          .watcher.transitions(c().bothStartedAt())
          .filter((t) => t.now);
        expect(started.map((t) => `${t.node}:${t.what}`).sort()).toEqual([`${primary.name}:${c().vip}`, `${primary.name}:nginx`]);
        s.expectStartedTogether();

        const at = await c().crash(primary);
        const o = s.record(`auto_failback off: crash of ${primary.label} → ${backup.label} serves`, await c().outage(at, backup, MIXED_DEADTIME_MS + 30_000));
        expect(o.eventToServedMs).toBeLessThan(MIXED_DEADTIME_MS + CRASH_MARGIN_MS);
        await waitUntil(`${backup.label} holds all`, SETTLE_TIMEOUT_MS, async () => ((await backup.view(primary.name)).rsc === 'all' ? true : undefined), 250);

        const back = await c().returnAfterCrash(primary, 'off');
        // Settled = both active and out of transition: the primary has finished its start-up negotiation.
        await c().waitSettled(SETTLE_TIMEOUT_MS, backup);
        const settledAt = Date.now();
        // One more keepalive round-trip after that, the group must still be on the backup, untouched.
        await c().prober.waitForServedBy(backup.name, 5000, settledAt + 4 * MIXED_KEEPALIVE_MS);
        s.progress(`auto_failback off: ${primary.label} back for ${Date.now() - back} ms, the group stays on ${backup.name}`);
        await s.expectServedOnlyBy(backup);
        expect((await primary.clStatus('rscstatus')).stdout.trim()).not.toMatch(/foreign|all/);
        const moved = c()
          .watcher.transitions(back)
          .filter((t) => t.node === primary.name && t.now);
        expect(moved).toEqual([]);
        const failed = c()
          .prober.results()
          .filter((r) => r.startMs >= back && !r.ok);
        expect(failed.length, 'client probes failed after the primary returned').toBe(0);
        await s.expectNeverOnBoth(since);
      }, 150_000);
    });

    describe('auto_failback legacy (ip-request / ip-request-resp, spec §9.4)', () => {
      it('both start: the group goes home exactly once', async () => {
        const since = Date.now();
        await s.bothUpIn('legacy');
        await s.waitSettledOnPrimary();
        const { primary } = c();
        await s.expectServedOnlyBy(primary);
        const started = c()
          .watcher.transitions(c().bothStartedAt())
          .filter((t) => t.now);
        expect(started.map((t) => `${t.node}:${t.what}`).sort()).toEqual([`${primary.name}:${c().vip}`, `${primary.name}:nginx`]);
        const served = c().prober.results().find((r) => r.ok && r.startMs >= c().bothStartedAt());
        s.expectStartedTogether();
        s.progress(`legacy both start → first answer from ${served?.body} ${((served?.startMs ?? 0) - c().bothStartedAt()).toFixed(0)} ms after the start`);
        await s.expectNeverOnBoth(since);
      }, 120_000);

      it('crash of the primary → the backup serves; the primary returns → the group goes home (ip-request)', async () => {
        await s.bothUpIn('legacy');
        await s.waitSettledOnPrimary();
        const { primary, backup } = c();
        const since = Date.now();
        const at = await c().crash(primary);
        const o = s.record(`legacy: crash of ${primary.label} → ${backup.label} serves`, await c().outage(at, backup, MIXED_DEADTIME_MS + 30_000));
        expect(o.eventToServedMs).toBeLessThan(MIXED_DEADTIME_MS + CRASH_MARGIN_MS);
        // The primary returns as soon as the backup serves, its takeover maybe
        // not finished: the window itself is pinned by
        // mixed-legacy-return-during-takeover.test.ts (issue 9).
        const back = await c().returnAfterCrash(primary, 'legacy');
        const f = s.record(`legacy: ${primary.label} returns → group home by ip-request (event = daemon start)`, await c().outage(back, primary, SETTLE_TIMEOUT_MS));
        expect(f.eventToServedMs).toBeLessThan(SETTLE_TIMEOUT_MS);
        await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
        await s.expectServedOnlyBy(primary);
        await s.expectNeverOnBoth(since);
      }, 120_000);
    });

    it(`the real node's log has no complaint about its heartbeat-ts peer, ours has no ERROR/CRIT, the VIP and nginx were never on both`, async () => {
      const real = c().primary.kind === 'real' ? c().primary : c().backup;
      const ours = c().primary.kind === 'ours' ? c().primary : c().backup;
      // The check itself can fail: the real daemon's own wording of these complaints (hb_resource.c) is caught.
      for (const line of [
        'Nov 22 04:27:55 alpha heartbeat: [14]: ERROR: Both machines own foreign resources!',
        'Nov 22 04:27:55 alpha heartbeat: [14]: WARN: standby message [me] from bravo ignored.  Other side is in flux.',
        "Nov 22 04:27:55 alpha heartbeat: [14]: ERROR: Ignored standby message 'done' from bravo in state 2",
      ]) {
        expect(realLogProblems(line), line).toHaveLength(1);
      }
      const problems = realLogProblems(real.readLog());
      expect(problems, problems.join('\n')).toEqual([]);
      const ourErrors = ourErrorLines(ours.readLog());
      expect(ourErrors, ourErrors.join('\n')).toEqual([]);
      await s.expectNeverOnBoth(0);
    });
  });
}
