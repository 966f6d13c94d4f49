import { describe, expect, it } from 'vitest';
import { OrderedQueue } from '../../../src/notify/index.js';

/** A delivery the test releases by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('OrderedQueue', () => {
  it('delivers in push order, one at a time, never inside push()', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const q = new OrderedQueue<number>({
      capacity: 100,
      guardMs: 10_000,
      deliver: async (n) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Uneven delivery times: a fast item after a slow one still waits its turn.
        await new Promise((r) => setTimeout(r, n % 3 === 0 ? 15 : 1));
        seen.push(n);
        inFlight--;
      },
    });
    for (let i = 1; i <= 20; i++) q.push(i);
    expect(seen).toEqual([]);
    await q.idle();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(maxInFlight).toBe(1);
    expect(q.stats).toEqual({ waiting: 0, delivered: 20, dropped: 0, busy: false });
  });

  it('when full, drops the OLDEST waiting item, counts it, and tells the next delivery', async () => {
    const g = gate();
    const delivered: Array<[string, number]> = [];
    const drops: Array<[string, number]> = [];
    const q = new OrderedQueue<string>({
      capacity: 3,
      guardMs: 10_000,
      deliver: async (s, dropped) => {
        if (s === 'a') await g.promise;
        delivered.push([s, dropped]);
      },
      onDrop: (s, total) => drops.push([s, total]),
    });
    q.push('a');
    await tick(); // 'a' is being delivered and blocks
    for (const s of ['b', 'c', 'd', 'e', 'f']) q.push(s);
    expect(drops).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
    expect(q.stats.waiting).toBe(3);
    g.open();
    await q.idle();
    expect(delivered).toEqual([
      ['a', 0],
      ['d', 2],
      ['e', 0],
      ['f', 0],
    ]);
    expect(q.stats.dropped).toBe(2);
  });

  it('a delivery that throws is reported and the stream goes on', async () => {
    const delivered: number[] = [];
    const failures: string[] = [];
    const q = new OrderedQueue<number>({
      capacity: 10,
      guardMs: 10_000,
      deliver: async (n) => {
        if (n === 2) throw new Error('boom');
        delivered.push(n);
      },
      onFailure: (n, problem) => failures.push(`${n}: ${problem}`),
    });
    for (const n of [1, 2, 3]) q.push(n);
    await q.idle();
    expect(delivered).toEqual([1, 3]);
    expect(failures).toEqual(['2: boom']);
  });

  it('a delivery that never settles is abandoned after guardMs, and the next one goes', async () => {
    const delivered: number[] = [];
    const failures: string[] = [];
    const q = new OrderedQueue<number>({
      capacity: 10,
      guardMs: 50,
      deliver: async (n) => {
        if (n === 1) await new Promise(() => undefined);
        delivered.push(n);
      },
      onFailure: (n, problem) => failures.push(`${n}: ${problem}`),
    });
    const started = Date.now();
    q.push(1);
    q.push(2);
    await q.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(delivered).toEqual([2]);
    expect(failures).toEqual(['1: still not delivered after 50 ms; going on with the next']);
  });

  it('close(): what waits is still delivered, nothing new is taken; idle() resolves at once when idle', async () => {
    const delivered: number[] = [];
    const q = new OrderedQueue<number>({ capacity: 10, guardMs: 1000, deliver: async (n) => void delivered.push(n) });
    await q.idle();
    q.push(1);
    q.push(2);
    q.close();
    q.push(3);
    await q.idle();
    expect(delivered).toEqual([1, 2]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => new OrderedQueue<number>({ capacity, guardMs: 1, deliver: async () => undefined })).toThrow(/positive integer/);
    }
  });
});
