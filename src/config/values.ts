// The value syntaxes Heartbeat's configuration files share: times, booleans,
// whole numbers, IPv4 addresses. Each parser returns the value or a sentence
// saying what is wrong, never throws.
import type { Millis } from './types.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

// spec §10: a decimal number (fraction allowed) is seconds; `ms` milliseconds;
// `us`/`usec` microseconds. cluster-glue's cl_get_msec compares the unit
// case-insensitively and rounds to the nearest millisecond. `2s` is refused
// by the real daemon [V], and so it is here.
const TIME = /^(\d+(?:\.\d*)?|\.\d+)(ms|msec|us|usec)?$/i;

/** The longest time accepted anywhere (one day): keeps every timer far from setTimeout's 2^31 ms limit. */
export const MAX_TIME: Millis = 86_400_000;

export function parseTime(text: string): Parsed<Millis> {
  const m = TIME.exec(text);
  if (!m) return bad(timeHint(text));
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const ms = unit.startsWith('m') ? n : unit.startsWith('u') ? n / 1000 : n * 1000;
  const rounded = Math.floor(ms + 0.5);
  if (!Number.isFinite(ms) || rounded > MAX_TIME) return bad(`"${text}" is too long: at most one day (86400)`);
  return ok(rounded);
}

function timeHint(text: string): string {
  const seconds = /^(\d+(?:\.\d*)?)(s|sec|secs|seconds?)$/i.exec(text);
  if (seconds) return `"${text}" is not a Heartbeat time: a bare number already means seconds (write ${seconds[1]}), or use ms/us`;
  const minutes = /^(\d+(?:\.\d*)?)\s*(m|min|mins|minutes?)$/i.exec(text);
  if (minutes) return `"${text}" is not a Heartbeat time: there is no minute unit; write seconds (${Number(minutes[1]) * 60})`;
  return `"${text}" is not a time: write seconds (2, 1.5) or milliseconds (1500ms) or microseconds (500us)`;
}

const TRUE_WORDS = new Set(['true', 'on', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'off', 'no', 'n', '0']);

/** Heartbeat's booleans (cl_str_to_boolean): true on yes y 1 / false off no n 0, case-insensitive. */
export function parseBoolean(text: string): Parsed<boolean> {
  const w = text.toLowerCase();
  if (TRUE_WORDS.has(w)) return ok(true);
  if (FALSE_WORDS.has(w)) return ok(false);
  return bad(`"${text}" is not a boolean: write one of true, on, yes, y, 1 or false, off, no, n, 0`);
}

/** A whole decimal number in [min, max]. Heartbeat uses atoi(); we refuse trailing junk instead of ignoring it. */
export function parseInteger(text: string, min: number, max: number): Parsed<number> {
  if (!/^\d{1,10}$/.test(text)) return bad(`"${text}" is not a whole number (expected ${min}..${max})`);
  const n = Number(text);
  if (n < min || n > max) return bad(`${text} is out of range (expected ${min}..${max})`);
  return ok(n);
}

/** Dotted-quad IPv4, each octet 0..255, no leading zeros that would read as octal elsewhere. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function ipv4ToNumber(text: string): number {
  return text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** A host name as resolvers accept it (RFC 1123 labels). */
export function isHostName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  return text.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** Linux interface names: 1..15 bytes, no '/', no whitespace, not "." or "..". */
export function isInterfaceName(text: string): boolean {
  return /^[^\s/:]{1,15}$/.test(text) && text !== '.' && text !== '..';
}

/** A time for people: `3 s`, `1.5 s`, `500 ms`. */
export function formatMillis(ms: Millis): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Levenshtein distance, bounded work: only used on short directive names. */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.abs(a.length - b.length) + 64;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

/** The closest known word, if it is close enough to be a likely typo. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
