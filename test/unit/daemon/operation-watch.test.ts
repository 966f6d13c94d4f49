// operation-watch.ts: a group operation the manager waits for and that never
// answers (the failback stall of issue 12: half the groups held by nobody,
// silently) is logged once it is overdue, and again at intervals.
import { describe, expect, it } from 'vitest';
import { describeOverdue, OperationWatch } from '../../../src/daemon/operation-watch.js';

describe('OperationWatch', () => {
  it('an answered operation is never reported; an unanswered one is, after the bound and then at each repeat', () => {
    const w = new OperationWatch(60_000, 300_000);
    w.started('g1', 'start', 0);
    w.started('g2', 'start', 0);
    w.finished('g1', 'start');
    expect(w.nextCheckAt()).toBe(60_000);
    expect(w.overdue(59_999)).toEqual([]);
    expect(w.overdue(60_000)).toEqual([{ key: 'g2', op: 'start', since: 0, waitedMs: 60_000 }]);
    expect(w.overdue(60_001)).toEqual([]);
    expect(w.nextCheckAt()).toBe(360_000);
    expect(w.overdue(360_000).map((o) => o.waitedMs)).toEqual([360_000]);
    w.finished('g2', 'start');
    expect(w.size).toBe(0);
    expect(w.nextCheckAt()).toBeUndefined();
  });

  it('a start and a stop of the same group are two operations', () => {
    const w = new OperationWatch(1000, 1000);
    w.started('g', 'stop', 0);
    w.started('g', 'start', 10);
    w.finished('g', 'stop');
    expect(w.overdue(2000).map((o) => `${o.op} ${o.key}`)).toEqual(['start g']);
  });

  it('the log line names the groups and how long the activity waited, many groups folded into one line', () => {
    const lines = describeOverdue([
      ...Array.from({ length: 7 }, (_, i) => ({ key: `IPaddr::10.0.0.${i}`, op: 'start' as const, since: 0, waitedMs: 60_200 })),
      { key: 'nginx', op: 'stop', since: 0, waitedMs: 90_000 },
    ]);
    expect(lines).toEqual([
      'No start result yet for 7 resource groups (IPaddr::10.0.0.0, IPaddr::10.0.0.1, IPaddr::10.0.0.2, IPaddr::10.0.0.3, IPaddr::10.0.0.4, …) after 60 s: the resource activity waits for them (a hung resource script or agent, or a lost result)',
      'No stop result yet for resource group nginx after 90 s: the resource activity waits for it (a hung resource script or agent, or a lost result)',
    ]);
  });
});
