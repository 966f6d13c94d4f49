// The UDP media of ha.cf — bcast, ucast, mcast — over node:dgram (spec §1).
//
// Sockets, and why they are bound where they are:
//
// * Every medium sends from its own socket bound to <interface address>:0,
//   an ephemeral port, like the daemon's write children (receivers ignore
//   the source, spec §1). Binding to the interface address picks the source
//   address; the route picks the interface.
// * Receive sockets are bound to the most specific address that still gets
//   the medium's traffic, never to 0.0.0.0:
//     bcast → <broadcast address>:port (only broadcasts to that subnet),
//     ucast → <interface address>:port (unicast to this node),
//     mcast → <group>:port, joined on the interface address (spec §1: unicast
//             to the node is not received on an mcast medium).
//   So bcast and ucast on the same port coexist (different addresses, no
//   SO_REUSEADDR needed), a packet is attributed to the medium it came in
//   on, and two nodes in different network namespaces never share a socket.
// * No SO_REUSEADDR: if anything else holds the port — a real heartbeat on
//   0.0.0.0:694, another heartbeat-ts — bind fails with EADDRINUSE and start
//   is refused with that reason, instead of two daemons silently splitting
//   the traffic.
// * Media with the same receive address and port (several `ucast eth0 PEER`
//   lines) share one receive socket; their packets count for the first one's
//   link, which has the same name (the interface) anyway.
import { createSocket, type Socket } from 'node:dgram';
import type { MediumConfig } from '../../config/index.js';
import { isIPv4, isMulticastIPv4, resolveInterface, type InterfaceAddress, type InterfaceTable } from './interfaces.js';
import type { MediumView, OpenMediaOptions } from './types.js';

export interface MediaProblem {
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

/** One or more media could not be opened; nothing was left open. */
export class MediaError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly MediaProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}: ${p.text}: ${p.message}`).join('\n'));
    this.name = 'MediaError';
  }
}

export function mediumText(m: MediumConfig): string {
  switch (m.kind) {
    case 'bcast':
      return `bcast ${m.iface}`;
    case 'ucast':
      return `ucast ${m.iface} ${m.peer}`;
    case 'mcast':
      return `mcast ${m.iface} ${m.group} ${m.port} ${m.ttl} ${m.loop ? 1 : 0}`;
  }
}

interface Plan {
  readonly config: MediumConfig;
  readonly iface: InterfaceAddress;
  /** Where we send to. */
  readonly destination: string;
  readonly listenAddress: string;
}

interface Endpoint {
  readonly key: string;
  readonly socket: Socket;
  readonly link: string;
}

interface OpenMedium {
  readonly plan: Plan;
  readonly sendSocket: Socket;
  readonly view: { -readonly [K in keyof MediumView]: MediumView[K] };
}

export interface OpenedMedia {
  /** Send one datagram on every medium; never waits, never throws. */
  sendAll(bytes: Uint8Array): void;
  views(): MediumView[];
  close(): Promise<void>;
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const hints: Record<string, string> = {
    EADDRINUSE: 'address already in use (is another heartbeat running?)',
    EADDRNOTAVAIL: 'address not available on this host',
    EACCES: 'permission denied (ports below 1024 need root)',
    ENODEV: 'no such device',
    EINVAL: 'invalid argument',
  };
  return e.code && hints[e.code] ? `${hints[e.code]} (${e.code})` : (e.message ?? String(err));
}

function plan(config: MediumConfig, table?: InterfaceTable): Plan | MediaProblem {
  const text = mediumText(config);
  const problem = (message: string): MediaProblem => ({ line: config.line, text, message });
  if (!Number.isInteger(config.port) || config.port <= 0 || config.port > 65535) return problem(`bad UDP port ${config.port}`);
  const found = resolveInterface(config.iface, table);
  if (!found.ok) return problem(found.reason);
  const iface = found.value;
  switch (config.kind) {
    case 'bcast':
      return { config, iface, destination: iface.broadcast, listenAddress: iface.broadcast };
    case 'ucast':
      if (!isIPv4(config.peer)) return problem(`peer ${config.peer} is not an IPv4 address`);
      return { config, iface, destination: config.peer, listenAddress: iface.address };
    case 'mcast':
      if (!isMulticastIPv4(config.group)) return problem(`${config.group} is not an IPv4 multicast group (224.0.0.0–239.255.255.255)`);
      if (!Number.isInteger(config.ttl) || config.ttl < 0 || config.ttl > 255) return problem(`bad multicast TTL ${config.ttl}`);
      return { config, iface, destination: config.group, listenAddress: config.group };
  }
}

function bindSocket(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ address, port, exclusive: true });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/**
 * Open every medium, or none: on any problem every socket opened so far is
 * closed and a MediaError names each failing ha.cf line.
 */
export async function openMedia(
  configs: readonly MediumConfig[],
  opts: OpenMediaOptions,
  table?: InterfaceTable,
): Promise<OpenedMedia> {
  const plans: Plan[] = [];
  const problems: MediaProblem[] = [];
  for (const c of configs) {
    const p = plan(c, table);
    if ('message' in p) problems.push(p);
    else plans.push(p);
  }
  if (problems.length > 0) throw new MediaError(opts.file, problems);

  const sockets: Socket[] = [];
  const endpoints = new Map<string, Endpoint>();
  const media: OpenMedium[] = [];
  const socketError = (where: string) => (err: Error) => opts.onSocketError?.(where, err);
  try {
    for (const p of plans) {
      const text = mediumText(p.config);
      const key = `${p.listenAddress}:${p.config.port}`;
      let endpoint = endpoints.get(key);
      if (!endpoint) {
        const socket = createSocket({ type: 'udp4', reuseAddr: false });
        sockets.push(socket);
        try {
          await bindSocket(socket, p.listenAddress, p.config.port);
        } catch (err) {
          throw new MediaError(opts.file, [
            { line: p.config.line, text, message: `cannot listen on UDP ${key}: ${errnoText(err)}` },
          ]);
        }
        socket.on('error', socketError(`receive socket ${key}`));
        const link = p.config.iface;
        socket.on('message', (bytes, rinfo) => opts.onDatagram(bytes, link, { address: rinfo.address, port: rinfo.port }));
        endpoint = { key, socket, link };
        endpoints.set(key, endpoint);
      }
      if (p.config.kind === 'mcast') {
        try {
          endpoint.socket.addMembership(p.config.group, p.iface.address);
        } catch (err) {
          throw new MediaError(opts.file, [
            { line: p.config.line, text, message: `cannot join ${p.config.group} on ${p.iface.address}: ${errnoText(err)}` },
          ]);
        }
      }
      const sendSocket = createSocket({ type: 'udp4', reuseAddr: false });
      sockets.push(sendSocket);
      try {
        await bindSocket(sendSocket, p.iface.address, 0);
        if (p.config.kind === 'bcast') sendSocket.setBroadcast(true);
        if (p.config.kind === 'mcast') {
          sendSocket.setMulticastInterface(p.iface.address);
          sendSocket.setMulticastTTL(p.config.ttl);
          sendSocket.setMulticastLoopback(p.config.loop);
        }
      } catch (err) {
        throw new MediaError(opts.file, [
          { line: p.config.line, text, message: `cannot open a send socket on ${p.iface.address}: ${errnoText(err)}` },
        ]);
      }
      sendSocket.on('error', socketError(`send socket of ${text}`));
      media.push({
        plan: p,
        sendSocket,
        view: {
          kind: p.config.kind,
          link: endpoint.link,
          line: p.config.line,
          description: `${text} → ${p.destination}:${p.config.port}`,
          listen: key,
          sent: 0,
          sendErrors: 0,
        },
      });
    }
  } catch (err) {
    await Promise.all(sockets.map(closeSocket));
    throw err;
  }

  let closed = false;
  return {
    sendAll(bytes: Uint8Array): void {
      if (closed) return;
      for (const m of media) {
        try {
          m.sendSocket.send(bytes, m.plan.config.port, m.plan.destination, (err) => {
            if (err) {
              m.view.sendErrors++;
              opts.onSendError({ ...m.view }, err);
            } else {
              m.view.sent++;
            }
          });
        } catch (err) {
          m.view.sendErrors++;
          opts.onSendError({ ...m.view }, err as Error);
        }
      }
    },
    views: () => media.map((m) => ({ ...m.view })),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all(sockets.map(closeSocket));
    },
  };
}
