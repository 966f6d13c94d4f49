// Issue 12's scale case: 100 one-address groups homed on alpha (an LVS or
// HAProxy front with dozens of service addresses), two heartbeat-ts nodes,
// a client asking every VIP over HTTP. After a crash of alpha every VIP ends
// up on bravo, and after alpha's reboot every VIP comes home; at each point
// every VIP is on exactly one node and answers.
//
// The bounds here are correctness bounds with an honest margin for a loaded
// 2-core machine (a serial, dead-time-per-group or RQSTDELAY-bound takeover
// still fails them); the tight figures (last VIP ≤ 1.5 s after the kill,
// worst failback outage ≤ 0.3 s) are measured by `npm run bench scale`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILOVER_LAB_HOSTS } from '../../helpers/failover-pair.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { startScaleLab, type ScaleLab, type VipFigure } from '../../helpers/scale-lab.js';
import { LOADED_MACHINE_SLACK_MS, crashDetectedWithinMs, handoverWithinMs } from '../../helpers/timing-bounds.js';

const GROUPS = 100;
const DEADTIME_MS = 1000;

function worst(figures: readonly VipFigure[]): VipFigure {
  return figures.reduce((a, b) => (b.ms > a.ms ? b : a));
}

describe(`${GROUPS} one-address groups on two heartbeat-ts nodes`, () => {
  let lab: Lab | undefined;
  let scale: ScaleLab | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    scale = await startScaleLab(lab, {
      groups: GROUPS,
      deadtimeMs: DEADTIME_MS,
      intervalMs: 200,
      ...(process.env['HBTS_SCALE_INI'] ? { extraIni: process.env['HBTS_SCALE_INI'].replace(/\\n/g, '\n') } : {}),
    });
  }, 120_000);

  afterAll(async () => {
    await scale?.dispose();
    await lab?.destroy();
  }, 60_000);

  const s = (): ScaleLab => scale!;

  async function exactlyOn(node: string, other: string): Promise<void> {
    expect(await s().addressesOn(node)).toEqual(s().vips);
    expect(await s().addressesOn(other)).toEqual([]);
  }

  it('start-up: every VIP on alpha only, all answering from alpha', async () => {
    await s().steady(60_000);
    await exactlyOn('alpha', 'bravo');
  }, 90_000);

  it('a crash of alpha: every VIP answers from bravo, on bravo only (alpha is down)', async () => {
    await s().steady(60_000);
    const figures = await s().crash(30_000);
    const last = worst(figures);
    console.log(`[heartbeat-ts scale] crash, ${GROUPS} groups: last VIP (${last.vip}) answers from bravo ${last.ms.toFixed(0)} ms after the kill`);
    expect(figures).toHaveLength(GROUPS);
    // Dead time + the slack + room for 100 groups' resource work on a machine
    // running another e2e file beside this one (measured 1.3–3.1 s under load;
    // the tight figure is `npm run bench scale`'s): a takeover that waits for a
    // timer, or runs the groups one by one with a process per step (9 s), fails.
    expect(last.ms).toBeLessThan(crashDetectedWithinMs(DEADTIME_MS) + 4 * LOADED_MACHINE_SLACK_MS);
    expect(await s().addressesOn('bravo')).toEqual(s().vips);
  }, 90_000);

  it('alpha comes back: every VIP returns to alpha (auto_failback), on alpha only, all answering', async () => {
    const figures = await s().failback(60_000);
    const w = worst(figures);
    console.log(`[heartbeat-ts scale] failback, ${GROUPS} groups: worst outage of one VIP (${w.vip}) ${w.ms.toFixed(0)} ms (from ${w.fromMs?.toFixed(0)} to ${w.toMs?.toFixed(0)} ms after the restart)`);
    expect(figures).toHaveLength(GROUPS);
    await s().pair.waitHolders(Object.fromEntries(s().vips.map((v) => [`IPaddr::${v}/24/eth0`, 'alpha'])), 30_000);
    await exactlyOn('alpha', 'bravo');
    // A hand-over between live nodes: no VIP waits for a dead time or a start-up
    // timer (measured 0.4–2.3 s under load; one by one it was 11 s).
    expect(w.ms).toBeLessThan(handoverWithinMs(DEADTIME_MS) + 4 * LOADED_MACHINE_SLACK_MS);
  }, 120_000);
});
