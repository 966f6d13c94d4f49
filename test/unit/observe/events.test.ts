import { describe, expect, it } from 'vitest';
import { EventJournal } from '../../../src/observe/index.js';

describe('EventJournal (the bounded timeline)', () => {
  it('keeps the last `capacity` events, oldest first', () => {
    const j = new EventJournal(3);
    expect(j.list()).toEqual([]);
    for (let i = 1; i <= 5; i++) j.add({ kind: 'node-dead', text: `e${i}` }, Date.UTC(2026, 11, 3, 11, 0, i));
    expect(j.list().map((e) => e.text)).toEqual(['e3', 'e4', 'e5']);
    expect(j.list()[0]!.at).toBe('2026-12-03T11:00:03.000Z');
    j.add({ kind: 'node-up', text: 'e6' });
    expect(j.list().map((e) => e.text)).toEqual(['e4', 'e5', 'e6']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new EventJournal(0)).toThrow(/positive integer/);
    expect(() => new EventJournal(1.5)).toThrow(/positive integer/);
  });
});
