// The manager's one timer list (TIMERS): nextDeadline() is built from it, and
// a tick at the deadline it reports is acted on — also for the three
// deadlines settle() fires after the event (hand-overs, the shutdown settle
// limit) rather than fireDueTimers() before it.
import { describe, expect, it } from 'vitest';
import {
  createManager,
  nextDeadline,
  TIMERS,
  type ManagerCommand,
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

const sent = (cs: readonly ManagerCommand[], t: string): string[][] =>
  cs
    .filter((c): c is Extract<ManagerCommand, { kind: 'send' }> => c.kind === 'send' && c.fields[0]?.[1] === t)
    .map((c) => c.fields.map(([k, v]) => `${k}=${v}`));

const logs = (cs: readonly ManagerCommand[]): string[] =>
  cs.filter((c): c is Extract<ManagerCommand, { kind: 'log' }> => c.kind === 'log').map((c) => c.text);

/** alpha and bravo negotiated; alpha is starting its local group. */
function starting(): ManagerState {
  return run(createManager(base), [
    { type: 'start', now: 0 },
    { type: 'comm-up', now: 0, activePeers: ['bravo'] },
    { type: 'message', now: 100, message: { t: 'resource', src: 'bravo', rsc_hold: 'local', rtype: 'full', isstable: '1' } },
  ]).state;
}

describe('TIMERS', () => {
  it('has every timer unarmed on a fresh manager, and names each once', () => {
    const s = createManager(base);
    expect(TIMERS.map((t) => t.due(s))).toEqual(TIMERS.map(() => null));
    expect(new Set(TIMERS.map((t) => t.name)).size).toBe(TIMERS.length);
    expect(nextDeadline(s)).toBeUndefined();
  });

  it('a failed start: the hand-over is due after failedStartStandbyDelay, and a tick then sends the standby request', () => {
    const s0 = starting();
    expect(s0.currentActivity?.inFlight).toEqual([{ op: 'start', key: '10.0.0.1' }]);
    const failed = run(s0, [{ type: 'group-result', now: 1_000, key: '10.0.0.1', op: 'start', ok: false, resource: 'IPaddr::10.0.0.1', reason: 'exit 1' }]);
    expect(nextDeadline(failed.state)).toBe(31_000);
    const early = run(failed.state, [{ type: 'tick', now: 30_999 }]);
    expect(sent(early.commands, 'ask_resources')).toEqual([]);
    const due = run(early.state, [{ type: 'tick', now: 31_000 }]);
    expect(sent(due.commands, 'ask_resources')).toEqual([['t=ask_resources', 'rsc_hold=local', 'info=me']]);
    expect(due.state.handovers).toEqual([]);
  });

  it('a shutdown waiting for the cluster to settle goes ahead at the settle limit', () => {
    const s0 = starting();
    const waiting = run(s0, [{ type: 'shutdown', now: 1_000 }]);
    expect(waiting.state.shutdown.phase).toBe('waiting');
    expect(logs(waiting.commands)).toContain('Shutdown delayed until current resource activity finishes.');
    expect(nextDeadline(waiting.state)).toBe(16_000);
    const early = run(waiting.state, [{ type: 'tick', now: 15_999 }]);
    expect(logs(early.commands).some((l) => l.startsWith('Shutdown no longer delayed'))).toBe(false);
    const due = run(early.state, [{ type: 'tick', now: 16_000 }]);
    expect(logs(due.commands)).toContain('Shutdown no longer delayed: the cluster did not settle within 15 s');
    // Forced: only the start in flight is still awaited; then everything is released.
    const done = run(due.state, [
      { type: 'group-result', now: 16_500, key: '10.0.0.1', op: 'start', ok: true },
      { type: 'group-result', now: 17_000, key: '10.0.0.1', op: 'stop', ok: true },
    ]);
    expect(done.commands).toContainEqual({ kind: 'shutdown-complete' });
  });
});
