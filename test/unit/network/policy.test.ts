// issue 13: the network-aware failover decision (ipfail built in, track_interface).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPolicy, nextDeadline, stepPolicy, type PolicyAction, type PolicyConfig, type PolicyEvent, type PolicyState } from '../../../src/network/index.js';

const IPFAIL: PolicyConfig = { ipfail: true, trackInterfaces: [], giveupDelay: 400, returnDelay: 10_000, judgeFrom: 0 };
const LINKS: PolicyConfig = { ipfail: false, trackInterfaces: ['eth0', 'eth1'], giveupDelay: 400, returnDelay: 10_000, judgeFrom: 0 };

interface Run {
  state: PolicyState;
  actions: Array<PolicyAction & { at: number }>;
}

/** Feed events in order, firing the policy's own timer (a tick at each deadline) between them, as watch.ts does. */
function run(config: PolicyConfig, events: readonly PolicyEvent[], until?: number, initialPings = 1): Run {
  let state = createPolicy(config, initialPings);
  const actions: Run['actions'] = [];
  const apply = (e: PolicyEvent): void => {
    const r = stepPolicy(state, e);
    state = r.state;
    for (const a of r.actions) actions.push({ ...a, at: e.now });
  };
  const ticksUntil = (t: number): void => {
    for (let i = 0; i < 1000; i++) {
      const due = nextDeadline(state);
      if (due === null || due > t) return;
      apply({ type: 'tick', now: due });
    }
    throw new Error('the policy kept asking for ticks');
  };
  for (const e of events) {
    ticksUntil(e.now);
    apply(e);
  }
  if (until !== undefined) ticksUntil(until);
  return { state, actions };
}

const moves = (r: Run): Array<[string, number]> =>
  r.actions.filter((a) => a.kind === 'release' || a.kind === 'eligible').map((a) => [a.kind, a.at]);
const told = (r: Run): Array<[number, boolean]> =>
  r.actions.flatMap((a) => (a.kind === 'tell-peer' ? [[a.reach.pings, a.reach.linksUp] as [number, boolean]] : []));
const logs = (r: Run): string[] => r.actions.flatMap((a) => (a.kind === 'log' ? [a.text] : []));

const peerWith = (pings: number, now = 0, linksUp = true): PolicyEvent[] => [
  { type: 'peer-up', now },
  { type: 'peer-reach', now, reach: { pings, linksUp } },
];

describe('ipfail: ping node counts', () => {
  it('fewer ping nodes than the peer for giveup_delay: release, once', () => {
    const r = run(IPFAIL, [...peerWith(1), { type: 'pings', now: 1000, count: 0 }], 60_000);
    expect(moves(r)).toEqual([['release', 1400]]);
    expect(r.actions.find((a) => a.kind === 'release')).toMatchObject({ reason: 'ipfail: we have less visible ping nodes (0) than the other node (1)' });
    expect(logs(r)).toContain('Delayed giveup in 0.4 s: we have less visible ping nodes (0) than the other node (1)');
    expect(r.state.released).toBe(true);
  });

  it('not one millisecond before giveup_delay', () => {
    const r = run(IPFAIL, [...peerWith(1), { type: 'pings', now: 1000, count: 0 }], 1399);
    expect(moves(r)).toEqual([]);
    expect(nextDeadline(r.state)).toBe(1400);
  });

  it('both sides lose the uplink (the peer a keepalive later): nothing moves', () => {
    const r = run(
      IPFAIL,
      [...peerWith(1), { type: 'pings', now: 1000, count: 0 }, { type: 'peer-reach', now: 1250, reach: { pings: 0, linksUp: true } }],
      60_000,
    );
    expect(moves(r)).toEqual([]);
    expect(logs(r)).toContain('No longer worse off than the other node: aborted delayed giveup');
  });

  it('the peer loses it too after we released: balanced, eligible after return_delay', () => {
    const r = run(IPFAIL, [...peerWith(1), { type: 'pings', now: 1000, count: 0 }, { type: 'peer-reach', now: 5000, reach: { pings: 0, linksUp: true } }], 60_000);
    expect(moves(r)).toEqual([
      ['release', 1400],
      ['eligible', 15_000],
    ]);
  });

  it('takes the groups back only after reaching as many again for return_delay', () => {
    const r = run(IPFAIL, [...peerWith(2), { type: 'pings', now: 1000, count: 0 }, { type: 'pings', now: 3000, count: 1 }, { type: 'pings', now: 4000, count: 2 }], 60_000, 2);
    expect(moves(r)).toEqual([
      ['release', 1400],
      ['eligible', 14_000],
    ]);
  });

  it('more ping nodes than the peer is not a reason to move anything (the peer gives up)', () => {
    const r = run(IPFAIL, [...peerWith(1), { type: 'pings', now: 1000, count: 2 }], 60_000, 1);
    expect(moves(r)).toEqual([]);
  });

  it('a link flapping every 2 s for 30 s: one release, one return after it settles', () => {
    const events: PolicyEvent[] = [...peerWith(1)];
    // deadping 1 s: a ping node is declared dead 1 s after the cut; it answers at once when back.
    for (let t = 1000; t < 31_000; t += 4000) {
      events.push({ type: 'pings', now: t + 1000, count: 0 });
      events.push({ type: 'pings', now: t + 2000, count: 1 });
    }
    const r = run(IPFAIL, events, 120_000);
    expect(moves(r)).toEqual([
      ['release', 2400],
      // the last cut is at 29 s, the ping node answers again at 31 s: return_delay later
      ['eligible', 41_000],
    ]);
  });

  it('nothing is decided without a live peer; a release is undone when the peer dies', () => {
    const alone = run(IPFAIL, [{ type: 'pings', now: 1000, count: 0 }], 60_000);
    expect(moves(alone)).toEqual([]);
    const r = run(IPFAIL, [...peerWith(1), { type: 'pings', now: 1000, count: 0 }, { type: 'peer-dead', now: 5000 }], 60_000);
    expect(moves(r)).toEqual([
      ['release', 1400],
      ['eligible', 15_000],
    ]);
  });

  it('an ipfail peer that says you_are_dead counts as seeing more', () => {
    const r = run(IPFAIL, [{ type: 'peer-up', now: 0 }, { type: 'peer-says-more', now: 100 }], 60_000);
    expect(moves(r)).toEqual([['release', 500]]);
  });

  it('a peer that never reports (Heartbeat without ipfail) moves nothing', () => {
    const r = run(IPFAIL, [{ type: 'peer-up', now: 0 }, { type: 'pings', now: 1000, count: 0 }], 60_000);
    expect(moves(r)).toEqual([]);
  });
});

describe('telling the peer', () => {
  it('tells its reach when the peer comes up and at every change, never twice the same', () => {
    const r = run(IPFAIL, [
      { type: 'peer-up', now: 0 },
      { type: 'peer-reach', now: 10, reach: { pings: 1, linksUp: true } },
      { type: 'pings', now: 1000, count: 0 },
      { type: 'pings', now: 1000, count: 0 },
      { type: 'tick', now: 1200 },
      { type: 'pings', now: 2000, count: 1 },
      { type: 'peer-dead', now: 3000 },
      { type: 'pings', now: 3100, count: 0 },
      { type: 'peer-reach', now: 4000, reach: { pings: 1, linksUp: true } },
    ]);
    expect(told(r)).toEqual([
      [1, true],
      [0, true],
      [1, true],
      [0, true],
    ]);
  });
});

describe('track_interface', () => {
  it('a tracked interface down: release after giveup_delay, even if the peer never reported', () => {
    const r = run(LINKS, [{ type: 'peer-up', now: 0 }, { type: 'link', now: 1000, iface: 'eth1', up: false }], 60_000);
    expect(moves(r)).toEqual([['release', 1400]]);
    expect(r.actions.find((a) => a.kind === 'release')).toMatchObject({ reason: 'track_interface: link eth1 down' });
    expect(told(r)).toEqual([
      [1, true],
      [1, false],
    ]);
  });

  it('back after return_delay of link; a link back for less than that never moves the groups', () => {
    const r = run(
      LINKS,
      [
        { type: 'peer-up', now: 0 },
        { type: 'link', now: 1000, iface: 'eth0', up: false },
        { type: 'link', now: 3000, iface: 'eth0', up: true },
        { type: 'link', now: 5000, iface: 'eth0', up: false },
        { type: 'link', now: 7000, iface: 'eth0', up: true },
      ],
      60_000,
    );
    expect(moves(r)).toEqual([
      ['release', 1400],
      ['eligible', 17_000],
    ]);
  });

  it('both nodes with a tracked link down: nothing moves', () => {
    const r = run(LINKS, [...peerWith(1, 0, false), { type: 'link', now: 1000, iface: 'eth1', up: false }], 60_000);
    expect(moves(r)).toEqual([]);
  });

  it('the peer\'s link goes down after ours: our release waits; balanced, nothing moves', () => {
    const r = run(LINKS, [...peerWith(1, 0, true), { type: 'link', now: 1000, iface: 'eth1', up: false }, { type: 'peer-reach', now: 1100, reach: { pings: 1, linksUp: false } }], 60_000);
    expect(moves(r)).toEqual([]);
  });

  it('ignores interfaces it does not track, and repeated reports', () => {
    const r = run(LINKS, [{ type: 'peer-up', now: 0 }, { type: 'link', now: 1000, iface: 'eth9', up: false }, { type: 'link', now: 1000, iface: 'eth0', up: true }], 60_000);
    expect(moves(r)).toEqual([]);
    expect(r.state.linksDown).toEqual([]);
  });

  it('with ipfail off, ping counts never move anything', () => {
    const r = run(LINKS, [...peerWith(3), { type: 'pings', now: 1000, count: 0 }], 60_000);
    expect(moves(r)).toEqual([]);
  });

  it('a link down beats more ping nodes: links are compared first', () => {
    const r = run({ ...IPFAIL, trackInterfaces: ['eth1'] }, [...peerWith(0), { type: 'pings', now: 10, count: 2 }, { type: 'link', now: 1000, iface: 'eth1', up: false }], 60_000, 2);
    expect(moves(r)).toEqual([['release', 1400]]);
  });
});

describe('the peer heard its ping nodes long after we last did: no need to wait', () => {
  const FAST = { ...IPFAIL, pingIntervalMs: 200 };
  it('our uplink alone is cut: give up at once on the peer\'s fresh answer', () => {
    const r = run(FAST, [
      ...peerWith(1),
      // our last reply at 9.1 s, declared dead deadping (1 s) later; the peer answers that it heard one at 10.05 s
      { type: 'pings', now: 10_100, count: 0, lastReplyAt: 9_100 },
      { type: 'peer-reach', now: 10_110, reach: { pings: 1, linksUp: true, lastReplyAt: 10_050, steadySince: 500 } },
    ]);
    expect(moves(r)).toEqual([['release', 10_110]]);
    expect(logs(r).some((l) => /at once: .*heard a ping node 950 ms after our last reply/.test(l))).toBe(true);
  });

  it('both uplinks cut: the two last replies are within an interval: wait, then abort when the peer loses them too', () => {
    const r = run(
      FAST,
      [
        ...peerWith(1),
        { type: 'pings', now: 10_100, count: 0, lastReplyAt: 9_100 },
        { type: 'peer-reach', now: 10_110, reach: { pings: 1, linksUp: true, lastReplyAt: 9_250, steadySince: 500 } },
        { type: 'peer-reach', now: 10_260, reach: { pings: 0, linksUp: true, lastReplyAt: 9_250, steadySince: 10_250 } },
      ],
      60_000,
    );
    expect(moves(r)).toEqual([]);
  });

  it('both uplinks come back, the peer\'s first: its count is new, so wait (ours comes back within the delay)', () => {
    const r = run(
      FAST,
      [
        ...peerWith(0),
        { type: 'pings', now: 100, count: 0, lastReplyAt: 50 },
        { type: 'peer-reach', now: 20_000, reach: { pings: 1, linksUp: true, lastReplyAt: 19_990, steadySince: 19_990 } },
        { type: 'pings', now: 20_150, count: 1, lastReplyAt: 20_150 },
      ],
      60_000,
      0,
    );
    expect(moves(r)).toEqual([]);
  });

  it('answers a peer that sees fewer with its own view (as ipfail answers you_are_dead), once per report', () => {
    const r = run(FAST, [...peerWith(1), { type: 'peer-reach', now: 500, reach: { pings: 0, linksUp: true } }, { type: 'peer-reach', now: 600, reach: { pings: 0, linksUp: true } }], undefined, 1);
    expect(told(r)).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
  });
});

describe('start-up', () => {
  it('no verdict before judgeFrom (initdead): the ping nodes first answer at different moments', () => {
    const cfg = { ...IPFAIL, judgeFrom: 2000 };
    const early = run(cfg, [...peerWith(1), { type: 'pings', now: 100, count: 0 }], 60_000, 0);
    expect(moves(early)).toEqual([['release', 2400]]);
    const settles = run(cfg, [...peerWith(1), { type: 'pings', now: 100, count: 0 }, { type: 'pings', now: 1500, count: 1 }], 60_000, 0);
    expect(moves(settles)).toEqual([]);
    expect(told(settles)).toEqual([
      [0, true],
      [1, true],
    ]);
  });
});

describe('invariants', () => {
  const event = fc.oneof(
    fc.record({ type: fc.constant('pings' as const), count: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ type: fc.constant('link' as const), iface: fc.constantFrom('eth0', 'eth1', 'eth9'), up: fc.boolean() }),
    fc.record({ type: fc.constant('peer-up' as const) }),
    fc.record({ type: fc.constant('peer-dead' as const) }),
    fc.record({ type: fc.constant('peer-reach' as const), reach: fc.record({ pings: fc.integer({ min: 0, max: 3 }), linksUp: fc.boolean() }) }),
    fc.record({ type: fc.constant('peer-says-more' as const) }),
  );
  const timeline = fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), event), { maxLength: 40 }).map((steps) => {
    let now = 0;
    return steps.map(([dt, e]) => ({ ...e, now: (now += dt) }) as PolicyEvent);
  });

  it('release and eligible alternate, start with a release, and each follows a verdict that held for its whole delay', () => {
    fc.assert(
      fc.property(timeline, fc.constantFrom(IPFAIL, LINKS, { ...IPFAIL, trackInterfaces: ['eth0'] }), (events, config) => {
        const r = run(config, events, 200_000);
        const m = moves(r);
        m.forEach(([kind], i) => expect(kind).toBe(i % 2 === 0 ? 'release' : 'eligible'));
        for (let i = 1; i < m.length; i++) expect(m[i]![1]).toBeGreaterThanOrEqual(m[i - 1]![1] + Math.min(config.giveupDelay, config.returnDelay));
        // Once quiet, the policy asks for no more ticks.
        expect(nextDeadline(r.state)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('a node never releases while its reach equals the peer\'s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 10 }), (pings, linksUp, gaps) => {
        const events: PolicyEvent[] = [...peerWith(pings, 0, linksUp), { type: 'pings', now: 1, count: pings }];
        if (!linksUp) events.push({ type: 'link', now: 1, iface: 'eth0', up: false });
        let now = 1;
        for (const g of gaps) events.push({ type: 'peer-reach', now: (now += g), reach: { pings, linksUp } });
        const r = run({ ...IPFAIL, trackInterfaces: ['eth0'] }, events, now + 60_000, pings);
        expect(moves(r)).toEqual([]);
      }),
    );
  });
});
