// Issue 9 part 1: a split that only one node sees must not strand the clients.
//
//   case A: alpha's daemon is frozen (SIGSTOP) for 3 s, then resumes;
//   case B: packets from alpha to bravo are dropped for 5 s (bravo → alpha works).
//
// In both, bravo declares alpha dead and takes alpha's group (VIP + nginx),
// announcing the VIP with its own MAC address; the client follows it. When the
// split ends, exactly one copy must remain (alpha's: its home node), and the
// client must be served by alpha again: alpha has to announce the VIP again
// although it never saw "returning after partition" for bravo (case B: it
// heard bravo all along; case A: it was frozen, not cut off).
//
// One-way loss without netem or nftables (this kernel has neither): heartbeat
// runs over ucast here, and a permanent neighbour entry on alpha that maps
// bravo's address to a MAC address nobody has makes the bridge flood alpha's
// frames to ports that drop them; bravo's packets still reach alpha.
//
// Figures (dual ownership after the heal, client served again after the heal)
// are printed; the assertions are correctness bounds with a wide margin for a
// loaded machine (before the fix: dual ownership 5 s in case B and the client
// not served again within 30 s in either case).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { waitUntil } from '../../helpers/wait.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
/** Correctness bounds (the goal is < 0.5 s and < 1 s; see the printed figures). */
const DUAL_OWNERSHIP_BOUND_MS = 3000;
const SERVED_AGAIN_BOUND_MS = 5000;
const NOWHERE_MAC = '02:00:5e:00:de:ad';

describe('a one-sided partition (issue 9 part 1)', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: DEADTIME_MS,
      autoFailback: 'on',
      startupFallbackDelay: '2',
      media: ['ucast eth0 10.77.0.1', 'ucast eth0 10.77.0.2'],
    });
  });

  afterAll(async () => {
    if (lab) await lab.host('alpha').exec('ip', ['neigh', 'del', '10.77.0.2', 'dev', 'eth0'], { reject: false });
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const daemonPid = (): number => Number(readFileSync(join(p().node('alpha').runDir, 'heartbeat.pid'), 'utf8').trim());

  /** Both ready, alpha serving; returns the log offsets to read from. */
  const ready = async (): Promise<{ fromA: number; fromB: number }> => {
    await p().steady();
    await p().waitHolders({ [GROUP]: 'alpha' });
    return { fromA: p().node('alpha').logSize(), fromB: p().node('bravo').logSize() };
  };

  /** Bravo took the group over and the client follows it. */
  const waitBravoServes = async (since: number): Promise<void> => {
    await waitUntil('bravo holds the VIP', DEADTIME_MS + 15_000, async () => ((await hasAddress(lab!.host('bravo'), VIP_ALPHA)) ? true : undefined), 50);
    await p().prober.waitForServedBy('bravo', 15_000, since);
  };

  /** After the heal: the figures, and the correctness checks common to both cases. */
  const afterHeal = async (label: string, healAt: number, from: { fromA: number; fromB: number }): Promise<void> => {
    const served = await p().prober.waitForServedBy('alpha', 30_000, healAt);
    const servedMs = served.startMs - healAt;
    await waitUntil('bravo releases the VIP', 30_000, async () => ((await hasAddress(lab!.host('bravo'), VIP_ALPHA)) ? undefined : true), 50);
    await p().waitHolders({ [GROUP]: 'alpha' }, 30_000);
    const w = p().watcher!;
    await w.allowOverlapEnd();
    const both = w.overlaps().filter((o) => o.what === `address ${VIP_ALPHA}` && o.toMs > healAt);
    const dualMs = Math.max(0, ...both.map((o) => o.toMs - healAt));
    console.log(
      `[heartbeat-ts failover] one-sided partition, ${label}: VIP on both nodes for ${dualMs.toFixed(0)} ms after the heal; ` +
        `client served by alpha again ${servedMs.toFixed(0)} ms after the heal (goal: < 500 ms and < 1000 ms)`,
    );
    const said = (node: 'alpha' | 'bravo'): string[] =>
      p().logLines(node, /partition|Partition|is dead|Late heartbeat|announced|No one owns|own .*resources|STONITH/, node === 'alpha' ? from.fromA : from.fromB);
    console.log(`[heartbeat-ts failover] ${label}, alpha said:\n  ${said('alpha').join('\n  ')}\nbravo said:\n  ${said('bravo').join('\n  ')}`);

    expect(both.length, 'the split gave bravo a copy of the VIP (the scenario happened)').toBeGreaterThan(0);
    expect(dualMs, 'the VIP is on both nodes after the heal').toBeLessThan(DUAL_OWNERSHIP_BOUND_MS);
    expect(servedMs, 'the client is served by alpha again after the heal').toBeLessThan(SERVED_AGAIN_BOUND_MS);
    // Alpha kept its group and announced it again once bravo's copy was gone.
    expect(p().logLines('alpha', new RegExp(`Resource group ${GROUP.replace(/[./]/g, '\\$&')}: announced ${VIP_ALPHA.replace(/\./g, '\\.')} on eth0 again`), from.fromA)).not.toEqual([]);
    // Nobody claims nobody owns what alpha owns all along.
    for (const node of ['alpha', 'bravo'] as const) {
      expect(p().logLines(node, /No one owns/, node === 'alpha' ? from.fromA : from.fromB), `${node}'s log`).toEqual([]);
    }
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(true);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(false);
    w.assertExclusive(label);
  };

  it('case A: alpha frozen for 3 s: once it resumes, one copy remains and the client is served by alpha again', async () => {
    const from = await ready();
    const pid = daemonPid();
    p().watcher!.allowOverlapBegin('alpha frozen: bravo takes over a group alpha still has');
    const frozenAt = Date.now();
    process.kill(pid, 'SIGSTOP');
    let healAt: number;
    try {
      await waitBravoServes(frozenAt);
      const left = frozenAt + 3000 - Date.now();
      if (left > 0) await delay(left);
    } finally {
      healAt = Date.now();
      process.kill(pid, 'SIGCONT');
    }
    await afterHeal('case A (SIGSTOP 3 s)', healAt, from);
  });

  it('case B: alpha → bravo dropped for 5 s: once healed, one copy remains and the client is served by alpha again', async () => {
    const from = await ready();
    const alpha = lab!.host('alpha');
    p().watcher!.allowOverlapBegin('one-way loss alpha → bravo: bravo takes over a group alpha still has');
    const cutAt = Date.now();
    await alpha.exec('ip', ['neigh', 'replace', '10.77.0.2', 'lladdr', NOWHERE_MAC, 'dev', 'eth0', 'nud', 'permanent']);
    let healAt: number;
    try {
      await waitBravoServes(cutAt);
      // Alpha still hears bravo: it must not declare bravo dead.
      expect((await p().status('alpha')).nodes.find((n) => n.name === 'bravo')?.status).toBe('active');
      const left = cutAt + 5000 - Date.now();
      if (left > 0) await delay(left);
    } finally {
      await alpha.exec('ip', ['neigh', 'del', '10.77.0.2', 'dev', 'eth0'], { reject: false });
      healAt = Date.now();
    }
    await afterHeal('case B (alpha → bravo dropped 5 s)', healAt, from);
    // The heal was settled by bravo's question (t=starting) and alpha's answer, not by bravo's 5 s wait.
    expect(p().logLines('bravo', /did not report its holdings/, from.fromB)).toEqual([]);
  });
});
