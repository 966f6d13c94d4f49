// The daemon side of the control socket. The handler does the work; this
// module owns the socket file (mode 0600), framing, limits and error answers.
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import {
  controlSocketPath,
  MAX_CONTROL_MESSAGE_BYTES,
  parseControlRequest,
  type ControlRequest,
  type ControlResponse,
} from './protocol.js';

export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse>;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

const CLIENT_IDLE_TIMEOUT_MS = 5_000;

export async function startControlServer(runDir: string, handler: ControlHandler): Promise<ControlServer> {
  const path = controlSocketPath(runDir);
  await mkdir(runDir, { recursive: true, mode: 0o755 });
  // A socket file left by a daemon that died: the pid file check has already
  // established that no daemon is running, so it is safe to remove.
  await unlink(path).catch(() => undefined);
  const server: Server = createServer((socket) => serve(socket, handler));
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  await chmod(path, 0o600);
  server.on('error', () => undefined);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        void unlink(path).catch(() => undefined);
      }),
  };
}

function serve(socket: Socket, handler: ControlHandler): void {
  let buffer = '';
  let answered = false;
  socket.setEncoding('utf8');
  socket.setTimeout(CLIENT_IDLE_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => undefined);
  const answer = (response: ControlResponse): void => {
    if (answered) return;
    answered = true;
    socket.end(`${JSON.stringify(response)}\n`);
  };
  socket.on('data', (chunk: string) => {
    if (answered) return;
    buffer += chunk;
    if (buffer.length > MAX_CONTROL_MESSAGE_BYTES) {
      answer({ ok: false, error: 'request too large' });
      return;
    }
    const nl = buffer.indexOf('\n');
    if (nl < 0) return;
    const parsed = parseControlRequest(buffer.slice(0, nl));
    // The idle limit is for reading the request; the answer may take the
    // daemon longer (hb_standby waits for the outcome of the standby).
    socket.setTimeout(0);
    if (typeof parsed === 'string') {
      answer({ ok: false, error: parsed });
      return;
    }
    handler(parsed).then(answer, (err: unknown) =>
      answer({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}
