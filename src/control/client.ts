// The client side of the control socket, used by hb_standby, hb_takeover,
// cl_status, heartbeat -s/-k/-r and hb_probe.
import { connect } from 'node:net';
import { controlSocketPath, MAX_CONTROL_MESSAGE_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';

/** Why the daemon could not be reached: lets commands tell "not running" from other failures. */
export class DaemonUnreachableError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-running' | 'permission' | 'timeout' | 'protocol',
  ) {
    super(message);
  }
}

export async function requestDaemon(runDir: string, request: ControlRequest, timeoutMs = 10_000): Promise<ControlResponse> {
  const path = controlSocketPath(runDir);
  return new Promise<ControlResponse>((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    let settled = false;
    const finish = (err: Error | undefined, value?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new DaemonUnreachableError(`the heartbeat daemon at ${path} did not answer within ${timeoutMs} ms`, 'timeout')),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_CONTROL_MESSAGE_BYTES) {
        finish(new DaemonUnreachableError('the daemon sent an oversized answer', 'protocol'));
        return;
      }
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      try {
        finish(undefined, JSON.parse(buffer.slice(0, nl)) as ControlResponse);
      } catch {
        finish(new DaemonUnreachableError('the daemon sent an answer that is not JSON', 'protocol'));
      }
    });
    socket.on('end', () => {
      if (!settled) finish(new DaemonUnreachableError('the daemon closed the connection without answering', 'protocol'));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        finish(new DaemonUnreachableError(`heartbeat is not running (no daemon listening on ${path}); start it, or pass --run-dir`, 'not-running'));
      } else if (err.code === 'EACCES' || err.code === 'EPERM') {
        finish(new DaemonUnreachableError(`permission denied on ${path}: the control socket is root-only; run as root`, 'permission'));
      } else {
        finish(new DaemonUnreachableError(`cannot reach the daemon on ${path}: ${err.message}`, 'protocol'));
      }
    });
  });
}
