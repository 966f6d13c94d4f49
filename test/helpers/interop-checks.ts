// What the interop tests look for in the real daemon's log and on the wire,
// kept apart from the scenario so each rule says which spec fact it pins.
// Pure apart from writeConfigDir.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HbMessage } from '../../src/heartbeat/index.js';

/**
 * Lines of the real daemon's log that would mean our node is NOT
 * indistinguishable from a Heartbeat 3.0.6 peer:
 * - §4.5 auth failures: our digests/trailers are wrong;
 * - "bad node": our src/srcuuid do not match a configured node (spec §5.1 step 4);
 * - "replay": our generation did not increase (spec §7.1);
 * - "lost packet" / "Irretrievably lost": our seq numbering has gaps (spec §7.2);
 * - "Late heartbeat": our keepalive timer slipped past warntime (spec §8.1);
 * - "hist queue" / "clients are now paused": we do not ACK (spec §7.3);
 * - "returning after partition": it saw our generation/seq go wrong (spec §7.1).
 */
export const INDISTINGUISHABILITY_VIOLATIONS: ReadonlyArray<readonly [string, RegExp]> = [
  ['authentication failure (spec §4.5)', /failed authentication|Bad\/invalid auth|Invalid authentication|authtoken does not match|netstring authentication failed|peel_netstring/i],
  ['bad node (spec §5.1)', /bad node/i],
  ['replay (spec §7.1)', /replay/i],
  ['lost packets (spec §7.2)', /lost packet/i],
  ['late heartbeat (spec §8.1)', /Late heartbeat/i],
  ['flow control (spec §7.3)', /hist queue|clients are now paused/i],
  ['partition (spec §7.1)', /returning after partition/i],
  // The real daemon dumps every message it rejects (observed after each §4.5 line).
  ['rejected-message dump', /MSG: Dumping message/],
];

/** The §4.5 lines: what the real daemon may say about a peer with the wrong key, and nothing else. */
export const AUTH_FAILURE_LINE = INDISTINGUISHABILITY_VIOLATIONS[0]![1];

/** WARN/ERROR/CRIT lines every real node logs in this lab (real-heartbeat.ts header). */
const NORMAL_WARNINGS = [
  /Logging daemon is disabled/,
  /Core dumps could be lost/,
  /core_pattern|core_uses_pid/,
  /Initial dead time \[\d+ ms\] may be too small/,
  /Deprecated 'legacy' auto_failback|Please convert to 'auto_failback on'|See documentation for conversion details/,
  /No Previous generation/,
  /Cannot lock ourselves into memory/,
];

export function isNormalWarning(line: string): boolean {
  return NORMAL_WARNINGS.some((re) => re.test(line));
}

/**
 * WARN/ERROR/CRIT lines OUR daemon logs in this lab that are normal, each
 * the consequence of a choice the test made on purpose. Lines are as
 * interop-our-node.ts gives them: "warn: message [component]" or, for the
 * config check, "warn: <file>[:line]: warning: …".
 */
export const OUR_NORMAL_WARNINGS: ReadonlyArray<readonly [string, RegExp]> = [
  // spec §7.1: the first start on an empty state dir seeds hb_generation from the clock, as the real one does.
  ['first start', /^warn: No Previous generation - starting at \d+( \[\w+\])?$/],
  // The test's initdead (3 s, see its header) is below the recommended 10 s on purpose; the real one warns too.
  ['initdead below 10 s', /^warn: \S+\/ha\.cf:\d+: warning: initdead \([^)]*\) may be too small\b/],
  // The shared ha.cf leaves auto_failback unset (legacy), like the real node's: our config check says so …
  ['auto_failback unset', /^warn: \S+\/ha\.cf: warning: auto_failback is not set\b/],
  // … and our resource manager logs Heartbeat's three legacy lines, as the real one does (NORMAL_WARNINGS).
  [
    'legacy auto_failback',
    /^warn: (Deprecated 'legacy' auto_failback option selected\.|Please convert to 'auto_failback on'\.|When you do, then you can use ipfail, and hb_standby)( \[\w+\])?$/,
  ],
  // Issue 3's interop is the heartbeat layer: ours runs with an empty haresources.
  ['no resource group', /^warn: \S+\/haresources: warning: haresources defines no resource group\b/],
  // ha.cf realtime (default on): Node cannot mlockall(); Heartbeat's own line when it cannot lock (NORMAL_WARNINGS).
  ['memory not locked', /^warn: (\[\w+\] )?Cannot lock ourselves into memory: /],
  // The mcast+crc set-up (spec §12.1) uses crc on purpose.
  ['crc', /^warn: \S+\/authkeys:\d+: warning: crc gives no security\b/],
];

/** Our log lines at warn or above that OUR_NORMAL_WARNINGS does not explain. */
export function ourUnexpectedWarnings(lines: readonly string[]): string[] {
  return lines.filter((l) => /^(warn|error|crit):/i.test(l) && !OUR_NORMAL_WARNINGS.some(([, re]) => re.test(l)));
}

const LEVELED = /\b(WARN|ERROR|CRIT):/;

/** Every violation line in `text`, with its label. */
export function violations(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (const [label, re] of INDISTINGUISHABILITY_VIOLATIONS) {
      if (re.test(line)) out.push(`${label}: ${line}`);
    }
  }
  return out;
}

/** WARN/ERROR/CRIT lines that are neither normal in the lab nor in `expected`. */
export function unexpectedWarnings(text: string, expected: readonly RegExp[] = []): string[] {
  return text
    .split('\n')
    .filter((l) => LEVELED.test(l) && !isNormalWarning(l) && !expected.some((re) => re.test(l)));
}

/** A daemon line ("Nov 22 03:15:02 alpha heartbeat: [10]: info: …") or a script line ("2026/11/22_03:15:13  harc(default)[30]: …"). */
const RECORD_START = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ \S+: \[\d+\]: |\d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d )/;

/**
 * The log split into records: a record is a line that starts like a log line
 * plus the lines that follow it without such a start (the real daemon writes
 * a rejected packet raw into its "netstring authentication failed, s=…" line,
 * newlines included).
 */
export function logRecords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (RECORD_START.test(line) || out.length === 0) out.push(line);
    else out[out.length - 1] += `\n${line}`;
  }
  return out.filter((r) => r.trim() !== '');
}

/** What the real daemon logs for each packet that fails authentication (spec §4.5), and the dump that follows. */
export function isAuthFailureRecord(record: string): boolean {
  const head = record.split('\n')[0] ?? '';
  return AUTH_FAILURE_LINE.test(head) || /MSG: Dumping message with \d+ fields|MSG\[\d+\] : \[/.test(head);
}

/** The log text after byte `from` (a logSize() taken earlier). */
export function logSince(text: string, from: number): string {
  return Buffer.from(text, 'utf8').subarray(from).toString('utf8');
}

/** Field names as the wire shows them: `(1)` prefix for binary fields (spec §2). */
export function fieldSignature(msg: HbMessage): string[] {
  return msg.fields.map((f) => (f.type === 0 ? f.name : `(${f.type})${f.name}`));
}

/** spec §3.4, §5.1: a status from the Debian daemon, msgfmt classic. */
export const STATUS_SIGNATURE = ['t', 'st', 'dt', 'protocol', 'src', '(1)srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl', 'auth'] as const;

/** The fields the daemon stamps on every message it sends, in order (spec §3.4): no seq/ld on NS_* types. */
export function expectedStampTail(type: string): string[] {
  return type.startsWith('NS_')
    ? ['src', '(1)srcuuid', 'hg', 'ts', 'ttl', 'auth']
    : ['src', '(1)srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl', 'auth'];
}

/**
 * What spec §3.4 requires of any message the daemon sends (msgfmt classic):
 * the creator's fields, then `destuuid` when there is a `dest` (and the
 * peer's uuid is known), then src, srcuuid, seq, hg, ts, ld, ttl (no seq/ld
 * for NS_* types) and the inner auth last. Returns the problems (empty = in
 * Heartbeat's order).
 */
export function fieldOrderProblems(type: string, sig: readonly string[]): string[] {
  const tail = expectedStampTail(type);
  const problems: string[] = [];
  const got = sig.slice(-tail.length);
  if (got.join(' ') !== tail.join(' ')) problems.push(`ends with "${got.join(' ')}", expected "${tail.join(' ')}"`);
  const creator = sig.slice(0, Math.max(0, sig.length - tail.length));
  const stampNames = new Set([...tail, 'seq', 'ld']);
  const misplaced = creator.filter((n) => stampNames.has(n));
  if (misplaced.length > 0) problems.push(`stamp fields before the creator's end: ${misplaced.join(', ')}`);
  const destuuidAt = creator.indexOf('(1)destuuid');
  if (destuuidAt >= 0 && destuuidAt !== creator.length - 1) problems.push('destuuid is not right before src');
  if (destuuidAt >= 0 && !creator.includes('dest')) problems.push('destuuid without dest');
  if (!creator.includes('t')) problems.push('no t field');
  return problems;
}

/** Writes an /etc/ha.d-style directory for our node (authkeys 0600, spec §4.1). */
export async function writeConfigDir(dir: string, files: { haCf: readonly string[]; authkeys: string; haresources?: string }): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ha.cf'), files.haCf.join('\n') + '\n');
  await writeFile(join(dir, 'haresources'), files.haresources ?? '');
  await writeFile(join(dir, 'authkeys'), files.authkeys, { mode: 0o600 });
  await chmod(join(dir, 'authkeys'), 0o600);
  return dir;
}
