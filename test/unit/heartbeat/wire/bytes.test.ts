// The byte-to-string helpers the encoders use (spec §2: standard padded base64).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Of, latin1Of } from '../../../../src/heartbeat/wire/bytes.js';

describe('byte strings', () => {
  it('base64Of is standard padded base64 at every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(base64Of(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      { numRuns: 2000 },
    );
    expect(base64Of(new Uint8Array(Buffer.from('hxJ0nC+GQHKNvyf+qTAteQ==', 'base64')))).toBe('hxJ0nC+GQHKNvyf+qTAteQ==');
  });

  it('latin1Of maps each byte to one character', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(latin1Of(bytes)).toBe(Buffer.from(bytes).toString('latin1'));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads only the view, not the whole underlying buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(latin1Of(whole.subarray(2, 4))).toBe('\x03\x04');
    expect(base64Of(whole.subarray(2, 4))).toBe(Buffer.from([3, 4]).toString('base64'));
    const big = new Uint8Array(300).map((_, i) => i & 0xff);
    expect(latin1Of(big.subarray(100, 250))).toBe(Buffer.from(big.subarray(100, 250)).toString('latin1'));
    expect(base64Of(big.subarray(100, 250))).toBe(Buffer.from(big.subarray(100, 250)).toString('base64'));
  });
});
