// Resource moves as typed events (issue 14): the classification of the
// manager's activities into takeover / failback / standby / release with a
// fixed reason word, and the tracker that turns the daemon's group
// operations into one move with its duration.
import { describe, expect, it } from 'vitest';
import { classifyActivity, MOVE_REASONS, MoveTracker, type Activity } from '../../../src/observe/index.js';

const homes: Record<string, string> = { vip_a: 'alpha', vip_b: 'bravo' };
const homeOf = (k: string): string | undefined => homes[k];
const on = (node: string, a: Activity, started: string[] = []) => classifyActivity(a, node, homeOf, started);

describe('classifyActivity', () => {
  it.each<[string, Activity, string[], string, string]>([
    ['mach_down after a crash', { kind: 'mach-down', peer: 'alpha', reason: 'taken over from alpha (alpha is dead)' }, ['vip_a'], 'takeover', 'peer_dead'],
    ['mach_down after shutdone', { kind: 'mach-down', peer: 'alpha', reason: 'taken over from alpha (alpha shut down)' }, ['vip_a'], 'takeover', 'peer_shutdown'],
    ['own groups when the peer died', { kind: 'acquire-local', getAnyway: true, ask: false, reason: 'its home node is this node and alpha is dead' }, ['vip_b'], 'takeover', 'peer_dead'],
    ['own groups at start-up', { kind: 'acquire-local', getAnyway: false, ask: false, reason: 'its home node is this node (start-up negotiation)' }, ['vip_b'], 'acquire', 'startup'],
    ['standby hand-over of a foreign group', { kind: 'standby-acquire', rsc: 1, acquire: 2, reason: 'given by alpha (standby [all])' }, ['vip_a'], 'takeover', 'standby'],
    ['own group handed back', { kind: 'standby-acquire', rsc: 2, acquire: 1, reason: 'given by alpha (standby [foreign])' }, ['vip_b'], 'failback', 'standby'],
    ['shutdone acquisition', { kind: 'standby-acquire', rsc: 1, acquire: 2, reason: 'alpha shut down' }, ['vip_a'], 'takeover', 'peer_shutdown'],
    ['legacy ip-request of own group', { kind: 'legacy-take', key: 'vip_b', from: 'alpha' }, ['vip_b'], 'failback', 'ip_request'],
    ['legacy ip-request of a foreign group', { kind: 'legacy-take', key: 'vip_a', from: 'alpha' }, ['vip_a'], 'takeover', 'ip_request'],
    ['hb_standby', { kind: 'standby-release', rsc: 3, reason: 'given to the other node (hb_standby all)' }, [], 'standby', 'hb_standby'],
    ['peer hb_takeover', { kind: 'standby-release', rsc: 3, reason: 'given to the other node (hb_takeover all from alpha)' }, [], 'standby', 'hb_takeover'],
    ['auto_failback', { kind: 'standby-release', rsc: 2, reason: 'given to the other node (auto_failback)' }, [], 'standby', 'auto_failback'],
    ['probe hand-over', { kind: 'standby-release', rsc: 1, reason: 'given to the other node (hand-over of vip_b: probe web failed)' }, [], 'standby', 'handover'],
    ['shutdown', { kind: 'giveup-all', reason: 'released for shutdown (SIGTERM)' }, [], 'release', 'shutdown'],
    ['partition heal', { kind: 'release', keys: ['vip_a'], reason: 'partition heal: alpha keeps it' }, [], 'release', 'partition_heal'],
    ['start-up conflict', { kind: 'release', keys: ['vip_a'], reason: 'found running at start-up; its home node is active' }, [], 'release', 'startup_conflict'],
    ['legacy give', { kind: 'legacy-give', key: 'vip_b', asker: 'alpha' }, [], 'release', 'ip_request'],
    ['re-acquire after an abandoned standby', { kind: 'reacquire', keys: ['vip_b'], reason: 'a standby was abandoned after a failed stop' }, ['vip_b'], 'acquire', 'reacquire'],
  ])('%s', (_name, activity, started, kind, reason) => {
    const c = on('bravo', activity, started);
    expect(c).toMatchObject({ kind, reason });
    // Every reason is one of the documented words (a bounded label set).
    expect(MOVE_REASONS[c.kind]).toContain(c.reason);
  });
});

describe('MoveTracker', () => {
  const machDown: Activity = { kind: 'mach-down', peer: 'alpha', reason: 'taken over from alpha (alpha is dead)' };

  it('one activity with two group operations is one move, timed from the first start to the settle', () => {
    const t = new MoveTracker('bravo', homeOf);
    t.operationStarted(machDown, 1000);
    t.operationFinished({ key: 'vip_a', op: 'start', ok: true, durationMs: 300 });
    // The manager's state is a new value after each step: an equal copy is the same activity.
    expect(t.settle(structuredClone(machDown), 1300)).toBeUndefined();
    t.operationStarted(structuredClone(machDown), 1300);
    t.operationFinished({ key: 'vip_b', op: 'start', ok: true, durationMs: 200 });
    const move = t.settle(undefined, 1510);
    expect(move).toEqual({
      kind: 'takeover',
      reason: 'peer_dead',
      detail: 'taken over from alpha (alpha is dead)',
      peer: 'alpha',
      started: ['vip_a', 'vip_b'],
      stopped: [],
      failed: [],
      durationMs: 510,
    });
    expect(t.settle(undefined, 2000)).toBeUndefined();
  });

  it('a different activity running next ends the first; failures are reported', () => {
    const t = new MoveTracker('bravo', homeOf);
    const release: Activity = { kind: 'giveup-all', reason: 'released for shutdown (SIGTERM)' };
    t.operationStarted(machDown, 0);
    t.operationFinished({ key: 'vip_a', op: 'start', ok: false, durationMs: 50 });
    const first = t.settle(release, 60);
    expect(first).toMatchObject({ kind: 'takeover', started: [], failed: [{ key: 'vip_a', op: 'start', ok: false }] });
  });

  it('an activity that ran no group operation is no move', () => {
    const t = new MoveTracker('bravo', homeOf);
    expect(t.settle(machDown, 0)).toBeUndefined();
    expect(t.settle(undefined, 0)).toBeUndefined();
  });
});
