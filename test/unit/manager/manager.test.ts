// createManager's checks, step's robustness against bad input, the status
// queries, and the more-than-two-nodes rule.
import { describe, expect, it } from 'vitest';
import {
  createManager,
  EVENT_TABLE,
  groupViews,
  isStable,
  ManagerConfigError,
  MESSAGE_TABLE,
  nextDeadline,
  rscStatus,
  step,
  type ManagerCommand,
  type ManagerEvent,
  type ManagerState,
} from '../../../src/resources/manager/index.js';
import { group, run } from './steps.js';

const base = {
  localNode: 'alpha',
  nodes: ['alpha', 'bravo'],
  groups: [group('alpha', '10.0.0.1', 1), group('bravo', '10.0.0.2', 2)],
  autoFailback: 'on' as const,
  failedStartStandbyDelay: 30_000,
};

const logs = (cs: readonly ManagerCommand[], level?: string): string[] =>
  cs.filter((c): c is Extract<ManagerCommand, { kind: 'log' }> => c.kind === 'log' && (level === undefined || c.level === level)).map((c) => c.text);

describe('createManager', () => {
  it('lists every problem of a bad configuration at once', () => {
    let error: unknown;
    try {
      createManager({
        localNode: 'delta',
        nodes: ['alpha', 'Bravo', 'alpha'],
        groups: [group('charlie', 'k', 3), group('alpha', 'k', 4)],
        autoFailback: 'maybe' as 'on',
        failedStartStandbyDelay: -1,
        timers: { rqstDelay: 0 },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManagerConfigError);
    const problems = (error as ManagerConfigError).problems;
    expect(problems).toEqual([
      'node name "Bravo" must be non-empty and lower-case',
      'duplicate node names in [alpha Bravo alpha]',
      'this node "delta" is not one of the nodes [alpha Bravo alpha]',
      'haresources line 3: group k has home node "charlie", which is not a node',
      'haresources line 4: group key k is not unique',
      'auto_failback must be on, off or legacy, not "maybe"',
      'failedStartStandbyDelay must be a number of milliseconds >= 0, not -1',
      'timer rqstDelay must be a positive number of milliseconds, not 0',
    ]);
  });

  it('starts frozen, not negotiated, with no timer running', () => {
    const s = createManager(base);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.groups['10.0.0.1'])).toBe(true);
    expect(s.rstate).toBe('INIT');
    expect(rscStatus(s)).toBe('transition'); // Heartbeat: other_is_stable starts false
    expect(rscStatus(createManager({ ...base, autoFailback: 'legacy' }))).toBe('none');
    expect(nextDeadline(s)).toBeUndefined();
    expect(groupViews(s).map((v) => [v.key, v.home, v.holder, v.state, v.eligible])).toEqual([
      ['10.0.0.1', 'alpha', 'unknown', 'stopped', true],
      ['10.0.0.2', 'bravo', 'unknown', 'stopped', true],
    ]);
    expect(groupViews(s)[0]?.why).toBe('Not held here; communication is not up yet, so nothing has been negotiated.');
  });
});

describe('step never throws and never half-applies', () => {
  const s0 = createManager(base);

  it('logs and ignores an unknown event', () => {
    const r = step(s0, { type: 'reboot', now: 5 } as unknown as ManagerEvent);
    expect(logs(r.commands, 'error')).toEqual(['resource manager: unknown event "reboot": ignored']);
    expect(r.state.rstate).toBe('INIT');
    const garbage = step(s0, null as unknown as ManagerEvent);
    expect(logs(garbage.commands, 'error')).toEqual(['resource manager: unknown event undefined: ignored']);
  });

  it('never lets time go backwards', () => {
    const a = step(s0, { type: 'tick', now: 10_000 }).state;
    const b = step(a, { type: 'tick', now: 5 }).state;
    expect(b.now).toBe(10_000);
    expect(step(a, { type: 'tick', now: Number.NaN }).state.now).toBe(10_000);
  });

  it('ignores messages from unknown nodes, its own messages and messages for another node', () => {
    const { state } = run(s0, [{ type: 'comm-up', now: 1, activePeers: ['bravo'] }]);
    const stranger = step(state, { type: 'message', now: 2, message: { t: 'shutdone', src: 'mallory' } });
    expect(logs(stranger.commands, 'warn')).toEqual(['t=shutdone from mallory, which is not a node of ha.cf: ignored']);
    expect(stranger.commands.filter((c) => c.kind !== 'log')).toEqual([]);
    const own = step(state, { type: 'message', now: 2, message: { t: 'starting', src: 'alpha' } });
    expect(own.commands.filter((c) => c.kind !== 'log' || c.level !== 'debug')).toEqual([]);
    const elsewhere = step(state, { type: 'message', now: 2, message: { t: 'ip-request-resp', src: 'bravo', dest: 'charlie', ipaddr: '10.0.0.1', ok: 'OK' } });
    expect(elsewhere.commands).toEqual([]);
  });

  it('ignores a group result nobody asked for, and unknown groups in requests', () => {
    const r = step(s0, { type: 'group-result', now: 1, key: '10.0.0.1', op: 'start', ok: true });
    expect(logs(r.commands, 'warn')).toEqual(['Ignoring a start result for resource group 10.0.0.1: no such operation is outstanding']);
    expect(r.state.groups['10.0.0.1']?.state).toBe('stopped');
    const p = step(s0, { type: 'probe-release', now: 1, group: 'nope', reason: 'x' });
    expect(logs(p.commands, 'error')).toEqual(['probe-release names nope, which is not a resource group of haresources: ignored']);
    const sp = step(s0, { type: 'startup-probe', now: 1, running: ['nope'] });
    expect(logs(sp.commands, 'error')).toEqual(['start-up probe reports an unknown resource group nope: ignored']);
  });

  it("treats an unknown rsc_hold as none, with Heartbeat's error line", () => {
    const { state } = run(s0, [{ type: 'comm-up', now: 1, activePeers: ['bravo'] }]);
    const r = step(state, { type: 'message', now: 2, message: { t: 'resource', src: 'bravo', rsc_hold: 'most', rtype: 'full', isstable: '0' } });
    expect(logs(r.commands, 'error')).toContain('encode_resources: bad resource type [most]');
    expect(r.state.peers.bravo?.holds).toBe(0);
  });

  it('does not change the state it is given', () => {
    const json = JSON.stringify(s0);
    run(s0, [{ type: 'start', now: 1 }, { type: 'comm-up', now: 2, activePeers: [] }, { type: 'peer-dead', now: 3, peer: 'bravo' }]);
    expect(JSON.stringify(s0)).toBe(json);
  });
});

describe('the transition tables', () => {
  it('cite a spec section for every event and message type', () => {
    for (const [type, entry] of Object.entries(EVENT_TABLE)) expect(entry.spec, type).toMatch(/§|issue/);
    for (const [type, entry] of Object.entries(MESSAGE_TABLE)) expect(entry.spec, type).toMatch(/§/);
  });
});

describe('more than two nodes', () => {
  it('leaves a dead node\'s groups to the first live node in ha.cf order (no double takeover)', () => {
    const groups = [group('alpha', '10.0.0.1'), group('bravo', '10.0.0.2'), group('charlie', '10.0.0.3')];
    const cfg = { ...base, nodes: ['alpha', 'bravo', 'charlie'], groups };
    const boot = (me: string): ManagerState =>
      run(createManager({ ...cfg, localNode: me }), [{ type: 'comm-up', now: 1, activePeers: ['alpha', 'bravo', 'charlie'].filter((n) => n !== me) }]).state;
    const onAlpha = step(boot('alpha'), { type: 'peer-dead', now: 5, peer: 'charlie' });
    const onBravo = step(boot('bravo'), { type: 'peer-dead', now: 5, peer: 'charlie' });
    expect(onAlpha.commands.filter((c) => c.kind === 'start-group').map((c) => (c as { key: string }).key)).toContain('10.0.0.1');
    expect(logs(onBravo.commands)).toContain('Resource groups of charlie are left to alpha, the first live node in ha.cf order');
    // alpha starts its own group first, then charlie's once that is done
    const alphaDone = step(onAlpha.state, { type: 'group-result', now: 6, key: '10.0.0.1', op: 'start', ok: true });
    expect(alphaDone.commands).toContainEqual({ kind: 'start-group', key: '10.0.0.3' });
    expect(onBravo.commands).not.toContainEqual({ kind: 'start-group', key: '10.0.0.3' });
  });
});

describe('isStable', () => {
  it('is false while a group operation is outstanding (legacy too)', () => {
    const legacy = createManager({ ...base, autoFailback: 'legacy' });
    const up = step(legacy, { type: 'comm-up', now: 1, activePeers: [] });
    expect(up.commands).toContainEqual({ kind: 'start-group', key: '10.0.0.1' });
    expect(isStable(up.state)).toBe(false);
    const done = step(up.state, { type: 'group-result', now: 2, key: '10.0.0.1', op: 'start', ok: true });
    expect(isStable(done.state)).toBe(true);
    expect(rscStatus(done.state)).toBe('local');
  });
});

describe('announcing kept groups again after a partition heal (docs/resource-manager.md §7 step 4)', () => {
  const msg = (now: number, fields: Record<string, string>): ManagerEvent => ({ type: 'message', now, message: { src: 'bravo', ...fields } as never });
  const reannounced = (cs: readonly ManagerCommand[]): string[] => cs.filter((c) => c.kind === 'reannounce-group').map((c) => (c as { key: string }).key);

  /** alpha holds both groups after a partition; bravo has just come back. */
  function healing(): ManagerState {
    return run(createManager(base), [
      { type: 'start', now: 0 },
      { type: 'comm-up', now: 0, activePeers: ['bravo'] },
      msg(100, { t: 'resource', rsc_hold: 'local', rtype: 'full', isstable: '1' }),
      { type: 'group-result', now: 400, key: '10.0.0.1', op: 'start', ok: true },
      { type: 'peer-dead', now: 10_000, peer: 'bravo' },
      { type: 'group-result', now: 10_300, key: '10.0.0.2', op: 'start', ok: true },
      { type: 'peer-returned', now: 30_000, peer: 'bravo' },
    ]).state;
  }

  it('a peer that never reports: the kept group is announced again when the wait for its release ends', () => {
    const resolved = run(healing(), [{ type: 'tick', now: 35_000 }]);
    expect(resolved.commands).toContainEqual({ kind: 'stop-group', key: '10.0.0.2' });
    expect(reannounced(resolved.commands)).toEqual([]);
    const stopped = run(resolved.state, [{ type: 'group-result', now: 35_200, key: '10.0.0.2', op: 'stop', ok: true }]);
    expect(reannounced(stopped.commands)).toEqual([]);
    expect(nextDeadline(stopped.state)).toBe(40_000);
    const due = run(stopped.state, [{ type: 'tick', now: 40_000 }]);
    expect(reannounced(due.commands)).toEqual(['10.0.0.1']);
    expect(nextDeadline(due.state)).toBeUndefined();
  });

  it('auto_failback legacy (no holdings reported): the kept group is announced at the heal, and again when the wait ends', () => {
    const split = run(createManager({ ...base, autoFailback: 'legacy' }), [
      { type: 'start', now: 0 },
      { type: 'comm-up', now: 0, activePeers: ['bravo'] },
      { type: 'peer-dead', now: 10_000, peer: 'bravo' },
    ]);
    expect(split.commands).toContainEqual({ kind: 'start-group', key: '10.0.0.1' });
    const held = run(split.state, [{ type: 'group-result', now: 10_300, key: '10.0.0.1', op: 'start', ok: true }]).state;
    const healed = run(held, [{ type: 'peer-returned', now: 30_000, peer: 'bravo' }]);
    // Not 5 s later: clients must leave the MAC bravo announced during the split now.
    expect(reannounced(healed.commands)).toEqual(['10.0.0.1']);
    expect(nextDeadline(healed.state)).toBe(35_000);
    const due = run(healed.state, [{ type: 'tick', now: 35_000 }]);
    expect(reannounced(due.commands)).toEqual(['10.0.0.1']);
  });

  it('the peer reports both groups, then dies before releasing: announced at its death', () => {
    const resolved = run(healing(), [msg(30_100, { t: 'resource', rsc_hold: 'all', rtype: 'full', isstable: '1' })]);
    expect(reannounced(resolved.commands)).toEqual([]);
    const dead = run(resolved.state, [{ type: 'peer-dead', now: 31_000, peer: 'bravo' }]);
    expect(reannounced(dead.commands)).toEqual(['10.0.0.1']);
  });
});
