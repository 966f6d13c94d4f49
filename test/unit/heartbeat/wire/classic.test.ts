// The classic text encoding (spec §3.1, §2).
import { describe, expect, it } from 'vitest';
import {
  classicAuthText,
  DEPTH_SYMBOLS,
  encodeClassic,
  encodeClassicText,
  parseClassic,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

function parsed(text: string): HbMessage {
  const r = parseClassic(latin1(text));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

function reason(text: string): string {
  const r = parseClassic(latin1(text));
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(text)}`);
  return r.reason;
}

describe('classic text: encoding (spec §3.1)', () => {
  it('writes >>>, one name=value line per field, <<<', () => {
    const msg: HbMessage = {
      fields: [
        { name: 't', type: 0, value: 'ask_resources' },
        { name: 'rsc_hold', type: 0, value: 'all' },
        { name: 'info', type: 0, value: 'me' },
      ],
    };
    // The hb_standby request of spec §3.6, byte for byte.
    expect(encodeClassicText(msg)).toBe('>>>\nt=ask_resources\nrsc_hold=all\ninfo=me\n<<<\n');
    const withNul = encodeClassic(msg, { trailingNul: true });
    expect(withNul.ok && withNul.bytes.toString('latin1')).toBe('>>>\nt=ask_resources\nrsc_hold=all\ninfo=me\n<<<\n\0');
  });

  it('writes a newline inside a string value as byte 0x13', () => {
    const msg: HbMessage = { fields: [{ name: 'x', type: 0, value: 'a\nb\n' }] };
    expect(encodeClassicText(msg)).toBe('>>>\nx=a\x13b\x13\n<<<\n');
  });

  it('writes binary as (1)name=standard padded base64', () => {
    const uuid = Buffer.from('hxJ0nC+GQHKNvyf+qTAteQ==', 'base64');
    const msg: HbMessage = { fields: [{ name: 'srcuuid', type: 1, value: new Uint8Array(uuid) }] };
    expect(encodeClassicText(msg)).toBe('>>>\n(1)srcuuid=hxJ0nC+GQHKNvyf+qTAteQ==\n<<<\n');
    expect(encodeClassicText({ fields: [{ name: 'e', type: 1, value: new Uint8Array(0) }] })).toBe('>>>\n(1)e=\n<<<\n');
  });

  it('packs a list as <len>:<element>, (spec §2)', () => {
    const msg: HbMessage = { fields: [{ name: 'l', type: 3, value: ['abc', 'defg'] }] };
    expect(encodeClassicText(msg)).toBe('>>>\n(3)l=3:abc,4:defg,\n<<<\n');
  });

  it('writes a struct as its own classic text with newlines as the depth symbol (spec §2)', () => {
    const inner: HbMessage = { fields: [{ name: 'c', type: 0, value: '1' }] };
    const middle: HbMessage = { fields: [{ name: 'b', type: 2, value: inner }] };
    const msg: HbMessage = { fields: [{ name: 'a', type: 2, value: middle }] };
    // depth 0 uses 0x14 for the child's newlines, the grandchild's (inside it) 0x15.
    expect(encodeClassicText(msg)).toBe(
      '>>>\n(2)a=>>>\x14(2)b=>>>\x15c=1\x15<<<\x15\x14<<<\x14\n<<<\n',
    );
    expect(DEPTH_SYMBOLS).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 15, 16, 17, 18]);
  });

  it('accepts 16 struct levels and refuses a 17th (16 depth symbols)', () => {
    const nest = (levels: number): HbMessage => {
      let m: HbMessage = { fields: [{ name: 'leaf', type: 0, value: 'x' }] };
      for (let i = 0; i < levels; i++) m = { fields: [{ name: `s${i}`, type: 2, value: m }] };
      return m;
    };
    const ok = encodeClassic(nest(16));
    expect(ok.ok).toBe(true);
    expect(ok.ok && parseClassic(ok.bytes)).toEqual({ ok: true, message: nest(16) });
    expect(encodeClassic(nest(17))).toEqual({ ok: false, reason: expect.stringContaining('deeper than 16') });
  });

  it.each<[string, HbMessage, string]>([
    ['a value with byte 0x13', { fields: [{ name: 'x', type: 0, value: 'a\x13b' }] }, '0x13'],
    ['a value with NUL', { fields: [{ name: 'x', type: 0, value: 'a\0b' }] }, 'NUL'],
    ['an empty name', { fields: [{ name: '', type: 0, value: 'v' }] }, 'empty name'],
    ['a name with =', { fields: [{ name: 'a=b', type: 0, value: 'v' }] }, "'='"],
    ['a name with a newline', { fields: [{ name: 'a\nb', type: 0, value: 'v' }] }, 'newline'],
    ['a string name starting with (', { fields: [{ name: '(1)x', type: 0, value: 'v' }] }, "starts with '('"],
    ['an empty list', { fields: [{ name: 'l', type: 3, value: [] }] }, 'empty'],
    ['an empty list element', { fields: [{ name: 'l', type: 3, value: ['a', ''] }] }, 'empty element'],
    ['a list element with a newline', { fields: [{ name: 'l', type: 3, value: ['a\nb'] }] }, 'cannot carry'],
    [
      'a struct child holding its own depth symbol',
      { fields: [{ name: 's', type: 2, value: { fields: [{ name: 'x', type: 0, value: 'a\x14b' }] } }] },
      'depth-0 newline symbol',
    ],
  ])('refuses %s with a reason, without throwing', (_what, msg, why) => {
    const r = encodeClassic(msg);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining(why) });
  });

  it('authenticates the fields without auth and without >>>/<<< (spec §4.2)', () => {
    const msg: HbMessage = {
      fields: [
        { name: 'auth', type: 0, value: '1 00' },
        { name: 't', type: 0, value: 'x' },
        { name: 'empty', type: 0, value: '' },
        { name: 'auth', type: 0, value: '2 00' },
        { name: 'u', type: 1, value: new Uint8Array([0xff]) },
      ],
    };
    // Empty values hash as "x=\n" (spec §3.1).
    expect(classicAuthText(msg)).toBe('t=x\nempty=\n(1)u=/w==\n');
  });
});

describe('classic text: parsing (spec §3.1)', () => {
  it('reads name=value lines, turning 0x13 back into a newline', () => {
    expect(parsed('>>>\nt=status\nx=a\x13b\n<<<\n')).toEqual({
      fields: [
        { name: 't', type: 0, value: 'status' },
        { name: 'x', type: 0, value: 'a\nb' },
      ],
    });
  });

  it('accepts empty values, empty lines between fields and one trailing NUL', () => {
    expect(parsed('>>>\n\nx=\n\n\ny=1\n<<<\n\0')).toEqual({
      fields: [
        { name: 'x', type: 0, value: '' },
        { name: 'y', type: 0, value: '1' },
      ],
    });
    expect(parsed('>>>\n<<<\n')).toEqual({ fields: [] });
  });

  it('takes the name up to the first = and the value up to the newline', () => {
    expect(parsed('>>>\na=b=c\n<<<\n')).toEqual({ fields: [{ name: 'a', type: 0, value: 'b=c' }] });
  });

  it('keeps a carriage return as part of the value', () => {
    expect(parsed('>>>\nx=1\r\n<<<\n')).toEqual({ fields: [{ name: 'x', type: 0, value: '1\r' }] });
  });

  it('does not recognise CRLF framing', () => {
    expect(reason('>>>\r\nx=1\r\n<<<\r\n')).toContain('does not start with ">>>\\n"');
  });

  it('reads binary, list and nested struct fields', () => {
    expect(parsed('>>>\n(1)u=hxJ0nC+GQHKNvyf+qTAteQ==\n(1)e=\n(3)l=3:abc,4:d,fg,\n(4)z=AAE=\n<<<\n')).toEqual({
      fields: [
        { name: 'u', type: 1, value: new Uint8Array(Buffer.from('hxJ0nC+GQHKNvyf+qTAteQ==', 'base64')) },
        { name: 'e', type: 1, value: new Uint8Array(0) },
        { name: 'l', type: 3, value: ['abc', 'd,fg'] },
        { name: 'z', type: 4, value: new Uint8Array([0, 1]) },
      ],
    });
    expect(parsed('>>>\n(2)a=>>>\x14(2)b=>>>\x15c=1\x15<<<\x15\x14<<<\x14\n<<<\n')).toEqual({
      fields: [
        {
          name: 'a',
          type: 2,
          value: { fields: [{ name: 'b', type: 2, value: { fields: [{ name: 'c', type: 0, value: '1' }] } }] },
        },
      ],
    });
  });

  it.each([
    ['no >>>', 'x=1\n<<<\n', 'does not start'],
    ['no <<<', '>>>\nx=1\n', 'no "<<<"'],
    ['a last line without newline', '>>>\nx=1', 'no terminating newline'],
    ['a line without =', '>>>\nx\n<<<\n', "has no '='"],
    ['an empty name', '>>>\n=v\n<<<\n', 'empty field name'],
    ['a NUL inside', '>>>\nx=a\0b\n<<<\n', 'NUL'],
    ['two trailing NULs', '>>>\nx=1\n<<<\n\0\0', 'NUL'],
    ['bytes after <<<', '>>>\nx=1\n<<<\nmore', 'after <<<'],
    ['type (0)', '>>>\n(0)x=1\n<<<\n', 'bad type prefix'],
    ['type (5)', '>>>\n(5)x=1\n<<<\n', 'bad type prefix'],
    ['an unclosed type', '>>>\n(1x=1\n<<<\n', 'bad type prefix'],
    ['bad base64', '>>>\n(1)u=abc\n<<<\n', 'base64'],
    ['base64 with a stray character', '>>>\n(1)u=ab*d\n<<<\n', 'base64'],
    ['an empty list', '>>>\n(3)l=\n<<<\n', 'empty list'],
    ['a list element overrunning', '>>>\n(3)l=5:abc,\n<<<\n', 'overruns'],
    ['an empty list element', '>>>\n(3)l=0:,\n<<<\n', 'empty'],
    ['a struct without its end', '>>>\n(2)s=>>>\x14x=1\x14\n<<<\n', 'no "<<<"'],
    ['a struct with the wrong depth symbol', '>>>\n(2)s=>>>\x15x=1\x15<<<\x15\n<<<\n', 'does not start'],
  ])('refuses %s', (_what, text, why) => {
    expect(reason(text)).toContain(why);
  });

  it('refuses nesting deeper than 16 levels', () => {
    let text = 'leaf=x\n';
    for (let depth = 16; depth >= 0; depth--) {
      const sym = String.fromCharCode(DEPTH_SYMBOLS[depth] ?? 0x01);
      const child = `>>>\n${text}<<<\n`;
      text = `(2)s=${child.replaceAll('\n', sym)}\n`;
    }
    expect(reason(`>>>\n${text}<<<\n`)).toContain('deeper than 16');
  });
});
