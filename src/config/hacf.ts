// ha.cf: Heartbeat's main configuration file, read line by line exactly as
// heartbeat/config.c reads it (spec §10), then checked as a whole the way
// init_config() does (spec §8.1 timers, §10 start-up validation).
//
// Pure: text in, HaCfConfig + problems out. The value is always built (with
// defaults where a line was refused) so that the other files can still be
// checked against it; it must only be used when no problem is an error.
import type { ConfigProblem, HaCfConfig, Millis } from './types.js';
import { ProblemList, sortByLine } from './problems.js';
import { DIRECTIVES } from './hacf-directives.js';
import { DEFAULT_UDPPORT, newHaCfState, type HaCfState, type LineContext } from './hacf-state.js';
import { formatMillis, suggest } from './values.js';

export interface HaCfParseOptions {
  /** This node's name: ha.cf must list it (spec §10 "local node must be listed"). */
  readonly localNode?: string;
}

export interface HaCfParseResult {
  readonly value: HaCfConfig;
  readonly problems: readonly ConfigProblem[];
}

const WHITESPACE = /[ \t\n\r\f]/;
const LEADING_WHITESPACE = /^[ \t\n\r\f]+/;
const LEADING_DELIMS = /^[, \t\n\r\f]+/;
const DELIMS = /[, \t\n\r\f]+/;

export function parseHaCf(text: string, file: string, options: HaCfParseOptions = {}): HaCfParseResult {
  const problems = new ProblemList(file);
  const state = newHaCfState();
  const localNode = options.localNode?.toLowerCase();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    parseLine(lines[i]!, i + 1, state, problems, localNode);
  }
  const value = finish(state, problems, file, localNode);
  return { value, problems: sortByLine(problems.items) };
}

function parseLine(raw: string, line: number, state: HaCfState, problems: ProblemList, localNode: string | undefined): void {
  // config.c: skip leading white space, cut at '#' (a comment may start
  // anywhere), cut at the first CR or LF, ignore what is left empty.
  let bp = raw.replace(LEADING_WHITESPACE, '');
  const hash = bp.indexOf('#');
  if (hash >= 0) bp = bp.slice(0, hash);
  const eol = bp.search(/[\r\n]/);
  if (eol >= 0) bp = bp.slice(0, eol);
  if (bp === '') return;

  const text = raw.trim();
  const end = bp.search(WHITESPACE);
  let directive = end < 0 ? bp : bp.slice(0, end);
  const rest = (end < 0 ? '' : bp.slice(end)).replace(LEADING_DELIMS, '');

  if (directive === 'udp') {
    problems.warning(line, 'directive "udp" is an old name for "bcast"; write bcast', text);
    directive = 'bcast';
  }
  const handler = DIRECTIVES.get(directive);
  if (!handler) {
    const near = suggest(directive, DIRECTIVES.keys());
    problems.error(
      line,
      `unknown directive "${directive}"${near ? ` (did you mean "${near}"?)` : ''}; Heartbeat refuses it too ("Illegal directive")`,
      text,
    );
    return;
  }
  const ctx: LineContext = { state, problems, line, text, directive, localNode };

  if (handler.kind === 'line') {
    handler.apply(rest.trim(), ctx);
    return;
  }

  const tokens = rest.split(DELIMS).filter((t) => t !== '');
  if (tokens.length === 0) {
    problems.warning(line, `${directive} has no value; Heartbeat ignores this line`, text);
    return;
  }
  if (handler.scalar) {
    if (tokens.length > 1) {
      problems.warning(
        line,
        `${directive} takes one value but ${tokens.length} are given: Heartbeat applies each in turn, so the last ("${tokens.at(-1)}") wins`,
        text,
      );
    }
    const first = state.seenAt.get(directive);
    if (first !== undefined) {
      problems.warning(line, `${directive} is set again (first on line ${first}); the later value wins`, text);
    }
    state.seenAt.set(directive, line);
  }
  for (const token of tokens) {
    const refused = handler.apply(token, ctx);
    if (refused !== undefined) {
      problems.error(line, `${directive}: ${refused}`, text);
    } else if (handler.record) {
      state.recorded.set(directive, token);
    } else if (directive === 'crm') {
      state.recorded.set('pacemaker', token);
    }
  }
}

/** initdead when ha.cf does not set it (spec §8.1, config.c init_config). */
export function defaultInitdead(deadtime: Millis): Millis {
  if (deadtime > 10_000) return deadtime;
  return deadtime < 6_000 ? 12_000 : 2 * deadtime;
}

function finish(state: HaCfState, problems: ProblemList, file: string, localNode: string | undefined): HaCfConfig {
  const t = state.timers;
  const keepalive = t.keepalive?.value ?? 1000;
  const deadtime = t.deadtime?.value ?? 30_000;
  const warntime = t.warntime?.value ?? Math.floor(deadtime / 2);
  const initdead = t.initdead?.value ?? defaultInitdead(deadtime);
  const deadping = t.deadping?.value ?? deadtime;
  const ms = formatMillis;

  if (state.nodes.length === 0) {
    problems.error(0, 'no nodes defined: add a "node NAME" line for every cluster member (names as `uname -n` prints them)');
  } else if (localNode !== undefined && !state.nodes.includes(localNode)) {
    const firstLine = Math.min(...state.nodeLines.values());
    problems.error(
      firstLine,
      `this node "${localNode}" is not in the node list (${state.nodes.join(', ')}): add "node ${localNode}", or check as another node with --node NAME (node names are \`uname -n\`)`,
    );
  }

  if (state.media.length + state.pingNodes.length === 0) {
    problems.error(0, 'no heartbeat media defined: add e.g. "bcast eth0", "ucast eth0 PEER-IP" or "mcast eth0 239.0.0.1 694 1 0"');
  } else if (state.nodes.length > 1 && state.media.length === 0) {
    problems.warning(0, 'only ping media are defined: no medium carries heartbeats between the cluster nodes (add bcast, ucast or mcast)');
  }

  for (const p of state.pingNodes) {
    if (state.nodes.includes(p.name)) {
      problems.error(p.line, `ping node "${p.name}" is also a cluster node: a cluster node must not be used as a ping node`);
    }
  }
  const pingSeen = new Map<string, number>();
  for (const p of state.pingNodes) {
    const first = pingSeen.get(p.name);
    if (first !== undefined) problems.error(p.line, `ping node "${p.name}" is already declared on line ${first}`);
    else pingSeen.set(p.name, p.line);
  }

  // Timer rules of init_config (spec §8.1).
  if (deadtime <= 2 * keepalive) {
    const at = t.deadtime ?? t.keepalive;
    problems.error(
      at?.line ?? 0,
      `deadtime (${ms(deadtime)}) must be more than twice keepalive (${ms(keepalive)}); Heartbeat refuses "Dead time [${deadtime}] is too small compared to keeplive [${keepalive}]"`,
      at?.text ?? '',
    );
  }
  if (initdead < deadtime) {
    const at = t.initdead ?? t.deadtime;
    problems.error(
      at?.line ?? 0,
      `initdead (${ms(initdead)}) is smaller than deadtime (${ms(deadtime)}); it must be at least deadtime, and should be at least twice it`,
      at?.text ?? '',
    );
  } else if (initdead < 10_000) {
    problems.warning(
      t.initdead?.line ?? 0,
      `initdead (${ms(initdead)}) may be too small: it covers slow network start-up and should be at least 10 s (and at least deadtime)`,
      t.initdead?.text ?? '',
    );
  } else if (initdead < 2 * deadtime) {
    problems.warning(
      t.initdead?.line ?? 0,
      t.initdead
        ? `initdead (${ms(initdead)}) is less than twice deadtime (${ms(deadtime)}); Heartbeat's sample ha.cf recommends at least twice deadtime for slow network start-up`
        : `initdead is not set: Heartbeat then waits only deadtime (${ms(deadtime)}) for the other nodes at start-up; its sample ha.cf recommends initdead of at least twice deadtime`,
      t.initdead?.text ?? '',
    );
  }
  if (t.deadping && deadping <= 2 * keepalive) {
    problems.error(
      t.deadping.line,
      `deadping (${ms(deadping)}) must be more than twice keepalive (${ms(keepalive)})`,
      t.deadping.text,
    );
  }
  if (t.warntime) {
    if (warntime >= deadtime) {
      problems.warning(
        t.warntime.line,
        `warntime (${ms(warntime)}) is not less than deadtime (${ms(deadtime)}): no late-heartbeat warning can come before a node is declared dead`,
        t.warntime.text,
      );
    } else if (warntime <= keepalive) {
      problems.warning(
        t.warntime.line,
        `warntime (${ms(warntime)}) is not more than keepalive (${ms(keepalive)}): almost every heartbeat would be reported late`,
        t.warntime.text,
      );
    }
  }

  if (!state.autoFailbackExplicit) {
    problems.warning(
      0,
      'auto_failback is not set: Heartbeat then uses the deprecated "legacy" mode; write "auto_failback on" (groups return to their home node) or "auto_failback off" (they stay where they are)',
    );
  } else if (state.autoFailback === 'legacy' && state.niceFailbackLine === undefined) {
    problems.warning(
      state.autoFailbackLine ?? 0,
      'auto_failback legacy is deprecated (Heartbeat warns too): convert to "auto_failback on" or "off"; hb_standby and hb_takeover need on/off',
    );
  }

  if (state.autojoin && state.autojoin.value !== 'none') {
    problems.error(
      state.autojoin.line,
      `autojoin ${state.autojoin.value} conflicts with haresources resource management (Heartbeat refuses it without crm): use autojoin none`,
      state.autojoin.text,
    );
  }

  // check_logd_usage(): with no logfile, debugfile or logfacility Heartbeat logs through logd.
  const syslog = state.logfacility !== undefined && state.logfacility !== 'none';
  const logEntry = state.logfile !== undefined || state.debugfile !== undefined || syslog;
  let useLogd: boolean;
  if (!logEntry) {
    if (state.useLogd && !state.useLogd.value) {
      problems.error(
        state.useLogd.line,
        'use_logd is off but there is no logfile, debugfile or logfacility: nothing would be logged (Heartbeat refuses this); add e.g. "logfacility daemon"',
        state.useLogd.text,
      );
    }
    useLogd = true;
  } else {
    useLogd = state.useLogd?.value ?? false;
  }

  const directives = recordedDirectives(state, { warntime, initdead, deadping, logEntry, syslog });

  return {
    file,
    nodes: [...state.nodes],
    keepalive,
    deadtime,
    warntime,
    initdead,
    deadping,
    udpport: state.udpport?.value ?? DEFAULT_UDPPORT,
    media: [...state.media],
    pingNodes: [...state.pingNodes],
    autoFailback: state.autoFailback,
    autoFailbackExplicit: state.autoFailbackExplicit,
    hopfudge: state.hopfudge,
    hbgenmethod: state.hbgenmethod,
    uuidfrom: state.uuidfrom,
    msgfmt: state.msgfmt,
    compression: state.compression,
    compressionThreshold: state.compressionThreshold,
    traditionalCompression: state.traditionalCompression,
    maxRexmitDelay: state.maxRexmitDelay,
    ...(state.logfile !== undefined ? { logfile: state.logfile } : {}),
    ...(state.debugfile !== undefined ? { debugfile: state.debugfile } : {}),
    ...(syslog ? { logfacility: state.logfacility } : {}),
    useLogd,
    debug: state.debug,
    logBadpack: state.logBadpack,
    realtime: state.realtime,
    ...(state.rtprio !== undefined ? { rtprio: state.rtprio } : {}),
    memreserve: state.memreserve,
    ...(state.watchdog ? { watchdog: state.watchdog.value } : {}),
    coredumps: state.coredumps,
    ...(state.coreroot !== undefined ? { coreroot: state.coreroot } : {}),
    cluster: state.cluster,
    autojoin: state.autojoin?.value ?? 'none',
    env: { ...state.env },
    apiauth: [...state.apiauth],
    respawn: [...state.respawn],
    failfast: [...state.failfast],
    stonith: [...state.stonith],
    stonithHost: [...state.stonithHost],
    directives,
  };
}

/**
 * Heartbeat's parameter table after start-up: what was written (last value
 * wins) plus the defaults init_config() records, in its formats
 * (`warntime` = `<deadtime/2>ms`, …). Spec §9.8 (HA_<directive>), §11 (hbparameter).
 */
function recordedDirectives(
  state: HaCfState,
  computed: { warntime: Millis; initdead: Millis; deadping: Millis; logEntry: boolean; syslog: boolean },
): Record<string, string> {
  const recorded = new Map(state.recorded);
  for (const [name, d] of DIRECTIVES) {
    if (d.kind === 'tokens' && d.record && d.defaultValue !== undefined && !recorded.has(name)) {
      recorded.set(name, d.defaultValue);
    }
  }
  if (!recorded.has('debug')) recorded.set('debug', '0');
  if (!state.timers.warntime) recorded.set('warntime', `${computed.warntime}ms`);
  if (!state.timers.initdead) recorded.set('initdead', `${computed.initdead}ms`);
  if (!state.timers.deadping) recorded.set('deadping', `${computed.deadping}ms`);
  if (!recorded.has('udpport')) recorded.set('udpport', String(DEFAULT_UDPPORT));
  if (!computed.logEntry && !recorded.has('use_logd')) recorded.set('use_logd', 'yes');
  if (computed.syslog) {
    if (!recorded.has('logfile')) recorded.set('logfile', '/dev/null');
    if (!recorded.has('debugfile')) recorded.set('debugfile', '/dev/null');
  }
  return Object.fromEntries(recorded);
}
