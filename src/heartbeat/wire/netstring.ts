// The netstring encoding the Debian daemon sends (spec §3.2):
//   "###\n" { <len> ":" "(" type ")" name "=" value "," } "%%%\n" [ <len> ":" <auth> "," ]
// Values are raw bytes: strings as they are, binary and compressed fields as
// bytes, a struct as the child's own `###\n…%%%\n` (no trailer), a list
// packed as `<len>:<element>,`…
//
// Built as a latin1 string (one byte per UTF-16 code unit) so that a whole
// message costs one string-to-Buffer conversion.
import { isMessage, packList, unpackList, asBuffer } from './classic.js';
import { printable } from './printable.js';
import { MAX_STRUCT_DEPTH } from './limits.js';
import { latin1Of } from './bytes.js';
import type { Field, HbMessage } from './message.js';
import type { WireError } from './types.js';
import { wireError } from './types.js';

const START = '###\n';
const END = '%%%\n';
// Message strings are latin1: a code unit above 0xff is a caller's bug, refused.
const BAD_NAME = /[\x00=\u0100-\uffff]/;
const BAD_VALUE = /[\x00\u0100-\uffff]/;

// Thrown only inside this module and caught at its entry points; not an
// Error, so that refusing a malformed packet costs no stack trace.
class NetstringEncodeError {
  constructor(readonly message: string) {}
}

/** `###\n` … `%%%\n` for `msg`: the part the trailer authenticates (spec §4.3). */
export function encodeNetstringBody(msg: HbMessage): { readonly ok: true; readonly bytes: Buffer } | WireError {
  const text = encodeNetstringText(msg);
  if (typeof text !== 'string') return text;
  return { ok: true, bytes: Buffer.from(text, 'latin1') };
}

/** Like encodeNetstringBody, as a latin1 string. */
export function encodeNetstringText(msg: HbMessage): string | WireError {
  if (!isMessage(msg)) return wireError('not a message (no fields array)');
  try {
    return bodyText(msg, 0);
  } catch (e) {
    if (e instanceof NetstringEncodeError) return wireError(e.message);
    throw e;
  }
}

/** `<len>:<text>,` — the auth trailer, and the frame of every field. */
export function netstringFrame(text: string): string {
  return `${text.length}:${text},`;
}

/** One top-level `<len>:(t)name=value,` frame, or why the field cannot be written. */
export function netstringFieldFrame(field: Field): string | WireError {
  try {
    return fieldFrame(field, 0);
  } catch (e) {
    if (e instanceof NetstringEncodeError) return wireError(e.message);
    throw e;
  }
}

function bodyText(msg: HbMessage, depth: number): string {
  let text = START;
  for (const field of msg.fields) {
    // The common case, without the general path's checks and dispatch.
    if (field.type === 0 && isNetstringName(field.name) && isNulFree(field.value)) {
      text += field.name.length + field.value.length + 4 + ':(0)' + field.name + '=' + field.value + ',';
    } else {
      text += fieldFrame(field, depth);
    }
  }
  return text + END;
}

function isNetstringName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x00 || c === 0x3d || c > 0xff) return false;
  }
  return true;
}

function isNulFree(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c > 0xff) return false;
  }
  return true;
}

function fieldFrame(field: Field, depth: number): string {
  if (typeof field !== 'object' || field === null) fail('a field is not an object');
  const name = field.name;
  if (typeof name !== 'string' || name.length === 0) fail('a field has an empty name');
  if (BAD_NAME.test(name)) fail(`field name [${printable(name)}] contains NUL, '=' or a non-latin1 character`);
  let value: string;
  switch (field.type) {
    case 0:
      if (typeof field.value !== 'string') fail(`string field [${printable(name)}] has a non-string value`);
      if (BAD_VALUE.test(field.value)) fail(`string field [${printable(name)}] contains a NUL byte or a non-latin1 character`);
      value = field.value;
      break;
    case 1:
    case 4:
      if (!(field.value instanceof Uint8Array)) fail(`binary field [${printable(name)}] has a non-byte value`);
      value = latin1Of(field.value);
      break;
    case 2:
      if (depth >= MAX_STRUCT_DEPTH) fail(`struct field [${printable(name)}] nests deeper than ${MAX_STRUCT_DEPTH} levels`);
      if (!isMessage(field.value)) fail(`struct field [${printable(name)}] has no message value`);
      value = bodyText(field.value, depth + 1);
      break;
    case 3:
      try {
        value = packList(field.value, name, BAD_VALUE);
      } catch (e) {
        fail((e as { message: string }).message);
      }
      break;
    default:
      fail(`field [${printable(name)}] has unknown type ${String((field as { type: unknown }).type)}`);
  }
  const pair = `(${field.type})${name}=${value}`;
  return `${pair.length}:${pair},`;
}

function fail(reason: string): never {
  throw new NetstringEncodeError(reason);
}

// ---------------------------------------------------------------------------
// Parsing

const COLON = 0x3a;
const COMMA = 0x2c;
/** Enough digits for any length inside a 2 MiB decompressed payload. */
const MAX_LENGTH_DIGITS = 8;
/** "15 " + a 40-digit SHA-1 is 43; Heartbeat reserves 64 (MAX_AUTH_BYTES). */
const MAX_TRAILER_LENGTH = 64;

// Thrown only inside this module and caught at its entry points; not an
// Error, so that refusing a malformed packet costs no stack trace.
class NetstringParseError {
  constructor(readonly message: string) {}
}

export type NetstringParse =
  | {
      readonly ok: true;
      readonly message: HbMessage;
      /** Offset just past `%%%\n`: the authenticated bytes are [0, bodyEnd). */
      readonly bodyEnd: number;
      /**
       * The auth trailer's content when a well-formed `<len>:<auth>,` follows
       * the body and ends the bytes exactly; undefined otherwise.
       */
      readonly trailer: string | undefined;
    }
  | WireError;

/**
 * Parses `###\n` … `%%%\n` at the start of `bytes` without checking any
 * authentication; whatever follows (the trailer) is left to the caller.
 */
export function parseNetstring(bytes: Uint8Array): NetstringParse {
  const buf = asBuffer(bytes);
  // One latin1 view of the whole packet: names and values are then cheap
  // substrings instead of one Buffer decode each.
  const text = buf.toString('latin1');
  try {
    // Most packets hold no NUL at all; names and values are searched for one only when it does.
    const hasNul = text.indexOf('\0') >= 0;
    const { message, end } = parseBodyAt(text, buf, hasNul, 0, text.length, 0);
    return { ok: true, message, bodyEnd: end, trailer: trailerAt(text, end) };
  } catch (e) {
    if (e instanceof NetstringParseError) return wireError(`netstring message: ${e.message}`);
    throw e;
  }
}

/**
 * The auth trailer `<len>:<auth>,` starting at `offset`, which must end the
 * packet exactly. Undefined when it is missing or malformed (the daemon's
 * "peel_netstring() error in getting auth string").
 */
export function parseNetstringTrailer(bytes: Uint8Array, offset: number): string | undefined {
  return trailerAt(asBuffer(bytes).toString('latin1'), offset);
}

function trailerAt(text: string, offset: number): string | undefined {
  const peeled = peel(text, offset, text.length);
  if (peeled === undefined || peeled.next !== text.length || peeled.length > MAX_TRAILER_LENGTH) return undefined;
  return text.slice(peeled.start, peeled.start + peeled.length);
}

/** One `<len>:…,` frame in [pos, end): where its content starts, its length, the offset after its comma. */
function peel(s: string, pos: number, end: number): { start: number; length: number; next: number } | undefined {
  let length = 0;
  let digits = 0;
  while (pos < end) {
    const c = s.charCodeAt(pos);
    if (c < 0x30 || c > 0x39) break;
    length = length * 10 + (c - 0x30);
    pos++;
    if (++digits > MAX_LENGTH_DIGITS) return undefined;
  }
  if (digits === 0 || pos >= end || s.charCodeAt(pos) !== COLON) return undefined;
  const start = pos + 1;
  const comma = start + length;
  if (comma >= end || s.charCodeAt(comma) !== COMMA) return undefined;
  return { start, length, next: comma + 1 };
}

function parseBodyAt(
  s: string,
  buf: Buffer,
  hasNul: boolean,
  start: number,
  end: number,
  depth: number,
): { message: HbMessage; end: number } {
  const where = depth > 0 ? ` (struct at depth ${depth})` : '';
  if (end - start < 4 || !s.startsWith(START, start)) perr(`does not start with "###\\n"${where}`);
  const fields: Field[] = [];
  let pos = start + 4;
  for (;;) {
    if (end - pos >= 4 && s.startsWith(END, pos)) return { message: { fields }, end: pos + 4 };
    if (pos >= end) perr(`no "%%%" end marker${where}`);
    const frame = peel(s, pos, end);
    if (frame === undefined) {
      perr(`field ${fields.length + 1} at byte ${pos - start} is not a well-formed "<length>:…," netstring${where}`);
    }
    fields.push(parseField(s, buf, hasNul, frame.start, frame.start + frame.length, depth, fields.length + 1));
    pos = frame.next;
  }
}

function parseField(
  s: string,
  buf: Buffer,
  hasNul: boolean,
  start: number,
  end: number,
  depth: number,
  index: number,
): Field {
  const type = s.charCodeAt(start + 1) - 0x30;
  if (end - start < 3 || s.charCodeAt(start) !== 0x28 || s.charCodeAt(start + 2) !== 0x29 || !(type >= 0 && type <= 4)) {
    perr(`field ${index} does not start with a type "(0)" to "(4)"`);
  }
  const eq = s.indexOf('=', start + 3);
  if (eq < 0 || eq >= end) perr(`field ${index} has no '='`);
  if (eq === start + 3) perr(`field ${index} has an empty name`);
  const name = s.slice(start + 3, eq);
  if (hasNul && name.includes('\0')) perr(`field ${index} has a NUL byte in its name`);
  const valueStart = eq + 1;
  switch (type) {
    case 0: {
      const value = s.slice(valueStart, end);
      if (hasNul && value.includes('\0')) perr(`string field [${printable(name)}] contains a NUL byte`);
      return { name, type: 0, value };
    }
    case 1:
      return { name, type: 1, value: new Uint8Array(buf.subarray(valueStart, end)) };
    case 4:
      return { name, type: 4, value: new Uint8Array(buf.subarray(valueStart, end)) };
    case 2: {
      if (depth >= MAX_STRUCT_DEPTH) perr(`struct field [${printable(name)}] nests deeper than ${MAX_STRUCT_DEPTH} levels`);
      const child = parseBodyAt(s, buf, hasNul, valueStart, end, depth + 1);
      if (child.end !== end) perr(`struct field [${printable(name)}] has bytes after its "%%%"`);
      return { name, type: 2, value: child.message };
    }
    default: {
      const list = unpackList(s, valueStart, end);
      if (typeof list === 'string') perr(`list field [${printable(name)}]: ${list}`);
      return { name, type: 3, value: list };
    }
  }
}

function perr(reason: string): never {
  throw new NetstringParseError(reason);
}
