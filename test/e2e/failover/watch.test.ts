// The failover tests rely on the exclusivity watcher (failover-watch.ts) to
// fail on a VIP or a process held by two nodes at once. This proves it can:
// it sees a real overlap of a real address in two namespaces, excuses it only
// inside an allowance window, survives a paused monitor, lists who gained and
// lost what, and its parsing of `ip -ts -o monitor` lines is right.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { ADDRESS_REWRITE_MS, intersect, isAllowed, parseAddressEvent, pidFileProcessAlive, startExclusivityWatcher, withoutRewrites } from '../../helpers/failover-watch.js';
import { waitUntil } from '../../helpers/wait.js';

const VIP = '10.77.0.100';

describe('exclusivity watcher', () => {
  it('parses ip monitor lines and intersects intervals', () => {
    const add = parseAddressEvent('[2026-11-22T04:04:20.483290] 2: eth0    inet 10.77.0.100/24 scope global secondary eth0\\       valid_lft forever');
    const del = parseAddressEvent('[2026-11-22T04:04:20.495002] Deleted 2: eth0    inet 10.77.0.100/24 scope global secondary eth0\\       valid_lft forever');
    expect(add).toMatchObject({ deleted: false, address: VIP, device: 'eth0' });
    expect(del).toMatchObject({ deleted: true, address: VIP });
    expect(del!.atMs - add!.atMs).toBeCloseTo(11.712, 3);
    expect(parseAddressEvent('[2026-11-22T04:04:20.483290] 2: eth0    inet6 fe80::1/64 scope link')).toBeUndefined();
    expect(parseAddressEvent('garbage')).toBeUndefined();
    expect(intersect([[0, 10], [20, Infinity]], [[5, 25]])).toEqual([[5, 10], [20, 25]]);
    expect(intersect([[0, 10]], [[11, 12]])).toEqual([]);
    const o = { what: 'address x', nodes: ['a', 'b'], fromMs: 5, toMs: 8 };
    expect(isAllowed(o, [{ reason: 'r', fromMs: 0, toMs: 10 }])).toBe(true);
    expect(isAllowed(o, [{ reason: 'r', fromMs: 6, toMs: 10 }])).toBe(false);
    expect(isAllowed(o, [{ reason: 'r', fromMs: 0, toMs: 10, nodes: ['c'] }])).toBe(false);
    expect(isAllowed(o, [{ reason: 'r', fromMs: 0, toMs: 10, nodes: ['b'] }])).toBe(true);
    // ifconfig's address-then-netmask (a loss and a gain within ADDRESS_REWRITE_MS on one node) is no change; a real release and gain is.
    const t = (atMs: number, node: string, what: string, now: boolean): { atMs: number; node: string; what: string; now: boolean } => ({ atMs, node, what, now });
    const changes = [t(0, 'a', VIP, true), t(1000, 'a', VIP, false), t(1000.5, 'a', VIP, true), t(1000.7, 'a', 'nginx', true), t(3000, 'a', VIP, false), t(3000 + ADDRESS_REWRITE_MS + 1, 'a', VIP, true), t(5000, 'a', VIP, false), t(5010, 'b', VIP, true), t(6000, 'a', 'nginx', false), t(6001, 'a', 'nginx', true)];
    expect(withoutRewrites([...changes].reverse(), new Set([VIP])).map((x) => `${x.atMs} ${x.node} ${x.now ? '+' : '-'}${x.what}`)).toEqual([
      `0 a +${VIP}`,
      '1000.7 a +nginx',
      `3000 a -${VIP}`,
      `${3000 + ADDRESS_REWRITE_MS + 1} a +${VIP}`,
      `5000 a -${VIP}`,
      `5010 b +${VIP}`,
      '6000 a -nginx',
      '6001 a +nginx',
    ]);
  });

  describe('on a real lab', () => {
    let lab: Lab | undefined;
    let dir = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hbts-failover-watch-'));
      lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.77.0.1' }, { name: 'bravo', ip: '10.77.0.2' }] });
    });
    afterAll(async () => {
      await lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    const addr = async (host: string, op: 'add' | 'del'): Promise<void> => {
      await execa('ip', ['-n', lab!.host(host).ns, 'addr', op, `${VIP}/24`, 'dev', 'eth0']);
    };

    it('reports an address on two nodes at once, unless inside an allowance window; sees processes by pid file', async () => {
      const pidA = join(dir, 'a.pid');
      const pidB = join(dir, 'b.pid');
      const w = await startExclusivityWatcher({
        hosts: [lab!.host('alpha'), lab!.host('bravo')],
        addresses: [VIP],
        processes: [
          { name: 'svc', node: 'alpha', isRunning: () => pidFileProcessAlive(pidA) },
          { name: 'svc', node: 'bravo', isRunning: () => pidFileProcessAlive(pidB) },
        ],
      });
      try {
        // A clean hand-over: no overlap.
        await addr('alpha', 'add');
        await addr('alpha', 'del');
        await addr('bravo', 'add');
        await addr('bravo', 'del');
        // An excused overlap.
        w.allowOverlapBegin('test partition');
        await addr('alpha', 'add');
        await addr('bravo', 'add');
        await addr('bravo', 'del');
        await w.allowOverlapEnd();
        expect(w.violations()).toEqual([]);
        expect(() => w.assertExclusive('clean')).not.toThrow();
        // A real one, through a paused and resumed monitor (the address appears on bravo while it is paused).
        await w.pause('bravo');
        await addr('bravo', 'add');
        await w.resume('bravo');
        expect(w.holdersOf(VIP).sort()).toEqual(['alpha', 'bravo']);
        await addr('alpha', 'del');
        await addr('bravo', 'del');
        // Our own process (alive) as the service on both nodes.
        writeFileSync(pidA, `${process.pid}\n`);
        writeFileSync(pidB, `${process.pid}\n`);
        const until = Date.now() + 5000;
        while (!w.overlaps().some((o) => o.what === 'process svc') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        unlinkSync(pidB);
        expect(pidFileProcessAlive(pidB)).toBe(false);
        writeFileSync(pidB, '999999999\n');
        expect(pidFileProcessAlive(pidB)).toBe(false);
      } finally {
        await w.stop();
      }
      const v = w.violations();
      expect(v.map((o) => `${o.what} ${o.nodes.join('+')}`)).toEqual(['address 10.77.0.100 alpha+bravo', 'process svc alpha+bravo']);
      expect(v[0]!.toMs).toBeGreaterThanOrEqual(v[0]!.fromMs);
      expect(w.overlaps()).toHaveLength(3);
      expect(() => w.assertExclusive('dirty')).toThrow(/address 10\.77\.0\.100 on alpha and bravo/);
      expect(w.stats().addressEvents).toBeGreaterThanOrEqual(8);
    });

    it("a crash window ends on the monitor's report of the reboot's deletion, and a real overlap right after it is still caught", async () => {
      const w = await startExclusivityWatcher({ hosts: [lab!.host('alpha'), lab!.host('bravo')], addresses: [VIP] });
      try {
        // alpha holds the VIP and "crashes": its monitor is paused, the window names it.
        await addr('alpha', 'add');
        await w.pause('alpha');
        w.allowOverlapBegin('alpha crashed', ['alpha']);
        await addr('bravo', 'add');
        // The reboot: the monitor comes back, the stale address goes, the
        // window ends at once (as failover-pair's start() does). The deletion
        // is dated by the monitor, which may print it after this call began:
        // the window must still cover it.
        // The monitor is held back (SIGSTOP) while the address goes, as a busy
        // machine may do: it prints, and stamps, the deletion 300 ms late.
        await w.resume('alpha');
        const monitors = String((await execa('ip', ['netns', 'pids', lab!.host('alpha').ns])).stdout).split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
        expect(monitors).toHaveLength(1);
        process.kill(monitors[0]!, 'SIGSTOP');
        const resumed = new Promise((r) => setTimeout(r, 300)).then(() => process.kill(monitors[0]!, 'SIGCONT'));
        try {
          await addr('alpha', 'del');
          await w.allowOverlapEnd();
        } finally {
          await resumed;
        }
        expect(w.holdersOf(VIP)).toEqual(['bravo']);
        expect(w.violations()).toEqual([]);
        expect(() => w.assertExclusive('crash and reboot')).not.toThrow();

        // A real double ownership outside any window: reported, with the windows and the events.
        await addr('alpha', 'add');
        const until = Date.now() + 5000;
        while (w.holdersOf(VIP).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        await addr('alpha', 'del');
        // The monitor reports the deletion a moment later: wait for it, so the overlap has an end.
        const gone = Date.now() + 5000;
        while (w.holdersOf(VIP).length > 1 && Date.now() < gone) await new Promise((r) => setTimeout(r, 10));
        expect(w.violations().map((o) => `${o.what} ${o.nodes.join('+')}`)).toEqual(['address 10.77.0.100 alpha+bravo']);
        let message = '';
        try {
          w.assertExclusive('real overlap');
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).toMatch(/real overlap: held by two nodes at once outside a partition:\n {2}address 10\.77\.0\.100 on alpha and bravo from .* ms\)/);
        expect(message).toMatch(/allowance windows \(UTC\):\n {2}\S+ → \S+ \[alpha\]: alpha crashed/);
        expect(message).toMatch(/alpha: added 10\.77\.0\.100 on eth0[\s\S]*alpha: deleted 10\.77\.0\.100 on eth0/);

        // The next test starts clean; the whole run still remembers.
        w.beginTest();
        expect(w.violations()).toEqual([]);
        expect(() => w.assertExclusive('next test')).not.toThrow();
        expect(w.violations({ wholeRun: true })).toHaveLength(1);
        // An overlap still going on when a test begins is that test's.
        await addr('alpha', 'add');
        while (w.holdersOf(VIP).length < 2 && Date.now() < until + 5000) await new Promise((r) => setTimeout(r, 10));
        w.beginTest();
        expect(w.violations()).toHaveLength(1);
        await addr('alpha', 'del');
        await addr('bravo', 'del');
      } finally {
        await w.stop();
      }
    });

    it('lists every gain and loss after its baseline, tells who runs a process now, and judges from a given time', async () => {
      const pid = join(dir, 'svc.pid');
      // Already there when the watcher starts: the baseline, not a change.
      await addr('alpha', 'add');
      const w = await startExclusivityWatcher({
        hosts: [lab!.host('alpha'), lab!.host('bravo')],
        addresses: [VIP],
        processes: [{ name: 'svc', node: 'bravo', isRunning: () => pidFileProcessAlive(pid) }],
      });
      try {
        expect(w.transitions()).toEqual([]);
        const t0 = Date.now();
        await addr('alpha', 'del');
        await addr('bravo', 'add');
        writeFileSync(pid, `${process.pid}\n`);
        expect(w.runningOn('svc')).toEqual(['bravo']);
        await waitUntil('the svc sample', 5000, () => (w.transitions(t0).some((t) => t.what === 'svc') ? true : undefined), 10);
        await w.caughtUp();
        // Sorted: each monitor stamps when it prints, so the order across nodes is not the test's to pin.
        expect(w.transitions(t0).map((t) => `${t.node} ${t.now ? 'gained' : 'lost'} ${t.what}`).sort()).toEqual([`alpha lost ${VIP}`, `bravo gained ${VIP}`, 'bravo gained svc']);
        unlinkSync(pid);
        expect(w.runningOn('svc')).toEqual([]);

        // An overlap judged from a time before it (caught) and from a time after its end (not this test's).
        const beforeOverlap = Date.now();
        await addr('alpha', 'add');
        await waitUntil('alpha and bravo both holding', 5000, () => (w.holdersOf(VIP).length === 2 ? true : undefined), 10);
        await addr('alpha', 'del');
        await w.caughtUp();
        expect(w.holdersOf(VIP)).toEqual(['bravo']);
        const afterOverlap = Date.now();
        expect(w.violations({ sinceMs: beforeOverlap }).map((o) => `${o.what} ${o.nodes.join('+')}`)).toEqual([`address ${VIP} alpha+bravo`]);
        expect(w.violations({ sinceMs: afterOverlap })).toEqual([]);
        expect(() => w.assertExclusive('since the overlap ended', { sinceMs: afterOverlap })).not.toThrow();
        await addr('bravo', 'del');
      } finally {
        await w.stop();
      }
    });
  });
});
