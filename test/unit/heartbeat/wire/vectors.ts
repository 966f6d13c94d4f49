// Loads the captured packets of spec/vectors (copied to test/fixtures/vectors).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthKeysConfig, AuthMethod } from '../../../../src/config/types.js';

export interface Vector {
  readonly file: string;
  readonly method: AuthMethod;
  /** '' for crc. */
  readonly key: string;
  readonly index: number;
  readonly payload: Buffer;
  /** The bytes the trailer authenticates (###\n … %%%\n). */
  readonly outerHashed: Buffer;
  readonly outerAuth: string;
  /** The classic text the inner auth field authenticates. */
  readonly innerHashed: Buffer;
  readonly innerAuth: string;
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/vectors');

export function loadVectors(): Vector[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((file) => parseVector(file, readFileSync(join(DIR, file), 'latin1')));
}

function parseVector(file: string, text: string): Vector {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.includes(': ')) continue;
    const i = line.indexOf(': ');
    kv.set(line.slice(0, i), line.slice(i + 2));
  }
  const get = (k: string): string => {
    const v = kv.get(k);
    if (v === undefined) throw new Error(`${file}: no ${k}`);
    return v;
  };
  const method = get('auth_method') as AuthMethod;
  const payload = Buffer.from(get('udp_payload_hex'), 'hex');
  if (payload.length !== Number(get('udp_payload_length'))) throw new Error(`${file}: length mismatch`);
  if (!payload.equals(unescape(get('udp_payload_escaped')))) throw new Error(`${file}: hex and escaped payload differ`);
  return {
    file,
    method,
    key: method === 'crc' ? '' : get('auth_key'),
    index: Number(get('authkeys_index')),
    payload,
    outerHashed: unescape(get('outer_hashed_bytes_escaped')),
    outerAuth: get('outer_auth_expected'),
    innerHashed: unescape(get('inner_hashed_text_escaped')),
    innerAuth: get('inner_auth_expected'),
  };
}

/** Undoes the files' escaping: \n, \\ and \xNN; every other character is one latin1 byte. */
export function unescape(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out.push(s.charCodeAt(i));
      continue;
    }
    const n = s[i + 1];
    if (n === 'n') {
      out.push(0x0a);
      i++;
    } else if (n === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (n === '\\') {
      out.push(0x5c);
      i++;
    } else {
      throw new Error(`unknown escape \\${n ?? ''}`);
    }
  }
  return Buffer.from(out);
}

/** An AuthKeysConfig holding the given keys, signing with `active`. */
export function keySet(active: number, ...keys: Array<[number, AuthMethod, string]>): AuthKeysConfig {
  return {
    file: '/etc/ha.d/authkeys',
    active,
    keys: new Map(keys.map(([index, method, secret]) => [index, { index, method, secret }])),
  };
}

export function vectorKeys(v: Vector): AuthKeysConfig {
  return keySet(v.index, [v.index, v.method, v.key]);
}
