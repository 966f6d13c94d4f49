// An explicit lifecycle: named phases and the moves allowed between them, so
// "what may happen when" is one table to read (HeartbeatNode's, the
// daemon's) instead of flags spread over the code. A move the table does not
// allow is a bug in the caller and throws.

/** Phase → the phases it may move to. */
export type LifecycleTable<P extends string> = { readonly [K in P]: readonly P[] };

export class Lifecycle<P extends string> {
  private current: P;

  constructor(
    private readonly owner: string,
    private readonly table: LifecycleTable<P>,
    initial: P,
  ) {
    this.current = initial;
  }

  get phase(): P {
    return this.current;
  }

  is(phase: P): boolean {
    return this.current === phase;
  }

  isOneOf(...phases: P[]): boolean {
    return phases.includes(this.current);
  }

  moveTo(next: P): void {
    if (!this.table[this.current].includes(next)) throw new Error(`${this.owner}: cannot go from ${this.current} to ${next}`);
    this.current = next;
  }
}
