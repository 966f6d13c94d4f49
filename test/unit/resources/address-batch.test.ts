// address-batch.ts: which line of an `ip -force -batch` run failed, and why.
import { describe, expect, it } from 'vitest';
import { AddressBatcher, AddressChangeError, batchFailures, type AddJob } from '../../../src/resources/agents/address-batch.js';

describe('batchFailures (ip -force -batch error output)', () => {
  it('maps each failed line to the messages ip printed just before it', () => {
    const stderr = 'Cannot find device "nosuch0"\nCommand failed -:1\nRTNETLINK answers: File exists\nCommand failed -:3\n';
    expect([...batchFailures(stderr)]).toEqual([
      [1, 'Cannot find device "nosuch0"'],
      [3, 'RTNETLINK answers: File exists'],
    ]);
  });

  it('nothing failed: empty; a failure without a message: an empty reason', () => {
    expect(batchFailures('').size).toBe(0);
    expect([...batchFailures('Command failed -:2\n')]).toEqual([[2, '']]);
  });
});

describe('AddressBatcher: a batch that throws answers every caller in it', () => {
  const settledWithin = <T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: Error } | 'unanswered'> =>
    Promise.race([
      p.then(
        (value) => ({ ok: true as const, value }),
        (error: Error) => ({ ok: false as const, error }),
      ),
      new Promise<'unanswered'>((resolve) => setTimeout(() => resolve('unanswered'), ms)),
    ]);

  // A caller that is never answered is a group start that never ends: the
  // manager's activity (a failback of a hundred addresses) waits for it forever.
  it('an exception inside the batch fails its callers instead of leaving them waiting, and the next batch still runs', async () => {
    let batches = 0;
    const batcher = new AddressBatcher(['/bin/sh', '-c', 'exit 0', 'ip-stand-in'], () => {
      batches++;
    });
    const planThatThrowsOutside = {
      needsRoutes: false,
      // An exception inside plan() is handled per job; one while the batch reads its jobs' bounds breaks the batch itself.
      get timeoutMs(): number {
        throw new Error('boom outside any job');
      },
      plan: () => ({ kind: 'done', value: 'never' }),
    } as unknown as AddJob<string>;
    const first = await settledWithin(batcher.add(planThatThrowsOutside), 10_000);
    expect(first).not.toBe('unanswered');
    expect(first).toMatchObject({ ok: false });
    expect((first as { error: Error }).error).toBeInstanceOf(AddressChangeError);
    expect((first as { error: Error }).error.message).toContain('boom outside any job');
    const second = await settledWithin(batcher.add<string>({ needsRoutes: false, timeoutMs: 5000, plan: () => ({ kind: 'done', value: 'up already' }) }), 10_000);
    expect(second).toEqual({ ok: true, value: 'up already' });
    expect(batches).toBe(2);
  });

  it('a failing beforeAdding hook (starting the ARP sender early) does not fail the additions', async () => {
    const batcher = new AddressBatcher(['/bin/sh', '-c', 'exit 0', 'ip-stand-in'], () => {
      throw new Error('python3 would not start');
    });
    const r = await settledWithin(batcher.add<string>({ needsRoutes: false, timeoutMs: 5000, plan: () => ({ kind: 'done', value: 'up already' }) }), 10_000);
    expect(r).toEqual({ ok: true, value: 'up already' });
  });
});
