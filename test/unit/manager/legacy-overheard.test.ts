// Issue 9: auto_failback legacy, a peer that comes up seeing no other active
// node takes its own group without asking: req_resource's "don't ask" sends
// `ip-request-resp dest=<itself>` (spec §9.4). Heartbeat drops that message on
// the other node (not for it), so two real nodes both keep the group. We
// overhear it: holding (or starting) that group, we give it up to its home.
import { describe, expect, it } from 'vitest';
import { createManager, groupViews, type ManagerCommand, type ManagerEvent, type ManagerState } from '../../../src/resources/manager/index.js';
import { group, run } from './steps.js';

const KEY = 'IPaddr::10.77.0.100/24/eth0';

const ops = (cs: readonly ManagerCommand[]): string[] =>
  cs.flatMap((c) => (c.kind === 'start-group' || c.kind === 'stop-group' ? [`${c.kind} ${c.key}`] : c.kind === 'send' ? [`send ${c.fields.map(([n, v]) => `${n}=${v}`).join(' ')}`] : []));
const warnings = (cs: readonly ManagerCommand[]): string[] => cs.flatMap((c) => (c.kind === 'log' && c.level === 'warn' ? [c.text] : []));

/** Peer's self-addressed "don't ask" answer, as the daemon overhears it. */
const dontAsk = (now: number, src = 'alpha', dest = src): ManagerEvent => ({
  type: 'message',
  now,
  message: { t: 'ip-request-resp', src, dest, ipaddr: KEY, weown: 'yes', ok: 'OK' },
});

/** bravo (us), backup of alpha's group, in the middle of taking it over: its start is in flight; alpha has restarted and is active. */
function midTakeover(autoFailback: 'legacy' | 'on' = 'legacy'): ManagerState {
  const s0 = createManager({ localNode: 'bravo', nodes: ['alpha', 'bravo'], groups: [group('alpha', KEY)], autoFailback, failedStartStandbyDelay: 30_000 });
  const r = run(s0, [
    { type: 'start', now: 0 },
    { type: 'comm-up', now: 1, activePeers: ['alpha'] },
    { type: 'peer-status', now: 2, peer: 'alpha', status: 'active' },
    { type: 'peer-dead', now: 100, peer: 'alpha' },
  ]);
  expect(ops(r.commands)).toContain(`start-group ${KEY}`);
  return run(r.state, [
    { type: 'peer-restarted', now: 200, peer: 'alpha' },
    { type: 'peer-status', now: 201, peer: 'alpha', status: 'active' },
  ]).state;
}

describe('legacy: a peer takes its own group without asking while we hold it (spec §9.4, issue 9)', () => {
  it('mid-takeover: the start finishes, then the group is stopped here; no answer is sent, nothing starts again', () => {
    const heard = run(midTakeover(), [dontAsk(300)]);
    expect(warnings(heard.commands).join('\n')).toMatch(/alpha takes resource group .* without asking/);
    expect(ops(heard.commands)).toEqual([]); // one operation at a time: the start in flight first
    const started = run(heard.state, [{ type: 'group-result', now: 400, key: KEY, op: 'start', ok: true }]);
    expect(ops(started.commands)).toEqual([`stop-group ${KEY}`]);
    const stopped = run(started.state, [{ type: 'group-result', now: 500, key: KEY, op: 'stop', ok: true }, { type: 'tick', now: 60_000 }]);
    expect(ops(stopped.commands)).toEqual([]);
    expect(groupViews(stopped.state).find((g) => g.key === KEY)?.heldHere).toBe(false);
  });

  it('a group running here (takeover finished) is given up at once', () => {
    const done = run(midTakeover(), [{ type: 'group-result', now: 250, key: KEY, op: 'start', ok: true }]).state;
    const r = run(done, [dontAsk(300)]);
    expect(ops(r.commands)).toEqual([`stop-group ${KEY}`]);
  });

  it('ignored: not for the sender itself, a group homed elsewhere, a group not held here, or nice_failback mode', () => {
    const done = run(midTakeover(), [{ type: 'group-result', now: 250, key: KEY, op: 'start', ok: true }]).state;
    expect(ops(run(done, [dontAsk(300, 'alpha', 'charlie')]).commands)).toEqual([]);
    const notHome: ManagerEvent = { type: 'message', now: 300, message: { t: 'ip-request-resp', src: 'alpha', dest: 'alpha', ipaddr: 'other-key', ok: 'OK' } };
    expect(ops(run(done, [notHome]).commands)).toEqual([]);
    const released = run(done, [dontAsk(300), { type: 'group-result', now: 400, key: KEY, op: 'stop', ok: true }]).state;
    const again = run(released, [dontAsk(500)]);
    expect(ops(again.commands)).toEqual([]);
    expect(warnings(again.commands)).toEqual([]);
    const on = run(midTakeover('on'), [{ type: 'group-result', now: 250, key: KEY, op: 'start', ok: true }]).state;
    expect(ops(run(on, [dontAsk(300)]).commands)).toEqual([]);
  });
});
