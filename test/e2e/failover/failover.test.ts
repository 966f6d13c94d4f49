// Issue 5, "Real failover, tested": two heartbeat-ts nodes (the built
// daemon), one group `alpha IPaddr::10.77.0.100/24/eth0 nginx`, a client
// asking http://10.77.0.100/ every 20 ms, keepalive 200 ms / deadtime 1 s,
// auto_failback on. Each test moves the service once or twice, prints the
// outage the client saw, and checks with the exclusivity watcher that the
// address and nginx were never on both nodes (outside a crashed node's
// unplugged link).
//
// The tests run in order and share one lab: each starts from the steady state
// (alpha serving, both nodes active and stable, past their first 5 s).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, outageLine, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { pidFileProcessAlive } from '../../helpers/failover-watch.js';
import { crashDetectedWithinMs, handoverWithinMs } from '../../helpers/timing-bounds.js';
import { join } from 'node:path';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
/** Generous bounds (timing-bounds.ts); the tight figures are `npm run bench`'s. */
const CRASH_BOUND_MS = crashDetectedWithinMs(DEADTIME_MS);
const HANDOVER_BOUND_MS = handoverWithinMs(DEADTIME_MS);
/** The daemon's status gives "ms ago" of an epoch it converts from its monotonic clock. */
const CLOCK_MS = 50;

describe('failover between two heartbeat-ts nodes (auto_failback on)', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS, startupFallbackDelay: '2', autoFailback: 'on' });
  });

  // Each test is judged on its own overlaps only.
  beforeEach(() => pair?.watcher?.beginTest());

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const nginxOn = (node: string): boolean => pidFileProcessAlive(join(p().node(node).rootDir, 'nginx', 'nginx.pid'));

  /** Where the service is, by the kernel and the process table (not by the daemons' word). */
  async function expectServedOnlyBy(node: string): Promise<void> {
    const other = node === 'alpha' ? 'bravo' : 'alpha';
    expect(await hasAddress(lab!.host(node), VIP_ALPHA), `${VIP_ALPHA} on ${node}`).toBe(true);
    expect(nginxOn(node), `nginx on ${node}`).toBe(true);
    if (p().isRunning(other)) {
      expect(await hasAddress(lab!.host(other), VIP_ALPHA), `${VIP_ALPHA} on ${other}`).toBe(false);
      expect(nginxOn(other), `nginx on ${other}`).toBe(false);
    }
  }

  /** A hand-over between live nodes: neither waited for the other to be declared dead. */
  function expectNobodyDeclaredDead(fromAlpha: number, fromBravo: number): void {
    const said = (node: string, from: number): string[] => p().logLines(node, /is dead|shutdown notice|started|stopped/, from);
    expect(p().logLines('alpha', /node bravo: is dead/, fromAlpha), said('alpha', fromAlpha).join('\n')).toEqual([]);
    expect(p().logLines('bravo', /node alpha: is dead/, fromBravo), said('bravo', fromBravo).join('\n')).toEqual([]);
  }

  /**
   * After a graceful stop the dead check still declares the stopped node dead
   * once the dead time has run (as Heartbeat does); the takeover must not
   * have waited for it: in `node`'s log, acquiring the group came before that
   * line (its start may end after it on a loaded machine).
   */
  function expectTakeoverBeforeDeath(node: string, peer: string, from: number): void {
    const lines = p().logLines(node, new RegExp(`node ${peer}: is dead|Acquiring resource group: .*\\(group=${GROUP.replace(/[./]/g, '\\$&')}\\)`), from);
    const started = lines.findIndex((l) => /Acquiring/.test(l));
    const dead = lines.findIndex((l) => /is dead/.test(l));
    expect(started, lines.join('\n')).toBeGreaterThanOrEqual(0);
    if (dead >= 0) expect(started, lines.join('\n')).toBeLessThan(dead);
  }

  it('crash of the primary (link down, every process SIGKILLed): the backup serves once the dead time has run, not before', async () => {
    await p().steady();
    const from = p().backup().logSize();
    const eventAt = await p().crash('alpha');
    const o = await p().servedBy('bravo', eventAt, DEADTIME_MS + 10_000);
    console.log(outageLine('crash of alpha → bravo', o));
    // A crash cannot be noticed before the dead time has run since the last
    // heartbeat (spec §8.1): bravo answered only after its last status from
    // alpha plus the dead time. Measured from what bravo heard, not from the
    // crash, so that a heartbeat that left late does not count against it.
    const served = p().prober.results().find((r) => r.ok && r.body === 'bravo' && r.startMs === o.servedAtMs)!;
    const heard = await p().lastHeard('bravo', 'alpha');
    console.log(`[heartbeat-ts failover] crash of alpha: bravo's first answer came ${(served.endMs - heard).toFixed(0)} ms after its last status from alpha (deadtime ${DEADTIME_MS} ms)`);
    expect(served.endMs - heard).toBeGreaterThanOrEqual(DEADTIME_MS - CLOCK_MS);
    expect(o.eventToServedMs).toBeGreaterThan(0);
    // Within the dead time (not the start-up one, deadtime + 2 s), with room for a loaded machine.
    expect(o.eventToServedMs).toBeLessThanOrEqual(CRASH_BOUND_MS);
    await p().backup().waitForLog(/node alpha: is dead/, 5000, { from });
    await p().backup().waitForLog(new RegExp(`Taking over resource group ${GROUP.replace(/[./]/g, '\\$&')}`), 5000, { from });
    expect(nginxOn('bravo')).toBe(true);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(true);
    p().watcher!.assertExclusive('crash');
  });

  it('the crashed primary comes back (auto_failback on): the service goes home after a short outage', async () => {
    // The previous test left alpha crashed and bravo serving.
    expect(p().isRunning('alpha')).toBe(false);
    const fromA = p().primary().logSize();
    const fromB = p().backup().logSize();
    const eventAt = Date.now();
    await p().start('alpha');
    const o = await p().servedBy('alpha', eventAt, 30_000);
    console.log(outageLine('alpha restarted, auto_failback → alpha', o));
    // Going home is a hand-over between two live nodes, never a dead-time wait.
    expect(o.outageMs).toBeGreaterThan(0);
    expect(o.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    expectNobodyDeclaredDead(fromA, fromB);
    await p().waitHolders({ [GROUP]: 'alpha' });
    await expectServedOnlyBy('alpha');
    p().watcher!.assertExclusive('failback after crash');
  });

  it('heartbeat -k on the primary: the backup serves on its word, without a dead-time wait; the primary comes back and the service goes home', async () => {
    await p().steady();
    const from = p().backup().logSize();
    const fromA = p().primary().logSize();
    const eventAt = await p().stop('alpha');
    const o = await p().servedBy('bravo', eventAt, 10_000);
    console.log(outageLine('heartbeat -k on alpha → bravo', o));
    // The admin command itself (a Node start-up) is in event → served; the client's gap is the outage.
    expect(o.outageMs).toBeGreaterThan(0);
    expect(o.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    // The backup took over on alpha's word, without waiting for the dead time (spec §9.7).
    await p().backup().waitForLog(/Received shutdown notice from 'alpha'/, 5000, { from });
    expectTakeoverBeforeDeath('bravo', 'alpha', from);
    expect(p().logLines('alpha', /node bravo: is dead/, fromA)).toEqual([]);
    await expectServedOnlyBy('bravo');

    const backAt = Date.now();
    await p().start('alpha');
    const home = await p().servedBy('alpha', backAt, 30_000);
    console.log(outageLine('alpha restarted after heartbeat -k, auto_failback → alpha', home));
    expect(home.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'alpha' });
    await expectServedOnlyBy('alpha');
    p().watcher!.assertExclusive('heartbeat -k');
  });

  it('hb_standby on the primary moves the service to the backup; hb_takeover on the primary brings it back', async () => {
    await p().steady();
    const fromA = p().primary().logSize();
    const fromB = p().backup().logSize();
    let eventAt = Date.now();
    const standby = await p().primary().hbStandby();
    expect(standby.exitCode, standby.stderr).toBe(0);
    const o1 = await p().servedBy('bravo', eventAt, 15_000);
    console.log(outageLine('hb_standby on alpha → bravo', o1));
    expect(o1.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'bravo' });
    await expectServedOnlyBy('bravo');

    eventAt = Date.now();
    const takeover = await p().primary().hbTakeover();
    expect(takeover.exitCode, takeover.stderr).toBe(0);
    const o2 = await p().servedBy('alpha', eventAt, 15_000);
    console.log(outageLine('hb_takeover on alpha → alpha', o2));
    expect(o2.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'alpha' });
    await expectServedOnlyBy('alpha');
    expectNobodyDeclaredDead(fromA, fromB);
    p().watcher!.assertExclusive('hb_standby / hb_takeover on the primary');
  });

  it('hb_takeover on the backup takes the service; hb_standby on the backup gives it back', async () => {
    await p().steady();
    const fromA = p().primary().logSize();
    const fromB = p().backup().logSize();
    let eventAt = Date.now();
    const takeover = await p().backup().hbTakeover();
    expect(takeover.exitCode, takeover.stderr).toBe(0);
    const o1 = await p().servedBy('bravo', eventAt, 15_000);
    console.log(outageLine('hb_takeover on bravo → bravo', o1));
    expect(o1.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'bravo' });
    await expectServedOnlyBy('bravo');
    // cl_status on both nodes, as an admin would check it.
    expect((await p().backup().clStatus('rscstatus')).stdout.trim()).toBe('all');
    expect((await p().primary().clStatus('rscstatus')).stdout.trim()).toBe('none');

    eventAt = Date.now();
    const standby = await p().backup().hbStandby();
    expect(standby.exitCode, standby.stderr).toBe(0);
    const o2 = await p().servedBy('alpha', eventAt, 15_000);
    console.log(outageLine('hb_standby on bravo → alpha', o2));
    expect(o2.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'alpha' });
    await expectServedOnlyBy('alpha');
    expectNobodyDeclaredDead(fromA, fromB);
    p().watcher!.assertExclusive('hb_takeover / hb_standby on the backup');
  });

  it('the watcher saw every move (it was not blind)', () => {
    const stats = p().watcher!.stats();
    // The start, 9 moves (an add and a delete each, but for the crash) and the crashed node's reboot.
    expect(stats.addressEvents).toBeGreaterThanOrEqual(17);
    expect(stats.processSamples).toBeGreaterThan(100);
    p().watcher!.assertExclusive('whole suite', { wholeRun: true });
  });
});
