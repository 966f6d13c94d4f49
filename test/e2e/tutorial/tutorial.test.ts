// Issue 11's tutorial end to end (test/helpers/tutorial-lab.ts): the
// tutorial's ha.cf, haresources (IPaddr::VIP/24/eth0:0) and authkeys, the
// package's init script started with `service heartbeat start` on both
// nodes, and then what the tutorial promises:
//   1. the VIP is on www.centos1.com (with the label eth0:0) and answers HTTP;
//   2. www.centos1.com's cable is pulled: www.centos2.com serves (after
//      deadtime, Heartbeat's default 30 s: the tutorial sets no timers);
//   3. the cable is back: the VIP returns to www.centos1.com (auto_failback
//      is not set: legacy, and the daemon warns about it);
//   4. nginx is stopped on www.centos1.com: the tutorial's curl script, run
//      every second by a bounded cron-like loop, calls `service heartbeat
//      stop`, and www.centos2.com serves.
// Each outage the client saw is printed. The bounds are correctness bounds
// with margins for a loaded 2-core machine; the figures themselves are not
// asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOutage, measureOutage, NODE1, NODE2, startTutorialLab, VIP, waitFor, type TutorialLab } from '../../helpers/tutorial-lab.js';

let t: TutorialLab | undefined;

function lab(): TutorialLab {
  if (!t) throw new Error('no tutorial lab');
  return t;
}

beforeAll(async () => {
  t = await startTutorialLab();
}, 180_000);

afterAll(async () => {
  await t?.destroy();
}, 60_000);

describe('the tutorial, as a new user runs it', () => {
  it('starts both nodes with `service heartbeat start`; the VIP is on the first node, labelled eth0:0, and answers', async () => {
    const [n1, n2] = lab().nodes;
    const starts = await Promise.all([n1.sh('service heartbeat start'), n2.sh('service heartbeat start')]);
    for (const [i, r] of starts.entries()) expect(r.exitCode, `${lab().nodes[i]!.name}: ${r.stdout}${r.stderr}`).toBe(0);
    for (const n of [n1, n2]) {
      const status = await n.sh('service heartbeat status');
      expect(status.exitCode, status.stdout).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`heartbeat OK \\[pid \\d+ et al\\] is running on ${n.name.replace(/\./g, '\\.')}`));
    }
    await lab().prober.waitForServedBy(NODE1, 90_000);
    const addr = await n1.host.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(addr.stdout).toMatch(new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/24 .*eth0:0`));
    expect(await n2.hasVip()).toBe(false);
    // auto_failback is not set: Heartbeat's deprecated legacy mode, with a warning.
    expect(n1.daemonLog()).toMatch(/WARN: .*auto_failback/);
  }, 150_000);

  it('cable pulled on the first node: the second serves; cable back: the VIP returns', async () => {
    const [n1, n2] = lab().nodes;
    const pulledAt = Date.now();
    await n1.host.setLink(false);
    // Heartbeat's default deadtime (30 s) plus the takeover, with margin.
    const takeover = await measureOutage(lab(), 'cable pulled on www.centos1.com', pulledAt, NODE2, 90_000);
    process.stdout.write(`${formatOutage(takeover)}\n`);
    expect(takeover.eventToServedMs).toBeGreaterThan(20_000); // deadtime 30 s: not before the peer is declared dead
    expect(await n2.hasVip()).toBe(true);

    const backAt = Date.now();
    await n1.host.setLink(true);
    const failback = await measureOutage(lab(), 'cable back on www.centos1.com', backAt, NODE1, 90_000);
    process.stdout.write(`${formatOutage(failback)}\n`);
    await waitFor('the VIP released by www.centos2.com', 60_000, async () => !(await n2.hasVip()));
    expect(await n1.hasVip()).toBe(true);
  }, 240_000);

  it('nginx stopped on the active node: the tutorial cron script calls `service heartbeat stop`, the peer serves', async () => {
    const [n1, n2] = lab().nodes;
    // Both daemons still run after the partition healed.
    for (const n of [n1, n2]) expect((await n.sh('heartbeat -s')).exitCode).toBe(0);
    lab().startCronLoop(n1, 1000, 300);
    const stoppedAt = Date.now();
    await n1.stopNginx();
    const outage = await measureOutage(lab(), 'nginx stopped on www.centos1.com (cron script every 1 s)', stoppedAt, NODE2, 60_000);
    process.stdout.write(`${formatOutage(outage)}\n`);
    await waitFor('heartbeat stopped on www.centos1.com', 60_000, async () => (await n1.sh('heartbeat -s')).exitCode === 3);
    expect(lab().cronOutput()).toMatch(/Stopping high-availability services/);
    expect(await n1.hasVip()).toBe(false);
    expect(await n2.hasVip()).toBe(true);
    // And the peer's service stops as cleanly with the same command.
    const stop = await n2.sh('service heartbeat stop');
    expect(stop.exitCode, stop.stdout + stop.stderr).toBe(0);
    expect(await n2.hasVip()).toBe(false);
    expect((await n2.sh('service heartbeat status')).exitCode).toBe(3);
  }, 150_000);
});
