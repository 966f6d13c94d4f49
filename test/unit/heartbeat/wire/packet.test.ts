// Whole datagrams: authentication on both input paths, what the encoder
// sends, the size limit, and the rejection reasons (spec §3.3, §4, §4.5).
import { describe, expect, it } from 'vitest';
import {
  computeDigest,
  decodePacket,
  encodeClassic,
  encodePacket,
  formatAuthValue,
  getString,
  MAX_UDP_PAYLOAD,
  parseNetstring,
  withString,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';
import { keySet, loadVectors, vectorKeys } from './vectors.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const md5 = keySet(1, [1, 'md5', 'labsecret']);
const vector01 = loadVectors()[0]!;

const status: HbMessage = {
  fields: [
    { name: 't', type: 0, value: 'status' },
    { name: 'st', type: 0, value: 'active' },
    { name: 'src', type: 0, value: 'alpha' },
    { name: 'srcuuid', type: 1, value: new Uint8Array(16).fill(7) },
    { name: 'seq', type: 0, value: '1' },
  ],
};

function encoded(msg: HbMessage, keys = md5, msgfmt: 'classic' | 'netstring' = 'classic'): Buffer {
  const r = encodePacket(msg, keys, { msgfmt });
  if (!r.ok) throw new Error(r.reason);
  return r.bytes;
}

function rejection(bytes: Buffer, keys = md5): string {
  const r = decodePacket(bytes, keys);
  if (r.ok) throw new Error('accepted');
  return r.reason;
}

/** A netstring packet whose body is `body` and trailer says `auth`. */
function withTrailer(body: string, auth: string): Buffer {
  return latin1(`${body}${auth.length}:${auth},`);
}

describe('encodePacket (spec §3.3, §3.4)', () => {
  it('sends netstring with the inner auth field last under msgfmt classic', () => {
    const bytes = encoded(status);
    const parsed = parseNetstring(bytes);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.fields.map((f) => f.name)).toEqual(['t', 'st', 'src', 'srcuuid', 'seq', 'auth']);
    const inner = `t=status\nst=active\nsrc=alpha\n(1)srcuuid=BwcHBwcHBwcHBwcHBwcHBw==\nseq=1\n`;
    expect(getString(parsed.message, 'auth')).toBe(formatAuthValue(1, computeDigest('md5', 'labsecret', inner)));
    const body = bytes.subarray(0, parsed.bodyEnd);
    expect(parsed.trailer).toBe(formatAuthValue(1, computeDigest('md5', 'labsecret', body)));
  });

  it('sends no inner auth field under msgfmt netstring', () => {
    const parsed = parseNetstring(encoded(status, md5, 'netstring'));
    expect(parsed.ok && parsed.message).toEqual(status);
  });

  it('adds no inner auth to a message with struct or compressed fields (they force netstring)', () => {
    const msg: HbMessage = { fields: [...status.fields, { name: 's', type: 2, value: { fields: [] } }] };
    const parsed = parseNetstring(encoded(msg));
    expect(parsed.ok && parsed.message).toEqual(msg);
  });

  it('signs with the active key `auth N`', () => {
    const keys = keySet(3, [1, 'md5', 'old'], [3, 'sha1', 'new']);
    const parsed = parseNetstring(encoded(status, keys));
    expect(parsed.ok && parsed.trailer?.startsWith('3 ')).toBe(true);
    expect(parsed.ok && getString(parsed.message, 'auth')?.startsWith('3 ')).toBe(true);
  });

  it('refuses to sign without the active key in authkeys', () => {
    expect(encodePacket(status, keySet(2, [1, 'md5', 'x']), { msgfmt: 'classic' })).toEqual({
      ok: false,
      reason: 'Auth Key [2] not found in /etc/ha.d/authkeys',
    });
  });

  it('refuses, as a value, a datagram over 65 507 bytes (spec §3.5)', () => {
    const fits = (n: number): HbMessage => withString(status, 'pad', 'x'.repeat(n));
    const base = encoded(fits(0)).length;
    const limit = MAX_UDP_PAYLOAD - base;
    // The frame length grows by one digit on the way; find the largest padding that still fits.
    let n = limit;
    while (encodePacket(fits(n), md5, { msgfmt: 'classic' }).ok === false && n > limit - 10) n--;
    expect(encoded(fits(n)).length).toBeLessThanOrEqual(MAX_UDP_PAYLOAD);
    const tooBig = encodePacket(fits(n + 1), md5, { msgfmt: 'classic' });
    expect(tooBig).toEqual({ ok: false, reason: expect.stringContaining('exceeds the UDP maximum of 65507 bytes') });
    expect(encodePacket(fits(100_000), md5, { msgfmt: 'netstring' }).ok).toBe(false);
  });

  it('refuses, as a value, a message it cannot represent', () => {
    expect(encodePacket(withString(status, 'bad', 'a\0b'), md5, { msgfmt: 'netstring' })).toEqual({
      ok: false,
      reason: expect.stringContaining('NUL'),
    });
    expect(encodePacket(withString(status, 'bad', 'a\x13b'), md5, { msgfmt: 'classic' })).toEqual({
      ok: false,
      reason: expect.stringContaining('0x13'),
    });
    expect(encodePacket({} as HbMessage, md5, { msgfmt: 'classic' }).ok).toBe(false);
  });

  it('round-trips through decodePacket for every method', () => {
    for (const keys of [md5, keySet(1, [1, 'sha1', 'k']), keySet(1, [1, 'crc', ''])]) {
      for (const msgfmt of ['classic', 'netstring'] as const) {
        const r = decodePacket(encoded(status, keys, msgfmt), keys);
        expect(r).toMatchObject({ ok: true, format: 'netstring', authIndex: 1, compressed: false });
        const fields = r.ok ? r.message.fields : [];
        expect(fields.filter((f) => f.name !== 'auth')).toEqual(status.fields);
      }
    }
  });
});

describe('decodePacket: netstring input (spec §4.3, §4.5)', () => {
  const body = vector01.outerHashed.toString('latin1');

  it('accepts a netstring message without inner auth field', () => {
    const plain = '###\n11:(0)t=status,12:(0)src=alpha,%%%\n';
    const r = decodePacket(withTrailer(plain, formatAuthValue(1, computeDigest('md5', 'labsecret', plain))), md5);
    expect(r).toMatchObject({ ok: true, message: { fields: [{ name: 't' }, { name: 'src' }] } });
  });

  it('does not check the inner auth field on the netstring path', () => {
    const forgedInner = body.replace('auth=1 b64b', 'auth=1 0000');
    const r = decodePacket(withTrailer(forgedInner, formatAuthValue(1, computeDigest('md5', 'labsecret', forgedInner))), md5);
    expect(r.ok).toBe(true);
  });

  it('rejects a missing trailer: "peel_netstring() error in getting auth string"', () => {
    expect(rejection(latin1(body))).toContain('peel_netstring() error in getting auth string');
    expect(rejection(latin1(`${body}34:1 9bc10728e5f9fb677ace5d40ba009b44`))).toContain('peel_netstring()');
  });

  it('rejects bytes after the trailer', () => {
    expect(rejection(Buffer.concat([vector01.payload, latin1('\0')]))).toContain('peel_netstring()');
  });

  it('rejects a wrong digest: "authtoken does not match"', () => {
    expect(rejection(withTrailer(body, '1 9bc10728e5f9fb677ace5d40ba009b45'))).toContain(
      'netstring authentication failed: authtoken does not match',
    );
  });

  it('rejects the right digest in uppercase (the daemon compares with strcmp)', () => {
    expect(rejection(withTrailer(body, '1 9BC10728E5F9FB677ACE5D40BA009B44'))).toContain('lowercase');
  });

  it('rejects an unknown index: "Invalid authentication type"', () => {
    expect(rejection(withTrailer(body, '2 9bc10728e5f9fb677ace5d40ba009b44'))).toContain(
      'Invalid authentication type [2] in message!',
    );
  });

  it('rejects a changed byte in the authenticated part', () => {
    const changed = Buffer.from(vector01.payload);
    changed[body.indexOf('active')] = 0x41;
    expect(rejection(changed)).toContain('authtoken does not match');
  });
});

describe('decodePacket: classic input (spec §4.2, §4.5)', () => {
  const unsigned: HbMessage = { fields: status.fields };

  function classicPacket(msg: HbMessage, auth: string | undefined, nul = true): Buffer {
    const fields = auth === undefined ? msg.fields : [...msg.fields, { name: 'auth', type: 0 as const, value: auth }];
    const r = encodeClassic({ fields }, { trailingNul: nul });
    if (!r.ok) throw new Error(r.reason);
    return r.bytes;
  }

  const digest = (text: string, secret = 'labsecret'): string => computeDigest('md5', secret, text);
  const authText = 't=status\nst=active\nsrc=alpha\n(1)srcuuid=BwcHBwcHBwcHBwcHBwcHBw==\nseq=1\n';

  it('accepts a classic message whose auth field matches, with or without its NUL', () => {
    for (const nul of [true, false]) {
      const r = decodePacket(classicPacket(unsigned, `1 ${digest(authText)}`, nul), md5);
      expect(r).toMatchObject({ ok: true, format: 'classic', authIndex: 1, compressed: false });
    }
  });

  it('finds the auth field anywhere and uses the last one', () => {
    const first: HbMessage = { fields: [{ name: 'auth', type: 0, value: `1 ${digest(authText)}` }, ...status.fields] };
    expect(decodePacket(classicPacket(first, undefined), md5).ok).toBe(true);
    expect(decodePacket(classicPacket(first, '1 00'), md5).ok).toBe(false);
  });

  it('rejects a classic message without auth: "Bad/invalid auth token"', () => {
    expect(rejection(classicPacket(unsigned, undefined))).toContain('Bad/invalid auth token, authtoken=(nil)');
    expect(rejection(classicPacket(unsigned, undefined))).toContain('node [alpha] failed authentication');
  });

  it('rejects a wrong digest: "node [X] failed authentication"', () => {
    expect(rejection(classicPacket(unsigned, `1 ${digest(authText, 'other')}`))).toContain(
      'string2msg_ll: node [alpha] failed authentication',
    );
  });

  it('rejects uppercase hex and an unknown index', () => {
    expect(rejection(classicPacket(unsigned, `1 ${digest(authText).toUpperCase()}`))).toContain('lowercase');
    expect(rejection(classicPacket(unsigned, `2 ${digest(authText)}`))).toContain('Invalid authentication type [2]');
  });

  it('verifies with any configured key (rotation: signed with 2, keys 1 and 2)', () => {
    const packet = classicPacket(unsigned, `2 ${computeDigest('sha1', 'two', authText)}`);
    expect(decodePacket(packet, keySet(1, [1, 'md5', 'labsecret'], [2, 'sha1', 'two']))).toMatchObject({ ok: true, authIndex: 2 });
    expect(decodePacket(packet, keySet(1, [1, 'md5', 'labsecret'])).ok).toBe(false);
  });

  it('authenticates the parsed fields, so skipped empty lines do not matter', () => {
    const good = classicPacket(unsigned, `1 ${digest(authText)}`).toString('latin1');
    expect(decodePacket(latin1(good.replace('st=active\n', 'st=active\n\n\n')), md5).ok).toBe(true);
  });

  it('does not recognise CRLF framing', () => {
    const crlf = classicPacket(unsigned, `1 ${digest(authText)}`).toString('latin1').replaceAll('\n', '\r\n');
    expect(rejection(latin1(crlf))).toContain('neither');
  });
});

describe('decodePacket: key rotation end to end (spec §4.1)', () => {
  it('a packet signed with key 2 verifies under {1,2} and not under {1}', () => {
    const signer = keySet(2, [1, 'md5', 'labsecret'], [2, 'sha1', 'rotated']);
    const bytes = encoded(status, signer);
    expect(decodePacket(bytes, keySet(1, [1, 'md5', 'labsecret'], [2, 'sha1', 'rotated']))).toMatchObject({
      ok: true,
      authIndex: 2,
    });
    expect(rejection(bytes, keySet(1, [1, 'md5', 'labsecret']))).toContain('Invalid authentication type [2]');
    expect(decodePacket(vector01.payload, signer)).toMatchObject({ ok: true, authIndex: 1 });
  });
});

describe('decodePacket: anything else', () => {
  it.each([
    ['empty', ''],
    ['short', '##'],
    ['text', 'hello'],
    ['>>> without newline', '>>>'],
  ])('rejects %s', (_what, text) => {
    expect(rejection(latin1(text))).toContain('neither');
  });

  it('takes a plain Uint8Array as well as a Buffer', () => {
    expect(decodePacket(new Uint8Array(vector01.payload), vectorKeys(vector01)).ok).toBe(true);
  });
});
