// Every captured packet of spec/vectors: decode, verify both auth forms, and
// re-encode byte for byte.
import { describe, expect, it } from 'vitest';
import {
  classicAuthText,
  computeDigest,
  decodePacket,
  encodeClassic,
  encodePacket,
  formatAuthValue,
  getBinary,
  getString,
  parseNetstring,
  parseNetstringTrailer,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';
import { keySet, loadVectors, vectorKeys } from './vectors.js';

const vectors = loadVectors();

function decoded(payload: Buffer, keys = vectorKeys(vectors[0]!)): HbMessage {
  const r = decodePacket(payload, keys);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

describe('captured vectors', () => {
  it('are all present (six captures from the real daemon)', () => {
    expect(vectors.map((v) => v.file)).toEqual([
      '01-status-md5.txt',
      '02-starting-md5.txt',
      '03-resource-stable-md5.txt',
      '04-ask-resources-standby-md5.txt',
      '05-mach-down-sha1.txt',
      '06-status-crc.txt',
    ]);
  });

  for (const v of vectors) {
    describe(v.file, () => {
      const keys = vectorKeys(v);

      it('decodes as an authenticated netstring packet (spec §3.2, §4.3)', () => {
        const r = decodePacket(v.payload, keys);
        expect(r).toMatchObject({ ok: true, format: 'netstring', authIndex: v.index, compressed: false });
      });

      it('has a trailer equal to the recomputed digest of ###\\n…%%%\\n (spec §4.3)', () => {
        const parsed = parseNetstring(v.payload);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(v.payload.subarray(0, parsed.bodyEnd)).toEqual(v.outerHashed);
        expect(parseNetstringTrailer(v.payload, parsed.bodyEnd)).toBe(v.outerAuth);
        expect(formatAuthValue(v.index, computeDigest(v.method, v.key, v.outerHashed))).toBe(v.outerAuth);
      });

      it('has an inner auth field over the classic text of the other fields (spec §4.2)', () => {
        const msg = decoded(v.payload, keys);
        expect(getString(msg, 'auth')).toBe(v.innerAuth);
        expect(msg.fields.at(-1)?.name).toBe('auth');
        const text = classicAuthText(msg);
        expect(text).toBe(v.innerHashed.toString('latin1'));
        expect(formatAuthValue(v.index, computeDigest(v.method, v.key, text as string))).toBe(v.innerAuth);
      });

      it('re-encodes byte for byte, inner auth and trailer included (spec §3.3, §3.4)', () => {
        const msg = decoded(v.payload, keys);
        const again = encodePacket(msg, keys, { msgfmt: 'classic' });
        expect(again.ok && again.bytes.equals(v.payload)).toBe(true);
        // The daemon computes the inner auth before serialising: the same bytes come out of the
        // message without its auth field (appended last) and with a stale one (replaced in place).
        const unsigned: HbMessage = { fields: msg.fields.filter((f) => f.name !== 'auth') };
        const fromUnsigned = encodePacket(unsigned, keys, { msgfmt: 'classic' });
        expect(fromUnsigned.ok && fromUnsigned.bytes.toString('latin1')).toBe(v.payload.toString('latin1'));
        const stale: HbMessage = {
          fields: msg.fields.map((f) => (f.name === 'auth' ? { name: 'auth', type: 0 as const, value: '1 00' } : f)),
        };
        const fromStale = encodePacket(stale, keys, { msgfmt: 'classic' });
        expect(fromStale.ok && fromStale.bytes.equals(v.payload)).toBe(true);
      });

      it('has a 16-byte binary srcuuid and hex seq/hg/ts (spec §5)', () => {
        const msg = decoded(v.payload, keys);
        expect(getBinary(msg, 'srcuuid')?.length).toBe(16);
        for (const hex of ['seq', 'hg', 'ts']) expect(getString(msg, hex)).toMatch(/^[0-9a-f]+$/);
        expect(getString(msg, 'ttl')).toBe('3');
      });

      it('is also accepted as classic text signed by its inner auth (spec §0.2, §3.1)', () => {
        const msg = decoded(v.payload, keys);
        const classic = encodeClassic(msg, { trailingNul: true });
        if (!classic.ok) throw new Error(classic.reason);
        const r = decodePacket(classic.bytes, keys);
        expect(r).toMatchObject({ ok: true, format: 'classic', authIndex: v.index, compressed: false });
        expect(r.ok && r.message).toEqual(msg);
      });

      it('is rejected under a different key, and without any key for its index (spec §4.5)', () => {
        if (v.method !== 'crc') {
          const wrong = decodePacket(v.payload, keySet(v.index, [v.index, v.method, `${v.key}x`]));
          expect(wrong).toEqual({ ok: false, reason: expect.stringContaining('authtoken does not match') });
        }
        const other = v.index === 1 ? 2 : 1;
        const missing = decodePacket(v.payload, keySet(other, [other, 'md5', 'labsecret']));
        expect(missing).toEqual({ ok: false, reason: expect.stringContaining(`Invalid authentication type [${v.index}]`) });
      });
    });
  }

  it('vector 01 decodes to the fields of spec §5.1, in order', () => {
    const v = vectors[0]!;
    const msg = decoded(v.payload, vectorKeys(v));
    expect(msg.fields.map((f) => f.name)).toEqual([
      't', 'st', 'dt', 'protocol', 'src', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl', 'auth',
    ]);
    expect(getString(msg, 'dt')).toBe('bb8');
    expect(getString(msg, 'ld')).toBe('0.22 0.17 0.09 3/113 24643');
    expect(Buffer.from(getBinary(msg, 'srcuuid')!).toString('base64')).toBe('hxJ0nC+GQHKNvyf+qTAteQ==');
  });

  it('vector 05 uses the first token of a key with spaces (spec §4.1)', () => {
    const v = vectors[4]!;
    expect(v.key).toBe('Sha1-Key');
    expect(decodePacket(v.payload, keySet(1, [1, 'sha1', 'Sha1-Key with spaces?'])).ok).toBe(false);
    expect(decodePacket(v.payload, keySet(1, [1, 'sha1', 'Sha1-Key'])).ok).toBe(true);
  });

  it('vector 06 prints the crc without padding (spec §4.4)', () => {
    const v = vectors[5]!;
    expect(v.innerAuth).toBe('1 45ea08ba');
    expect(v.outerAuth).toBe('1 79b980f0');
  });
});
