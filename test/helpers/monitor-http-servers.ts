// Real HTTP servers on 127.0.0.1 ephemeral ports for the monitor's tests:
// each path misbehaves in one specific way a probe must recognise.
//
//   /ok            200 "hello\n"
//   /status/NNN    status NNN, body "status NNN\n"
//   /silent        reads the request, never answers
//   /stall         headers and half the body, then nothing
//   /trickle       headers, then one byte every 20 ms, never ending
//   /reset         TCP reset before any answer
//   /reset-body    headers and half the body, then a TCP reset
//   /big           2 MiB body
//   /slow/MS       200 after MS milliseconds
//   /app           the "application": status from `app.status`, body `app.body`
//
// Every request is counted per path, with the most ever in flight at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProbeTestServer {
  readonly port: number;
  url(path: string): string;
  /** The /app endpoint's current answer; tests flip it to make the "application" fail or recover. */
  readonly app: { status: number; body: string };
  /** Requests seen per path. */
  count(path: string): number;
  /** Most /app and /slow requests in flight at the same time. */
  readonly maxConcurrent: number;
  close(): Promise<void>;
}

export const OK_BODY = 'hello\n';

export async function startProbeTestServer(): Promise<ProbeTestServer> {
  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const app = { status: 200, body: OK_BODY };
  let inFlight = 0;
  let maxConcurrent = 0;

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const status = /^\/status\/(\d{3})$/.exec(path);
    const slow = /^\/slow\/(\d+)$/.exec(path);
    if (path === '/ok') {
      res.end(OK_BODY);
    } else if (status) {
      res.statusCode = Number(status[1]);
      res.end(`status ${status[1]}\n`);
    } else if (path === '/silent') {
      // never answer; the socket is destroyed on close()
    } else if (path === '/stall') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x'.repeat(50));
    } else if (path === '/trickle') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = (): void => {
        if (res.destroyed) return;
        res.write('.');
        later(20, drip);
      };
      drip();
    } else if (path === '/reset') {
      req.socket.resetAndDestroy();
    } else if (path === '/reset-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x'.repeat(50), () => later(20, () => req.socket.resetAndDestroy()));
    } else if (path === '/big') {
      res.end(Buffer.alloc(2 << 20, 'b'));
    } else if (slow || path === '/app') {
      inFlight++;
      maxConcurrent = Math.max(maxConcurrent, inFlight);
      const answer = (): void => {
        inFlight--;
        if (slow) {
          res.end('slow\n');
        } else {
          res.statusCode = app.status;
          res.end(app.body);
        }
      };
      if (slow) later(Number(slow[1]), answer);
      else answer();
    } else {
      res.statusCode = 404;
      res.end('no such test path\n');
    }
  };

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    app,
    count: (path) => counts.get(path) ?? 0,
    get maxConcurrent() {
      return maxConcurrent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A 127.0.0.1 port that was just free and has nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits until `check` holds, polling every `everyMs`, failing after `deadlineMs`. */
export async function waitForCondition(
  what: string,
  check: () => boolean,
  deadlineMs = 10_000,
  everyMs = 10,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
