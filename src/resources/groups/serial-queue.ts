// Operations on one key run one at a time, in the order they were asked for;
// different keys run independently.

export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly active = new Set<string>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const guarded = async (): Promise<T> => {
      if (this.active.has(key)) throw new Error(`internal error: two operations at once on ${key}`);
      this.active.add(key);
      try {
        return await task();
      } finally {
        this.active.delete(key);
      }
    };
    const current = previous.then(guarded, guarded);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }

  /** Whether an operation on KEY is running or queued. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
