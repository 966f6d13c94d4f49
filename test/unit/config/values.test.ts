import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { editDistance, formatMillis, isIPv4, parseBoolean, parseInteger, parseTime, suggest } from '../../../src/config/values.js';

describe('parseTime (spec §10: bare number = seconds, ms, us/usec; 2s invalid)', () => {
  it.each([
    ['2', 2000],
    ['1.5', 1500],
    ['.5', 500],
    ['10', 10_000],
    ['1500ms', 1500],
    ['500MS', 500],
    ['1000000us', 1000],
    ['1000000usec', 1000],
    ['499us', 0],
    ['501us', 1],
    ['0.001', 1],
    ['0', 0],
  ])('%s = %i ms', (text, ms) => {
    expect(parseTime(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['2s', '30sec', 'ms', '', '-1', '1e3', 'abc', '1.2.3', '5 ms', '2m'])('refuses %j', (text) => {
    const r = parseTime(text);
    expect(r.ok).toBe(false);
  });

  it('explains that a bare number already means seconds when given "2s"', () => {
    expect(parseTime('2s')).toEqual({ ok: false, reason: expect.stringContaining('a bare number already means seconds (write 2)') });
  });

  it('refuses more than one day', () => {
    expect(parseTime('86401').ok).toBe(false);
    expect(parseTime('86400')).toEqual({ ok: true, value: 86_400_000 });
  });

  it('n ms and n/1000 s agree for every whole n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), (n) => {
        const a = parseTime(`${n}ms`);
        const b = parseTime(String(n / 1000));
        return a.ok && b.ok && a.value === n && b.value === n;
      }),
    );
  });
});

describe('parseBoolean (ha.cf sample: true on yes y 1 / false off no n 0, any case)', () => {
  it.each(['true', 'ON', 'Yes', 'y', '1'])('%s is true', (w) => expect(parseBoolean(w)).toEqual({ ok: true, value: true }));
  it.each(['false', 'Off', 'NO', 'n', '0'])('%s is false', (w) => expect(parseBoolean(w)).toEqual({ ok: true, value: false }));
  it.each(['', 'enable', '2', 'oui'])('%j is refused', (w) => expect(parseBoolean(w).ok).toBe(false));
});

describe('small helpers', () => {
  it('parseInteger bounds and junk', () => {
    expect(parseInteger('255', 0, 255)).toEqual({ ok: true, value: 255 });
    expect(parseInteger('256', 0, 255).ok).toBe(false);
    expect(parseInteger('12abc', 0, 255).ok).toBe(false);
    expect(parseInteger('-1', 0, 255).ok).toBe(false);
  });
  it('isIPv4', () => {
    expect(isIPv4('10.77.0.1')).toBe(true);
    expect(isIPv4('255.255.255.255')).toBe(true);
    expect(isIPv4('10.0.0.256')).toBe(false);
    expect(isIPv4('10.0.0')).toBe(false);
    expect(isIPv4('010.0.0.1')).toBe(false);
  });
  it('formatMillis', () => {
    expect(formatMillis(250)).toBe('250 ms');
    expect(formatMillis(10_250)).toBe('10.25 s');
    expect(formatMillis(3000)).toBe('3 s');
  });
  it('suggests close directive names only', () => {
    expect(suggest('keepalve', ['keepalive', 'deadtime'])).toBe('keepalive');
    expect(suggest('zzz', ['keepalive', 'deadtime'])).toBeUndefined();
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
