// Property tests: random messages of every field type survive both
// encodings and whole signed packets, for every auth method (spec §2–§4).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthMethod } from '../../../../src/config/types.js';
import {
  classicAuthText,
  computeDigest,
  decodePacket,
  encodeClassic,
  encodeNetstringBody,
  encodePacket,
  formatAuthValue,
  parseClassic,
  parseNetstring,
  type Field,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';
import { encodeGeneralPacket } from '../../../../src/heartbeat/wire/packet.js';
import { keySet } from './vectors.js';

const RUNS = { numRuns: 300 };

/** A latin1 string over the byte values allowed by `ok`. */
function latin1String(ok: (byte: number) => boolean, minLength = 0, maxLength = 12): fc.Arbitrary<string> {
  const bytes: number[] = [];
  for (let b = 1; b < 256; b++) if (ok(b)) bytes.push(b);
  // Favour the bytes that matter to the encodings.
  const special = bytes.filter((b) => b < 0x20 || b === 0x3d || b === 0x28 || b === 0x2c || b === 0x3a || b > 0x7e);
  const unit = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0x61, max: 0x7a }) },
    { weight: 1, arbitrary: fc.constantFrom(...bytes) },
    { weight: 1, arbitrary: fc.constantFrom(...(special.length > 0 ? special : bytes)) },
  );
  return fc.array(unit, { minLength, maxLength }).map((codes) => String.fromCharCode(...codes));
}

const NUL = 0x00;
const NL = 0x0a;
const EQ = 0x3d;
const NEWLINE_SYMBOL = 0x13;
const isDepthSymbol = (b: number): boolean => (b >= 0x14 && b <= 0x1f) || (b >= 0x0f && b <= 0x12);

interface Alphabet {
  readonly name: (b: number) => boolean;
  readonly value: (b: number) => boolean;
  readonly element: (b: number) => boolean;
  /** String field names may not start with '(' in classic text. */
  readonly classic: boolean;
}

const NETSTRING: Alphabet = {
  name: (b) => b !== NUL && b !== EQ,
  value: (b) => b !== NUL,
  element: (b) => b !== NUL,
  classic: false,
};
const CLASSIC_TOP: Alphabet = {
  name: (b) => b !== NUL && b !== EQ && b !== NL,
  value: (b) => b !== NUL && b !== NEWLINE_SYMBOL,
  element: (b) => b !== NUL && b !== NL,
  classic: true,
};
// Inside a struct, classic text cannot hold the depth symbols of the levels above.
const CLASSIC_NESTED: Alphabet = {
  name: (b) => CLASSIC_TOP.name(b) && !isDepthSymbol(b),
  value: (b) => CLASSIC_TOP.value(b) && !isDepthSymbol(b),
  element: (b) => CLASSIC_TOP.element(b) && !isDepthSymbol(b),
  classic: true,
};

function messageArbitrary(top: Alphabet, nested: Alphabet, maxDepth: number): fc.Arbitrary<HbMessage> {
  const build = (a: Alphabet, depth: number): fc.Arbitrary<HbMessage> => {
    const name = latin1String(a.name, 1, 8).filter((n) => n !== 'auth');
    const stringName = a.classic ? name.filter((n) => !n.startsWith('(')) : name;
    const bytes = fc.uint8Array({ maxLength: 24 }).map((u) => new Uint8Array(u));
    const kinds: Array<fc.Arbitrary<Field>> = [
      fc.record({ name: stringName, type: fc.constant(0 as const), value: latin1String(a.value, 0, 30) }),
      fc.record({ name, type: fc.constant(1 as const), value: bytes }),
      fc.record({
        name,
        type: fc.constant(3 as const),
        value: fc.array(latin1String(a.element, 1, 6), { minLength: 1, maxLength: 4 }),
      }),
      fc.record({ name, type: fc.constant(4 as const), value: bytes }),
    ];
    if (depth < maxDepth) {
      kinds.push(fc.record({ name, type: fc.constant(2 as const), value: build(nested, depth + 1) }));
    }
    return fc.array(fc.oneof(...kinds), { maxLength: depth === 0 ? 12 : 4 }).map((fields) => ({ fields }));
  };
  return build(top, 0);
}

const netstringMessage = messageArbitrary(NETSTRING, NETSTRING, 3);
const classicMessage = messageArbitrary(CLASSIC_TOP, CLASSIC_NESTED, 3);
/** What v1 cluster traffic holds: string and binary fields only. */
const flatClassicMessage = messageArbitrary(CLASSIC_TOP, CLASSIC_NESTED, 0).map((m) => ({
  fields: m.fields.filter((f) => f.type === 0 || f.type === 1),
}));

const method = fc.constantFrom<AuthMethod>('md5', 'sha1', 'crc');
const secret = latin1String((b) => b > 0x20 && b !== 0x7f, 1, 20);
const index = fc.integer({ min: 0, max: 15 });

function hasStructOrCompressed(m: HbMessage): boolean {
  return m.fields.some((f) => f.type === 2 || f.type === 4);
}

describe('netstring round trip (spec §3.2)', () => {
  it('parse(encode(m)) = m for messages of every field type', () => {
    fc.assert(
      fc.property(netstringMessage, (m) => {
        const encoded = encodeNetstringBody(m);
        if (!encoded.ok) throw new Error(encoded.reason);
        expect(parseNetstring(encoded.bytes)).toEqual({ ok: true, message: m, bodyEnd: encoded.bytes.length, trailer: undefined });
      }),
      RUNS,
    );
  });
});

describe('classic round trip (spec §3.1)', () => {
  it('parse(encode(m)) = m for messages of every field type, with or without NUL', () => {
    fc.assert(
      fc.property(classicMessage, fc.boolean(), (m, nul) => {
        const encoded = encodeClassic(m, { trailingNul: nul });
        if (!encoded.ok) throw new Error(encoded.reason);
        expect(parseClassic(encoded.bytes)).toEqual({ ok: true, message: m });
      }),
      RUNS,
    );
  });
});

describe('signed packets round trip (spec §3.3, §4)', () => {
  it('decodePacket(encodePacket(m)) gives m back (+ the inner auth under msgfmt classic)', () => {
    fc.assert(
      fc.property(
        fc.oneof(classicMessage, flatClassicMessage),
        method,
        secret,
        index,
        fc.constantFrom('classic' as const, 'netstring' as const),
        fc.boolean(),
        (m, meth, key, idx, msgfmt, compress) => {
          const keys = keySet(idx, [idx, meth, meth === 'crc' ? '' : key]);
          const encoded = encodePacket(m, keys, { msgfmt, traditionalCompression: compress, compressionThresholdKiB: 0 });
          if (!encoded.ok) throw new Error(encoded.reason);
          const decoded = decodePacket(encoded.bytes, keys);
          if (!decoded.ok) throw new Error(decoded.reason);
          expect(decoded.authIndex).toBe(idx);
          expect(decoded.format).toBe('netstring');
          expect(decoded.compressed).toBe(compress);
          if (msgfmt === 'classic' && !hasStructOrCompressed(m)) {
            const text = classicAuthText(m) as string;
            const auth = formatAuthValue(idx, computeDigest(meth, meth === 'crc' ? '' : key, text));
            expect(decoded.message).toEqual({ fields: [...m.fields, { name: 'auth', type: 0, value: auth }] });
          } else {
            expect(decoded.message).toEqual(m);
          }
        },
      ),
      RUNS,
    );
  });

  it('classic packets signed by their auth field decode to the same message', () => {
    fc.assert(
      fc.property(classicMessage, method, secret, index, (m, meth, key, idx) => {
        const k = meth === 'crc' ? '' : key;
        const keys = keySet(idx, [idx, meth, k]);
        const auth = formatAuthValue(idx, computeDigest(meth, k, classicAuthText(m) as string));
        const signed: HbMessage = { fields: [...m.fields, { name: 'auth', type: 0, value: auth }] };
        const encoded = encodeClassic(signed, { trailingNul: true });
        if (!encoded.ok) throw new Error(encoded.reason);
        expect(decodePacket(encoded.bytes, keys)).toEqual({
          ok: true,
          message: signed,
          format: 'classic',
          authIndex: idx,
          compressed: false,
        });
      }),
      RUNS,
    );
  });

  it('a packet signed with one key is rejected under another', () => {
    fc.assert(
      fc.property(flatClassicMessage, fc.constantFrom<AuthMethod>('md5', 'sha1'), secret, secret, (m, meth, a, b) => {
        fc.pre(a !== b);
        const encoded = encodePacket(m, keySet(1, [1, meth, a]), { msgfmt: 'classic' });
        if (!encoded.ok) throw new Error(encoded.reason);
        expect(decodePacket(encoded.bytes, keySet(1, [1, meth, b])).ok).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('the fast path for plain messages', () => {
  // v1 traffic (string and binary fields) is written straight into bytes;
  // it must be indistinguishable from the general encoder.
  const plainField: fc.Arbitrary<Field> = fc.oneof(
    fc.record({ name: latin1String(CLASSIC_TOP.name, 1, 8), type: fc.constant(0 as const), value: latin1String(NETSTRING.value, 0, 30) }),
    fc.record({ name: latin1String(CLASSIC_TOP.name, 1, 8), type: fc.constant(1 as const), value: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ name: fc.constant('auth'), type: fc.constant(0 as const), value: latin1String(NETSTRING.value, 0, 10) }),
    // Long values take the native copy inside the fast path.
    fc.record({ name: fc.constant('long'), type: fc.constant(0 as const), value: latin1String(NETSTRING.value, 100, 400) }),
  );
  const plainMessage = fc.array(plainField, { maxLength: 14 }).map((fields) => ({ fields }));

  it('gives the general encoder\'s bytes (or its refusal) for every plain message', () => {
    fc.assert(
      fc.property(plainMessage, method, secret, index, fc.constantFrom('classic' as const, 'netstring' as const), (m, meth, key, idx, msgfmt) => {
        const keys = keySet(idx, [idx, meth, meth === 'crc' ? '' : key]);
        const fast = encodePacket(m, keys, { msgfmt });
        const general = encodeGeneralPacket(m, keys, { msgfmt });
        if (general.ok) {
          expect(fast.ok).toBe(true);
          expect(fast.ok && fast.bytes.toString('latin1')).toBe(general.bytes.toString('latin1'));
        } else {
          expect(fast).toEqual(general);
        }
      }),
      { numRuns: 2000 },
    );
  });

  // Large buffers compared as text: element-wise deep equality is far slower.
  const summary = (r: ReturnType<typeof encodePacket>): string => (r.ok ? `ok ${r.bytes.toString('latin1')}` : `refused ${r.reason}`);

  it('agrees at the datagram size limit', () => {
    const keys = keySet(1, [1, 'sha1', 'k']);
    for (let pad = 65_340; pad < 65_460; pad++) {
      const m: HbMessage = { fields: [{ name: 't', type: 0, value: 'x' }, { name: 'p', type: 0, value: 'y'.repeat(pad) }] };
      for (const msgfmt of ['classic', 'netstring'] as const) {
        expect(summary(encodePacket(m, keys, { msgfmt }))).toBe(summary(encodeGeneralPacket(m, keys, { msgfmt })));
      }
    }
  });
});

describe('decodePacket on arbitrary bytes', () => {
  const keys = keySet(1, [1, 'md5', 'k'], [2, 'crc', '']);
  it('never throws and never reports an internal error', () => {
    const prefix = fc.constantFrom('', '###\n', '>>>\n', '###\n5:(0)', '>>>\n(2)s=>>>\x14');
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 300 }), (p, tail) => {
        const r = decodePacket(Buffer.concat([Buffer.from(p, 'latin1'), tail]), keys);
        expect(r.ok).toBe(false);
        expect(!r.ok && r.reason).not.toContain('internal');
      }),
      { numRuns: 3000 },
    );
  });
});
