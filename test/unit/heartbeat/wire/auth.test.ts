// The digest functions and the auth value (spec §4).
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeDigest,
  crc32Heartbeat,
  formatAuthValue,
  parseAuthValue,
  verifyAuthValue,
} from '../../../../src/heartbeat/wire/index.js';
import { keySet } from './vectors.js';

describe('crc32Heartbeat (spec §4.4)', () => {
  it('is CRC-32/POSIX: check value of "123456789" is 765e7680', () => {
    expect(crc32Heartbeat('123456789')).toBe(0x765e7680);
    expect(crc32Heartbeat(Buffer.from('123456789'))).toBe(0x765e7680);
  });

  it('of nothing is ~0', () => {
    expect(crc32Heartbeat('')).toBe(0xffffffff);
  });

  it('agrees with POSIX cksum once the length suffix cksum appends is fed in', () => {
    // cksum(1) runs the same CRC over the data followed by its length
    // (least significant byte first, only as many bytes as needed).
    for (const size of [0, 1, 7, 255, 256, 1000, 65_537]) {
      const data = randomBytes(size);
      const suffix: number[] = [];
      for (let n = size; n > 0; n = Math.floor(n / 256)) suffix.push(n & 0xff);
      const out = execFileSync('cksum', [], { input: data }).toString();
      const expected = Number(out.split(' ')[0]);
      expect(crc32Heartbeat(Buffer.concat([data, Buffer.from(suffix)]))).toBe(expected);
    }
  });

  it('reads a string as latin1, the same as its bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32Heartbeat(Buffer.from(bytes).toString('latin1'))).toBe(crc32Heartbeat(bytes));
      }),
    );
  });

  it('is printed without zero padding', () => {
    // "a" has a CRC whose hex form has 8 digits; find one with a leading zero nibble.
    let found = '';
    for (let i = 0; found === '' && i < 100_000; i++) {
      const crc = crc32Heartbeat(String(i));
      if (crc < 0x10000000) found = String(i);
    }
    expect(found).not.toBe('');
    const digest = computeDigest('crc', '', found);
    expect(digest.length).toBeLessThan(8);
    expect(parseInt(digest, 16)).toBe(crc32Heartbeat(found));
  });
});

describe('computeDigest (spec §4.4)', () => {
  it('md5 is RFC 2104 HMAC-MD5 (RFC 2202 test cases 1 and 2)', () => {
    expect(computeDigest('md5', new Uint8Array(16).fill(0x0b), 'Hi There')).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    expect(computeDigest('md5', 'Jefe', 'what do ya want for nothing?')).toBe('750c783e6ab0b503eaa86e310a5db738');
  });

  it('sha1 is RFC 2104 HMAC-SHA1 (RFC 2202 test cases 1 and 2)', () => {
    expect(computeDigest('sha1', new Uint8Array(20).fill(0x0b), 'Hi There')).toBe('b617318655057264e28bc0b6fb378c8ef146be00');
    expect(computeDigest('sha1', 'Jefe', 'what do ya want for nothing?')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('hashes a key longer than 64 bytes first (RFC 2202 case 6)', () => {
    expect(computeDigest('md5', new Uint8Array(80).fill(0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
    );
  });

  it('takes string keys and data as latin1 bytes', () => {
    const key = 'k\xe9y';
    expect(computeDigest('sha1', key, 'd\xffta')).toBe(
      createHmac('sha1', Buffer.from([0x6b, 0xe9, 0x79])).update(Buffer.from([0x64, 0xff, 0x74, 0x61])).digest('hex'),
    );
  });

  it('is lowercase hex', () => {
    expect(computeDigest('md5', 'k', 'x')).toMatch(/^[0-9a-f]{32}$/);
    expect(computeDigest('sha1', 'k', 'x')).toMatch(/^[0-9a-f]{40}$/);
    expect(computeDigest('crc', '', 'x')).toMatch(/^[0-9a-f]{1,8}$/);
  });
});

describe('auth values (spec §4.2, §4.3)', () => {
  it('are "<index> <digest>"', () => {
    expect(formatAuthValue(1, 'abc')).toBe('1 abc');
    expect(parseAuthValue('15 0a')).toEqual({ ok: true, index: 15, digest: '0a' });
  });

  it.each([
    ['1 B64B43703B7406C7B21A6B2BC3B618AE', 'lowercase'],
    ['1 b64b43703b7406c7b21a6b2bc3b618aE', 'lowercase'],
    ['16 abc', 'Invalid authentication type [16]'],
    ['01 abc', 'Bad/invalid auth token'],
    ['-1 abc', 'Bad/invalid auth token'],
    ['1  abc', 'Bad/invalid auth token'],
    ['1 abc ', 'Bad/invalid auth token'],
    ['1', 'Bad/invalid auth token'],
    ['1 ', 'Bad/invalid auth token'],
    ['1 xyz', 'Bad/invalid auth token'],
    ['', 'Bad/invalid auth token'],
  ])('refuse %j (%s)', (value, reason) => {
    const r = parseAuthValue(value);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});

describe('verifyAuthValue: key rotation (spec §4.1)', () => {
  const data = 't=status\nsrc=alpha\n';
  const signedWith2 = formatAuthValue(2, computeDigest('sha1', 'new-key', data));

  it('verifies with any configured index, not only the signing one', () => {
    const keys = keySet(1, [1, 'md5', 'old-key'], [2, 'sha1', 'new-key']);
    expect(verifyAuthValue(keys, signedWith2, data)).toEqual({ ok: true, index: 2 });
  });

  it('rejects an index the keyset lacks', () => {
    const keys = keySet(1, [1, 'md5', 'old-key']);
    const r = verifyAuthValue(keys, signedWith2, data);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('Invalid authentication type [2]') });
  });

  it('uses the key and method of the index named in the value', () => {
    const keys = keySet(1, [1, 'sha1', 'new-key'], [2, 'md5', 'new-key']);
    expect(verifyAuthValue(keys, signedWith2, data).ok).toBe(false);
  });

  it('rejects a changed byte, a wrong-length digest and uppercase hex', () => {
    const keys = keySet(2, [2, 'sha1', 'new-key']);
    expect(verifyAuthValue(keys, signedWith2, `${data}x`).ok).toBe(false);
    expect(verifyAuthValue(keys, `${signedWith2}0`, data).ok).toBe(false);
    expect(verifyAuthValue(keys, signedWith2.slice(0, -1), data).ok).toBe(false);
    expect(verifyAuthValue(keys, signedWith2.toUpperCase(), data).ok).toBe(false);
  });

  it('accepts exactly the digests it computes (property, all methods)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('md5' as const, 'sha1' as const, 'crc' as const),
        fc.integer({ min: 0, max: 15 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }),
        (method, index, secret, data, other) => {
          const keys = keySet(index, [index, method, method === 'crc' ? '' : secret]);
          const value = formatAuthValue(index, computeDigest(method, method === 'crc' ? '' : secret, data));
          expect(verifyAuthValue(keys, value, data)).toEqual({ ok: true, index });
          if (!Buffer.from(other).equals(Buffer.from(data)) && method !== 'crc') {
            expect(verifyAuthValue(keys, value, other).ok).toBe(false);
          }
        },
      ),
    );
  });
});
