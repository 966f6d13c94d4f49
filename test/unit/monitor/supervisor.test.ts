// The probe supervisor with real timers and real HTTP servers: where probes
// run (group held, stable, ineligible), what reaches the daemon (release,
// eligible, shutdown — each once), no overlap, schedule vs interval.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeConfig } from '../../../src/config/types.js';
import { createMemoryLogger } from '../../../src/log/index.js';
import { createProbeSupervisor, type ProbeRunReport, type ProbeSupervisor, type ProbeSupervisorOptions } from '../../../src/monitor/index.js';
import { startProbeTestServer, waitForCondition, type ProbeTestServer } from '../../helpers/monitor-http-servers.js';

interface Harness {
  readonly supervisor: ProbeSupervisor;
  readonly releases: Array<{ group: string | undefined; reason: string }>;
  readonly eligibles: Array<string | undefined>;
  readonly shutdowns: string[];
  readonly reports: ProbeRunReport[];
  readonly lines: string[];
  runsOf(probe: string): number;
  countedOf(probe: string): ProbeRunReport[];
}

let servers: ProbeTestServer[] = [];
let supervisors: ProbeSupervisor[] = [];
beforeEach(() => {
  servers = [];
  supervisors = [];
});
afterEach(async () => {
  await Promise.all(supervisors.map((s) => s.stop()));
  await Promise.all(servers.map((s) => s.close()));
});

async function server(): Promise<ProbeTestServer> {
  const s = await startProbeTestServer();
  servers.push(s);
  return s;
}

// The timeout is longer than the interval on purpose (probes.ini would refuse it, the supervisor copes by
// skipping): a loaded test machine then makes runs late, never failed, so only the tests' own faults count.
function probe(name: string, url: string, extra: Partial<ProbeConfig> = {}): ProbeConfig {
  return { name, line: 1, url, expectStatus: 200, interval: 40, timeout: 2000, fall: 2, rise: 2, action: 'standby', ...extra };
}

function harness(probes: ProbeConfig[], extra: Partial<ProbeSupervisorOptions> = {}): Harness {
  const { logger, lines } = createMemoryLogger();
  const h = {
    releases: [] as Array<{ group: string | undefined; reason: string }>,
    eligibles: [] as Array<string | undefined>,
    shutdowns: [] as string[],
    reports: [] as ProbeRunReport[],
    lines,
  };
  const supervisor = createProbeSupervisor({
    probes,
    logger,
    onRelease: (group, reason) => h.releases.push({ group, reason }),
    onEligible: (group) => h.eligibles.push(group),
    onShutdown: (reason) => h.shutdowns.push(reason),
    onResult: (r) => h.reports.push(r),
    ...extra,
  });
  supervisors.push(supervisor);
  return {
    ...h,
    supervisor,
    runsOf: (name) => h.reports.filter((r) => r.probe === name).length,
    countedOf: (name) => h.reports.filter((r) => r.probe === name && r.counted),
  };
}

describe('probe supervisor', () => {
  it('node-wide probe: releases everything once after fall failures, eligible again once after rise passes', async () => {
    const app = await server();
    const h = harness([probe('site', app.url('/app'))]);
    h.supervisor.start();
    await waitForCondition('3 passing runs', () => h.countedOf('site').length >= 3);
    expect(h.releases).toEqual([]);

    app.app.status = 500;
    await waitForCondition('a release', () => h.releases.length > 0);
    expect(h.releases).toEqual([{ group: undefined, reason: expect.stringContaining('failed 2 time(s) in a row: HTTP status 500, expected 200') }]);
    expect(h.supervisor.isEligible('any-group')).toBe(false);
    expect(h.supervisor.ineligibility()).toEqual({ node: true, groups: [] });
    // the probe keeps running while ineligible, and keeps failing, without a second release
    const after = h.runsOf('site');
    await waitForCondition('5 more failing runs', () => h.runsOf('site') >= after + 5);
    expect(h.releases).toHaveLength(1);

    app.app.status = 200;
    await waitForCondition('eligible again', () => h.eligibles.length > 0);
    expect(h.eligibles).toEqual([undefined]);
    expect(h.supervisor.isEligible('any-group')).toBe(true);
    expect(h.lines.some((l) => /WARN: releasing every group; this node stays ineligible until the probe passes 2 time/.test(l))).toBe(true);
    expect(h.lines.some((l) => /info: this node is eligible again for this node/.test(l))).toBe(true);
  });

  it("onFallRise: each probe's fall and rise, once each, before the release / eligible they cause (notifications)", async () => {
    const app = await server();
    const order: string[] = [];
    const h = harness([probe('site', app.url('/app')), probe('other', app.url('/app'))], {
      onFallRise: (c) => order.push(`${c.phase} ${c.probe}`),
      onRelease: () => order.push('release'),
      onEligible: () => order.push('eligible'),
    });
    h.supervisor.start();
    await waitForCondition('2 passing runs each', () => h.countedOf('site').length >= 2 && h.countedOf('other').length >= 2);
    app.app.status = 500;
    await waitForCondition('both fell', () => order.filter((o) => o.startsWith('down')).length === 2);
    app.app.status = 200;
    await waitForCondition('both rose and the node is eligible', () => order.includes('eligible'));
    // Both probes fall (the node-wide release comes after the first fall, once), then both rise.
    expect(order.filter((o) => o.startsWith('down')).sort()).toEqual(['down other', 'down site']);
    expect(order.filter((o) => o.startsWith('up')).sort()).toEqual(['up other', 'up site']);
    expect(order.indexOf('release')).toBe(1);
    expect(order.at(-1)).toBe('eligible');
    expect(order.lastIndexOf('up site') < order.indexOf('eligible') && order.lastIndexOf('up other') < order.indexOf('eligible')).toBe(true);
    expect(order).toHaveLength(6);
  });

  it('a group probe runs only while the group is held and stable, or while it keeps the node ineligible', async () => {
    const app = await server();
    const h = harness([probe('clock', app.url('/ok')), probe('web', app.url('/app'), { group: '10.0.0.100' })]);
    h.supervisor.start();
    await waitForCondition('the clock probe to run 5 times', () => h.runsOf('clock') >= 5);
    expect(app.count('/app')).toBe(0);

    h.supervisor.setGroupState('10.0.0.100', { held: true, transitioning: true });
    const c0 = h.runsOf('clock');
    await waitForCondition('5 more clock runs', () => h.runsOf('clock') >= c0 + 5);
    expect(app.count('/app')).toBe(0);

    h.supervisor.setGroupState('10.0.0.100', { held: true, transitioning: false });
    await waitForCondition('web probe runs', () => h.countedOf('web').length >= 2);

    app.app.status = 503;
    await waitForCondition('a release', () => h.releases.length > 0);
    expect(h.releases).toEqual([{ group: '10.0.0.100', reason: expect.stringContaining('probe web failed 2 time(s)') }]);
    expect(h.supervisor.isEligible('10.0.0.100')).toBe(false);
    expect(h.supervisor.isEligible('other')).toBe(true);
    expect(h.supervisor.ineligibility()).toEqual({ node: false, groups: ['10.0.0.100'] });

    // the daemon stops the group: nothing runs while it is stopping ...
    h.supervisor.setGroupState('10.0.0.100', { held: true, transitioning: true });
    const stoppingAt = app.count('/app');
    const c1 = h.runsOf('clock');
    await waitForCondition('5 more clock runs', () => h.runsOf('clock') >= c1 + 5);
    expect(app.count('/app')).toBeLessThanOrEqual(stoppingAt + 1); // at most one already in flight

    // ... then, not held but ineligible, the probe measures rise against the local URL
    h.supervisor.setGroupState('10.0.0.100', { held: false, transitioning: false });
    const notHeldAt = app.count('/app');
    await waitForCondition('the probe to run while ineligible', () => app.count('/app') >= notHeldAt + 3);
    expect(h.eligibles).toEqual([]);
    app.app.status = 200;
    await waitForCondition('eligible again', () => h.eligibles.length > 0);
    expect(h.eligibles).toEqual(['10.0.0.100']);
    expect(h.supervisor.isEligible('10.0.0.100')).toBe(true);

    // eligible and not held: the probe stops running
    const c2 = h.runsOf('clock');
    await waitForCondition('clock to run 3 more times', () => h.runsOf('clock') >= c2 + 3);
    const idleAt = app.count('/app');
    const c3 = h.runsOf('clock');
    await waitForCondition('clock to run 5 more times', () => h.runsOf('clock') >= c3 + 5);
    expect(app.count('/app')).toBe(idleAt);
    expect(h.releases).toHaveLength(1);
  });

  it('discards a result that arrives after its group started stopping', async () => {
    const app = await server();
    const h = harness([probe('slow', app.url('/slow/150'), { group: 'g', interval: 400, timeout: 300 })]);
    h.supervisor.setGroupState('g', { held: true, transitioning: false });
    h.supervisor.start();
    await waitForCondition('the first request to reach the server', () => app.count('/slow/150') >= 1);
    h.supervisor.setGroupState('g', { held: true, transitioning: true });
    await waitForCondition('its result', () => h.reports.length >= 1);
    expect(h.reports[0]).toMatchObject({ probe: 'slow', group: 'g', counted: false, outcome: { kind: 'ok' } });
    expect(h.supervisor.status()[0]).toMatchObject({ discarded: 1, phase: 'up', failures: 0 });
  });

  it('a failure streak does not survive a change of the group state', async () => {
    const app = await server();
    app.app.status = 500;
    const h = harness([probe('web', app.url('/app'), { group: 'g', fall: 3 })]);
    h.supervisor.setGroupState('g', { held: true, transitioning: false });
    h.supervisor.start();
    await waitForCondition('a first failure', () => h.supervisor.status()[0]!.failures >= 1);
    h.supervisor.setGroupState('g', { held: true, transitioning: true });
    expect(h.supervisor.status()[0]).toMatchObject({ failures: 0, phase: 'up' });
    h.supervisor.setGroupState('g', { held: false, transitioning: false });
    expect(h.releases).toEqual([]);
  });

  it('never overlaps a probe with itself: a run due while the last is in flight is skipped and counted', async () => {
    const app = await server();
    // timeout > interval cannot come from probes.ini, but the supervisor must hold the rule on its own
    const h = harness([probe('slow', app.url('/slow/250'), { interval: 40, timeout: 1000 })]);
    h.supervisor.start();
    await waitForCondition('3 finished runs', () => h.runsOf('slow') >= 3);
    const st = h.supervisor.status()[0]!;
    expect(app.maxConcurrent).toBe(1);
    expect(st.skippedOverlap).toBeGreaterThanOrEqual(3);
    expect(h.lines.some((l) => /debug: probe slow is still running; skipped this run/.test(l))).toBe(true);
  });

  it('bounds concurrency across probes: a probe waiting for a slot is not started twice', async () => {
    const app = await server();
    const probes = ['a', 'b', 'c'].map((n) => probe(n, app.url('/slow/100'), { interval: 30, timeout: 500 }));
    const h = harness(probes, { maxConcurrent: 1 });
    h.supervisor.start();
    await waitForCondition('each probe to finish twice', () => ['a', 'b', 'c'].every((n) => h.runsOf(n) >= 2));
    expect(app.maxConcurrent).toBe(1);
    expect(h.supervisor.status().every((s) => s.skippedOverlap > 0)).toBe(true);
  });

  it('runs on a cron schedule (6 fields, every second), with the same overlap rule', async () => {
    const app = await server();
    const h = harness([probe('cron', app.url('/slow/1300'), { interval: undefined, schedule: '* * * * * *', timeout: 2500 })]);
    h.supervisor.start();
    await waitForCondition('two runs and one skipped', () => h.runsOf('cron') >= 2 && h.supervisor.status()[0]!.skippedOverlap >= 1, 8000);
    expect(app.maxConcurrent).toBe(1);
    expect(h.countedOf('cron').every((r) => r.outcome.kind === 'ok')).toBe(true);
  });

  it('action shutdown: asks the daemon to stop once, however many probes fail', async () => {
    const app = await server();
    app.app.status = 502;
    const h = harness([
      probe('one', app.url('/app'), { action: 'shutdown', fall: 1 }),
      probe('two', app.url('/app'), { action: 'shutdown', fall: 1 }),
    ]);
    h.supervisor.start();
    await waitForCondition('both probes to act', () => h.supervisor.status().every((s) => s.phase === 'down'));
    const n = h.reports.length;
    await waitForCondition('more runs', () => h.reports.length >= n + 4);
    expect(h.shutdowns).toHaveLength(1);
    expect(h.shutdowns[0]).toMatch(/^probe (one|two) failed 1 time\(s\) in a row: HTTP status 502/);
    expect(h.releases).toEqual([]);
  });

  it('two probes guarding one group: released once, eligible only when both have risen', async () => {
    const a = await server();
    const b = await server();
    a.app.status = 500;
    b.app.status = 500;
    const h = harness([probe('a', a.url('/app'), { group: 'g', fall: 1, rise: 1 }), probe('b', b.url('/app'), { group: 'g', fall: 1, rise: 1 })]);
    h.supervisor.setGroupState('g', { held: true, transitioning: false });
    h.supervisor.start();
    await waitForCondition('both to act', () => h.supervisor.status().every((s) => s.phase === 'down'));
    expect(h.releases.map((r) => r.group)).toEqual(['g']);
    a.app.status = 200;
    await waitForCondition('a to recover', () => h.supervisor.status()[0]!.phase === 'up');
    expect(h.eligibles).toEqual([]);
    expect(h.supervisor.isEligible('g')).toBe(false);
    expect(h.lines.some((l) => l.includes('probe a recovered; still ineligible because of b'))).toBe(true);
    b.app.status = 200;
    await waitForCondition('eligible', () => h.eligibles.length > 0);
    expect(h.eligibles).toEqual(['g']);
  });

  it('clearIneligibility (hb_takeover) ends ineligibility at once, without an eligible callback', async () => {
    const app = await server();
    app.app.status = 500;
    const h = harness([probe('web', app.url('/app'), { group: 'g', fall: 1 })]);
    h.supervisor.setGroupState('g', { held: true, transitioning: false });
    h.supervisor.start();
    await waitForCondition('a release', () => h.releases.length > 0);
    h.supervisor.setGroupState('g', { held: false, transitioning: false });
    h.supervisor.clearIneligibility('g', 'hb_takeover by the admin');
    expect(h.supervisor.isEligible('g')).toBe(true);
    expect(h.supervisor.status()[0]).toMatchObject({ phase: 'up', failures: 0 });
    expect(h.lines.some((l) => l.includes('probe web: eligible again (hb_takeover by the admin)'))).toBe(true);
    expect(h.eligibles).toEqual([]);
  });

  it('stop() aborts runs in flight and ends every schedule', async () => {
    const app = await server();
    const h = harness([probe('hang', app.url('/silent'), { interval: 20, timeout: 10_000 })]);
    h.supervisor.start();
    await waitForCondition('a request in flight', () => app.count('/silent') >= 1);
    await h.supervisor.stop();
    expect(h.reports).toEqual([expect.objectContaining({ counted: false, outcome: expect.objectContaining({ kind: 'aborted' }) })]);
    const requests = app.count('/silent');
    const other = harness([probe('clock', app.url('/ok'))]);
    other.supervisor.start();
    await waitForCondition('another supervisor to run 5 times', () => other.runsOf('clock') >= 5);
    expect(app.count('/silent')).toBe(requests);
  });

  it('a daemon callback that throws is logged and does not stop the monitor', async () => {
    const app = await server();
    app.app.status = 500;
    const h = harness([probe('web', app.url('/app'), { fall: 1, rise: 1 })], {
      onRelease: () => {
        throw new Error('daemon busy');
      },
    });
    h.supervisor.start();
    await waitForCondition('the release attempt', () => h.lines.some((l) => l.includes("the daemon's release handler failed: daemon busy")));
    app.app.status = 200;
    await waitForCondition('recovery', () => h.supervisor.status()[0]!.phase === 'up');
  });
});
