// The opt-in HTTP listener (`[http] listen` in heartbeat-ts.ini): GET
// /metrics (Prometheus), /status.json (exactly what `cl_status --json`
// prints) and / (the live status page). Read-only: nothing here changes the
// cluster. Scrapes build the status from values the daemon holds; nothing
// here is on the heartbeat send path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HttpListen } from '../config/index.js';
import { formatStatusJson, type DaemonStatus } from '../control/index.js';
import type { DaemonMetrics } from './metrics.js';
import { STATUS_PAGE_HTML } from './status-page.js';

export interface ObserveServerOptions {
  readonly listen: HttpListen;
  readonly metrics: DaemonMetrics;
  readonly status: () => DaemonStatus;
  /** A request that failed inside (a bug): logged, answered 500. */
  readonly onError: (err: Error) => void;
}

export interface ObserveServer {
  /** host:port as bound (IPv6 in brackets). */
  readonly address: string;
  close(): Promise<void>;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // The page is self-contained: nothing from elsewhere may load, it may only fetch from here.
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string, head: boolean): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ObserveServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    send(res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, 'only GET and HEAD\n', head);
    return;
  }
  switch (path) {
    case '/metrics':
      send(res, 200, { 'content-type': opts.metrics.contentType, 'cache-control': 'no-store' }, await opts.metrics.render(), head);
      return;
    case '/status.json':
      send(res, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, formatStatusJson(opts.status()), head);
      return;
    case '/':
    case '/index.html':
      send(res, 200, PAGE_HEADERS, STATUS_PAGE_HTML, head);
      return;
    default:
      send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found: try /, /status.json or /metrics\n', head);
  }
}

/** Listen; rejects with a sentence naming the address when it cannot (in use, not on this host). */
export async function startObserveServer(opts: ObserveServerOptions): Promise<ObserveServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, opts).catch((err: Error) => {
      opts.onError(err);
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'internal error\n', false);
      else res.destroy();
    });
  });
  // A slow or idle client must not hold sockets forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 64;
  const { host, port } = opts.listen;
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const hint = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this host' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new Error(`cannot listen on ${shown} ([http] listen in heartbeat-ts.ini): ${hint}`));
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => opts.onError(err));
  return {
    address: shown,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
