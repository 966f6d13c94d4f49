// Packet capture in a lab namespace with tshark, for tests that must look at
// the wire (e.g. "the real node sends t=stonith after the peer died").
//
// The BPF filter is fragment-aware (spec §3.5): a heartbeat message bigger
// than the MTU is IP-fragmented, and `udp port 694` alone only matches the
// first fragment; tshark reassembles and reports the whole datagram on the
// frame that completes it.
//
// Also here: a tiny, independent reader of heartbeat payloads (string fields
// only) so that tests can say "a packet with t=stonith" without depending on
// the codec under test.
import type { ResultPromise } from 'execa';
import { setTimeout as delay } from 'node:timers/promises';
import { followLines } from './child-lines.js';
import type { LabHost } from './netns.js';

export interface CapturedPacket {
  /** Epoch ms (fractional) at which the frame completing the datagram was captured. */
  readonly atMs: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** The whole UDP payload (reassembled). */
  readonly payload: Buffer;
  /** String fields of the heartbeat message in wire order (see wireFields). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

export interface CaptureOptions {
  /** UDP port of the cluster traffic (default 694). */
  readonly port?: number;
  /** A complete BPF filter instead of the default fragment-aware one. */
  readonly filter?: string;
  /** Interface inside the namespace (default the host's, eth0). */
  readonly iface?: string;
  /** Bound on tshark's start (default 15 s). */
  readonly startTimeoutMs?: number;
}

export interface Capture {
  /** Packets decoded so far, in capture order. */
  packets(): CapturedPacket[];
  /** Wait (bounded) for a packet matching `pred` (including ones already captured). */
  waitFor(pred: (p: CapturedPacket) => boolean, timeoutMs: number): Promise<CapturedPacket>;
  /** Stop tshark (bounded) and return everything captured. Idempotent. */
  stop(): Promise<CapturedPacket[]>;
}

/** spec §3.5: also capture non-first IP fragments, which carry no UDP header. */
export function heartbeatCaptureFilter(port = 694): string {
  return `udp port ${port} or (ip[6:2] & 0x1fff != 0)`;
}

/** First value of a field, or undefined. */
export function fieldOf(p: { readonly fields: ReadonlyArray<readonly [string, string]> }, name: string): string | undefined {
  return p.fields.find(([n]) => n === name)?.[1];
}

/**
 * The string fields (`name=value`) of a heartbeat payload, in order: netstring
 * (`###\n<len>:(<type>)name=value,…%%%\n`, spec §3.2; non-string fields are
 * skipped) or classic text (`>>>\nname=value\n…<<<\n`, spec §3.1). Anything
 * else, or a malformed netstring, yields the fields read before the fault.
 */
export function wireFields(payload: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const text = payload.toString('latin1');
  if (text.startsWith('###\n')) {
    let i = 4;
    for (let guard = 0; guard < 10_000 && i < text.length; guard++) {
      if (text.startsWith('%%%\n', i)) break;
      const colon = text.indexOf(':', i);
      if (colon < 0 || colon - i > 10) break;
      const len = Number(text.slice(i, colon));
      if (!Number.isInteger(len) || len < 0) break;
      const body = text.slice(colon + 1, colon + 1 + len);
      if (body.length !== len || text[colon + 1 + len] !== ',') break;
      const m = /^\((\d+)\)([^=]*)=/.exec(body);
      if (m && m[1] === '0' && m[2] !== undefined) out.push([m[2], body.slice(m[0].length)]);
      i = colon + 2 + len;
    }
  } else if (text.startsWith('>>>\n')) {
    for (const line of text.slice(4).split('\n')) {
      if (line === '<<<') break;
      const eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith('(')) out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

/** Parse one `-T fields` line of tshark; undefined for frames without a (reassembled) UDP payload. */
export function parseTsharkLine(line: string): CapturedPacket | undefined {
  const [time, src, dst, sport, dport, hex] = line.split('\t');
  if (!time || !hex) return undefined;
  const payload = Buffer.from(hex.replace(/:/g, ''), 'hex');
  return {
    atMs: Number(time) * 1000,
    src: src ?? '',
    dst: dst ?? '',
    srcPort: Number(sport),
    dstPort: Number(dport),
    payload,
    fields: wireFields(payload),
  };
}

export async function startCapture(host: LabHost, opts: CaptureOptions = {}): Promise<Capture> {
  const filter = opts.filter ?? heartbeatCaptureFilter(opts.port ?? 694);
  const child: ResultPromise = host.spawn(
    'tshark',
    [
      '-i', opts.iface ?? host.iface,
      '-n', '-l', '-q',
      '-f', filter,
      '-o', 'ip.defragment:TRUE',
      '-T', 'fields', '-E', 'separator=/t',
      '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload',
    ],
    { buffer: false, stdin: 'ignore' },
  );
  const packets: CapturedPacket[] = [];
  const followed = followLines(
    child,
    (line) => {
      const p = parseTsharkLine(line);
      if (p) packets.push(p);
    },
    20_000,
  );
  const { done } = followed;
  const startDeadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (let i = 0; !/Capturing on/.test(followed.stderr()); i++) {
    if (followed.exited()) throw new Error(`tshark exited on ${host.name} before capturing:\n${followed.stderr()}`);
    if (Date.now() > startDeadline || i > 100_000) {
      child.kill('SIGKILL');
      throw new Error(`tshark did not start capturing on ${host.name} in time:\n${followed.stderr()}`);
    }
    await delay(20);
  }

  let stopped = false;
  return {
    packets: () => packets.slice(),
    waitFor: async (pred, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (let i = 0; ; i++) {
        const hit = packets.find(pred);
        if (hit) return hit;
        if (followed.exited()) throw new Error(`tshark on ${host.name} exited while waiting:\n${followed.stderr()}`);
        if (Date.now() > deadline || i > 1_000_000) throw new Error(`no matching packet on ${host.name} within ${timeoutMs} ms (${packets.length} captured)`);
        await delay(20);
      }
    },
    stop: async () => {
      if (!stopped) {
        stopped = true;
        child.kill('SIGINT');
        await Promise.race([done, delay(5000)]);
        if (!followed.exited()) {
          child.kill('SIGKILL');
          await Promise.race([done, delay(2000)]);
        }
        followed.flush();
      }
      return packets.slice();
    },
  };
}
