// address-batch.ts: which line of an `ip -force -batch` run failed, and why.
import { describe, expect, it } from 'vitest';
import { batchFailures } from '../../../src/resources/agents/address-batch.js';

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
