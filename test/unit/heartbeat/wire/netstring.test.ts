// The netstring encoding (spec §3.2, §2).
import { describe, expect, it } from 'vitest';
import {
  encodeNetstringBody,
  encodeNetstringText,
  parseNetstring,
  parseNetstringTrailer,
  type HbMessage,
} from '../../../../src/heartbeat/wire/index.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

function reason(text: string): string {
  const r = parseNetstring(latin1(text));
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(text)}`);
  return r.reason;
}

describe('netstring: encoding (spec §3.2)', () => {
  it('frames each field as <decimal length>:(type)name=value,', () => {
    const msg: HbMessage = {
      fields: [
        { name: 't', type: 0, value: 'status' },
        { name: 'srcuuid', type: 1, value: new Uint8Array([0x87, 0x12, 0x74, 0x9c, 0, 10, 44, 58, 1, 2, 3, 4, 5, 6, 7, 8]) },
      ],
    };
    const body = encodeNetstringBody(msg);
    expect(body.ok && body.bytes).toEqual(
      Buffer.concat([
        latin1('###\n11:(0)t=status,27:(1)srcuuid='),
        Buffer.from([0x87, 0x12, 0x74, 0x9c, 0, 10, 44, 58, 1, 2, 3, 4, 5, 6, 7, 8]),
        latin1(',%%%\n'),
      ]),
    );
  });

  it('keeps string values raw (a newline stays a newline)', () => {
    expect(encodeNetstringText({ fields: [{ name: 'x', type: 0, value: 'a\nb' }] })).toBe('###\n8:(0)x=a\nb,%%%\n');
  });

  it('writes a struct as the child body without trailer and a list packed (spec §2)', () => {
    const msg: HbMessage = {
      fields: [
        { name: 's', type: 2, value: { fields: [{ name: 'c', type: 0, value: '1' }] } },
        { name: 'l', type: 3, value: ['abc', 'defg'] },
        { name: 'z', type: 4, value: new Uint8Array([0x78, 0x9c]) },
      ],
    };
    expect(encodeNetstringText(msg)).toBe(
      '###\n22:(2)s=###\n6:(0)c=1,%%%\n,18:(3)l=3:abc,4:defg,,7:(4)z=x\x9c,%%%\n',
    );
  });

  it.each<[string, HbMessage, string]>([
    ['a NUL in a value', { fields: [{ name: 'x', type: 0, value: 'a\0' }] }, 'NUL'],
    ['= in a name', { fields: [{ name: 'a=', type: 0, value: '' }] }, "'='"],
    ['an empty name', { fields: [{ name: '', type: 1, value: new Uint8Array(0) }] }, 'empty name'],
    ['an empty list', { fields: [{ name: 'l', type: 3, value: [] }] }, 'empty'],
    ['a list element with NUL', { fields: [{ name: 'l', type: 3, value: ['\0'] }] }, 'cannot carry'],
    ['an unknown type', { fields: [{ name: 'x', type: 7, value: '' } as never] }, 'unknown type 7'],
  ])('refuses %s with a reason', (_what, msg, why) => {
    expect(encodeNetstringBody(msg)).toEqual({ ok: false, reason: expect.stringContaining(why) });
  });
});

describe('netstring: parsing (spec §3.2)', () => {
  it('reads fields and reports where the authenticated part ends and the trailer', () => {
    const text = '###\n11:(0)t=status,8:(0)x=a\nb,%%%\n6:1 abcd,';
    const r = parseNetstring(latin1(text));
    expect(r).toEqual({
      ok: true,
      message: {
        fields: [
          { name: 't', type: 0, value: 'status' },
          { name: 'x', type: 0, value: 'a\nb' },
        ],
      },
      bodyEnd: text.indexOf('6:1'),
      trailer: '1 abcd',
    });
    expect(parseNetstringTrailer(latin1(text), text.indexOf('6:1'))).toBe('1 abcd');
  });

  it('gives no trailer when it is missing, malformed or not last', () => {
    const body = '###\n5:(0)x=,%%%\n';
    expect(parseNetstring(latin1(body))).toMatchObject({ ok: true, trailer: undefined });
    expect(parseNetstring(latin1(`${body}6:1 abcd`))).toMatchObject({ ok: true, trailer: undefined });
    expect(parseNetstring(latin1(`${body}7:1 abcd,`))).toMatchObject({ ok: true, trailer: undefined });
    expect(parseNetstring(latin1(`${body}6:1 abcd,x`))).toMatchObject({ ok: true, trailer: undefined });
  });

  it('reads values containing ,  :  %%%\\n  and = by their length', () => {
    const value = ',:%%%\n=###\n';
    const text = `###\n${value.length + 5}:(0)v=${value},%%%\n`;
    expect(parseNetstring(latin1(text))).toMatchObject({ ok: true, message: { fields: [{ name: 'v', type: 0, value }] } });
  });

  it('reads nested structs, lists, binary and compressed fields', () => {
    const text = '###\n22:(2)s=###\n6:(0)c=1,%%%\n,18:(3)l=3:abc,4:defg,,7:(4)z=x\x9c,7:(1)b=\0\xff,%%%\n';
    expect(parseNetstring(latin1(text))).toMatchObject({
      ok: true,
      message: {
        fields: [
          { name: 's', type: 2, value: { fields: [{ name: 'c', type: 0, value: '1' }] } },
          { name: 'l', type: 3, value: ['abc', 'defg'] },
          { name: 'z', type: 4, value: new Uint8Array([0x78, 0x9c]) },
          { name: 'b', type: 1, value: new Uint8Array([0, 0xff]) },
        ],
      },
    });
  });

  it.each([
    ['no ###', '11:(0)t=status,%%%\n', 'does not start'],
    ['no %%%', '###\n11:(0)t=status,', 'no "%%%"'],
    ['a length past the end', '###\n99:(0)t=status,%%%\n', 'not a well-formed'],
    ['a short length', '###\n10:(0)t=status,%%%\n', 'not a well-formed'],
    ['no colon', '###\n11(0)t=status,%%%\n', 'not a well-formed'],
    ['a huge length', '###\n999999999999:(0)t=status,%%%\n', 'not a well-formed'],
    ['no type', '###\n8:t=status,%%%\n', 'type'],
    ['type 5', '###\n11:(5)t=status,%%%\n', 'type'],
    ['no =', '###\n10:(0)tstatus,%%%\n', "no '='"],
    ['an empty name', '###\n4:(0)=,%%%\n', 'empty name'],
    ['a NUL in a string', '###\n6:(0)x=\0,%%%\n', 'NUL'],
    ['a NUL in a name', '###\n6:(0)\0=x,%%%\n', 'NUL'],
    ['a struct with bytes after its end', '###\n15:(2)s=###\n%%%\nxx,%%%\n', 'after its'],
    ['a struct without its end', '###\n9:(2)s=###\n,%%%\n', 'no "%%%"'],
    ['a bad list', '###\n9:(3)l=3:ab,,%%%\n', 'list field'],
  ])('refuses %s', (_what, text, why) => {
    expect(reason(text)).toContain(why);
  });

  it('refuses nesting deeper than 16 levels', () => {
    let body = '###\n8:(0)leaf=,%%%\n';
    for (let i = 0; i < 17; i++) {
      const pair = `(2)s=${body}`;
      body = `###\n${pair.length}:${pair},%%%\n`;
    }
    expect(reason(body)).toContain('deeper than 16');
  });
});
