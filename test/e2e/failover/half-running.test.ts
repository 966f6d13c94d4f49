// Issue 9 part 2: a group found half up at start-up is completed, never
// adopted as it is. A crash without reboot (the daemon and nginx SIGKILLed,
// the VIP left on the interface, the link up) followed by a restart used to
// log "Adopting resource group … found running at start-up" and never start
// nginx: the client was refused for as long as one cared to wait, and
// cl_status said all was well.
//
// Two heartbeat-ts nodes, group `alpha IPaddr::10.77.0.100/24/eth0 nginx`,
// a client asking the VIP every 20 ms. The dead time is long (20 s) so that
// alpha is back before bravo could declare it dead: the restarted node finds
// its group half up and negotiates with a live peer that holds nothing of it,
// the case the issue measured. (When the peer has taken the group over, the
// local half is stopped instead: scenario startup-probe-partial-release.)
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, outageLine, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { pidFileProcessAlive } from '../../helpers/failover-watch.js';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { createLab, type Lab } from '../../helpers/netns.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 20_000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;

describe('a group found half up at start-up (crash without reboot)', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS, startupFallbackDelay: '2', autoFailback: 'on' });
  });

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const nginxOn = (node: string): boolean => pidFileProcessAlive(join(p().node(node).rootDir, 'nginx', 'nginx.pid'));

  it('is completed on restart: nginx runs again, the client is served, and no status ever calls it held while nginx is down', async () => {
    await p().steady();
    const bravoFrom = p().backup().logSize();
    const alphaFrom = p().primary().logSize();

    await p().crashProcesses('alpha');
    // What the crash left: the address on alpha's interface, nginx gone.
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(true);
    expect(nginxOn('alpha')).toBe(false);

    const eventAt = Date.now();
    const alpha = await p().start('alpha', { reboot: false });
    // Every answer of the restarted daemon, until the client is served: the
    // group is never reported as held (rscstatus local, state running) while
    // nginx is down. nginx is checked after the answer, so a group that was
    // really up when the daemon answered cannot be reported wrongly.
    const lies: string[] = [];
    let polls = 0;
    const served = p().servedBy('alpha', eventAt, 30_000);
    let done = false;
    void served.finally(() => (done = true)).catch(() => undefined);
    for (let i = 0; i < 600 && !done; i++) {
      const s = await p().status('alpha').catch(() => undefined);
      if (s !== undefined) {
        polls++;
        const g = s.resources.groups.find((v) => v.key === GROUP);
        const saysHeld = s.resources.rscstatus === 'local' || s.resources.rscstatus === 'all' || g?.state === 'running';
        if (saysHeld && !nginxOn('alpha')) lies.push(`rscstatus ${s.resources.rscstatus}, group ${g?.state} while nginx is down`);
      }
      await delay(20);
    }
    const o = await served;
    console.log(outageLine('alpha restarted without reboot, group half up', o));
    expect(lies).toEqual([]);
    expect(polls).toBeGreaterThan(0);

    await alpha.waitForLog(/WARN: Resource group IPaddr::10\.77\.0\.100\/24\/eth0 is partially running on this node before any negotiation/, 5_000, { from: 0 });
    await alpha.waitForLog(/WARN: Completing resource group IPaddr::10\.77\.0\.100\/24\/eth0 found partially running at start-up/, 5_000);
    expect(alpha.readLog()).not.toMatch(/Adopting resource group IPaddr::10\.77\.0\.100/);
    // The path under test: bravo never declared alpha dead (it heard it restart).
    expect(p().logLines('bravo', /node alpha: is dead/, bravoFrom)).toEqual([]);
    expect(p().logLines('bravo', /Heartbeat restart on node alpha/, bravoFrom).length).toBeGreaterThan(0);
    expect(p().logLines('alpha', /Initial resource acquisition complete/, alphaFrom).length).toBeGreaterThan(0);

    const views = await p().waitHolders({ [GROUP]: 'alpha' });
    expect(views['alpha']!.resources.rscstatus).toBe('local');
    const cl = await alpha.clStatus('rscstatus');
    expect(cl.stdout.trim()).toBe('local');
    expect(nginxOn('alpha')).toBe(true);
    expect(nginxOn('bravo')).toBe(false);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(false);
    p().watcher!.assertExclusive('restart of a half-running group');
  });

  // The other half: a status that says running is not enough for the
  // address. Here nginx survives (its status says running) and the VIP is
  // gone; the address agent asks the kernel, so the group is partial and the
  // restart adds the VIP (the issue saw the group adopted with no VIP, nobody
  // serving for a minute).
  it('with nginx still running and the VIP gone, the restart adds the VIP back', async () => {
    await p().steady();
    const alpha0 = p().primary();
    const from = alpha0.logSize();
    // Only the daemon dies (SIGKILL); nginx keeps running. Then the VIP disappears.
    process.kill(alpha0.process.pid!, 'SIGKILL');
    await alpha0.exited;
    await waitGone(() => p().isRunning('alpha'));
    const del = await lab!.host('alpha').exec('ip', ['addr', 'del', `${VIP_ALPHA}/24`, 'dev', 'eth0']);
    expect(del.exitCode ?? 0).toBe(0);
    expect(nginxOn('alpha')).toBe(true);
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(false);

    const eventAt = Date.now();
    const alpha = await p().start('alpha', { reboot: false });
    const o = await p().servedBy('alpha', eventAt, 30_000);
    console.log(outageLine('alpha restarted without reboot, VIP gone, nginx up', o));
    await alpha.waitForLog(/WARN: Completing resource group IPaddr::10\.77\.0\.100\/24\/eth0 found partially running at start-up/, 5_000, { from });
    await p().waitHolders({ [GROUP]: 'alpha' });
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(true);
    expect(nginxOn('alpha')).toBe(true);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(false);
    p().watcher!.assertExclusive('restart with the VIP gone');
  });
});

/** Bounded wait until `running()` says false (the pair notices the exit). */
async function waitGone(running: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && running(); i++) await delay(25);
  if (running()) throw new Error('the daemon did not exit within 5 s of SIGKILL');
}
