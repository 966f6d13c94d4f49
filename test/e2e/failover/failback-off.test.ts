// Issue 5: "the primary comes back … with `off` it stays". Two heartbeat-ts
// nodes with auto_failback off, one group `alpha IPaddr::10.77.0.100/24/eth0
// nginx`, the client probing every 20 ms. After the primary crashes and comes
// back, the service stays on the backup — no probe fails and nothing moves —
// until an admin asks for it (hb_takeover on the primary).
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, outageLine, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { pidFileProcessAlive } from '../../helpers/failover-watch.js';
import { waitUntil } from '../../helpers/wait.js';
import { crashDetectedWithinMs, handoverWithinMs } from '../../helpers/timing-bounds.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
/** Generous bounds (timing-bounds.ts); the tight figures are `npm run bench`'s. */
const CRASH_BOUND_MS = crashDetectedWithinMs(DEADTIME_MS);
const HANDOVER_BOUND_MS = handoverWithinMs(DEADTIME_MS);

describe('failover between two heartbeat-ts nodes (auto_failback off)', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS, startupFallbackDelay: '2', autoFailback: 'off' });
  });

  // Each test is judged on its own overlaps only.
  beforeEach(() => pair?.watcher?.beginTest());

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const nginxOn = (node: string): boolean => pidFileProcessAlive(join(p().node(node).rootDir, 'nginx', 'nginx.pid'));

  it('the primary crashes and comes back: the service stays on the backup, with no outage, until hb_takeover', async () => {
    await p().steady();
    const eventAt = await p().crash('alpha');
    const o = await p().servedBy('bravo', eventAt, DEADTIME_MS + 10_000);
    console.log(outageLine('auto_failback off: crash of alpha → bravo', o));
    expect(o.eventToServedMs).toBeLessThanOrEqual(CRASH_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'bravo' });

    const backAt = Date.now();
    const from = p().backup().logSize();
    await p().start('alpha');
    // Settled: alpha has joined, negotiated and is stable; bravo keeps the group.
    const views = await p().waitHolders({ [GROUP]: 'bravo' });
    expect(views['alpha']!.resources.autoFailback).toBe('off');
    expect(views['alpha']!.nodes.find((n) => n.name === 'bravo')!.status).toBe('active');
    // The rejoin cost the client nothing: every probe since alpha's restart was answered by bravo.
    // At least 50 of them (1 s at 20 ms), however quickly alpha settled.
    const since = await waitUntil('50 client probes answered since alpha restarted', 10_000, () => {
      const r = p().prober.results().filter((x) => x.startMs >= backAt);
      return r.length > 50 ? r : undefined;
    });
    const settledAt = Date.now();
    expect(since.filter((r) => !r.ok || r.body !== 'bravo')).toEqual([]);
    console.log(
      `[heartbeat-ts failover] auto_failback off: alpha restarted, bravo kept serving: ${since.length} probes over ${((settledAt - backAt) / 1000).toFixed(1)} s, none failed`,
    );
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(false);
    expect(nginxOn('alpha')).toBe(false);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(true);
    expect(nginxOn('bravo')).toBe(true);
    expect(p().logLines('bravo', /Releasing resource group|wants to go standby/, from)).toEqual([]);
    // An admin moves it home.
    const takeAt = Date.now();
    const r = await p().primary().hbTakeover();
    expect(r.exitCode, r.stderr).toBe(0);
    const home = await p().servedBy('alpha', takeAt, 15_000);
    console.log(outageLine('auto_failback off: hb_takeover on alpha → alpha', home));
    expect(home.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().waitHolders({ [GROUP]: 'alpha' });
    expect(nginxOn('bravo')).toBe(false);
    p().watcher!.assertExclusive('auto_failback off');
  });

  it('the primary stops with heartbeat -k and comes back: the service stays on the backup', async () => {
    await p().steady();
    const from = p().backup().logSize();
    const eventAt = await p().stop('alpha');
    const o = await p().servedBy('bravo', eventAt, 10_000);
    console.log(outageLine('auto_failback off: heartbeat -k on alpha → bravo', o));
    // On alpha's word (spec §9.7), not after the dead time.
    expect(o.outageMs).toBeLessThan(HANDOVER_BOUND_MS);
    await p().backup().waitForLog(/Received shutdown notice from 'alpha'/, 5000, { from });
    // The dead check declares alpha dead once the dead time has run (as
    // Heartbeat does); bravo must have begun acquiring the group before that.
    const lines = p().logLines('bravo', new RegExp(`node alpha: is dead|Acquiring resource group: .*\\(group=${GROUP.replace(/[./]/g, '\\$&')}\\)`), from);
    const acquiring = lines.findIndex((l) => /Acquiring/.test(l));
    const dead = lines.findIndex((l) => /is dead/.test(l));
    expect(acquiring, lines.join('\n')).toBeGreaterThanOrEqual(0);
    if (dead >= 0) expect(acquiring, lines.join('\n')).toBeLessThan(dead);
    const backAt = Date.now();
    await p().start('alpha');
    await p().waitHolders({ [GROUP]: 'bravo' });
    // At least a second of client probes (20 ms apart) since alpha came back, all answered by bravo.
    const since = await waitUntil('50 client probes since alpha came back', 10_000, () => {
      const r = p().prober.results().filter((x) => x.startMs >= backAt);
      return r.length >= 50 ? r : undefined;
    });
    expect(since.filter((r) => !r.ok || r.body !== 'bravo')).toEqual([]);
    expect(nginxOn('alpha')).toBe(false);
    p().watcher!.assertExclusive('auto_failback off, heartbeat -k');
  });
});
