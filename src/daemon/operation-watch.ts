// Group operations the manager is waiting for, and which of them have gone
// unanswered for long. A start or stop that never reports back holds the
// manager's activity forever (a failback of a hundred groups stops half-way
// with the rest held by nobody), and nothing else says so: each agent has its
// own timeouts, so an operation still running after `warnAfterMs` is either
// a very slow script or a lost answer (a bug). Either way the admin must
// hear of it: a warning when it is first overdue, then again every
// `repeatEveryMs`, naming the group and how long the activity has waited.
export interface WatchedOperation {
  readonly key: string;
  readonly op: 'start' | 'stop';
  readonly since: number;
}

export interface OverdueOperation extends WatchedOperation {
  readonly waitedMs: number;
}

export class OperationWatch {
  private readonly running = new Map<string, WatchedOperation & { nextWarnAt: number }>();

  constructor(
    private readonly warnAfterMs: number,
    private readonly repeatEveryMs: number,
  ) {}

  started(key: string, op: 'start' | 'stop', now: number): void {
    this.running.set(`${op} ${key}`, { key, op, since: now, nextWarnAt: now + this.warnAfterMs });
  }

  finished(key: string, op: 'start' | 'stop'): void {
    this.running.delete(`${op} ${key}`);
  }

  /** Operations due for a warning now (each is then due again `repeatEveryMs` later). */
  overdue(now: number): OverdueOperation[] {
    const due: OverdueOperation[] = [];
    for (const w of this.running.values()) {
      if (now < w.nextWarnAt) continue;
      w.nextWarnAt = now + this.repeatEveryMs;
      due.push({ key: w.key, op: w.op, since: w.since, waitedMs: now - w.since });
    }
    return due;
  }

  /** When the next warning may be due, or undefined when nothing runs. */
  nextCheckAt(): number | undefined {
    let next: number | undefined;
    for (const w of this.running.values()) if (next === undefined || w.nextWarnAt < next) next = w.nextWarnAt;
    return next;
  }

  get size(): number {
    return this.running.size;
  }
}

/** One line per group, overdue operations of the same kind and wait folded together. */
export function describeOverdue(list: readonly OverdueOperation[]): string[] {
  const byKind = new Map<string, OverdueOperation[]>();
  for (const o of list) {
    const k = `${o.op} ${Math.round(o.waitedMs / 1000)}`;
    byKind.set(k, [...(byKind.get(k) ?? []), o]);
  }
  return [...byKind.values()].map((ops) => {
    const first = ops[0]!;
    const groups = ops.length === 1 ? `resource group ${first.key}` : `${ops.length} resource groups (${ops.slice(0, 5).map((o) => o.key).join(', ')}${ops.length > 5 ? ', …' : ''})`;
    return `No ${first.op} result yet for ${groups} after ${Math.round(first.waitedMs / 1000)} s: the resource activity waits for ${ops.length === 1 ? 'it' : 'them'} (a hung resource script or agent, or a lost result)`;
  });
}
