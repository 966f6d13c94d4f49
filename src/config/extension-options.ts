// `<config-dir>/heartbeat-ts.ini`: heartbeat-ts's own settings. They never
// live in ha.cf, so that the same ha.cf keeps working with real Heartbeat.
// The file is optional; every key has a default (EXTENSION_DEFAULTS).
//
//   [resources]  start_timeout, stop_timeout, status_timeout   times (120, 120, 30)
//                stop_retries (10, as Heartbeat's HA_STOPRETRYMAX)
//                stop_retry_interval (1, ResourceManager sleeps 1 s between tries)
//                on_stop_failure = block | shutdown | reboot (block)
//                failed_start_standby_delay (30, ResourceManager's `sleep 30; hb_standby`)
//                startup_fallback_delay (10, Heartbeat's RQSTDELAY: how long two
//                nodes starting together wait for each other's resource state
//                before each takes its own groups anyway, spec §9.3)
//                parallel_groups (16: how many groups of one takeover, standby or
//                release start or stop at once; 1 = Heartbeat's one by one.
//                Each group still runs left to right, stops right to left, and
//                groups sharing an address or a script never overlap)
//   [arp]        count (5), interval (200ms), mode = request | reply | both (both)
//                — resource-agents' IPaddr2 defaults (arp_count 5, arp_interval
//                200 ms) with its send_arp, which sends each announcement as an
//                ARP request and an ARP reply. (The older IPaddr agent uses 10
//                and 500 ms.)
//   [log]        format = text | json (text)
//   [http]       listen = ADDRESS:PORT (unset: no HTTP listener) — /metrics
//                (Prometheus), /status.json and the status page. An IP
//                literal: 127.0.0.1:9644, [::1]:9644; never a public address
//                unless the admin writes one (there is no authentication).
//   [notify]     dir = PATH | none (<config-dir>/notify.d when it exists),
//                fifo = PATH, file = PATH (unset: none), timeout (30s) —
//                the ordered event stream, docs/notifications.md. Paths are
//                absolute.
//   [ipfail]     enabled = auto | on | off (auto: on when ha.cf has
//                `respawn USER /…/ipfail`, as with Heartbeat's ipfail)
//                giveup_delay (unset: 2 × keepalive, ipfail's delay_giveup)
//                return_delay (10s: how long this node must reach as many
//                ping nodes as its peer again before it takes its groups back)
//                track_interface = IFACE [IFACE…] (keepalived's: loss of
//                carrier or admin-down hands the groups over; none by default)
//
// Times are written as in ha.cf (a bare number is seconds, `ms`, `us`) and,
// as in probes.ini, with an `s` suffix too (`2s`).
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import type { ConfigProblem, ExtensionOptions, HttpListen, Millis, StopFailurePolicy } from './types.js';
import { ProblemList, sortByLine } from './problems.js';
import { scanIni, type IniEntry } from './ini-lines.js';
import { parseInteger, parseTime, suggest, type Parsed } from './values.js';

export const EXTENSION_FILE_NAME = 'heartbeat-ts.ini';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

export const EXTENSION_DEFAULTS = {
  resources: {
    startTimeout: 120_000,
    stopTimeout: 120_000,
    statusTimeout: 30_000,
    stopRetries: 10,
    stopRetryInterval: 1_000,
    onStopFailure: 'block',
    failedStartStandbyDelay: 30_000,
    startupFallbackDelay: 10_000,
    parallelGroups: 16,
  },
  arp: { count: 5, interval: 200, mode: 'both' },
  log: { format: 'text' },
  http: { listen: null },
  notify: { dir: null, fifo: null, file: null, timeout: 30_000 },
  ipfail: { enabled: 'auto', giveupDelay: null, returnDelay: 10_000, trackInterfaces: [] },
} as const satisfies Omit<ExtensionOptions, 'file'>;

export function defaultExtensionOptions(file: string): ExtensionOptions {
  return {
    file,
    resources: { ...EXTENSION_DEFAULTS.resources },
    arp: { ...EXTENSION_DEFAULTS.arp },
    log: { ...EXTENSION_DEFAULTS.log },
    http: { listen: null },
    notify: { ...EXTENSION_DEFAULTS.notify },
    ipfail: { ...EXTENSION_DEFAULTS.ipfail, trackInterfaces: [] },
  };
}

/** Heartbeat time syntax plus an `s` suffix. */
export function parseExtensionTime(text: string): Parsed<Millis> {
  const seconds = /^(\d+(?:\.\d*)?|\.\d+)s$/i.exec(text);
  return parseTime(seconds ? seconds[1]! : text);
}

/** `ADDRESS:PORT` with an IP literal: `127.0.0.1:9644`, `[::1]:9644`. */
export function parseListenAddress(text: string): Parsed<HttpListen> {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not ADDRESS:PORT (e.g. 127.0.0.1:9644, or [::1]:9644 for IPv6)` };
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (m[1] !== undefined ? isIP(host) !== 6 : isIP(host) !== 4) {
    return { ok: false, reason: `"${host}" is not an IP address${m[1] === undefined ? ' (IPv4, or an IPv6 address in brackets)' : ' (IPv6)'}; write e.g. 127.0.0.1:9644` };
  }
  if (port < 1 || port > 65535) return { ok: false, reason: `port ${m[3]} is out of range 1..65535` };
  return { ok: true, value: { host, port } };
}

function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host);
}

type Apply = (value: string, options: Mutable<ExtensionOptions>) => string | undefined;

function absolutePath(what: string, set: (o: Mutable<ExtensionOptions>, v: string) => void, allowNone = false): Apply {
  return (value, o) => {
    if (allowNone && value.toLowerCase() === 'none') {
      set(o, 'none');
      return undefined;
    }
    if (!isAbsolute(value)) return `"${value}" is not an absolute path: write the full path of the ${what}${allowNone ? ' (or none)' : ''}`;
    set(o, value);
    return undefined;
  };
}

function time(min: Millis, set: (o: Mutable<ExtensionOptions>, v: Millis) => void): Apply {
  return (value, o) => {
    const t = parseExtensionTime(value);
    if (!t.ok) return t.reason;
    if (t.value < min) return `"${value}" is too short: at least ${min} ms`;
    set(o, t.value);
    return undefined;
  };
}

function integer(min: number, max: number, set: (o: Mutable<ExtensionOptions>, v: number) => void): Apply {
  return (value, o) => {
    const n = parseInteger(value, min, max);
    if (!n.ok) return n.reason;
    set(o, n.value);
    return undefined;
  };
}

function choice<T extends string>(words: readonly T[], set: (o: Mutable<ExtensionOptions>, v: T) => void): Apply {
  return (value, o) => {
    const w = words.find((x) => x === value.toLowerCase());
    if (w === undefined) return `"${value}" is not one of ${words.join(', ')}`;
    set(o, w);
    return undefined;
  };
}

const SECTIONS: Readonly<Record<string, Readonly<Record<string, Apply>>>> = {
  resources: {
    start_timeout: time(1, (o, v) => void (o.resources.startTimeout = v)),
    stop_timeout: time(1, (o, v) => void (o.resources.stopTimeout = v)),
    status_timeout: time(1, (o, v) => void (o.resources.statusTimeout = v)),
    stop_retries: integer(0, 1000, (o, v) => void (o.resources.stopRetries = v)),
    stop_retry_interval: time(0, (o, v) => void (o.resources.stopRetryInterval = v)),
    on_stop_failure: choice(['block', 'shutdown', 'reboot'] as const satisfies readonly StopFailurePolicy[], (o, v) => void (o.resources.onStopFailure = v)),
    failed_start_standby_delay: time(0, (o, v) => void (o.resources.failedStartStandbyDelay = v)),
    startup_fallback_delay: time(1, (o, v) => void (o.resources.startupFallbackDelay = v)),
    parallel_groups: integer(1, 256, (o, v) => void (o.resources.parallelGroups = v)),
  },
  arp: {
    count: integer(0, 1000, (o, v) => void (o.arp.count = v)),
    interval: time(0, (o, v) => void (o.arp.interval = v)),
    mode: choice(['request', 'reply', 'both'] as const, (o, v) => void (o.arp.mode = v)),
  },
  log: {
    format: choice(['text', 'json'] as const, (o, v) => void (o.log.format = v)),
  },
  http: {
    listen: (value, o) => {
      const parsed = parseListenAddress(value);
      if (!parsed.ok) return parsed.reason;
      o.http.listen = parsed.value;
      return undefined;
    },
  },
  notify: {
    dir: absolutePath('notify.d directory', (o, v) => void (o.notify.dir = v), true),
    fifo: absolutePath('FIFO', (o, v) => void (o.notify.fifo = v)),
    file: absolutePath('event file', (o, v) => void (o.notify.file = v)),
    timeout: time(1, (o, v) => void (o.notify.timeout = v)),
  },
  ipfail: {
    enabled: choice(['auto', 'on', 'off'] as const, (o, v) => void (o.ipfail.enabled = v)),
    giveup_delay: time(0, (o, v) => void (o.ipfail.giveupDelay = v)),
    return_delay: time(0, (o, v) => void (o.ipfail.returnDelay = v)),
    track_interface: (value, o) => {
      const names = value.split(/[\s,]+/).filter((w) => w !== '');
      const bad = names.find((n) => !INTERFACE_NAME.test(n));
      if (bad !== undefined) return `"${bad}" is not a network interface name (1 to 15 characters, no "/", space or ":")`;
      o.ipfail.trackInterfaces = [...new Set([...o.ipfail.trackInterfaces, ...names])];
      return undefined;
    },
  },
};

/** A Linux interface name (IFNAMSIZ - 1 characters, none of "/", ":", white space). */
const INTERFACE_NAME = /^[A-Za-z0-9_.@-]{1,15}$/;

export interface ExtensionOptionsParseResult {
  /** Defaults where a line was refused; use only when no problem is an error. */
  readonly value: ExtensionOptions;
  readonly problems: readonly ConfigProblem[];
}

export function parseExtensionOptions(text: string, file: string): ExtensionOptionsParseResult {
  const problems = new ProblemList(file);
  const options = defaultExtensionOptions(file) as Mutable<ExtensionOptions>;
  const sections = scanIni(text, problems);
  for (const section of sections) {
    const keys = SECTIONS[section.name];
    if (!keys) {
      const near = suggest(section.name, Object.keys(SECTIONS));
      problems.error(
        section.line,
        `unknown section [${section.name}]${near ? ` (did you mean [${near}]?)` : ''}; known sections: ${Object.keys(SECTIONS).map((s) => `[${s}]`).join(', ')}`,
        section.text,
      );
      continue;
    }
    for (const entry of section.entries) applyEntry(section.name, keys, entry, options, problems);
  }
  if (options.arp.count > 1 && options.arp.interval === 0) {
    problems.warning(0, 'arp interval is 0: all gratuitous ARPs leave at once; switches may drop some (resource-agents uses 200ms)');
  }
  const listen = options.http.listen;
  if (listen && !isLoopback(listen.host)) {
    const entry = sections.filter((sec) => sec.name === 'http').flatMap((sec) => sec.entries).filter((e) => e.key === 'listen').pop();
    problems.warning(
      entry?.line ?? 0,
      `http listen ${listen.host}:${listen.port} is not a loopback address: /metrics, /status.json and the status page have no authentication; anyone who can reach it sees the cluster's state`,
    );
  }
  return { value: options, problems: sortByLine(problems.items) };
}

function applyEntry(
  sectionName: string,
  keys: Readonly<Record<string, Apply>>,
  entry: IniEntry,
  options: Mutable<ExtensionOptions>,
  problems: ProblemList,
): void {
  const apply = keys[entry.key];
  if (!apply) {
    const near = suggest(entry.key, Object.keys(keys));
    problems.error(
      entry.line,
      `unknown key "${entry.key}" in [${sectionName}]${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${Object.keys(keys).join(', ')}`,
      entry.text,
    );
    return;
  }
  if (entry.value === '') {
    problems.error(entry.line, `${entry.key} has no value`, entry.text);
    return;
  }
  const refused = apply(entry.value, options);
  if (refused !== undefined) problems.error(entry.line, `${entry.key}: ${refused}`, entry.text);
}
