// `<config-dir>/probes.ini`: the application probes of issue 6 (a heartbeat-ts
// extension; real Heartbeat has no such file, so nothing here can break a
// Heartbeat configuration).
//
// Syntax is INI as the `ini` package reads it: keys and values are decoded by
// `ini.unsafe`, so quoting ("…" or '…'), `\;` / `\#` escapes and trailing
// `; comment` / `# comment` after a value behave exactly as in `ini`. An
// unquoted `;` or `#` ends the value: quote a URL that contains one. The line
// structure (sections, `key = value`) is scanned here rather than by
// `ini.parse`, because `ini.parse` loses line numbers, merges duplicate
// sections, nests `[a.b]` under `a` and turns a bare word into `true`: every
// one of those is an error we must report as FILE:LINE.
//
// One section per probe; keys (defaults in PROBE_DEFAULTS):
//   url            http:// or https:// URL to GET, or instead:
//   command        a command line run by /bin/sh -c (e.g. `pidof nginx`), like
//                  keepalived's vrrp_script: exit status 0 is a success,
//                  anything else (or the timeout) a failure; exactly one of
//                  url and command
//   expect_status  HTTP status that counts as success (200; url probes only)
//   expect_md5     md5 of the expected body, 32 hex digits (none: body not checked; url probes only)
//   schedule       node-cron expression, 5 fields (`*/1 * * * *`) or 6 with seconds
//   interval       a time between runs; exactly one of schedule and interval
//   timeout        one deadline for DNS, connect, headers and body, or for the
//                  command (then its whole process group is killed); < interval
//                  (default 2s, or half the interval when that is shorter)
//   fall           consecutive failures before the action runs (3, as HAProxy)
//   rise           consecutive successes before the node is eligible again (2, as HAProxy)
//   group          the haresources group guarded (its first resource as written);
//                  absent = the probe guards the node as a whole
//   action         standby (release the group) | shutdown (stop the daemon) (standby)
//
// Times (interval, timeout) use Heartbeat's syntax (spec §10: a bare decimal
// number is seconds, `ms` milliseconds, `us`/`usec` microseconds) and, unlike
// ha.cf, also accept an `s` suffix (`2s`): issue 6's own example writes
// `timeout = 2s`. Whitespace between number and unit is refused, as in ha.cf.
import { iniLines } from './ini-lines.js';
import { nodeCron } from './node-cron.js';
import type { ConfigProblem, Millis, ProbeAction, ProbeConfig } from './types.js';

export const PROBE_DEFAULTS = {
  expectStatus: 200,
  timeout: 2000,
  fall: 3,
  rise: 2,
  action: 'standby',
} as const satisfies Partial<ProbeConfig>;

export const PROBE_KEYS = [
  'url',
  'command',
  'expect_status',
  'expect_md5',
  'schedule',
  'interval',
  'timeout',
  'fall',
  'rise',
  'group',
  'action',
] as const;
type ProbeKey = (typeof PROBE_KEYS)[number];

/** fall and rise are whole numbers in this range. */
export const PROBE_COUNT_MAX = 1000;
/** interval and timeout are at most one day (and setTimeout's limit is never approached). */
export const PROBE_TIME_MAX: Millis = 86_400_000;

const SECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;
const TIME = /^(\d+(?:\.\d*)?|\.\d+)(ms|us|usec|s)?$/;
const MD5 = /^[0-9a-fA-F]{32}$/;
/** A command is one line of text for /bin/sh; control characters would hide what runs. */
const COMMAND_MAX_LENGTH = 4096;
/** The keys that only mean something for an HTTP probe. */
const HTTP_ONLY_KEYS: readonly ProbeKey[] = ['expect_status', 'expect_md5'];

/**
 * A Heartbeat-style time in milliseconds (rounded to a whole millisecond),
 * or a sentence saying what is wrong.
 */
export function parseProbeTime(text: string): Millis | string {
  const m = TIME.exec(text);
  if (!m) return `"${text}" is not a time: write seconds (2, 1.5) or a number with ms, us or s (500ms, 2s)`;
  const n = Number(m[1]);
  const unit = m[2];
  const ms = unit === 'ms' ? n : unit === 'us' || unit === 'usec' ? n / 1000 : n * 1000;
  const rounded = Math.round(ms);
  if (!Number.isFinite(ms) || rounded > PROBE_TIME_MAX) return `"${text}" is too long: at most one day (86400)`;
  if (rounded < 1) return `"${text}" is too short: at least 1ms`;
  return rounded;
}

/** Formats a time for messages, in the unit an admin most likely wrote. */
function showTime(ms: Millis): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

interface Entry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  readonly text: string;
}

interface Section {
  readonly name: string;
  readonly line: number;
  readonly text: string;
  /** The header itself is wrong (bad name, or a name already used): no probe comes of it. */
  readonly invalid: boolean;
  readonly entries: Entry[];
}

/**
 * Parses probes.ini. `groupKeys` are the haresources group keys a probe may
 * guard. Never throws: every problem is returned with its line. Use `probes`
 * only when `problems` holds no error (a section with an error yields no probe).
 */
export function parseProbes(
  text: string,
  file: string,
  groupKeys: readonly string[],
): { probes: ProbeConfig[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (line: number, message: string, lineText: string): void => {
    problems.push({ severity: 'error', file, line, message, text: lineText });
  };
  const sections = scanSections(text, problem);
  const probes: ProbeConfig[] = [];
  for (const section of sections) {
    const before = problems.length;
    const probe = buildProbe(section, groupKeys, problem);
    if (probe && problems.length === before && !section.invalid) probes.push(probe);
  }
  return { probes, problems };
}

type Report = (line: number, message: string, text: string) => void;

function scanSections(text: string, problem: Report): Section[] {
  const sections: Section[] = [];
  const seen = new Map<string, number>();
  let current: Section | undefined;
  for (const l of iniLines(text)) {
    if (l.kind === 'malformed') {
      problem(l.line, l.message, l.text);
      if (l.text.startsWith('[')) current = undefined;
      continue;
    }
    if (l.kind === 'section') {
      const name = l.name;
      const badName = !SECTION_NAME.test(name);
      if (badName) {
        problem(l.line, `probe name "${name}" must be 1 to 64 letters, digits or _ . : @ -, starting with a letter or digit`, l.text);
      }
      const first = seen.get(name);
      if (first !== undefined) problem(l.line, `probe [${name}] is defined twice (first on line ${first})`, l.text);
      else seen.set(name, l.line);
      current = { name, line: l.line, text: l.text, entries: [], invalid: badName || first !== undefined };
      sections.push(current);
      continue;
    }
    if (!current) {
      problem(l.line, `"${l.key}" is outside any probe: start a probe with a [name] line first`, l.text);
      continue;
    }
    current.entries.push({ key: l.key, value: l.value, line: l.line, text: l.text });
  }
  return sections;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function buildProbe(section: Section, groupKeys: readonly string[], problem: Report): ProbeConfig | undefined {
  const where = `[${section.name}]`;
  const given = new Map<ProbeKey, Entry>();
  for (const entry of section.entries) {
    if (!(PROBE_KEYS as readonly string[]).includes(entry.key)) {
      problem(entry.line, `unknown key "${entry.key}" in ${where}; known keys: ${PROBE_KEYS.join(', ')}`, entry.text);
      continue;
    }
    const key = entry.key as ProbeKey;
    const first = given.get(key);
    if (first) {
      problem(entry.line, `${key} is given twice in ${where} (first on line ${first.line})`, entry.text);
      continue;
    }
    given.set(key, entry);
  }

  const probe: Partial<Mutable<ProbeConfig>> = {
    name: section.name,
    line: section.line,
    expectStatus: PROBE_DEFAULTS.expectStatus,
    timeout: PROBE_DEFAULTS.timeout,
    fall: PROBE_DEFAULTS.fall,
    rise: PROBE_DEFAULTS.rise,
    action: PROBE_DEFAULTS.action,
  };
  let ok = true;
  let timeoutValid = !given.has('timeout');
  const fail = (entry: Entry, message: string): void => {
    ok = false;
    problem(entry.line, message, entry.text);
  };

  for (const [key, entry] of given) {
    const v = entry.value;
    if (v === '') {
      fail(entry, `${key} in ${where} has no value`);
      continue;
    }
    switch (key) {
      case 'url': {
        const err = checkUrl(v);
        if (err) fail(entry, `url ${err}`);
        else probe.url = v;
        break;
      }
      case 'command': {
        const err = checkCommand(v);
        if (err) fail(entry, `command ${err}`);
        else probe.command = v;
        break;
      }
      case 'expect_status':
        if (!/^\d{3}$/.test(v) || Number(v) < 100 || Number(v) > 599) {
          fail(entry, `expect_status "${v}" must be an HTTP status code from 100 to 599`);
        } else probe.expectStatus = Number(v);
        break;
      case 'expect_md5':
        if (!MD5.test(v)) fail(entry, `expect_md5 "${v}" must be 32 hexadecimal digits (the md5 of the expected body)`);
        else probe.expectMd5 = v.toLowerCase();
        break;
      case 'schedule': {
        const err = checkCron(v);
        if (err) fail(entry, `schedule "${v}" is not a valid cron expression: ${err}`);
        else probe.schedule = v;
        break;
      }
      case 'interval':
      case 'timeout': {
        const t = parseProbeTime(v);
        if (typeof t === 'string') fail(entry, `${key} ${t}`);
        else if (key === 'interval') probe.interval = t;
        else {
          probe.timeout = t;
          timeoutValid = true;
        }
        break;
      }
      case 'fall':
      case 'rise':
        if (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > PROBE_COUNT_MAX) {
          fail(entry, `${key} "${v}" must be a whole number from 1 to ${PROBE_COUNT_MAX}`);
        } else probe[key] = Number(v);
        break;
      case 'group':
        if (!groupKeys.includes(v)) {
          const known = groupKeys.length ? `haresources groups: ${groupKeys.join(', ')}` : 'haresources defines no group';
          fail(entry, `group "${v}" is not a haresources group (the first resource of a line names it); ${known}`);
        } else probe.group = v;
        break;
      case 'action':
        if (v !== 'standby' && v !== 'shutdown') fail(entry, `action "${v}" must be standby or shutdown`);
        else probe.action = v as ProbeAction;
        break;
    }
  }

  const sectionProblem = (message: string): void => {
    ok = false;
    problem(section.line, message, section.text);
  };
  const url = given.get('url');
  const command = given.get('command');
  if (url && command) {
    fail(command, `${where} sets both url (line ${url.line}) and command (line ${command.line}); a probe is one or the other`);
  } else if (!url && !command) {
    sectionProblem(`${where} needs a url (url = http://127.0.0.1/) or a command (command = pidof nginx)`);
  } else if (command) {
    for (const key of HTTP_ONLY_KEYS) {
      const entry = given.get(key);
      if (entry) fail(entry, `${key} is for url probes; [${section.name}] runs a command, whose success is exit status 0`);
    }
  }
  const schedule = given.get('schedule');
  const interval = given.get('interval');
  if (schedule && interval) {
    fail(
      interval,
      `${where} sets both schedule (line ${schedule.line}) and interval (line ${interval.line}); keep one of them`,
    );
  } else if (!schedule && !interval) {
    sectionProblem(`${where} needs a schedule (cron, e.g. */5 * * * * *) or an interval (e.g. 500ms)`);
  }
  if (probe.interval !== undefined && !given.has('timeout')) {
    probe.timeout = Math.max(1, Math.min(PROBE_DEFAULTS.timeout, Math.floor(probe.interval / 2)));
  }
  if (probe.interval !== undefined && timeoutValid && probe.timeout !== undefined && probe.timeout >= probe.interval) {
    fail(
      given.get('timeout') ?? interval!,
      `timeout ${showTime(probe.timeout)} must be shorter than interval ${showTime(probe.interval)} in ${where}, so that a probe ends before the next one is due`,
    );
  }
  return ok ? (probe as ProbeConfig) : undefined;
}

function checkUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a valid URL (e.g. http://127.0.0.1/index.html)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `"${text}" must start with http:// or https://`;
  }
  if (url.hostname === '') return `"${text}" has no host`;
  return undefined;
}

function checkCommand(text: string): string | undefined {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text)) return `"${text}" contains a control character`;
  if (text.trim() === '') return 'is empty';
  if (text.length > COMMAND_MAX_LENGTH) return `is longer than ${COMMAND_MAX_LENGTH} characters`;
  return undefined;
}

function checkCron(expression: string): string | undefined {
  try {
    const cron = nodeCron();
    if (cron.validate(expression)) return undefined;
    const detail = cron.validateDetailed(expression);
    const reason = detail.errors.map((e) => e.message).join('; ');
    return reason === '' ? 'node-cron refuses it' : reason;
  } catch (err) {
    return err instanceof Error ? err.message : 'node-cron refuses it';
  }
}
