// A million random and mutated packets through decodePacket (issue 3).
//
// Seeds: the six captured packets of the real daemon, plus packets we sign
// ourselves in the forms the captures lack (classic text, a compressed
// envelope, struct/list fields, a rotated key). Each fuzz packet is a seed
// with 1–3 cheap mutations (bit flips, byte stores, truncation, insertion,
// deletion, duplication, length-field tampering, trailer tampering, splices
// with other seeds, junk), or random bytes behind a format prefix.
//
// Property checked for every packet:
//  1. decodePacket returns; no exception escapes and none is swallowed
//     (an "internal decoder error" result counts as an escaped exception).
//  2. No forgery: when the packet is accepted, the message it decodes to is
//     field for field (names, types, bytes, order) one that a key holder
//     signed (one of the seeds' messages) — except that the single `auth`
//     field of a classic packet may sit anywhere, since the digest excludes
//     it (spec §4.2) — and for a netstring packet its authenticated bytes
//     `###\n…%%%\n` are byte-identical to a seed's. Only unauthenticated
//     bytes may differ: a classic packet's skipped empty lines, trailing NUL
//     and auth line position, a netstring trailer's equivalent length form.
// Reproducible: FUZZ_SEED picks the PRNG seed, FUZZ_PACKETS the count.
import { describe, expect, it } from 'vitest';
import type { AuthKeysConfig } from '../../../../src/config/types.js';
import {
  computeDigest,
  decodePacket,
  encodeClassic,
  encodePacket,
  formatAuthValue,
  classicAuthText,
  parseNetstring,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';
import { keySet, loadVectors, vectorKeys } from './vectors.js';

const PACKETS = Number(process.env['FUZZ_PACKETS'] ?? 1_000_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed1234);

interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
  readonly keys: AuthKeysConfig;
}

/** xorshift32: cheap and reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * What a signature vouches for. On the classic path the digest covers every
 * field but the (single) auth field, so that field's position is not
 * authenticated: it is compared by value, apart from the other fields.
 */
function canonical(msg: HbMessage): string {
  const hex = (_k: string, v: unknown): unknown => (v instanceof Uint8Array ? { bytes: Buffer.from(v).toString('hex') } : v);
  const auth = msg.fields.filter((f) => f.name === 'auth');
  return JSON.stringify({ fields: msg.fields.filter((f) => f.name !== 'auth'), auth }, hex);
}

function buildSeeds(): Seed[] {
  const seeds: Seed[] = loadVectors().map((v) => ({ name: v.file, bytes: v.payload, keys: vectorKeys(v) }));
  const md5 = keySet(1, [1, 'md5', 'labsecret'], [2, 'sha1', 'rotated'], [3, 'crc', '']);
  const status: HbMessage = {
    fields: [
      { name: 't', type: 0, value: 'status' },
      { name: 'st', type: 0, value: 'active' },
      { name: 'src', type: 0, value: 'bravo' },
      { name: 'srcuuid', type: 1, value: new Uint8Array([0xcf, 0xd1, 0x18, 0x3d, 0x74, 0xa6, 0x43, 0x4e, 0xa4, 0x0b, 0xaa, 0xde, 0x91, 0x1f, 0x32, 0x12]) },
      { name: 'info', type: 0, value: 'multi\nline' },
      { name: 'seq', type: 0, value: '2a' },
    ],
  };
  const encode = (name: string, msg: HbMessage, keys: AuthKeysConfig, opts: Parameters<typeof encodePacket>[2]): Seed => {
    const r = encodePacket(msg, keys, opts);
    if (!r.ok) throw new Error(r.reason);
    return { name, bytes: r.bytes, keys };
  };
  // A classic-text packet signed by its auth field.
  const auth = formatAuthValue(1, computeDigest('md5', 'labsecret', classicAuthText(status) as string));
  const classic = encodeClassic({ fields: [...status.fields, { name: 'auth', type: 0, value: auth }] }, { trailingNul: true });
  if (!classic.ok) throw new Error(classic.reason);
  seeds.push({ name: 'classic-md5', bytes: classic.bytes, keys: md5 });
  seeds.push(encode('rotated-sha1', status, keySet(2, [1, 'md5', 'labsecret'], [2, 'sha1', 'rotated']), { msgfmt: 'classic' }));
  seeds.push(
    encode(
      'struct-list-netstring',
      {
        fields: [
          ...status.fields,
          { name: 'l', type: 3, value: ['alpha', 'bravo', 'x,y:z'] },
          { name: 's', type: 2, value: { fields: [{ name: 'c', type: 0, value: '1' }, { name: 'u', type: 1, value: new Uint8Array([0, 1, 2]) }] } },
        ],
      },
      md5,
      { msgfmt: 'netstring' },
    ),
  );
  const bulky: HbMessage = { fields: [...status.fields, { name: 'pad', type: 0, value: 'resource group '.repeat(200) }] };
  seeds.push(encode('compressed-md5', bulky, md5, { msgfmt: 'classic', traditionalCompression: true }));
  seeds.push(encode('crc-netstring', status, keySet(3, [3, 'crc', '']), { msgfmt: 'netstring' }));
  return seeds;
}

const INTERESTING = [0x00, 0x0a, 0x0d, 0x13, 0x14, 0x20, 0x23, 0x25, 0x28, 0x29, 0x2c, 0x30, 0x31, 0x39, 0x3a, 0x3d, 0x3c, 0x3e, 0x41, 0x61, 0x66, 0xff];

function mutate(seed: Buffer, seeds: readonly Seed[], next: () => number): Buffer {
  let b = seed;
  const rounds = 1 + (next() % 3);
  for (let r = 0; r < rounds; r++) {
    const len = b.length;
    const at = len === 0 ? 0 : next() % len;
    switch (next() % 11) {
      case 0: {
        // bit flips
        b = Buffer.from(b);
        const flips = 1 + (next() % 3);
        for (let i = 0; i < flips && len > 0; i++) {
          const p = next() % len;
          b[p] = (b[p] as number) ^ (1 << (next() % 8));
        }
        break;
      }
      case 1: {
        // store a byte that means something to one of the parsers
        if (len === 0) break;
        b = Buffer.from(b);
        b[at] = INTERESTING[next() % INTERESTING.length] as number;
        break;
      }
      case 2:
        b = b.subarray(0, at);
        break;
      case 3: {
        const n = 1 + (next() % 4);
        const ins = Buffer.alloc(n);
        for (let i = 0; i < n; i++) ins[i] = next() % 3 === 0 ? (INTERESTING[next() % INTERESTING.length] as number) : next() & 0xff;
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 4: {
        const n = 1 + (next() % 8);
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(len, at + n))]);
        break;
      }
      case 5: {
        // duplicate a slice elsewhere (repeats fields, markers, lengths)
        const from = len === 0 ? 0 : next() % len;
        const n = 1 + (next() % 40);
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, Math.min(len, from + n)), b.subarray(at)]);
        break;
      }
      case 6:
        b = tamperLength(b, next);
        break;
      case 7: {
        // rewrite the trailer's digest or index
        const text = b.toString('latin1');
        const cut = text.lastIndexOf('%%%\n');
        if (cut < 0) break;
        const trailer = text.slice(cut + 4);
        const choices = [trailer.toUpperCase(), trailer.replace(/:(\d+) /, ':2 '), trailer.replace(/:\d+ /, ':1 '), trailer.replace(/,$/, '0,'), `0${trailer}`, ''];
        b = Buffer.from(text.slice(0, cut + 4) + (choices[next() % choices.length] as string), 'latin1');
        break;
      }
      case 8: {
        // splice with another seed
        const other = (seeds[next() % seeds.length] as Seed).bytes;
        const cutOther = other.length === 0 ? 0 : next() % other.length;
        b = Buffer.concat([b.subarray(0, at), other.subarray(cutOther)]);
        break;
      }
      case 9: {
        const n = 1 + (next() % 16);
        const junk = Buffer.alloc(n);
        for (let i = 0; i < n; i++) junk[i] = next() & 0xff;
        b = Buffer.concat([b, junk]);
        break;
      }
      default: {
        // CR/LF games on a line end
        const text = b.toString('latin1');
        const nl = text.indexOf('\n', at);
        if (nl < 0) break;
        const choices = ['\r\n', '\n\n', '', '\n\r'];
        b = Buffer.from(text.slice(0, nl) + (choices[next() % choices.length] as string) + text.slice(nl + 1), 'latin1');
      }
    }
  }
  return b;
}

/** Changes one `<digits>:` length: ±1, ±a lot, a leading zero, huge, empty. */
function tamperLength(b: Buffer, next: () => number): Buffer {
  const text = b.toString('latin1');
  const starts: number[] = [];
  const re = /(\d+):/g;
  for (let m = re.exec(text); m !== null && starts.length < 64; m = re.exec(text)) starts.push(m.index);
  if (starts.length === 0) return b;
  const start = starts[next() % starts.length] as number;
  const end = text.indexOf(':', start);
  const n = Number(text.slice(start, end));
  const choices = [n + 1, n - 1, n + 100, n * 10, 0, `0${n}`, '99999999', '', `${n}${n}`];
  const replacement = String(choices[next() % choices.length]);
  return Buffer.from(text.slice(0, start) + replacement + text.slice(end), 'latin1');
}

function randomPacket(next: () => number): Buffer {
  const prefixes = ['', '###\n', '>>>\n', '###\n11:(0)t=status,', '>>>\nt=status\n'];
  const prefix = Buffer.from(prefixes[next() % prefixes.length] as string, 'latin1');
  const n = next() % 400;
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = next() % 4 === 0 ? (INTERESTING[next() % INTERESTING.length] as number) : next() & 0xff;
  return Buffer.concat([prefix, body]);
}

describe('decoder fuzz', () => {
  it(
    `survives ${PACKETS.toLocaleString('en-US')} random and mutated packets without exceptions or forgeries`,
    () => {
      const seeds = buildSeeds();
      const signedMessages = new Set<string>();
      const signedBodies = new Set<string>();
      for (const seed of seeds) {
        const r = decodePacket(seed.bytes, seed.keys);
        if (!r.ok) throw new Error(`seed ${seed.name} does not decode: ${r.reason}`);
        signedMessages.add(canonical(r.message));
        const parsed = parseNetstring(seed.bytes);
        if (parsed.ok) signedBodies.add(seed.bytes.subarray(0, parsed.bodyEnd).toString('latin1'));
      }
      expect(signedMessages.size).toBe(seeds.length);

      const next = rng(SEED);
      const escaped: string[] = [];
      const forged: string[] = [];
      let accepted = 0;
      const started = performance.now();
      for (let i = 0; i < PACKETS; i++) {
        const seed = seeds[i % seeds.length] as Seed;
        const packet = i % 20 === 19 ? randomPacket(next) : mutate(seed.bytes, seeds, next);
        let r: ReturnType<typeof decodePacket>;
        try {
          r = decodePacket(packet, seed.keys);
        } catch (e) {
          escaped.push(`${seed.name} #${i}: threw ${(e as Error).message}: ${packet.toString('hex')}`);
          continue;
        }
        if (!r.ok) {
          if (r.reason.startsWith('internal decoder error')) escaped.push(`${seed.name} #${i}: ${r.reason}: ${packet.toString('hex')}`);
          continue;
        }
        accepted++;
        const sameMessage = signedMessages.has(canonical(r.message));
        let sameBody = true;
        if (r.format === 'netstring') {
          const parsed = parseNetstring(packet);
          sameBody = parsed.ok && signedBodies.has(packet.subarray(0, parsed.bodyEnd).toString('latin1'));
        }
        if (!sameMessage || !sameBody) forged.push(`${seed.name} #${i}: ${packet.toString('hex')}`);
        if (escaped.length + forged.length > 20) break;
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `fuzz: ${PACKETS.toLocaleString('en-US')} packets in ${seconds.toFixed(1)} s, seed 0x${SEED.toString(16)}, ` +
          `${accepted} accepted unchanged-in-meaning, ${escaped.length} escaped, ${forged.length} forged`,
      );
      expect(escaped).toEqual([]);
      for (const f of forged) console.log(f);
      expect(forged).toEqual([]);
    },
    600_000,
  );
});
