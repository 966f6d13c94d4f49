// Issue 13, link tracking: keepalived's track_interface as heartbeat-ts.ini
// `[ipfail] track_interface = eth0` (no ping node, no ipfail), auto_failback
// off. The heartbeats have their own cable (hb0); eth0 is the uplink.
//   - alpha's eth0 set admin-down → bravo serves (figure: the client's
//     outage); up again → alpha is eligible again but the group stays (off)
//     until hb_takeover;
//   - both uplinks lose carrier → nothing moves;
//   - alpha's uplink flaps every 2 s for 30 s → one hand-over, logged.
// The kernel's link events reach the daemon through `ip monitor link`.
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, outageLine, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { waitUntil } from '../../helpers/wait.js';
import { LOADED_MACHINE_SLACK_MS, handoverWithinMs } from '../../helpers/timing-bounds.js';
import { HB_LINK, addHeartbeatLink, flapUplink, setUplinks } from '../../helpers/uplink-lab.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const GIVEUP_MS = 2 * KEEPALIVE_MS;
const RETURN_DELAY_MS = 3000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
const RELEASE_LINE = /ipfail: releasing every resource group/;
const ACQUIRE_LINE = /Acquiring resource group/;

describe('track_interface = eth0 (auto_failback off)', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    await addHeartbeatLink(lab);
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: DEADTIME_MS,
      startupFallbackDelay: '2',
      autoFailback: 'off',
      media: [`bcast ${HB_LINK}`],
      extraIni: () => `[ipfail]\ntrack_interface = eth0\nreturn_delay = ${RETURN_DELAY_MS}ms\n`,
    });
  });

  beforeEach(async () => {
    if (lab) {
      await setUplinks(lab, ['alpha', 'bravo'], true);
      await execa('ip', ['-n', lab.host('alpha').ns, 'link', 'set', 'eth0', 'up']);
    }
    pair?.watcher?.beginTest();
  });

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  /** auto_failback off: bring the group home by hand (once alpha is eligible again). */
  const home = async (): Promise<void> => {
    if ((await p().status('alpha')).resources.groups.find((g) => g.key === GROUP)?.holder === 'alpha') return;
    await waitUntil('alpha eligible again', RETURN_DELAY_MS + 15_000, async () =>
      (await p().status('alpha')).resources.groups.every((g) => g.eligible) ? true : undefined,
    );
    const r = await p().primary().hbTakeover();
    expect(r.exitCode, r.stderr).toBe(0);
    await p().waitHolders({ [GROUP]: 'alpha' });
  };

  it("alpha's eth0 goes admin-down: bravo serves; back up: it stays on bravo (auto_failback off) until hb_takeover", async () => {
    await p().waitHolders({ [GROUP]: 'alpha' });
    expect(p().logLines('alpha', /track_interface: eth0: loss of carrier or admin-down hands the groups over/)).toHaveLength(1);
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();
    const cutAt = Date.now();
    await execa('ip', ['-n', lab!.host('alpha').ns, 'link', 'set', 'eth0', 'down']);
    const o = await p().servedBy('bravo', cutAt, 15_000);
    console.log(outageLine(`track_interface: alpha's eth0 admin-down → bravo (giveup_delay ${GIVEUP_MS} ms)`, o));
    // No dead time involved: the kernel's event, ipfail's delay, a hand-over.
    expect(o.eventToServedMs).toBeGreaterThanOrEqual(GIVEUP_MS);
    expect(o.eventToServedMs).toBeLessThanOrEqual(GIVEUP_MS + handoverWithinMs(DEADTIME_MS) + LOADED_MACHINE_SLACK_MS);
    await p().waitHolders({ [GROUP]: 'bravo' });
    expect(p().logLines('alpha', /Link status update: tracked interface eth0 is now down/, fromA)).toHaveLength(1);
    expect(p().logLines('alpha', /Giving up all resources: link eth0 down and the peer's tracked links are up/, fromA)).toHaveLength(1);
    expect(p().logLines('bravo', /is dead/, fromB)).toEqual([]);

    const upAt = Date.now();
    await execa('ip', ['-n', lab!.host('alpha').ns, 'link', 'set', 'eth0', 'up']);
    await p().node('alpha').waitForLog(/This node is eligible again for every resource group \(ipfail: tracked links are up again\)/, RETURN_DELAY_MS + 15_000, { from: fromA });
    expect(Date.now() - upAt).toBeGreaterThanOrEqual(RETURN_DELAY_MS);
    // auto_failback off: nothing comes home by itself.
    await new Promise((r) => setTimeout(r, 1000));
    await p().waitHolders({ [GROUP]: 'bravo' });
    expect(p().logLines('alpha', ACQUIRE_LINE, fromA)).toEqual([]);
    await home();
    p().watcher!.assertExclusive('track_interface admin-down');
  });

  it('both uplinks lose carrier: nothing moves', async () => {
    await home();
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();
    await setUplinks(lab!, ['alpha', 'bravo'], false);
    for (const n of ['alpha', 'bravo']) await p().node(n).waitForLog(/tracked interface eth0 is now down/, 10_000, { from: n === 'alpha' ? fromA : fromB });
    await new Promise((r) => setTimeout(r, GIVEUP_MS + LOADED_MACHINE_SLACK_MS));
    expect(p().logLines('alpha', RELEASE_LINE, fromA)).toEqual([]);
    expect(p().logLines('bravo', ACQUIRE_LINE, fromB)).toEqual([]);
    await setUplinks(lab!, ['alpha', 'bravo'], true);
    for (const n of ['alpha', 'bravo']) await p().node(n).waitForLog(/tracked interface eth0 is now up/, 10_000, { from: n === 'alpha' ? fromA : fromB });
    await new Promise((r) => setTimeout(r, GIVEUP_MS + LOADED_MACHINE_SLACK_MS));
    expect(p().logLines('alpha', RELEASE_LINE, fromA)).toEqual([]);
    expect(p().logLines('bravo', ACQUIRE_LINE, fromB)).toEqual([]);
    await p().waitHolders({ [GROUP]: 'alpha' });
  });

  it("alpha's uplink flaps every 2 s for 30 s: one hand-over, logged", async () => {
    await home();
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();
    const cuts = await flapUplink(lab!, 'alpha', 2000, 30_000);
    const downs = p().logLines('alpha', /tracked interface eth0 is now down/, fromA);
    const releases = p().logLines('alpha', RELEASE_LINE, fromA);
    const acquired = p().logLines('bravo', ACQUIRE_LINE, fromB);
    console.log(`[heartbeat-ts track_interface] uplink flapping every 2 s for 30 s (${cuts} cuts, ${downs.length} seen): ${releases.length} hand-over(s), ${acquired.length} acquisition(s) on bravo`);
    // Every cut was seen (kernel events, no polling) …
    expect(downs.length).toBe(cuts);
    // … and the link never stayed up for return_delay: one move.
    expect(releases.length).toBe(1);
    expect(acquired.length).toBe(1);
    await p().waitHolders({ [GROUP]: 'bravo' });
    p().watcher!.assertExclusive('track_interface flapping');
  });
});
