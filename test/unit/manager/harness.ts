// Drives one resource manager and checks the invariants of issue 5 after
// every step, as an environment would see them: the commands it gives and
// the results it gets back.
import {
  believedHolders,
  groupViews,
  nextDeadline,
  rscStatus,
  step,
  type ManagerCommand,
  type ManagerEvent,
  type ManagerState,
} from '../../../src/resources/manager/index.js';

export class InvariantViolation extends Error {}

export interface Op {
  readonly op: 'start' | 'stop';
  readonly key: string;
}

export class NodeHarness {
  state: ManagerState;
  /** The group operation the manager is waiting for. */
  inflight: Op | null = null;
  /** Groups whose last start failed (and that were not started again since). */
  readonly failed = new Set<string>();
  shutdownComplete = false;
  readonly log: string[] = [];
  private readonly keys: Set<string>;

  constructor(
    readonly name: string,
    initial: ManagerState,
  ) {
    this.state = initial;
    this.keys = new Set(initial.config.groups.map((g) => g.key));
  }

  private fail(why: string): never {
    throw new InvariantViolation(`${this.name}: ${why}\n--- recent events ---\n${this.log.slice(-25).join('\n')}`);
  }

  apply(event: ManagerEvent): readonly ManagerCommand[] {
    const before = this.state;
    const beforeJson = JSON.stringify(before);
    const deadline = nextDeadline(before);
    const { state, commands } = step(before, event);
    this.log.push(`${event.now} ${JSON.stringify(event)}`);
    for (const c of commands) if (c.kind !== 'log' || c.level !== 'debug') this.log.push(`    → ${JSON.stringify(c)}`);
    if (JSON.stringify(before) !== beforeJson) this.fail('step() changed the state it was given');
    if (!Object.isFrozen(state) || !Object.isFrozen(state.groups)) this.fail('step() returned a state that is not frozen');
    this.state = state;
    for (const c of commands) this.check(c);
    this.checkState();
    if (event.type === 'tick' && deadline !== undefined && event.now >= deadline) {
      const next = nextDeadline(state);
      if (next !== undefined && next <= event.now) this.fail(`tick at ${event.now} did not move the deadline (${next})`);
    }
    return commands;
  }

  private check(c: ManagerCommand): void {
    switch (c.kind) {
      case 'log':
        if (c.text.includes('internal error')) this.fail(`internal error: ${c.text}`);
        return;
      case 'start-group':
      case 'stop-group': {
        if (!this.keys.has(c.key)) this.fail(`${c.kind} for an unknown group ${c.key}`);
        if (this.inflight !== null) this.fail(`${c.kind} ${c.key} while ${this.inflight.op} ${this.inflight.key} is outstanding`);
        this.inflight = { op: c.kind === 'start-group' ? 'start' : 'stop', key: c.key };
        if (c.kind === 'start-group') {
          if (this.shutdownComplete) this.fail(`start-group ${c.key} after shutdown-complete`);
          const holders = believedHolders(this.state, c.key);
          if (holders.length > 0) this.fail(`start-group ${c.key} while believing ${holders.join(',')} holds it`);
          this.failed.delete(c.key);
        }
        return;
      }
      case 'send':
        if (c.fields[0]?.[0] !== 't') this.fail(`send without t first: ${JSON.stringify(c.fields)}`);
        for (const [n, v] of c.fields) if (/[\n\0]/.test(n + v)) this.fail(`send field with a newline or NUL: ${n}`);
        if (c.dest !== undefined && !c.fields.some(([n, v]) => n === 'dest' && v === c.dest)) this.fail('send dest not in fields');
        return;
      case 'stop-failed':
        if (!this.keys.has(c.key)) this.fail(`stop-failed for an unknown group ${c.key}`);
        return;
      case 'shutdown-complete':
        if (this.shutdownComplete) this.fail('shutdown-complete twice');
        this.shutdownComplete = true;
        return;
      case 'shutdown-blocked':
      case 'admin-result':
        return;
    }
  }

  private checkState(): void {
    const me = this.state.config.localNode;
    for (const v of groupViews(this.state)) {
      const expect = this.inflight?.key === v.key ? (this.inflight.op === 'start' ? 'starting' : 'stopping') : undefined;
      if (expect !== undefined && v.state !== expect) this.fail(`group ${v.key} is ${v.state} while ${this.inflight?.op} is outstanding`);
      if (expect === undefined && (v.state === 'starting' || v.state === 'stopping')) this.fail(`group ${v.key} is ${v.state} with nothing outstanding`);
      if (this.failed.has(v.key) && (v.heldHere || v.holder === me)) this.fail(`holds ${v.key} although its start failed`);
      if (this.shutdownComplete && v.heldHere) this.fail(`holds ${v.key} after shutdown-complete`);
      // Issue 9 part 2: a group found half up is never reported as held.
      if (v.state === 'partial' && rscStatus(this.state) !== 'transition') this.fail(`rscstatus ${rscStatus(this.state)} while ${v.key} is only partially running`);
    }
  }

  /** The result of the outstanding operation, or undefined when none is outstanding. */
  result(now: number, ok: boolean, why = 'simulated failure'): readonly ManagerCommand[] | undefined {
    const op = this.inflight;
    if (op === null) return undefined;
    this.inflight = null;
    if (op.op === 'start' && !ok) this.failed.add(op.key);
    const event: ManagerEvent = ok
      ? { type: 'group-result', now, key: op.key, op: op.op, ok: true }
      : { type: 'group-result', now, key: op.key, op: op.op, ok: false, resource: `${op.key}-res`, reason: why };
    return this.apply(event);
  }
}
