// One UDP datagram ⇄ one authenticated message (spec §3, §4).
//
// Receive: classic text is authenticated by its `auth` field, netstring by
// its trailer (the inner `auth` field is then not checked); an authenticated
// compressed envelope is opened after auth. Send: exactly what the Debian
// daemon sends — netstring, the fields in the message's order, the inner
// `auth` field last when msgfmt is classic, the trailer signed with `auth N`.
import type { AuthKey, AuthKeysConfig } from '../../config/index.js';
import { activeKey, digestWithKey, formatAuthValue, verifyAuthValue } from './auth.js';
import { printable } from './printable.js';
import { asBuffer, classicAuthText, classicFieldLine, classicStringLength, encodeClassicText, isMessage, parseClassic } from './classic.js';
import { base64Of, latin1Of } from './bytes.js';
import { compressEnvelope, compressedPayload, openEnvelope } from './compression.js';
import { encodeFlatPacket } from './flat.js';
import {
  AUTH_FIELD,
  DEFAULT_COMPRESSION_THRESHOLD_KIB,
  MAX_UDP_PAYLOAD,
  MAXMSG,
} from './limits.js';
import type { Field, HbMessage } from './message.js';
import { getString } from './message.js';
import { encodeNetstringText, netstringFieldFrame, netstringFrame, parseNetstring } from './netstring.js';
import type { DecodeResult, EncodeOptions, EncodeResult, WireError, WireFormat } from './types.js';
import { wireError } from './types.js';

/**
 * Decodes and authenticates one datagram. Pure, and never throws for any
 * input bytes: a malformed, unauthenticated or oversized packet is
 * `{ ok: false, reason }`, the reason worded like the daemon's log line.
 */
export function decodePacket(bytes: Uint8Array, keys: AuthKeysConfig): DecodeResult {
  try {
    return decode(asBuffer(bytes), keys);
  } catch (e) {
    // Unreachable by design (the fuzz test checks it); a codec bug must
    // still drop one packet, never the daemon.
    return wireError(`internal decoder error: ${(e as Error).message}`);
  }
}

function decode(buf: Buffer, keys: AuthKeysConfig): DecodeResult {
  if (buf.length >= 4 && buf[0] === 0x3e && buf[1] === 0x3e && buf[2] === 0x3e && buf[3] === 0x0a) {
    return decodeClassic(buf, keys);
  }
  if (buf.length >= 4 && buf[0] === 0x23 && buf[1] === 0x23 && buf[2] === 0x23 && buf[3] === 0x0a) {
    return decodeNetstring(buf, keys);
  }
  return wireError('not a heartbeat message: it starts with neither ">>>\\n" nor "###\\n"');
}

function decodeClassic(buf: Buffer, keys: AuthKeysConfig): DecodeResult {
  const parsed = parseClassic(buf);
  if (!parsed.ok) return parsed;
  const message = parsed.message;
  const node = getString(message, 'src') ?? '?';
  // The digest covers every field except those named auth, so a second auth
  // field would be content nobody signed. The daemon (which takes the last
  // one) never sends two; refusing them keeps classic input unforgeable.
  let authValue: string | undefined;
  let authFields = 0;
  for (const f of message.fields) {
    if (f.name !== AUTH_FIELD) continue;
    authFields++;
    if (f.type === 0) authValue = f.value;
  }
  if (authFields > 1) {
    return wireError(`node [${printable(node)}] failed authentication: classic message has ${authFields} auth fields`);
  }
  if (authValue === undefined) {
    return wireError(`Bad/invalid auth token, authtoken=(nil): node [${printable(node)}] failed authentication (classic message without a string auth field)`);
  }
  const text = classicAuthText(message);
  if (typeof text !== 'string') return wireError(`node [${printable(node)}] failed authentication: ${text.reason}`);
  const verified = verifyAuthValue(keys, authValue, text);
  if (!verified.ok) return wireError(`string2msg_ll: node [${printable(node)}] failed authentication: ${verified.reason}`);
  return finish(message, 'classic', verified.index);
}

function decodeNetstring(buf: Buffer, keys: AuthKeysConfig): DecodeResult {
  const parsed = parseNetstring(buf);
  if (!parsed.ok) return parsed;
  const trailer = parsed.trailer;
  if (trailer === undefined) {
    return wireError('peel_netstring() error in getting auth string: netstring message has no well-formed auth trailer ending the packet');
  }
  const verified = verifyAuthValue(keys, trailer, buf.subarray(0, parsed.bodyEnd));
  if (!verified.ok) return wireError(`netstring authentication failed: ${verified.reason}`);
  return finish(parsed.message, 'netstring', verified.index);
}

function finish(message: HbMessage, format: WireFormat, authIndex: number): DecodeResult {
  const payload = compressedPayload(message);
  if (payload === undefined) return { ok: true, message, format, authIndex, compressed: false };
  const inner = openEnvelope(message, payload);
  if (!inner.ok) return inner;
  return { ok: true, message: inner.message, format, authIndex, compressed: true };
}

/**
 * Encodes and signs one message as the Debian daemon would put it in a
 * datagram (spec §3.3–§3.5). With msgfmt classic the inner `auth` field is
 * set (the first one replaced in place, else appended last) unless the
 * message has struct/compressed fields, which the daemon never signs that
 * way. Compresses when the daemon would; refuses (as a value) a datagram
 * larger than 65 507 bytes.
 */
export function encodePacket(msg: HbMessage, keys: AuthKeysConfig, opts: EncodeOptions): EncodeResult {
  if (!isMessage(msg)) return wireError('not a message (no fields array)');
  const signer = activeKey(keys);
  if (!signer.ok) return signer;
  if (opts.traditionalCompression !== true) {
    const flat = encodeFlatPacket(msg, signer.key, keys.active, opts.msgfmt === 'classic');
    if (flat !== undefined) return { ok: true, bytes: flat };
  }
  return encodeGeneralPacket(msg, keys, opts);
}

/**
 * encodePacket without the fast path for plain messages: every field type,
 * compression and every refusal. Exported for the test that holds both
 * paths byte-identical.
 */
export function encodeGeneralPacket(msg: HbMessage, keys: AuthKeysConfig, opts: EncodeOptions): EncodeResult {
  if (!isMessage(msg)) return wireError('not a message (no fields array)');
  const signer = activeKey(keys);
  if (!signer.ok) return signer;
  const key = signer.key;

  const mustUseNetstring = hasStructOrCompressed(msg);
  const useNetstring = opts.msgfmt === 'netstring' || mustUseNetstring;
  let body: string;
  let authValue: string | undefined;
  if (useNetstring) {
    const text = encodeNetstringText(msg);
    if (typeof text !== 'string') return text;
    body = text;
  } else {
    const signed = classicSignedBody(msg, key, keys.active);
    if (!signed.ok) return signed;
    ({ body, authValue } = signed);
  }

  let signed = body;
  if (needsCompression(msg, body, authValue, useNetstring, opts)) {
    const message = authValue === undefined ? msg : withAuth(msg, authValue);
    const compressed = compressedBody(message, useNetstring ? body : undefined);
    if (typeof compressed !== 'string') return compressed;
    signed = compressed;
  }

  const packet = signed + netstringFrame(formatAuthValue(keys.active, digestWithKey(key, signed)));
  if (packet.length > MAX_UDP_PAYLOAD) {
    return wireError(`message of ${packet.length} bytes exceeds the UDP maximum of ${MAX_UDP_PAYLOAD} bytes`);
  }
  return { ok: true, bytes: Buffer.from(packet, 'latin1') };
}

/**
 * The daemon's rule (spec §3.5): compress when traditional_compression is on
 * and the wire length exceeds compression_threshold, or whenever it reaches
 * MAXMSG. The wire length is the netstring length, or for msgfmt classic the
 * classic length (get_stringlen).
 */
function needsCompression(
  msg: HbMessage,
  body: string,
  authValue: string | undefined,
  useNetstring: boolean,
  opts: EncodeOptions,
): boolean {
  const traditional = opts.traditionalCompression === true;
  if (useNetstring) {
    const threshold = (opts.compressionThresholdKiB ?? DEFAULT_COMPRESSION_THRESHOLD_KIB) * 1024;
    return (traditional && body.length > threshold) || body.length >= MAXMSG;
  }
  // Classic text is at most 4/3 of the netstring body plus its 9 framing
  // bytes (base64 is the only expansion), which spares the heartbeat path
  // the exact count in the default mode.
  if (!traditional && (body.length * 4) / 3 + 9 < MAXMSG) return false;
  const threshold = (opts.compressionThresholdKiB ?? DEFAULT_COMPRESSION_THRESHOLD_KIB) * 1024;
  const classicLength = classicStringLength(authValue === undefined ? msg : withAuth(msg, authValue));
  return (traditional && classicLength > threshold) || classicLength >= MAXMSG;
}

/**
 * The netstring body with the inner auth field in place, built in one pass
 * that also produces the classic text the auth is computed over (spec §4.2).
 * Plain messages seldom get here (flat.ts writes them); this handles every
 * other field type and an auth field anywhere.
 */
function classicSignedBody(
  msg: HbMessage,
  key: AuthKey,
  index: number,
): { ok: true; body: string; authValue: string } | WireError {
  let classic = '';
  let frames = '';
  // Frames before the first auth field, which is replaced in place (ha_msg_mod).
  let framesBeforeAuth: string | undefined;
  for (const f of msg.fields) {
    if (f.name === AUTH_FIELD) {
      // The classic text skips every auth field; only the first is replaced.
      if (framesBeforeAuth === undefined) {
        framesBeforeAuth = frames;
        frames = '';
        continue;
      }
      const frame = netstringFieldFrame(f);
      if (typeof frame !== 'string') return frame;
      frames += frame;
      continue;
    }
    if (f.type === 0 && isPlainName(f.name) && isPlainString(f.value)) {
      const name = f.name;
      const value = f.value;
      classic += name + '=' + (value.includes('\n') ? value.replaceAll('\n', '\x13') : value) + '\n';
      frames += name.length + value.length + 4 + ':(0)' + name + '=' + value + ',';
      continue;
    }
    if (f.type === 1 && f.value instanceof Uint8Array && isPlainName(f.name)) {
      const raw = latin1Of(f.value);
      classic += '(1)' + f.name + '=' + base64Of(f.value) + '\n';
      frames += f.name.length + raw.length + 4 + ':(1)' + f.name + '=' + raw + ',';
      continue;
    }
    const line = classicFieldLine(f);
    if (typeof line !== 'string') return wireError(`cannot compute the inner auth: ${line.reason}`);
    const frame = netstringFieldFrame(f);
    if (typeof frame !== 'string') return frame;
    classic += line;
    frames += frame;
  }
  const authValue = formatAuthValue(index, digestWithKey(key, classic));
  const authFrame = netstringFrame(`(0)${AUTH_FIELD}=${authValue}`);
  const all = framesBeforeAuth === undefined ? frames + authFrame : framesBeforeAuth + authFrame + frames;
  return { ok: true, body: '###\n' + all + '%%%\n', authValue };
}

/** A name both encodings carry as-is: latin1, non-empty, no NUL, '=' or newline, not starting with '('. */
function isPlainName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.charCodeAt(0) === 0x28) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x00 || c === 0x3d || c === 0x0a || c > 0xff) return false;
  }
  return true;
}

/** A string value both encodings carry: latin1, no NUL, no 0x13 (spec §3.1). */
function isPlainString(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x00 || c === 0x13 || c > 0xff) return false;
  }
  return true;
}

/**
 * The compressed envelope's body (spec §3.5): the inner message as the
 * daemon serialises it without trailer — the netstring body, or the classic
 * text with its NUL.
 */
function compressedBody(message: HbMessage, netstringBody: string | undefined): string | WireError {
  let inner: Buffer;
  if (netstringBody !== undefined) {
    inner = Buffer.from(netstringBody, 'latin1');
  } else {
    const text = encodeClassicText(message);
    if (typeof text !== 'string') return text;
    inner = Buffer.from(`${text}\0`, 'latin1');
  }
  const envelope = compressEnvelope(inner);
  if (!envelope.ok) return envelope;
  return encodeNetstringText(envelope.envelope);
}

function hasStructOrCompressed(msg: HbMessage): boolean {
  for (const f of msg.fields) if (f.type === 2 || f.type === 4) return true;
  return false;
}

function withAuth(msg: HbMessage, value: string): HbMessage {
  const auth: Field = { name: AUTH_FIELD, type: 0, value };
  const fields = msg.fields.slice();
  const i = fields.findIndex((f) => f.name === AUTH_FIELD);
  if (i < 0) fields.push(auth);
  else fields[i] = auth;
  return { fields };
}
