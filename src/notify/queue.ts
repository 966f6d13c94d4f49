// The ordered queue behind every notification target: items are delivered
// one at a time, in the order they were pushed. Pushing never waits; the
// queue is bounded, and when it is full the OLDEST waiting item is dropped
// (and counted), so a stuck consumer costs memory up to `capacity` and the
// newest state of the cluster is always what comes through. A delivery that
// has not settled after `guardMs` is abandoned (the target's own timeout
// should have ended it first) so the stream goes on.
export interface OrderedQueueOptions<T> {
  readonly capacity: number;
  /** Delivers one item; `droppedBefore`: items dropped since the previous delivery. */
  readonly deliver: (item: T, droppedBefore: number) => Promise<void>;
  readonly guardMs: number;
  /** An item was dropped because the queue was full; `total` since the queue was made. */
  readonly onDrop?: (item: T, total: number) => void;
  /** A delivery threw, or outlived guardMs. */
  readonly onFailure?: (item: T, problem: string) => void;
}

export class OrderedQueue<T> {
  private readonly waiting: T[] = [];
  private busy = false;
  private closed = false;
  private droppedSinceDelivery = 0;
  private droppedTotal = 0;
  private delivered = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: OrderedQueueOptions<T>) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`queue capacity must be a positive integer, not ${options.capacity}`);
  }

  /** Queues an item; returns at once. Ignored after close(). */
  push(item: T): void {
    if (this.closed) return;
    if (this.waiting.length >= this.options.capacity) {
      const oldest = this.waiting.shift()!;
      this.droppedSinceDelivery++;
      this.droppedTotal++;
      this.options.onDrop?.(oldest, this.droppedTotal);
    }
    this.waiting.push(item);
    if (!this.busy) {
      this.busy = true;
      // Never deliver inside the caller's stack: the emitter goes on at once.
      queueMicrotask(() => void this.pump());
    }
  }

  get stats(): { readonly waiting: number; readonly delivered: number; readonly dropped: number; readonly busy: boolean } {
    return { waiting: this.waiting.length, delivered: this.delivered, dropped: this.droppedTotal, busy: this.busy };
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Accepts nothing more; what waits is still delivered (await idle() to see it through). */
  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    for (let item = this.waiting.shift(); item !== undefined; item = this.waiting.shift()) {
      const dropped = this.droppedSinceDelivery;
      this.droppedSinceDelivery = 0;
      await this.deliverGuarded(item, dropped);
      this.delivered++;
    }
    this.busy = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async deliverGuarded(item: T, dropped: number): Promise<void> {
    let guard: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        this.options.deliver(item, dropped).then(() => 'done' as const),
        new Promise<'stuck'>((resolve) => (guard = setTimeout(() => resolve('stuck'), this.options.guardMs))),
      ]);
      if (outcome === 'stuck') this.options.onFailure?.(item, `still not delivered after ${this.options.guardMs} ms; going on with the next`);
    } catch (err) {
      this.options.onFailure?.(item, err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(guard);
    }
  }
}
