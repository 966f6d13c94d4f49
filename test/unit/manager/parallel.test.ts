// Issue 12: the groups of one activity start (or stop) up to parallelGroups
// at once. What must not change: launch order (haresources order for starts,
// reverse for stops), one activity at a time (every stop of an earlier move
// ends before a later move starts anything), groups sharing an address or a
// script never overlap, the activity ends only when its last operation is
// answered, and a failed stop in a standby stops further releases.
import { describe, expect, it } from 'vitest';
import type { ResourceGroupConfig, ResourceRef } from '../../../src/config/types.js';
import { createManager, type ManagerCommand, type ManagerEvent, type ManagerState } from '../../../src/resources/manager/index.js';
import { mayLaunch, sharesResource } from '../../../src/resources/manager/parallel.js';
import { run } from './steps.js';

function ref(token: string, line: number): ResourceRef {
  const [script, ...args] = token.includes('::') ? token.split('::') : /^\d/.test(token) ? ['IPaddr', token] : [token];
  return { token, script: script!, args, line };
}

function group(node: string, tokens: readonly string[], line: number): ResourceGroupConfig {
  return { node, key: tokens[0]!, resources: tokens.map((t) => ref(t, line)), line };
}

const vips = (n: number): ResourceGroupConfig[] => Array.from({ length: n }, (_, i) => group('alpha', [`IPaddr::10.0.0.${i + 1}/24/eth0`], i + 1));

function manager(groups: ResourceGroupConfig[], parallelGroups?: number, batchedGroups?: readonly string[]): ManagerState {
  return createManager({
    localNode: 'alpha',
    nodes: ['alpha', 'bravo'],
    groups,
    autoFailback: 'on',
    failedStartStandbyDelay: 30_000,
    ...(parallelGroups === undefined ? {} : { parallelGroups }),
    ...(batchedGroups === undefined ? {} : { batchedGroups }),
  });
}

const ops = (cs: readonly ManagerCommand[]): string[] =>
  cs.filter((c) => c.kind === 'start-group' || c.kind === 'stop-group').map((c) => `${c.kind === 'start-group' ? 'start' : 'stop'} ${(c as { key: string }).key}`);

const sent = (cs: readonly ManagerCommand[], t: string): number => cs.filter((c) => c.kind === 'send' && c.fields[0]?.[1] === t).length;

const ok = (key: string, op: 'start' | 'stop', now = 200): ManagerEvent => ({ type: 'group-result', now, key, op, ok: true });

/** alpha negotiated with bravo; alpha's local groups are being acquired. */
function acquiring(groups: ResourceGroupConfig[], parallelGroups?: number, batchedGroups?: readonly string[]): { state: ManagerState; commands: ManagerCommand[] } {
  return run(manager(groups, parallelGroups, batchedGroups), [
    { type: 'start', now: 0 },
    { type: 'comm-up', now: 0, activePeers: ['bravo'] },
    { type: 'message', now: 100, message: { t: 'resource', src: 'bravo', rsc_hold: 'none', rtype: 'full', isstable: '1' } },
  ]);
}

describe('parallel group operations (issue 12)', () => {
  it('default (no parallelGroups): one group at a time, as Heartbeat', () => {
    const gs = vips(3);
    const a = acquiring(gs);
    expect(ops(a.commands)).toEqual([`start ${gs[0]!.key}`]);
    const b = run(a.state, [ok(gs[0]!.key, 'start')]);
    expect(ops(b.commands)).toEqual([`start ${gs[1]!.key}`]);
  });

  it('parallelGroups 2: two at once, launched in haresources order as answers come back; the activity ends with the last answer', () => {
    const gs = vips(5);
    const k = gs.map((g) => g.key);
    const a = acquiring(gs, 2);
    expect(ops(a.commands)).toEqual([`start ${k[0]}`, `start ${k[1]}`]);
    expect(a.state.currentActivity?.inFlight.map((o) => o.key)).toEqual([k[0], k[1]]);
    // An answer out of order frees one slot; the next group in order goes.
    const b = run(a.state, [ok(k[1]!, 'start')]);
    expect(ops(b.commands)).toEqual([`start ${k[2]}`]);
    const c = run(b.state, [ok(k[0]!, 'start'), ok(k[2]!, 'start')]);
    expect(ops(c.commands)).toEqual([`start ${k[3]}`, `start ${k[4]}`]);
    expect(c.state.currentActivity).not.toBeNull();
    const d = run(c.state, [ok(k[4]!, 'start')]);
    expect(d.state.currentActivity).not.toBeNull();
    const e = run(d.state, [ok(k[3]!, 'start')]);
    expect(e.state.currentActivity).toBeNull();
    expect(Object.values(e.state.groups).map((g) => g.state)).toEqual(['running', 'running', 'running', 'running', 'running']);
  });

  it('100 groups with parallelGroups 16: sixteen in flight, never more, every group started once', () => {
    const gs = vips(100);
    let { state, commands } = acquiring(gs, 16);
    const started: string[] = ops(commands);
    for (let i = 0; i < 200 && state.currentActivity !== null; i++) {
      expect(state.currentActivity.inFlight.length).toBeLessThanOrEqual(16);
      const first = state.currentActivity.inFlight[0]!;
      ({ state, commands } = run(state, [ok(first.key, 'start')]));
      started.push(...ops(commands));
    }
    expect(started).toEqual(gs.map((g) => `start ${g.key}`));
    expect(state.currentActivity).toBeNull();
  });

  it('groups of built-in addresses only (batchedGroups) take no slot: 100 of them all start at once at parallelGroups 16; the others still count', () => {
    const gs = [...vips(100), group('alpha', ['IPaddr::10.0.1.1/24/eth0', 'nginx'], 101), group('alpha', ['apache'], 102)];
    const batched = gs.slice(0, 100).map((g) => g.key);
    const a = acquiring(gs, 16, batched);
    expect(ops(a.commands)).toEqual(gs.map((g) => `start ${g.key}`));
    expect(a.state.currentActivity?.inFlight).toHaveLength(102);
    // With a bound of 2 the two script groups fill it; batched groups launched after them still go.
    const scripts = [group('alpha', ['nginx'], 1), group('alpha', ['apache'], 2), group('alpha', ['squid'], 3), ...vips(3)];
    const b = acquiring(scripts, 2, scripts.slice(3).map((g) => g.key));
    expect(ops(b.commands)).toEqual([`start ${scripts[0]!.key}`, `start ${scripts[1]!.key}`]);
    const c = run(b.state, [ok(scripts[0]!.key, 'start')]);
    expect(ops(c.commands)).toEqual([`start ${scripts[2]!.key}`, ...scripts.slice(3).map((g) => `start ${g.key}`)]);
  });

  it('parallelGroups 1 stays one group after the other even for batched groups (Heartbeat order)', () => {
    const gs = vips(3);
    const a = acquiring(gs, 1, gs.map((g) => g.key));
    expect(ops(a.commands)).toEqual([`start ${gs[0]!.key}`]);
  });

  it('batched groups still never overlap a group sharing their address', () => {
    const gs = [group('alpha', ['IPaddr::10.0.0.9/24/eth0'], 1), group('alpha', ['10.0.0.9', 'nginx'], 2), group('alpha', ['IPaddr::10.0.0.8/24/eth0'], 3)];
    const a = acquiring(gs, 16, [gs[0]!.key, gs[2]!.key]);
    expect(ops(a.commands)).toEqual([`start ${gs[0]!.key}`]);
  });

  it('group-results: a hundred answers in one event end the activity as a hundred events do (one done, same states)', () => {
    const gs = vips(100);
    const k = gs.map((g) => g.key);
    const batched = k;
    let s = acquiring(gs, 16, batched).state;
    s = run(s, [{ type: 'group-results', now: 200, results: k.map((key) => ok(key, 'start') as Extract<ManagerEvent, { type: 'group-result' }>) }]).state;
    expect(s.currentActivity).toBeNull();
    expect(k.every((key) => s.groups[key]!.state === 'running')).toBe(true);
    s = run(s, [{ type: 'message', now: 300, message: { t: 'resource', src: 'bravo', rsc_hold: 'none', rtype: 'full', isstable: '1' } }]).state;
    s = run(s, [{ type: 'admin-standby', now: 1000, rsc: 'all' }]).state;
    const release = run(s, [{ type: 'message', now: 1100, message: { t: 'ask_resources', src: 'bravo', rsc_hold: 'all', info: 'other' } }]);
    expect(ops(release.commands)).toEqual([...k].reverse().map((key) => `stop ${key}`));
    const one = run(release.state, [{ type: 'group-results', now: 1200, results: [...k].reverse().map((key) => ok(key, 'stop', 1200) as Extract<ManagerEvent, { type: 'group-result' }>) }]);
    const each = run(release.state, [...k].reverse().map((key) => ok(key, 'stop', 1200)));
    const done = (cs: readonly ManagerCommand[]): number => cs.filter((c) => c.kind === 'send' && c.fields.some(([f, v]) => f === 'info' && v === 'done')).length;
    expect(done(one.commands)).toBe(1);
    expect(done(each.commands)).toBe(1);
    expect(one.state.groups).toEqual(each.state.groups);
    expect(one.state.standby).toEqual(each.state.standby);
  });

  it('group-results with an entry that is not a group result: that entry is logged and ignored, the rest applies', () => {
    const gs = vips(2);
    const a = acquiring(gs, 2, gs.map((g) => g.key));
    const bad = { type: 'tick', now: 1 } as unknown as Extract<ManagerEvent, { type: 'group-result' }>;
    const r = run(a.state, [{ type: 'group-results', now: 200, results: [ok(gs[0]!.key, 'start') as Extract<ManagerEvent, { type: 'group-result' }>, bad, ok(gs[1]!.key, 'start') as Extract<ManagerEvent, { type: 'group-result' }>] }]);
    expect(r.commands.some((c) => c.kind === 'log' && /not a group result/.test(c.text))).toBe(true);
    expect(r.state.currentActivity).toBeNull();
  });

  it('groups sharing a script (nginx) or an address never overlap, and hold the later ones back (Heartbeat order)', () => {
    const gs = [
      group('alpha', ['IPaddr::10.0.0.1/24/eth0', 'nginx'], 1),
      group('alpha', ['IPaddr::10.0.0.2/24/eth0', 'nginx'], 2),
      group('alpha', ['IPaddr::10.0.0.3/24/eth0'], 3),
      group('alpha', ['10.0.0.3', 'FailoverRecorder::x'], 4),
    ];
    const a = acquiring(gs, 16);
    expect(ops(a.commands)).toEqual([`start ${gs[0]!.key}`]);
    const b = run(a.state, [ok(gs[0]!.key, 'start')]);
    // 3 shares nothing with 2 and goes along; 4 shares 10.0.0.3 with 3 and waits.
    expect(ops(b.commands)).toEqual([`start ${gs[1]!.key}`, `start ${gs[2]!.key}`]);
    const c = run(b.state, [ok(gs[1]!.key, 'start')]);
    expect(ops(c.commands)).toEqual([]);
    const d = run(c.state, [ok(gs[2]!.key, 'start')]);
    expect(ops(d.commands)).toEqual([`start ${gs[3]!.key}`]);
  });

  it('hb_standby: stops run in reverse haresources order, parallel; `done` goes only once every stop is answered', () => {
    const gs = vips(4);
    const k = gs.map((g) => g.key);
    let s = acquiring(gs, 4).state;
    s = run(s, k.map((key) => ok(key, 'start'))).state;
    s = run(s, [{ type: 'message', now: 300, message: { t: 'resource', src: 'bravo', rsc_hold: 'none', rtype: 'full', isstable: '1' } }]).state;
    const asked = run(s, [{ type: 'admin-standby', now: 1000, rsc: 'all' }]);
    expect(sent(asked.commands, 'ask_resources')).toBe(1);
    const release = run(asked.state, [{ type: 'message', now: 1100, message: { t: 'ask_resources', src: 'bravo', rsc_hold: 'all', info: 'other' } }]);
    expect(ops(release.commands)).toEqual([...k].reverse().map((key) => `stop ${key}`));
    const three = run(release.state, [ok(k[3]!, 'stop', 1200), ok(k[0]!, 'stop', 1200), ok(k[2]!, 'stop', 1200)]);
    expect(sent(three.commands, 'ask_resources')).toBe(0);
    const all = run(three.state, [ok(k[1]!, 'stop', 1300)]);
    expect(all.commands.some((c) => c.kind === 'send' && c.fields.some(([f, v]) => f === 'info' && v === 'done'))).toBe(true);
  });

  it('a failed stop in a standby launches no further stop; those in flight still finish, and only they are taken back', () => {
    const gs = vips(4);
    const k = gs.map((g) => g.key);
    let s = acquiring(gs, 2).state;
    s = run(s, [ok(k[0]!, 'start'), ok(k[1]!, 'start'), ok(k[2]!, 'start'), ok(k[3]!, 'start')]).state;
    s = run(s, [{ type: 'message', now: 300, message: { t: 'resource', src: 'bravo', rsc_hold: 'none', rtype: 'full', isstable: '1' } }]).state;
    s = run(s, [{ type: 'admin-standby', now: 1000, rsc: 'all' }]).state;
    const release = run(s, [{ type: 'message', now: 1100, message: { t: 'ask_resources', src: 'bravo', rsc_hold: 'all', info: 'other' } }]);
    expect(ops(release.commands)).toEqual([`stop ${k[3]}`, `stop ${k[2]}`]);
    const failed = run(release.state, [{ type: 'group-result', now: 1200, key: k[3]!, op: 'stop', ok: false, resource: k[3]!, reason: 'exit 1' }]);
    expect(ops(failed.commands)).toEqual([]);
    expect(failed.state.currentActivity?.inFlight.map((o) => o.key)).toEqual([k[2]]);
    // The aborted standby takes back what it had stopped (as with one group at a time); the rest was never touched.
    const done = run(failed.state, [ok(k[2]!, 'stop', 1300)]);
    expect(ops(done.commands)).toEqual([`start ${k[2]}`]);
    expect(done.state.groups[k[0]!]!.state).toBe('running');
    expect(done.state.groups[k[1]!]!.state).toBe('running');
    expect(done.state.groups[k[3]!]!.state).toBe('stop-failed');
  });

  it('mayLaunch / sharesResource: the bound, and what counts as shared', () => {
    const [a, b] = vips(2);
    const web = group('alpha', ['IPaddr::10.0.0.1/24/eth0', 'nginx'], 3);
    expect(sharesResource(a!, b!)).toBe(false);
    expect(sharesResource(a!, web)).toBe(true);
    expect(sharesResource(group('alpha', ['10.0.0.1'], 4), a!)).toBe(true);
    expect(mayLaunch([a!, b!], 1, [{ op: 'start', key: a!.key }], { op: 'start', key: b!.key })).toBe(false);
    expect(mayLaunch([a!, b!], 2, [{ op: 'start', key: a!.key }], { op: 'start', key: b!.key })).toBe(true);
    expect(mayLaunch([a!, web], 2, [{ op: 'start', key: web.key }], { op: 'start', key: a!.key })).toBe(false);
  });

  it('parallelGroups must be a whole number ≥ 1', () => {
    expect(() => manager(vips(1), 0)).toThrow(/parallelGroups must be an integer >= 1/);
    expect(() => manager(vips(1), 1.5)).toThrow(/parallelGroups/);
  });
});
