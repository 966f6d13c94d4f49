// The compressed envelope (spec §3.5).
import { randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  computeDigest,
  decodePacket,
  encodeClassicText,
  encodeNetstringText,
  encodePacket,
  formatAuthValue,
  getBinary,
  getString,
  MAX_UDP_PAYLOAD,
  MAXUNCOMPRESSED,
  netstringFrame,
  parseNetstring,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';
import { keySet } from './vectors.js';

const keys = keySet(1, [1, 'sha1', 'zip-key']);

/** A message of about `bytes` bytes of compressible text. */
function big(bytes: number): HbMessage {
  const fields: HbMessage['fields'][number][] = [
    { name: 't', type: 0, value: 'big' },
    { name: 'src', type: 0, value: 'alpha' },
  ];
  for (let i = 0; fields.length * 100 < bytes; i++) fields.push({ name: `f${i}`, type: 0, value: `value number ${i} `.repeat(5) });
  return { fields };
}

/** Signs an arbitrary envelope body the way a key holder would. */
function signedEnvelope(payload: Uint8Array, algorithm = 'zlib'): Buffer {
  const body = encodeNetstringText({
    fields: [
      { name: '_compressed_payload', type: 1, value: payload },
      { name: '_compression_algorithm', type: 0, value: algorithm },
    ],
  }) as string;
  return Buffer.from(body + netstringFrame(formatAuthValue(1, computeDigest('sha1', 'zip-key', body))), 'latin1');
}

function envelopeOf(bytes: Buffer): HbMessage {
  const parsed = parseNetstring(bytes);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.message;
}

describe('compression on send (spec §3.5)', () => {
  it('leaves a 10 KiB message uncompressed by default (threshold is MAXMSG)', () => {
    const r = encodePacket(big(10_000), keys, { msgfmt: 'classic' });
    expect(r.ok && getBinary(envelopeOf(r.bytes), '_compressed_payload')).toBeUndefined();
  });

  it('compresses over compression_threshold with traditional_compression', () => {
    const small = encodePacket(big(1_000), keys, { msgfmt: 'classic', traditionalCompression: true });
    expect(small.ok && getBinary(envelopeOf(small.bytes), '_compressed_payload')).toBeUndefined();
    const r = encodePacket(big(10_000), keys, { msgfmt: 'classic', traditionalCompression: true });
    if (!r.ok) throw new Error(r.reason);
    const envelope = envelopeOf(r.bytes);
    expect(envelope.fields.map((f) => [f.name, f.type])).toEqual([
      ['_compressed_payload', 1],
      ['_compression_algorithm', 0],
    ]);
    expect(getString(envelope, '_compression_algorithm')).toBe('zlib');
    expect(r.bytes.subarray(0, 4).toString()).toBe('###\n');
    // A zlib (RFC 1950) stream as made by compress(): 78 9c.
    const payload = getBinary(envelope, '_compressed_payload')!;
    expect([payload[0], payload[1]]).toEqual([0x78, 0x9c]);
    // Under msgfmt classic the inner message is classic text with its auth line and NUL.
    const inner = inflateSync(payload).toString('latin1');
    expect(inner.startsWith('>>>\nt=big\nsrc=alpha\n')).toBe(true);
    expect(inner.endsWith('<<<\n\0')).toBe(true);
    expect(inner).toMatch(/\nauth=1 [0-9a-f]{40}\n<<<\n\0$/);
    // No inner auth and no src/seq in the envelope.
    expect(getString(envelope, 'auth')).toBeUndefined();
  });

  it('puts the netstring body inside under msgfmt netstring', () => {
    const msg = big(5_000);
    const r = encodePacket(msg, keys, { msgfmt: 'netstring', traditionalCompression: true, compressionThresholdKiB: 4 });
    if (!r.ok) throw new Error(r.reason);
    const inner = inflateSync(getBinary(envelopeOf(r.bytes), '_compressed_payload')!);
    expect(inner.toString('latin1')).toBe(encodeNetstringText(msg));
  });

  it('honours compression_threshold in KiB', () => {
    const msg = big(3_000);
    const at = (kib: number): boolean => {
      const r = encodePacket(msg, keys, { msgfmt: 'netstring', traditionalCompression: true, compressionThresholdKiB: kib });
      return r.ok && getBinary(envelopeOf(r.bytes), '_compressed_payload') !== undefined;
    };
    const length = (encodeNetstringText(msg) as string).length;
    expect(at(Math.floor(length / 1024))).toBe(true);
    expect(at(Math.ceil(length / 1024))).toBe(false);
  });

  it('compresses a message of MAXMSG or more even without traditional_compression', () => {
    const msg = big(300_000);
    const r = encodePacket(msg, keys, { msgfmt: 'classic' });
    if (!r.ok) throw new Error(r.reason);
    expect(r.bytes.length).toBeLessThan(MAX_UDP_PAYLOAD);
    const back = decodePacket(r.bytes, keys);
    expect(back).toMatchObject({ ok: true, compressed: true, authIndex: 1 });
    expect(back.ok && back.message.fields.filter((f) => f.name !== 'auth')).toEqual(msg.fields);
  });

  it('refuses a message between 65 507 bytes and MAXMSG by default, as the daemon fails to send it', () => {
    expect(encodePacket(big(100_000), keys, { msgfmt: 'classic' })).toEqual({
      ok: false,
      reason: expect.stringContaining('exceeds the UDP maximum'),
    });
  });

  it('refuses a compressed message still too big for one datagram', () => {
    const random = new Uint8Array(randomBytes(100_000));
    const msg: HbMessage = { fields: [{ name: 't', type: 0, value: 'x' }, { name: 'noise', type: 1, value: random }] };
    const r = encodePacket(msg, keys, { msgfmt: 'netstring', traditionalCompression: true });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('exceeds the UDP maximum') });
  });
});

describe('compression on receive (spec §3.5)', () => {
  it('verifies only the envelope and does not check the inner auth', () => {
    const inner = `${encodeClassicText({ fields: [{ name: 't', type: 0, value: 'x' }, { name: 'auth', type: 0, value: '9 bogus' }] })}\0`;
    const r = decodePacket(signedEnvelope(deflateSync(Buffer.from(inner, 'latin1'))), keys);
    expect(r).toEqual({
      ok: true,
      format: 'netstring',
      authIndex: 1,
      compressed: true,
      message: { fields: [{ name: 't', type: 0, value: 'x' }, { name: 'auth', type: 0, value: '9 bogus' }] },
    });
  });

  it('opens a netstring inner message', () => {
    const inner = encodeNetstringText({ fields: [{ name: 't', type: 0, value: 'n' }] }) as string;
    const r = decodePacket(signedEnvelope(deflateSync(Buffer.from(inner, 'latin1'))), keys);
    expect(r).toMatchObject({ ok: true, compressed: true, message: { fields: [{ name: 't', value: 'n' }] } });
  });

  it('still requires the envelope trailer to verify', () => {
    const packet = signedEnvelope(deflateSync(Buffer.from('>>>\nt=x\n<<<\n')));
    packet[packet.length - 2] = (packet[packet.length - 2] as number) ^ 1;
    expect(decodePacket(packet, keys)).toEqual({ ok: false, reason: expect.stringContaining('authentication failed') });
  });

  it('refuses a zip bomb: output bounded at 2 MiB', () => {
    // 64 MiB of zeros deflate to ~64 KiB; the bound stops inflation at 2 MiB.
    const bomb = deflateSync(Buffer.alloc(8 * MAXUNCOMPRESSED), { level: 9 });
    expect(bomb.length).toBeLessThan(60_000);
    const r = decodePacket(signedEnvelope(bomb), keys);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('inflates to more than 2097152 bytes') });
  });

  it('accepts exactly MAXUNCOMPRESSED bytes of inner message and refuses one more', () => {
    const inner = (size: number): Buffer => {
      const head = '>>>\nt=x\npad=';
      const tail = '\n<<<\n';
      return Buffer.from(head + 'p'.repeat(size - head.length - tail.length) + tail, 'latin1');
    };
    expect(decodePacket(signedEnvelope(deflateSync(inner(MAXUNCOMPRESSED))), keys).ok).toBe(true);
    expect(decodePacket(signedEnvelope(deflateSync(inner(MAXUNCOMPRESSED + 1))), keys).ok).toBe(false);
  });

  it.each([
    ['an unsupported algorithm', signedEnvelope(deflateSync(Buffer.from('>>>\n<<<\n')), 'bz2'), 'only zlib'],
    ['a corrupt stream', signedEnvelope(new Uint8Array([0x78, 0x9c, 1, 2, 3])), 'not a valid zlib stream'],
    ['garbage inside', signedEnvelope(deflateSync(Buffer.from('hello'))), 'does not start'],
    ['a nested envelope', signedEnvelope(deflateSync(signedEnvelope(deflateSync(Buffer.from('>>>\n<<<\n'))))), 'unexpected byte'],
  ])('refuses %s', (_what, packet, why) => {
    expect(decodePacket(packet, keys)).toEqual({ ok: false, reason: expect.stringContaining(why) });
  });

  it('refuses a nested envelope even without a trailer inside', () => {
    const innerEnvelope = encodeNetstringText({
      fields: [
        { name: '_compressed_payload', type: 1, value: deflateSync(Buffer.from('>>>\n<<<\n')) },
        { name: '_compression_algorithm', type: 0, value: 'zlib' },
      ],
    }) as string;
    const r = decodePacket(signedEnvelope(deflateSync(Buffer.from(innerEnvelope, 'latin1'))), keys);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('nested compression') });
  });

  it('treats a string _compressed_payload as an ordinary field', () => {
    const body = encodeNetstringText({ fields: [{ name: '_compressed_payload', type: 0, value: 'abc' }] }) as string;
    const packet = Buffer.from(body + netstringFrame(formatAuthValue(1, computeDigest('sha1', 'zip-key', body))), 'latin1');
    expect(decodePacket(packet, keys)).toMatchObject({ ok: true, compressed: false });
  });
});
