// The ha.cf directive table: one handler per directive Heartbeat 3.0.6 knows
// in haresources mode (heartbeat/config.c `Directives[]`, `WLdirectives[]`
// and the HBcomm media plugins Debian ships), with its validation.
//
// Two kinds of directive, as in Heartbeat (spec §10):
//  - token directives: the rest of the line is split on blanks, tabs and
//    commas and each token is applied on its own (`node a b` = two nodes,
//    `keepalive 500 ms` = two settings, the second invalid);
//  - line directives (ucast, mcast, ping_group, stonith, stonith_host,
//    apiauth, respawn, failfast): the plugin or handler reads the whole rest
//    of the line, split on whitespace only.
import type { AutoFailback } from './types.js';
import type { HaCfState, LineContext, LineHandler, TimerName, TokenHandler } from './hacf-state.js';
import { lineWords as words } from './hacf-state.js';
import { bcast, mcast, ping, pingGroup, ucast, udpport, unsupportedMedium } from './hacf-media.js';
import { MAX_TIME, parseBoolean, parseInteger, parseTime, type Parsed } from './values.js';

export type Directive =
  | {
      readonly kind: 'tokens';
      /** Heartbeat records the value (HA_<name>, `cl_status hbparameter`). */
      readonly record: boolean;
      /** Default recorded by Heartbeat when the directive is absent (config.c Directives[]). */
      readonly defaultValue?: string;
      /** A single-valued setting: repeating it is worth a warning. */
      readonly scalar: boolean;
      readonly apply: TokenHandler;
    }
  | { readonly kind: 'line'; readonly apply: LineHandler };

const fromParsed = <T>(p: Parsed<T>, use: (v: T) => string | undefined): string | undefined =>
  p.ok ? use(p.value) : p.reason;

function timer(name: TimerName, positive: boolean): TokenHandler {
  return (token, ctx) =>
    fromParsed(parseTime(token), (ms) => {
      if (positive && ms <= 0) return `${name} must be greater than 0 (got "${token}")`;
      ctx.state.timers[name] = { value: ms, line: ctx.line, text: ctx.text };
      return undefined;
    });
}

function booleanSetting(set: (state: HaCfState, v: boolean) => void): TokenHandler {
  return (token, ctx) =>
    fromParsed(parseBoolean(token), (v) => {
      set(ctx.state, v);
      return undefined;
    });
}

function integerSetting(min: number, max: number, set: (state: HaCfState, v: number) => void): TokenHandler {
  return (token, ctx) =>
    fromParsed(parseInteger(token, min, max), (v) => {
      set(ctx.state, v);
      return undefined;
    });
}

function oneOf<T extends string>(
  words: readonly T[],
  caseInsensitive: boolean,
  set: (state: HaCfState, v: T, ctx: LineContext) => void,
): TokenHandler {
  return (token, ctx) => {
    const w = caseInsensitive ? token.toLowerCase() : token;
    const found = words.find((x) => x === w);
    if (found === undefined) return `"${token}" is not one of ${words.join(', ')}`;
    set(ctx.state, found, ctx);
    return undefined;
  };
}

const PACEMAKER_ONLY: TokenHandler = () =>
  'this directive only matters to the CRM/Pacemaker cluster manager, and heartbeat-ts runs haresources mode only (resources from haresources): remove this line';

/** glibc's facility names (cl_syslogfac_str2int) plus Heartbeat's `none`. */
export const SYSLOG_FACILITY_NAMES = [
  'none', 'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'security', 'syslog',
  'user', 'uucp', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

const BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800];

function addNode(token: string, ctx: LineContext): string | undefined {
  const name = token.toLowerCase();
  const first = ctx.state.nodeLines.get(name);
  if (first !== undefined) {
    ctx.problems.warning(ctx.line, `node "${name}" is already listed (line ${first}); the repeat is ignored`, ctx.text);
    return undefined;
  }
  ctx.state.nodes.push(name);
  ctx.state.nodeLines.set(name, ctx.line);
  return undefined;
}

/** `quoteLine` false for lines that may hold passwords (stonith device parameters). */
function notRunByUs(what: string, quoteLine = true): (ctx: LineContext) => void {
  return (ctx) =>
    ctx.problems.warning(
      ctx.line,
      `heartbeat-ts does not ${what}: this ${ctx.directive} line is kept for Heartbeat but has no effect here`,
      quoteLine ? ctx.text : '',
    );
}

function stonith(rest: string, ctx: LineContext): void {
  if (words(rest).length === 0) {
    ctx.problems.error(ctx.line, 'stonith needs a device type and a configuration file (stonith TYPE FILE)', ctx.text);
    return;
  }
  ctx.state.stonith.push(rest);
  notRunByUs('drive STONITH devices', false)(ctx);
}

function stonithHost(rest: string, ctx: LineContext): void {
  if (words(rest).length < 2) {
    ctx.problems.error(ctx.line, 'stonith_host needs a host (or *), a device type and its parameters', '');
    return;
  }
  ctx.state.stonithHost.push(rest);
  notRunByUs('drive STONITH devices', false)(ctx);
}

function apiauth(rest: string, ctx: LineContext): void {
  const [client, ...lists] = words(rest);
  const fail = (why: string): void =>
    ctx.problems.error(ctx.line, `apiauth: ${why} (apiauth CLIENT uid=LIST and/or gid=LIST)`, ctx.text);
  if (client === undefined) return fail('missing the client name');
  if (client.length >= 64) return fail(`client name "${client}" is too long`);
  let uid = false;
  let gid = false;
  for (const item of lists) {
    const m = /^(uid|gid)=(.+)$/.exec(item);
    if (!m) return fail(`"${item}" is neither uid=… nor gid=…`);
    if (m[1] === 'uid') {
      if (uid) return fail('duplicate uid list');
      uid = true;
    } else {
      if (gid) return fail('duplicate gid list');
      gid = true;
    }
  }
  if (!uid && !gid) return fail(`no uid or gid list for ${client}`);
  const first = ctx.state.apiauthClients.get(client);
  if (first !== undefined) return fail(`duplicate apiauth directive for API client ${client} (first on line ${first})`);
  ctx.state.apiauthClients.set(client, ctx.line);
  ctx.state.apiauth.push(rest);
}

/** `respawn USER /…/ipfail`: any path whose last component is ipfail. */
export function isIpfailCommand(command: string): boolean {
  return /(^|\/)ipfail$/.test(command);
}

function clientChild(list: 'respawn' | 'failfast'): LineHandler {
  return (rest, ctx) => {
    const [user, command] = words(rest);
    if (user === undefined || command === undefined) {
      ctx.problems.error(ctx.line, `${list} needs a user and a command (${list} USER /full/path [ARGS])`, ctx.text);
      return;
    }
    if (!command.startsWith('/')) {
      ctx.problems.error(ctx.line, `${list}: command "${command}" is not a full path name`, ctx.text);
      return;
    }
    ctx.state[list].push(rest);
    // ipfail is built in (src/network): its respawn line switches it on.
    if (list === 'respawn' && isIpfailCommand(command)) return;
    notRunByUs('start or watch client processes')(ctx);
  };
}

function autoFailback(token: string, ctx: LineContext): string | undefined {
  const { state } = ctx;
  if (token.toLowerCase() === 'legacy') {
    state.autoFailback = 'legacy';
    state.niceFailback = false;
  } else {
    const b = parseBoolean(token);
    if (!b.ok) return `"${token}" must be on, off (or another boolean) or legacy`;
    state.autoFailback = b.value ? 'on' : 'off';
    state.niceFailback = true;
  }
  state.autoFailbackExplicit = true;
  state.autoFailbackLine = ctx.line;
  return undefined;
}

// spec §10: obsolete; Heartbeat turns it into `auto_failback legacy` — or,
// when an earlier auto_failback line already chose on/off, into
// `auto_failback off` (config.c set_nice_failback). The value is only checked
// to be a boolean.
function niceFailback(token: string, ctx: LineContext): string | undefined {
  const b = parseBoolean(token);
  if (!b.ok) return b.reason;
  const { state } = ctx;
  const becomes: AutoFailback = state.niceFailback ? 'off' : 'legacy';
  state.autoFailback = becomes;
  state.autoFailbackExplicit = true;
  state.autoFailbackLine = ctx.line;
  state.niceFailbackLine = ctx.line;
  ctx.problems.warning(
    ctx.line,
    `nice_failback is obsolete: Heartbeat reads "nice_failback ${token}" as "auto_failback ${becomes}"; write auto_failback on or off instead`,
    ctx.text,
  );
  return undefined;
}

function pacemaker(token: string, ctx: LineContext): string | undefined {
  const { state } = ctx;
  if (state.pacemaker) {
    return `the pacemaker/crm directive is used more than once (first on line ${state.pacemaker.line})`;
  }
  const b = parseBoolean(token);
  const managerWords = ['minimal', 'manual', 'respawn', 'ccm-only', 'valgrind'];
  if (b.ok && !b.value) {
    state.pacemaker = { value: token, line: ctx.line, text: ctx.text };
    return undefined;
  }
  if ((b.ok && b.value) || managerWords.includes(token.toLowerCase())) {
    return `"${token}" hands resource management to Pacemaker, and heartbeat-ts runs haresources mode only (resources from haresources): remove the line or write "${ctx.directive} off"`;
  }
  return `"${token}" is not a valid value (Heartbeat knows on, off, respawn, minimal, …; heartbeat-ts accepts only off)`;
}

function env(token: string, ctx: LineContext): string | undefined {
  const eq = token.indexOf('=');
  if (eq <= 0) return `"${token}" is not NAME=value (env exports HA_NAME to scripts; values cannot contain blanks or commas)`;
  const name = token.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `"${name}" is not a valid environment variable name`;
  ctx.state.env[name] = token.slice(eq + 1);
  return undefined;
}

function watchdog(token: string, ctx: LineContext): string | undefined {
  const prev = ctx.state.watchdog;
  if (prev) return `watchdog is specified more than once (first on line ${prev.line}); Heartbeat refuses that`;
  ctx.state.watchdog = { value: token, line: ctx.line, text: ctx.text };
  return undefined;
}

// Only the serial medium uses it, which heartbeat-ts does not implement; it is
// still validated as Heartbeat does so that the file stays valid for Heartbeat.
function baud(token: string, ctx: LineContext): string | undefined {
  const prev = ctx.state.baud;
  if (prev) return `baud is specified more than once (first on line ${prev.line}); Heartbeat refuses that`;
  if (!/^\d+$/.test(token) || !BAUD_RATES.includes(Number(token))) {
    return `invalid baud rate "${token}" (one of ${BAUD_RATES.join(', ')})`;
  }
  ctx.state.baud = { value: Number(token), line: ctx.line, text: ctx.text };
  return undefined;
}

const tokens = (
  apply: TokenHandler,
  opts: { record?: boolean; defaultValue?: string; scalar?: boolean } = {},
): Directive => ({
  kind: 'tokens',
  record: opts.record ?? true,
  scalar: opts.scalar ?? true,
  apply,
  ...(opts.defaultValue !== undefined ? { defaultValue: opts.defaultValue } : {}),
});
const line = (apply: LineHandler): Directive => ({ kind: 'line', apply });

/** Every ha.cf directive heartbeat-ts recognises, in config.c's order. */
export const DIRECTIVES: ReadonlyMap<string, Directive> = new Map<string, Directive>([
  ['cluster', tokens((t, c) => void (c.state.cluster = t), { defaultValue: 'linux-ha' })],
  ['node', tokens(addNode, { record: false, scalar: false })],
  ['hopfudge', tokens(integerSetting(0, 255, (s, v) => void (s.hopfudge = v)), { defaultValue: '1' })],
  ['keepalive', tokens(timer('keepalive', true), { defaultValue: '1000ms' })],
  ['deadtime', tokens(timer('deadtime', false), { defaultValue: '30000ms' })],
  ['deadping', tokens(timer('deadping', false))],
  ['initdead', tokens(timer('initdead', false))],
  ['warntime', tokens(timer('warntime', true))],
  ['watchdog', tokens(watchdog, { scalar: false })],
  ['baud', tokens(baud, { defaultValue: '19200', scalar: false })],
  ['udpport', tokens(udpport)],
  [
    'logfacility',
    tokens(oneOf(SYSLOG_FACILITY_NAMES, false, (s, v) => void (s.logfacility = v))),
  ],
  ['logfile', tokens((t, c) => void (c.state.logfile = t))],
  ['debugfile', tokens((t, c) => void (c.state.debugfile = t))],
  ['nice_failback', tokens(niceFailback, { record: false })],
  ['auto_failback', tokens(autoFailback, { defaultValue: 'legacy' })],
  ['rtprio', tokens(integerSetting(1, 99, (s, v) => void (s.rtprio = v)))],
  ['hbgenmethod', tokens(oneOf(['file', 'time'] as const, false, (s, v) => void (s.hbgenmethod = v)), { defaultValue: 'file' })],
  ['realtime', tokens(booleanSetting((s, v) => void (s.realtime = v)), { defaultValue: 'true' })],
  ['debug', tokens(integerSetting(0, 255, (s, v) => void (s.debug = v)))],
  ['msgfmt', tokens(oneOf(['classic', 'netstring'] as const, false, (s, v) => void (s.msgfmt = v)), { defaultValue: 'classic' })],
  [
    'use_logd',
    tokens((t, c) => fromParsed(parseBoolean(t), (v) => void (c.state.useLogd = { value: v, line: c.line, text: c.text }))),
  ],
  [
    'conn_logd_time',
    tokens((t) => fromParsed(parseTime(t), (ms) => (ms > 0 ? undefined : 'conn_logd_time must be greater than 0')), {
      defaultValue: '60',
    }),
  ],
  [
    'use_apphbd',
    tokens(
      (t, c) =>
        fromParsed(parseBoolean(t), (v) => {
          if (v) c.problems.warning(c.line, 'heartbeat-ts does not register with apphbd; use_apphbd has no effect here', c.text);
          return undefined;
        }),
      { record: false },
    ),
  ],
  ['log_badpack', tokens(booleanSetting((s, v) => void (s.logBadpack = v)), { defaultValue: 'true' })],
  ['syslogmsgfmt', tokens(booleanSetting(() => undefined), { defaultValue: 'true' })],
  ['coredumps', tokens(booleanSetting((s, v) => void (s.coredumps = v)), { defaultValue: 'true' })],
  ['coreroot', tokens((t, c) => (t.startsWith('/') ? void (c.state.coreroot = t) : `coreroot "${t}" must be an absolute directory path`))],
  ['crm_daemon_dir', tokens(PACEMAKER_ONLY)],
  ['crmd_spawns_pengine', tokens(PACEMAKER_ONLY)],
  // crm is Heartbeat's historical alias: it records its value under "pacemaker".
  ['crm', tokens(pacemaker, { record: false, scalar: false })],
  ['pacemaker', tokens(pacemaker, { defaultValue: 'false', scalar: false })],
  [
    'autojoin',
    tokens(
      oneOf(['none', 'other', 'any'] as const, true, (s, v, c) => void (s.autojoin = { value: v, line: c.line, text: c.text })),
      { defaultValue: 'none' },
    ),
  ],
  ['uuidfrom', tokens(oneOf(['file', 'nodename'] as const, false, (s, v) => void (s.uuidfrom = v)), { defaultValue: 'file' })],
  ['compression', tokens(oneOf(['zlib', 'bz2'] as const, false, (s, v) => void (s.compression = v)), { defaultValue: 'zlib' })],
  [
    'compression_threshold',
    tokens(integerSetting(1, 262_144, (s, v) => void (s.compressionThreshold = v)), { defaultValue: '2' }),
  ],
  [
    'traditional_compression',
    tokens(booleanSetting((s, v) => void (s.traditionalCompression = v)), { defaultValue: 'no' }),
  ],
  ['env', tokens(env, { record: false, scalar: false })],
  [
    'max_rexmit_delay',
    tokens(integerSetting(1, MAX_TIME, (s, v) => void (s.maxRexmitDelay = v)), { defaultValue: '250' }),
  ],
  ['record_config_changes', tokens(PACEMAKER_ONLY, { defaultValue: 'on' })],
  ['record_pengine_inputs', tokens(PACEMAKER_ONLY, { defaultValue: 'on' })],
  ['enable_config_writes', tokens(PACEMAKER_ONLY, { defaultValue: 'on' })],
  ['memreserve', tokens(integerSetting(1, 1_048_576, (s, v) => void (s.memreserve = v)), { defaultValue: '6500' })],
  ['quorum_server', tokens(PACEMAKER_ONLY)],
  // Whole-line directives (config.c WLdirectives[]).
  ['stonith', line(stonith)],
  ['stonith_host', line(stonithHost)],
  ['apiauth', line(apiauth)],
  ['respawn', line(clientChild('respawn'))],
  ['failfast', line(clientChild('failfast'))],
  // Media: the HBcomm plugins Debian's heartbeat package ships.
  ['bcast', tokens(bcast, { record: false, scalar: false })],
  ['ucast', line(ucast)],
  ['mcast', line(mcast)],
  ['ping', tokens(ping, { record: false, scalar: false })],
  ['ping_group', line(pingGroup)],
  ['serial', line(unsupportedMedium)],
  ['ucast6', line(unsupportedMedium)],
  ['mcast6', line(unsupportedMedium)],
  ['ping6', line(unsupportedMedium)],
]);

/** The ha.cf directives that have a default, with it, in config.c's order (what `heartbeat -D` prints). */
export function haCfDefaultValues(): Array<readonly [name: string, value: string]> {
  const out: Array<readonly [string, string]> = [];
  for (const [name, d] of DIRECTIVES) if (d.kind === 'tokens' && d.defaultValue !== undefined) out.push([name, d.defaultValue]);
  return out;
}
