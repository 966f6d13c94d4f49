// The classic text encoding (spec §3.1, §2):
//   ">>>\n" { ["(" type ")"] name "=" value "\n" } "<<<\n" [NUL]
// String values carry `\n` as byte 0x13; binary and compressed values are
// base64; a struct value is the child's own classic text with its newlines
// replaced by the depth symbol of the level it sits at; a list is packed as
// `<len>:<element>,`…
//
// Strings are latin1 throughout (one byte per UTF-16 code unit), so the text
// built here is the byte sequence the daemon hashes and sends.
import { AUTH_FIELD, MAX_STRUCT_DEPTH } from './limits.js';
import { base64Of } from './bytes.js';
import type { Field, HbMessage } from './message.js';
import { printable } from './printable.js';
import type { ParseResult, WireError } from './types.js';
import { wireError } from './types.js';

/** Stands for `\n` inside a string value (SPECIAL_SYM in cluster-glue). */
export const NEWLINE_SYMBOL = 0x13;
/** Stands for `\n` inside a struct value at depth d (spec §2). */
export const DEPTH_SYMBOLS: readonly number[] = [
  0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x0f, 0x10, 0x11, 0x12,
];

const DEPTH_SYMBOL_CHARS = DEPTH_SYMBOLS.map((c) => String.fromCharCode(c));
const START = '>>>\n';
const END = '<<<\n';

/** Bytes that never fit in a classic field name (and non-latin1 characters, a caller's bug). */
const BAD_NAME = /[\x00=\n\u0100-\uffff]/;
/** Bytes that never fit in a string value (NUL ends a C string; 0x13 would read back as \n). */
const BAD_CLASSIC_STRING = /[\x00\x13\u0100-\uffff]/;
const BAD_LIST_ELEMENT = /[\x00\n\u0100-\uffff]/;

// Thrown only inside this module and caught at its entry points; not an
// Error, so that refusing a malformed packet costs no stack trace.
class ClassicEncodeError {
  constructor(readonly message: string) {}
}

/**
 * The classic text of `msg`: `>>>\n` … `<<<\n`, plus a NUL when
 * `trailingNul` (what the daemon puts inside compressed payloads and on the
 * FIFO wire format). Refused (a value, not an exception) when a name or value
 * cannot be represented (spec §3.1).
 */
export function encodeClassic(
  msg: HbMessage,
  opts: { readonly trailingNul?: boolean } = {},
): { readonly ok: true; readonly bytes: Buffer } | WireError {
  const text = encodeClassicText(msg);
  if (typeof text !== 'string') return text;
  return { ok: true, bytes: Buffer.from(opts.trailingNul === true ? `${text}\0` : text, 'latin1') };
}

/** Like encodeClassic, as a latin1 string (no trailing NUL). */
export function encodeClassicText(msg: HbMessage): string | WireError {
  try {
    if (!isMessage(msg)) return wireError('not a message (no fields array)');
    return messageText(msg, 0);
  } catch (e) {
    if (e instanceof ClassicEncodeError) return wireError(e.message);
    throw e;
  }
}

/**
 * What the inner `auth` field authenticates (spec §4.2): the classic lines of
 * every field except those named `auth`, in order, without `>>>`/`<<<`.
 */
export function classicAuthText(msg: HbMessage): string | WireError {
  if (!isMessage(msg)) return wireError('not a message (no fields array)');
  try {
    let text = '';
    for (const field of msg.fields) {
      if (field.name === AUTH_FIELD) continue;
      text += fieldLine(field, 0);
    }
    return text;
  } catch (e) {
    if (e instanceof ClassicEncodeError) return wireError(e.message);
    throw e;
  }
}

/**
 * Heartbeat's get_stringlen(): the classic length it compares with the
 * compression thresholds (spec §3.5) — the text plus its NUL, and one more
 * byte per nested struct (the daemon counts each child's NUL too).
 */
export function classicStringLength(msg: HbMessage): number {
  let total = START.length + END.length + 1;
  for (const f of msg.fields) {
    const typePrefix = f.type === 0 ? 0 : 3;
    total += typePrefix + f.name.length + 2;
    switch (f.type) {
      case 0:
        total += f.value.length;
        break;
      case 1:
      case 4:
        total += base64Length(f.value.length);
        break;
      case 2:
        total += classicStringLength(f.value);
        break;
      case 3:
        total += packedListLength(f.value);
        break;
    }
  }
  return total;
}

/** One top-level classic line (with its `\n`), or why the field cannot be written. */
export function classicFieldLine(field: Field): string | WireError {
  try {
    return fieldLine(field, 0);
  } catch (e) {
    if (e instanceof ClassicEncodeError) return wireError(e.message);
    throw e;
  }
}

function messageText(msg: HbMessage, depth: number): string {
  let text = START;
  for (const field of msg.fields) text += fieldLine(field, depth);
  return text + END;
}

function fieldLine(field: Field, depth: number): string {
  if (typeof field !== 'object' || field === null) fail('a field is not an object');
  const name = field.name;
  if (typeof name !== 'string' || name.length === 0) fail(`a field has an empty name`);
  if (BAD_NAME.test(name)) fail(`field name [${printable(name)}] contains NUL, '=', a newline or a non-latin1 character`);
  switch (field.type) {
    case 0: {
      const value = field.value;
      if (typeof value !== 'string') fail(`string field [${printable(name)}] has a non-string value`);
      if (name.charCodeAt(0) === 0x28 /* ( */) {
        fail(`string field name [${printable(name)}] starts with '(' and would read back as a type prefix`);
      }
      if (BAD_CLASSIC_STRING.test(value)) {
        fail(`string field [${printable(name)}] contains NUL, byte 0x13 or a non-latin1 character, which classic text cannot carry`);
      }
      return `${name}=${value.includes('\n') ? value.replaceAll('\n', '\x13') : value}\n`;
    }
    case 1:
    case 4: {
      const value = field.value;
      if (!(value instanceof Uint8Array)) fail(`binary field [${printable(name)}] has a non-byte value`);
      return `(${field.type})${name}=${base64Of(value)}\n`;
    }
    case 2: {
      if (depth >= MAX_STRUCT_DEPTH) fail(`struct field [${printable(name)}] nests deeper than ${MAX_STRUCT_DEPTH} levels`);
      const symbol = DEPTH_SYMBOL_CHARS[depth] as string;
      if (!isMessage(field.value)) fail(`struct field [${printable(name)}] has no message value`);
      const child = messageText(field.value, depth + 1);
      if (child.includes(symbol)) {
        fail(`struct field [${printable(name)}] contains byte 0x${symbol.charCodeAt(0).toString(16)}, the depth-${depth} newline symbol`);
      }
      return `(2)${name}=${child.replaceAll('\n', symbol)}\n`;
    }
    case 3:
      return `(3)${name}=${packList(field.value, name, BAD_LIST_ELEMENT)}\n`;
    default:
      return fail(`field [${printable(name)}] has unknown type ${String((field as { type: unknown }).type)}`);
  }
}

/** `<len>:<element>,` for each element (spec §2, list packing). */
export function packList(elements: readonly string[], name: string, bad: RegExp): string {
  if (!Array.isArray(elements) || elements.length === 0) fail(`list field [${printable(name)}] is empty`);
  let packed = '';
  for (const element of elements) {
    if (typeof element !== 'string' || element.length === 0) fail(`list field [${printable(name)}] has an empty element`);
    if (bad.test(element)) fail(`list field [${printable(name)}] has an element with a byte this encoding cannot carry`);
    packed += `${element.length}:${element},`;
  }
  return packed;
}

function packedListLength(elements: readonly string[]): number {
  let n = 0;
  for (const e of elements) n += String(e.length).length + e.length + 2;
  return n;
}

function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

export function isMessage(value: unknown): value is HbMessage {
  return typeof value === 'object' && value !== null && Array.isArray((value as HbMessage).fields);
}

function fail(reason: string): never {
  throw new ClassicEncodeError(reason);
}

// ---------------------------------------------------------------------------
// Parsing

const NL = 0x0a;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Thrown only inside this module and caught at its entry points; not an
// Error, so that refusing a malformed packet costs no stack trace.
class ClassicParseError {
  constructor(readonly message: string) {}
}

/**
 * Parses classic text (spec §3.1) without checking authentication. The
 * buffer must hold exactly `>>>\n` … `<<<\n`, optionally followed by one NUL.
 * CRLF line ends are not recognised (`>>>\r\n` is refused), as by the daemon.
 */
export function parseClassic(bytes: Uint8Array): ParseResult {
  // One latin1 view of the whole packet; names and values are substrings.
  const text = asBuffer(bytes).toString('latin1');
  // A NUL may only terminate the text (C strings); checked once here so that
  // no line needs to look for one.
  const length = text.endsWith('\0') ? text.length - 1 : text.length;
  const nul = text.indexOf('\0');
  if (nul >= 0 && nul < length) return wireError(`classic message: NUL byte at offset ${nul}`);
  try {
    const { message, end } = parseMessageAt(text, 0, length, 0);
    if (end < length) return wireError(`classic message: ${length - end} unexpected byte(s) after <<<`);
    return { ok: true, message };
  } catch (e) {
    if (e instanceof ClassicParseError) return wireError(`classic message: ${e.message}`);
    throw e;
  }
}

function parseMessageAt(s: string, start: number, end: number, depth: number): { message: HbMessage; end: number } {
  const where = depth > 0 ? ` in struct at depth ${depth}` : '';
  if (end - start < 4 || !s.startsWith(START, start)) perr(`does not start with ">>>\\n"${where}`);
  const fields: Field[] = [];
  let pos = start + 4;
  let line = 1;
  for (;;) {
    line++;
    if (pos >= end) perr(`no "<<<" end line${where}`);
    if (s.charCodeAt(pos) === NL) {
      // Empty lines between fields are skipped (spec §3.1).
      pos++;
      continue;
    }
    if (end - pos >= 4 && s.startsWith(END, pos)) return { message: { fields }, end: pos + 4 };
    const lineEnd = s.indexOf('\n', pos);
    if (lineEnd < 0 || lineEnd >= end) perr(`line ${line}${where} has no terminating newline`);
    const eq = s.indexOf('=', pos);
    if (eq < 0 || eq > lineEnd) perr(`line ${line}${where} [${printable(s.slice(pos, lineEnd))}] has no '='`);
    fields.push(parseLine(s, pos, eq, lineEnd, depth, line));
    pos = lineEnd + 1;
  }
}

function parseLine(s: string, start: number, eq: number, lineEnd: number, depth: number, line: number): Field {
  let type = 0;
  let nameStart = start;
  if (s.charCodeAt(start) === 0x28 /* ( */) {
    const digit = s.charCodeAt(start + 1) - 0x30;
    if (eq - start < 3 || s.charCodeAt(start + 2) !== 0x29 /* ) */ || !(digit >= 1 && digit <= 4)) {
      perr(`line ${line}: bad type prefix [${printable(s.slice(start, Math.min(eq, start + 3)))}] (expected (1) to (4))`);
    }
    type = digit;
    nameStart = start + 3;
  }
  if (nameStart === eq) perr(`line ${line} has an empty field name`);
  const name = s.slice(nameStart, eq);
  const raw = s.slice(eq + 1, lineEnd);
  switch (type) {
    case 0:
      return { name, type: 0, value: raw.includes('\x13') ? raw.replaceAll('\x13', '\n') : raw };
    case 1:
    case 4: {
      if (!STRICT_BASE64.test(raw)) perr(`line ${line}: field [${printable(name)}] is not valid base64`);
      const bytes = new Uint8Array(Buffer.from(raw, 'base64'));
      return type === 1 ? { name, type: 1, value: bytes } : { name, type: 4, value: bytes };
    }
    case 2: {
      if (depth >= MAX_STRUCT_DEPTH) perr(`line ${line}: struct field [${printable(name)}] nests deeper than ${MAX_STRUCT_DEPTH} levels`);
      const symbol = DEPTH_SYMBOL_CHARS[depth] as string;
      const child = raw.includes(symbol) ? raw.replaceAll(symbol, '\n') : raw;
      const parsed = parseMessageAt(child, 0, child.length, depth + 1);
      if (parsed.end !== child.length) perr(`line ${line}: struct field [${printable(name)}] has bytes after its "<<<"`);
      return { name, type: 2, value: parsed.message };
    }
    default: {
      const list = unpackList(raw, 0, raw.length);
      if (typeof list === 'string') perr(`line ${line}: list field [${printable(name)}]: ${list}`);
      return { name, type: 3, value: list };
    }
  }
}

/**
 * Unpacks `<len>:<element>,`… covering exactly [start, end) of a latin1
 * string; returns the elements or a reason. Elements are non-empty and
 * NUL-free (spec §2).
 */
export function unpackList(s: string, start: number, end: number): string[] | string {
  const elements: string[] = [];
  let pos = start;
  if (pos >= end) return 'empty list';
  while (pos < end) {
    let len = 0;
    let digits = 0;
    for (let c = s.charCodeAt(pos); pos < end && c >= 0x30 && c <= 0x39; c = s.charCodeAt(pos)) {
      len = len * 10 + (c - 0x30);
      pos++;
      if (++digits > 8) return 'element length has too many digits';
    }
    if (digits === 0 || pos >= end || s.charCodeAt(pos) !== 0x3a /* : */) {
      return `element ${elements.length + 1} does not start with "<length>:"`;
    }
    pos++;
    if (len === 0) return `element ${elements.length + 1} is empty`;
    if (pos + len >= end || s.charCodeAt(pos + len) !== 0x2c /* , */) return `element ${elements.length + 1} overruns the list`;
    const element = s.slice(pos, pos + len);
    if (element.includes('\0')) return `element ${elements.length + 1} contains a NUL byte`;
    elements.push(element);
    pos += len + 1;
  }
  return elements;
}

function perr(reason: string): never {
  throw new ClassicParseError(reason);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
