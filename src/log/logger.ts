// The one logger of a heartbeat-ts process (winston), passed down to every
// part with a component label. Text lines follow Heartbeat's logfile form
// (`heartbeat[PID]: 2026/11/22_03:03:32 WARN: …`) so existing log watchers
// keep working: the message follows the level exactly as Heartbeat writes
// it, and the component label comes after it. `format: 'json'` writes one
// JSON object per line instead (with `component` as a field).
//
// Log writes are asynchronous stream writes: nothing on the heartbeat send
// path waits for a disk or for syslog.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import winston from 'winston';
import Transport from 'winston-transport';

export type LogLevel = 'crit' | 'error' | 'warn' | 'info' | 'debug';
export type LogMeta = Readonly<Record<string, unknown>>;

export interface Logger {
  crit(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  debug(message: string, meta?: LogMeta): void;
  /** The same logger with a component label (`membership`, `resources`, …). */
  child(component: string): Logger;
}

const LEVELS: Record<LogLevel, number> = { crit: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Heartbeat's spelling of each level in its log text. */
const HEARTBEAT_LEVEL_TEXT: Record<LogLevel, string> = {
  crit: 'CRIT',
  error: 'ERROR',
  warn: 'WARN',
  info: 'info',
  debug: 'debug',
};

/** syslog(3) severities. */
const SYSLOG_SEVERITY: Record<LogLevel, number> = { crit: 2, error: 3, warn: 4, info: 6, debug: 7 };

const SYSLOG_FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, security: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21,
  local6: 22, local7: 23,
};

export function isSyslogFacility(name: string): boolean {
  return Object.hasOwn(SYSLOG_FACILITIES, name);
}

export interface LoggerOptions {
  /** Program name in text lines and syslog tag (default `heartbeat`). */
  readonly ident?: string;
  /** This node's name, added to JSON records. */
  readonly node?: string;
  readonly format: 'text' | 'json';
  /** Messages at info and above (Heartbeat's `logfile`). */
  readonly logfile?: string;
  /** Every message including debug (Heartbeat's `debugfile`). */
  readonly debugfile?: string;
  /** syslog facility name (Heartbeat's `logfacility`); messages go through logger(1). */
  readonly logfacility?: string;
  /** Heartbeat's `debug` level: > 0 lets debug messages through to stderr and logfile too. */
  readonly debugLevel?: number;
  /** Also write to stderr (the daemon runs in the foreground; systemd keeps it). */
  readonly stderr?: boolean;
  /** Extra destinations (tests read the log from these). */
  readonly streams?: readonly Writable[];
}

export interface LoggerHandle {
  readonly logger: Logger;
  /** Flush and close every destination. */
  close(): Promise<void>;
}

function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())}_${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function metaText(info: Record<string, unknown>): string {
  const skip = new Set(['level', 'message', 'component', 'timestamp', 'node']);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(info)) {
    if (skip.has(k) || typeof k !== 'string') continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.length ? ` (${parts.join(' ')})` : '';
}

/**
 * `heartbeat[PID]: 2026/11/22_03:03:32 LEVEL: message [component] (meta)`.
 * The message comes right after `LEVEL: `, exactly as Heartbeat writes it:
 * watchers match `CRIT: Cluster node .* returning after partition`, so the
 * component label goes after the text, never between level and message.
 */
export function formatTextLine(ident: string, pid: number, when: Date, info: Record<string, unknown>): string {
  const level = HEARTBEAT_LEVEL_TEXT[info.level as LogLevel] ?? String(info.level);
  const component = typeof info.component === 'string' ? ` [${info.component}]` : '';
  return `${ident}[${pid}]: ${timestamp(when)} ${level}: ${String(info.message)}${component}${metaText(info)}`;
}

function textFormat(ident: string): winston.Logform.Format {
  return winston.format.printf((info) => formatTextLine(ident, process.pid, new Date(), info as Record<string, unknown>));
}

function jsonFormat(node: string | undefined): winston.Logform.Format {
  return winston.format.printf((info) => {
    const { level, message, component, ...rest } = info as Record<string, unknown>;
    return JSON.stringify({ time: new Date().toISOString(), level, node, component, msg: message, ...rest });
  });
}

/** syslog through one long-lived logger(1) process: no native addon, no per-line spawn. */
class SyslogTransport extends Transport {
  private readonly child: ChildProcess;
  private readonly facility: number;
  constructor(ident: string, facility: string, opts: Transport.TransportStreamOptions) {
    super(opts);
    this.facility = SYSLOG_FACILITIES[facility] ?? SYSLOG_FACILITIES.daemon!;
    this.child = spawn('logger', ['--prio-prefix', '-t', ident], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.child.on('error', () => undefined);
    this.child.stdin?.on('error', () => undefined);
  }
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const level = info.level as LogLevel;
    const pri = this.facility * 8 + (SYSLOG_SEVERITY[level] ?? 6);
    const text = String(info[Symbol.for('message')] ?? info.message).replace(/\n/g, ' ');
    this.child.stdin?.write(`<${pri}>${text}\n`);
    next();
  }
  override close(): void {
    this.child.stdin?.end();
  }
}

class WinstonLogger implements Logger {
  constructor(private readonly w: winston.Logger) {}
  crit(message: string, meta?: LogMeta): void {
    this.w.log('crit', message, meta);
  }
  error(message: string, meta?: LogMeta): void {
    this.w.log('error', message, meta);
  }
  warn(message: string, meta?: LogMeta): void {
    this.w.log('warn', message, meta);
  }
  info(message: string, meta?: LogMeta): void {
    this.w.log('info', message, meta);
  }
  debug(message: string, meta?: LogMeta): void {
    this.w.log('debug', message, meta);
  }
  child(component: string): Logger {
    return new WinstonLogger(this.w.child({ component }));
  }
}

export function createLogger(opts: LoggerOptions): LoggerHandle {
  const ident = opts.ident ?? 'heartbeat';
  const format = opts.format === 'json' ? jsonFormat(opts.node) : textFormat(ident);
  const normalLevel: LogLevel = (opts.debugLevel ?? 0) > 0 ? 'debug' : 'info';
  const transports: Transport[] = [];
  if (opts.stderr) {
    transports.push(new winston.transports.Console({ level: normalLevel, stderrLevels: Object.keys(LEVELS), format }));
  }
  if (opts.logfile) transports.push(new winston.transports.File({ filename: opts.logfile, level: normalLevel, format }));
  if (opts.debugfile) transports.push(new winston.transports.File({ filename: opts.debugfile, level: 'debug', format }));
  if (opts.logfacility && opts.logfacility !== 'none') {
    transports.push(new SyslogTransport(ident, opts.logfacility, { level: normalLevel, format }));
  }
  for (const stream of opts.streams ?? []) {
    transports.push(new winston.transports.Stream({ stream, level: 'debug', format }));
  }
  const w = winston.createLogger({ levels: LEVELS, level: 'debug', transports, exitOnError: false });
  // A destination that fails (disk full, file removed) must never crash the daemon.
  w.on('error', () => undefined);
  return {
    logger: new WinstonLogger(w),
    close: () =>
      new Promise<void>((resolve) => {
        if (transports.length === 0) return resolve();
        const timer = setTimeout(resolve, 2000);
        w.on('finish', () => {
          clearTimeout(timer);
          resolve();
        });
        w.end();
      }),
  };
}

/** A logger whose lines are collected in memory (for CLIs that report at the end, and for tests). */
export function createMemoryLogger(format: 'text' | 'json' = 'text'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(l);
      cb();
    },
  });
  const { logger } = createLogger({ format, streams: [stream] });
  return { logger, lines };
}
