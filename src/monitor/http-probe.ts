// One HTTP(S) GET with one overall deadline covering DNS, connect, TLS,
// response headers and body. Never rejects: every way a probe can end is a
// typed outcome carrying its duration, so the caller can log the reason and
// count it.
//
// Choices, as keepalived's HTTP_GET/SSL_GET checkers make them:
// - a fresh connection per probe (no agent, `Connection: close`), so a dead
//   server is seen as dead rather than hidden behind a pooled socket;
// - redirects are not followed (a 301 is a bad status unless expected);
// - TLS certificates are not verified: the probe asks "does the application
//   answer", and a local https://127.0.0.1 has no name its certificate could
//   match;
// - the body is read (the deadline covers it) up to a size bound; it is
//   hashed only when an md5 is expected.
import type { Hash } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

// TLS and md5 are loaded on first use, not at import: hb_probe starts once per
// cron run, and most probes are plain http:// without an md5 (issue 12).
// require() rather than import(): the probe starts synchronously. For the same
// reason durations come from process.hrtime, not perf_hooks (a dozen modules).
const requireBuiltin = createRequire(import.meta.url);
const https = (): typeof import('node:https') => requireBuiltin('node:https') as typeof import('node:https');
const md5 = (): Hash => (requireBuiltin('node:crypto') as typeof import('node:crypto')).createHash('md5');

export interface HttpProbeTarget {
  readonly url: string;
  readonly expectStatus: number;
  /** Lower-case hex md5 the body must have. */
  readonly expectMd5?: string;
  /** The one deadline, in ms. */
  readonly timeout: number;
}

export interface HttpProbeOptions {
  /** Largest body read (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Aborts the probe (the supervisor stopping); the outcome is then `aborted`. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** Where the probe was when it ended: before the connection was up, waiting for headers, or reading the body. */
export type ProbePhase = 'connect' | 'response' | 'body';

type OutcomeBody =
  /** Success: an HTTP status, or for a command probe status 0 and exitCode 0. */
  | { readonly kind: 'ok'; readonly status: number; readonly exitCode?: 0 }
  // Command probes (command-probe.ts):
  | { readonly kind: 'exit'; readonly exitCode: number; readonly stderr: string }
  | { readonly kind: 'signal'; readonly signal: string }
  | { readonly kind: 'command-timeout'; readonly timeoutMs: number }
  | { readonly kind: 'spawn'; readonly message: string }
  | { readonly kind: 'bad-status'; readonly status: number; readonly expected: number }
  | { readonly kind: 'body-mismatch'; readonly expectedMd5: string; readonly gotMd5: string }
  | { readonly kind: 'body-too-large'; readonly limit: number }
  | { readonly kind: 'timeout'; readonly phase: ProbePhase; readonly timeoutMs: number }
  | { readonly kind: 'refused' }
  | { readonly kind: 'reset'; readonly phase: ProbePhase }
  | { readonly kind: 'unreachable'; readonly code: string }
  | { readonly kind: 'dns'; readonly hostname: string; readonly code: string }
  | { readonly kind: 'url'; readonly message: string }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'other'; readonly phase: ProbePhase; readonly code?: string; readonly message: string };

export type ProbeOutcome = OutcomeBody & { readonly durationMs: number };
export type ProbeOutcomeBody = OutcomeBody;
export type ProbeOutcomeKind = ProbeOutcome['kind'];

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'EAI_ADDRFAMILY']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

function validTarget(target: HttpProbeTarget): URL | string {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return `"${target.url}" is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${target.url}" is not an http:// or https:// URL`;
  if (url.hostname === '') return `"${target.url}" has no host`;
  return url;
}

export function runHttpProbe(target: HttpProbeTarget, options: HttpProbeOptions = {}): Promise<ProbeOutcome> {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
  const url = validTarget(target);
  if (typeof url === 'string') return Promise.resolve({ kind: 'url', message: url, durationMs: elapsed() });
  if (options.signal?.aborted) return Promise.resolve({ kind: 'aborted', durationMs: elapsed() });
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');

  return new Promise<ProbeOutcome>((resolve) => {
    let phase: ProbePhase = 'connect';
    let settled = false;
    let req: ClientRequest | undefined;
    const finish = (body: OutcomeBody): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req?.destroy();
      resolve({ ...body, durationMs: elapsed() });
    };
    const onAbort = (): void => finish({ kind: 'aborted' });
    const timer = setTimeout(() => finish({ kind: 'timeout', phase, timeoutMs: target.timeout }), target.timeout);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const onError = (err: NodeJS.ErrnoException): void => finish(classifyError(err, phase, hostname));
    const onResponse = (res: IncomingMessage): void => {
      phase = 'body';
      const status = res.statusCode ?? 0;
      if (status !== target.expectStatus) {
        finish({ kind: 'bad-status', status, expected: target.expectStatus });
        return;
      }
      const hash: Hash | undefined = target.expectMd5 ? md5() : undefined;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBody) {
          // Without a digest to check, the status already answered the question.
          finish(hash ? { kind: 'body-too-large', limit: maxBody } : { kind: 'ok', status });
          return;
        }
        hash?.update(chunk);
      });
      res.on('end', () => {
        if (!hash) return finish({ kind: 'ok', status });
        const got = hash.digest('hex');
        finish(got === target.expectMd5 ? { kind: 'ok', status } : { kind: 'body-mismatch', expectedMd5: target.expectMd5!, gotMd5: got });
      });
      res.on('error', onError);
      res.on('close', () => {
        if (!res.complete) finish({ kind: 'reset', phase: 'body' });
      });
    };

    try {
      const send = url.protocol === 'https:' ? https().request : httpRequest;
      req = send(url, {
        method: 'GET',
        agent: false,
        headers: { 'user-agent': 'heartbeat-ts-probe', accept: '*/*', connection: 'close' },
        rejectUnauthorized: false,
      });
    } catch (err) {
      finish({ kind: 'url', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    req.on('socket', (socket: Socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        if (phase === 'connect') phase = 'response';
      });
    });
    req.on('response', onResponse);
    req.on('error', onError);
    req.end();
  });
}

function classifyError(err: NodeJS.ErrnoException, phase: ProbePhase, hostname: string): OutcomeBody {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  if (RESET_CODES.has(code)) return { kind: 'reset', phase };
  if (DNS_CODES.has(code)) return { kind: 'dns', hostname, code };
  if (UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', code };
  if (code === 'ETIMEDOUT') return { kind: 'timeout', phase, timeoutMs: 0 };
  return code === '' ? { kind: 'other', phase, message: err.message } : { kind: 'other', phase, code, message: err.message };
}

const PHASE_TEXT: Record<ProbePhase, string> = {
  connect: 'connecting',
  response: 'waiting for the response',
  body: 'reading the body',
};

/** One line saying what happened, for logs and hb_probe's stderr. */
export function describeOutcome(o: ProbeOutcome): string {
  const took = `${Math.round(o.durationMs)} ms`;
  switch (o.kind) {
    case 'ok':
      return o.exitCode === 0 ? `exit status 0 in ${took}` : `HTTP ${o.status} in ${took}`;
    case 'exit':
      return `exit status ${o.exitCode} (${took})${o.stderr ? `: ${o.stderr}` : ''}`;
    case 'signal':
      return `the command was killed by ${o.signal} (${took})`;
    case 'command-timeout':
      return `still running after ${o.timeoutMs} ms: its process group was killed`;
    case 'spawn':
      return `could not run the command: ${o.message}`;
    case 'bad-status':
      return `HTTP status ${o.status}, expected ${o.expected} (${took})`;
    case 'body-mismatch':
      return `body md5 ${o.gotMd5}, expected ${o.expectedMd5} (${took})`;
    case 'body-too-large':
      return `body larger than ${o.limit} bytes, cannot check its md5 (${took})`;
    case 'timeout':
      return o.timeoutMs > 0
        ? `timed out after ${o.timeoutMs} ms while ${PHASE_TEXT[o.phase]}`
        : `the system timed out while ${PHASE_TEXT[o.phase]} (${took})`;
    case 'refused':
      return `connection refused (${took})`;
    case 'reset':
      return `connection reset while ${PHASE_TEXT[o.phase]} (${took})`;
    case 'unreachable':
      return `host unreachable (${o.code}, ${took})`;
    case 'dns':
      return `DNS lookup of ${o.hostname} failed (${o.code}, ${took})`;
    case 'url':
      return `bad URL: ${o.message}`;
    case 'aborted':
      return `aborted (${took})`;
    case 'other':
      return `${o.code ? `${o.code}: ` : ''}${o.message} while ${PHASE_TEXT[o.phase]} (${took})`;
  }
}
