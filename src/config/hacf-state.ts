// What the ha.cf parser gathers while reading the file, line by line, before
// defaults and whole-file checks are applied (hacf.ts), and what each
// directive handler (hacf-directives.ts, hacf-media.ts) sees of its line.
import type { AutoFailback, MediumConfig, Millis, PingNodeConfig } from './types.js';
import type { ProblemList } from './problems.js';

/** Default UDP port (spec §10: 694; Debian's /etc/services has no ha-cluster entry). */
export const DEFAULT_UDPPORT = 694;

/** A value with the line it came from (for messages about it later). */
export interface Located<T> {
  readonly value: T;
  readonly line: number;
  readonly text: string;
}

/** Everything gathered while reading ha.cf, before defaults and sanity checks. */
export interface HaCfState {
  readonly nodes: string[];
  readonly nodeLines: Map<string, number>;
  readonly timers: Partial<Record<TimerName, Located<Millis>>>;
  udpport?: Located<number>;
  /**
   * Heartbeat's bcast and ucast plugins each read `udpport` once, when their
   * first medium is created (spec §10); later udpport lines do not reach them.
   */
  bcastPort?: Located<number>;
  ucastPort?: Located<number>;
  readonly media: MediumConfig[];
  readonly pingNodes: PingNodeConfig[];
  autoFailback: AutoFailback;
  autoFailbackLine?: number;
  autoFailbackExplicit: boolean;
  /** Heartbeat's `nice_failback` variable: true once auto_failback is on/off. */
  niceFailback: boolean;
  niceFailbackLine?: number;
  hopfudge: number;
  hbgenmethod: 'file' | 'time';
  uuidfrom: 'file' | 'nodename';
  msgfmt: 'classic' | 'netstring';
  compression: string;
  compressionThreshold: number;
  traditionalCompression: boolean;
  maxRexmitDelay: Millis;
  logfile?: string;
  debugfile?: string;
  /** As written; `none` means no syslog (cl_syslogfac_str2int gives 0). */
  logfacility?: string;
  useLogd?: Located<boolean>;
  debug: number;
  logBadpack: boolean;
  realtime: boolean;
  rtprio?: number;
  memreserve: number;
  watchdog?: Located<string>;
  baud?: Located<number>;
  coredumps: boolean;
  coreroot?: string;
  cluster: string;
  autojoin?: Located<'none' | 'other' | 'any'>;
  pacemaker?: Located<string>;
  readonly env: Record<string, string>;
  readonly apiauth: string[];
  readonly apiauthClients: Map<string, number>;
  readonly respawn: string[];
  readonly failfast: string[];
  readonly stonith: string[];
  readonly stonithHost: string[];
  /** Heartbeat's parameter table (SetParameterValue): directive → last value as written. */
  readonly recorded: Map<string, string>;
  /** Line of the last setting of each scalar directive, to warn about repeats. */
  readonly seenAt: Map<string, number>;
}

export type TimerName = 'keepalive' | 'deadtime' | 'warntime' | 'initdead' | 'deadping';

export function newHaCfState(): HaCfState {
  return {
    nodes: [],
    nodeLines: new Map(),
    timers: {},
    media: [],
    pingNodes: [],
    autoFailback: 'legacy',
    autoFailbackExplicit: false,
    niceFailback: false,
    hopfudge: 1,
    hbgenmethod: 'file',
    uuidfrom: 'file',
    msgfmt: 'classic',
    compression: 'zlib',
    compressionThreshold: 2,
    traditionalCompression: false,
    maxRexmitDelay: 250,
    debug: 0,
    logBadpack: true,
    realtime: true,
    memreserve: 6500,
    coredumps: true,
    cluster: 'linux-ha',
    env: {},
    apiauth: [],
    apiauthClients: new Map(),
    respawn: [],
    failfast: [],
    stonith: [],
    stonithHost: [],
    recorded: new Map(),
    seenAt: new Map(),
  };
}

/** What a handler sees of the line being parsed. */
export interface LineContext {
  readonly state: HaCfState;
  readonly problems: ProblemList;
  readonly line: number;
  /** The line as written (trimmed), quoted under every problem. */
  readonly text: string;
  readonly directive: string;
  readonly localNode: string | undefined;
}

/** Returns undefined when the token was applied, else why it was refused. */
export type TokenHandler = (token: string, ctx: LineContext) => string | undefined;
export type LineHandler = (rest: string, ctx: LineContext) => void;

/** The words of a whole-line directive: Heartbeat's plugins split on white space only (not commas). */
export const lineWords = (rest: string): string[] => rest.split(/[ \t\n\r\f]+/).filter((w) => w !== '');
