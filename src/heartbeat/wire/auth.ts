// Message authentication (spec §4): the digest functions, the
// "<index> <digest>" auth value, and verification against every configured
// key (key rotation: `auth N` signs, any listed index verifies).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthKey, AuthKeysConfig, AuthMethod } from '../../config/index.js';
import { crc32Heartbeat } from './crc.js';
import { printable } from './printable.js';

/** Heartbeat accepts auth indexes 0..15 (MAXAUTH 16, spec §4.1). */
export const MAX_AUTH_INDEX = 15;

/**
 * The digest Heartbeat puts in an auth value, as lowercase hex: HMAC-MD5 or
 * HMAC-SHA1 keyed with `secret`, or the CRC of §4.4 printed without zero
 * padding. `secret` and string `bytes` are taken as latin1, one byte per
 * UTF-16 code unit (the authkeys token's bytes as the file holds them).
 */
export function computeDigest(
  method: AuthMethod,
  secret: string | Uint8Array,
  bytes: Uint8Array | string,
): string {
  if (method === 'crc') return crc32Heartbeat(bytes).toString(16);
  const key = typeof secret === 'string' ? Buffer.from(secret, 'latin1') : secret;
  const hmac = createHmac(method, key);
  if (typeof bytes === 'string') hmac.update(bytes, 'latin1');
  else hmac.update(bytes);
  return hmac.digest('hex');
}

/** `"<index> <digest>"`, the form of both the inner `auth` field and the netstring trailer. */
export function formatAuthValue(index: number, digest: string): string {
  return `${index} ${digest}`;
}

export type ParsedAuthValue =
  | { readonly ok: true; readonly index: number; readonly digest: string }
  | { readonly ok: false; readonly reason: string };

const AUTH_VALUE = /^(0|[1-9][0-9]?) ([0-9a-fA-F]+)$/;
const LOWER_HEX = /^[0-9a-f]+$/;

/**
 * Parses `"<index> <digest>"` strictly: a decimal index 0..15 without sign or
 * leading zeros, one space, a non-empty hex digest. Uppercase hex is refused
 * (the daemon compares with strcmp, so it never verifies; spec §4.2).
 */
export function parseAuthValue(value: string): ParsedAuthValue {
  const m = AUTH_VALUE.exec(value);
  if (m === null) {
    return { ok: false, reason: `Bad/invalid auth token [${printable(value)}]: expected "<index> <hex digest>"` };
  }
  const index = Number(m[1]);
  const digest = m[2] as string;
  if (index > MAX_AUTH_INDEX) {
    return { ok: false, reason: `Invalid authentication type [${index}] in message! (index must be 0..${MAX_AUTH_INDEX})` };
  }
  if (!LOWER_HEX.test(digest)) {
    return { ok: false, reason: `authtoken does not match: digest ${digest} is not lowercase hex` };
  }
  return { ok: true, index, digest };
}

export type VerifyResult =
  | { readonly ok: true; readonly index: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks an auth value against `bytes` with the key its index names, among
 * every key in `keys` (spec §4.2, §4.3): an unknown index, a malformed value
 * or a different digest is refused with the daemon's wording.
 */
export function verifyAuthValue(
  keys: AuthKeysConfig,
  authValue: string,
  bytes: Uint8Array | string,
): VerifyResult {
  const parsed = parseAuthValue(authValue);
  if (!parsed.ok) return parsed;
  const key = keys.keys.get(parsed.index);
  if (key === undefined) {
    return { ok: false, reason: `Invalid authentication type [${parsed.index}] in message! (no key ${parsed.index} in authkeys)` };
  }
  if (!digestMatches(key, bytes, parsed.digest)) {
    return { ok: false, reason: `authtoken does not match (key ${parsed.index}, ${key.method})` };
  }
  return { ok: true, index: parsed.index };
}

/** The digest of `bytes` under one configured key. */
export function digestWithKey(key: AuthKey, bytes: Uint8Array | string): string {
  return computeDigest(key.method, key.method === 'crc' ? '' : keyBytes(key), bytes);
}

/** The signing key (`auth N`), or a reason when authkeys does not define it. */
export function activeKey(keys: AuthKeysConfig): { ok: true; key: AuthKey } | { ok: false; reason: string } {
  const key = keys.keys.get(keys.active);
  if (key === undefined) return { ok: false, reason: `Auth Key [${keys.active}] not found in ${keys.file}` };
  return { ok: true, key };
}

const keyBytesCache = new WeakMap<AuthKey, Buffer>();

// The HMAC key bytes, converted once per key object: the send and receive
// paths call this for every packet.
function keyBytes(key: AuthKey): Buffer {
  let bytes = keyBytesCache.get(key);
  if (bytes === undefined) {
    bytes = Buffer.from(key.secret, 'latin1');
    keyBytesCache.set(key, bytes);
  }
  return bytes;
}

/**
 * Whether `digest` (lowercase hex, already checked) is the digest of `bytes`
 * under `key`. HMACs are compared in constant time on their raw bytes; the
 * crc is no secret and is compared as text.
 */
function digestMatches(key: AuthKey, bytes: Uint8Array | string, digest: string): boolean {
  if (key.method === 'crc') return crc32Heartbeat(bytes).toString(16) === digest;
  const hmac = createHmac(key.method, keyBytes(key));
  if (typeof bytes === 'string') hmac.update(bytes, 'latin1');
  else hmac.update(bytes);
  const expected = hmac.digest();
  if (digest.length !== expected.length * 2) return false;
  return timingSafeEqual(expected, Buffer.from(digest, 'hex'));
}
