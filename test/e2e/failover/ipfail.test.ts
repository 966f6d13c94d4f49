// Issue 13, ipfail built in: the ha.cf of a Heartbeat user (`ping_group`,
// `respawn hacluster /usr/lib/heartbeat/ipfail`), auto_failback on. The
// heartbeats have their own cable (hb0); the uplink (eth0, to the clients'
// side, where the ping node is) is cut alone.
//   - alpha's uplink cut → bravo serves (figure: the client's outage, goal
//     ≤ deadping + 0.5 s); restored → back home after return_delay;
//   - both uplinks cut → nothing moves;
//   - alpha's uplink flapping every 2 s for 30 s → one hand-over, logged, and
//     home again once it stays up.
// The ping_group has a member that never answers: the group stays up as long
// as the gateway does.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, outageLine, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { waitUntil } from '../../helpers/wait.js';
import { LOADED_MACHINE_SLACK_MS, handoverWithinMs } from '../../helpers/timing-bounds.js';
import { GATEWAY_IP, HB_LINK, SILENT_GROUP_MEMBER, addHeartbeatLink, flapUplink, setUplinks } from '../../helpers/uplink-lab.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
/** deadping is not set: it defaults to deadtime (spec §8.6); the ping interval is the keepalive. */
const DEADPING_MS = DEADTIME_MS;
/** ipfail's delay_giveup: 2 × keepalive (the default, not set in the test). */
const GIVEUP_MS = 2 * KEEPALIVE_MS;
/** Short for the test (default 10 s); longer than a flap's up phase (2 s). */
const RETURN_DELAY_MS = 3000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
const RELEASE_LINE = /ipfail: releasing every resource group/;
const ACQUIRE_LINE = /Acquiring resource group/;

describe('ipfail built in: ping_group + respawn …/ipfail (auto_failback on)', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    await addHeartbeatLink(lab);
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: DEADTIME_MS,
      startupFallbackDelay: '2',
      autoFailback: 'on',
      media: [`bcast ${HB_LINK}`],
      haCfExtra: [`ping_group gateway ${GATEWAY_IP} ${SILENT_GROUP_MEMBER}`, 'respawn hacluster /usr/lib/heartbeat/ipfail'],
      extraIni: () => `[ipfail]\nreturn_delay = ${RETURN_DELAY_MS}ms\n`,
    });
  });

  beforeEach(async () => {
    // A test that failed half-way leaves no uplink cut behind.
    if (lab) await setUplinks(lab, ['alpha', 'bravo'], true);
    pair?.watcher?.beginTest();
  });

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const pingGroupUp = async (node: string): Promise<boolean> => (await p().status(node)).nodes.some((n) => n.name === 'gateway' && n.status === 'ping');

  it("alpha's uplink is cut: bravo serves; restored: the group comes home", async () => {
    await p().steady();
    // The ping_group answers through the gateway alone; ipfail announced itself.
    await waitUntil('the ping_group is up on both nodes', 10_000, async () => ((await pingGroupUp('alpha')) && (await pingGroupUp('bravo')) ? true : undefined));
    expect(p().logLines('alpha', /ipfail: on \(ha\.cf respawns ipfail/)).toHaveLength(1);
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();

    const cutAt = await setUplinks(lab!, ['alpha'], false);
    const o = await p().servedBy('bravo', cutAt, DEADPING_MS + GIVEUP_MS + 15_000);
    console.log(outageLine(`ipfail: alpha's uplink cut → bravo (deadping ${DEADPING_MS} ms, goal ≤ ${DEADPING_MS + 500} ms)`, o));
    // Detection is deadping after the last reply, then (at once when bravo's
    // fresher reply proves its uplink outlived ours, else ipfail's delay) a hand-over.
    expect(o.eventToServedMs).toBeGreaterThanOrEqual(DEADPING_MS - KEEPALIVE_MS - 50);
    expect(o.eventToServedMs).toBeLessThanOrEqual(DEADPING_MS + GIVEUP_MS + handoverWithinMs(DEADTIME_MS) + LOADED_MACHINE_SLACK_MS);
    await p().waitHolders({ [GROUP]: 'bravo' });
    expect(p().logLines('alpha', /Giving up all resources( at once)?: we have less visible ping nodes \(0\) than the other node \(1\)/, fromA)).toHaveLength(1);
    expect(p().logLines('alpha', RELEASE_LINE, fromA)).toHaveLength(1);
    // Through the standby protocol, not a death: nobody was declared dead.
    expect(p().logLines('bravo', /node alpha: is dead|is dead/, fromB).filter((l) => !/gateway/.test(l))).toEqual([]);
    const alpha = await p().status('alpha');
    expect(alpha.resources.groups.find((g) => g.key === GROUP)?.eligible).toBe(false);

    const backAt = await setUplinks(lab!, ['alpha'], true);
    const home = await p().servedBy('alpha', backAt, RETURN_DELAY_MS + 20_000);
    console.log(outageLine(`ipfail: alpha's uplink restored → alpha after return_delay ${RETURN_DELAY_MS} ms`, home));
    // Not before return_delay (the hysteresis), and by a hand-over.
    expect(home.eventToServedMs).toBeGreaterThanOrEqual(RETURN_DELAY_MS);
    expect(home.outageMs).toBeLessThan(handoverWithinMs(DEADTIME_MS));
    await p().waitHolders({ [GROUP]: 'alpha' });
    expect(p().logLines('alpha', /auto_failback: this node is eligible again/, fromA)).toHaveLength(1);
    p().watcher!.assertExclusive('ipfail uplink cut and restore');
  });

  it('both uplinks are cut: nothing moves', async () => {
    await p().steady();
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();
    await setUplinks(lab!, ['alpha', 'bravo'], false);
    // Both nodes lose the ping group (within a keepalive or so of each other) …
    for (const n of ['alpha', 'bravo']) await p().node(n).waitForLog(/A ping node is no longer reachable: 0 visible/, DEADPING_MS + 10_000, { from: n === 'alpha' ? fromA : fromB });
    // … and past ipfail's delay, with the slack of a loaded machine, nobody gave anything up.
    await new Promise((r) => setTimeout(r, GIVEUP_MS + LOADED_MACHINE_SLACK_MS));
    expect(p().logLines('alpha', RELEASE_LINE, fromA)).toEqual([]);
    expect(p().logLines('bravo', ACQUIRE_LINE, fromB)).toEqual([]);
    await setUplinks(lab!, ['alpha', 'bravo'], true);
    for (const n of ['alpha', 'bravo']) await p().node(n).waitForLog(/A ping node just came up: 1 visible/, 10_000, { from: n === 'alpha' ? fromA : fromB });
    await new Promise((r) => setTimeout(r, RETURN_DELAY_MS + 1000));
    expect(p().logLines('alpha', RELEASE_LINE, fromA)).toEqual([]);
    expect(p().logLines('bravo', ACQUIRE_LINE, fromB)).toEqual([]);
    await p().waitHolders({ [GROUP]: 'alpha' });
  });

  it("alpha's uplink flaps every 2 s for 30 s: one hand-over, logged, and home once it stays up", async () => {
    await p().steady();
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();
    const cuts = await flapUplink(lab!, 'alpha', 2000, 30_000);
    const releases = p().logLines('alpha', RELEASE_LINE, fromA);
    const acquired = p().logLines('bravo', ACQUIRE_LINE, fromB);
    console.log(`[heartbeat-ts ipfail] uplink flapping every 2 s for 30 s (${cuts} cuts): ${releases.length} hand-over(s) to bravo, ${acquired.length} acquisition(s) on bravo`);
    // Each up phase (≤ 2 s) is shorter than return_delay: the groups never come back while it flaps.
    expect(releases.length).toBe(1);
    expect(acquired.length).toBe(1);
    await p().waitHolders({ [GROUP]: 'alpha' }, RETURN_DELAY_MS + 30_000);
    // Every move is in the logs: one giveup, one return.
    expect(p().logLines('alpha', /This node may hold its resources again: ping node count is balanced again/, fromA)).toHaveLength(1);
    p().watcher!.assertExclusive('ipfail flapping uplink');
  });
});
