// HeartbeatNode in this process on the loopback interface (real sockets, no
// namespace needed: all traffic stays on 127.0.0.1), plus the pure helpers of
// the media and node shell.
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import {
  broadcastAddress,
  HeartbeatNode,
  lagThresholds,
  messageOf,
  RateLimiter,
  resolveInterface,
  type NodeStatusEvent,
} from '../../../src/heartbeat/index.js';
import { clusterConfigFromSpec } from '../../helpers/hbnode-config.js';

/**
 * A UDP port on the host's loopback that nothing else uses right now (a
 * fixed one could be taken by another test run or program on the machine).
 */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let PORT = 0;

function loneSpec(port = PORT) {
  return clusterConfigFromSpec({
    localNode: 'solo',
    nodes: ['solo', 'other'],
    media: [{ kind: 'ucast', iface: 'lo', peer: '127.0.0.1', port }],
    keepalive: 100,
    deadtime: 400,
    warntime: 300,
    initdead: 800,
    keys: { active: 1, keys: [{ index: 1, method: 'sha1', secret: 'k' }] },
  });
}

/** Resolve when `pred` holds, checking on every event of the node (bounded). */
function until(node: HeartbeatNode, what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pred()) return resolve();
    const check = (): void => {
      if (!pred()) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve();
    };
    const poll = setInterval(check, 20);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    node.on('nodeStatus', check);
  });
}

describe('HeartbeatNode on loopback', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hbts-node-'));
    PORT = await freeUdpPort();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a lone node goes init → up → active after initdead, persists its identity, survives bad packets and bad listeners', async () => {
    const { logger, lines } = createMemoryLogger();
    const node = new HeartbeatNode({ config: loneSpec(), stateDir: dir, logger });
    expect(() => node.send(messageOf([['t', 'x']]))).toThrow(/not running/);
    const local: string[] = [];
    let commUp = 0;
    node.on('nodeStatus', (e: NodeStatusEvent) => {
      if (e.isLocal) local.push(e.status);
    });
    node.on('commUp', () => commUp++);
    node.on('nodeStatus', () => {
      throw new Error('a listener that throws');
    });
    let bad = 0;
    node.on('badPacket', () => bad++);
    await node.start();
    try {
      const gen = Number((await readFile(join(dir, 'hb_generation'), 'latin1')).trim());
      expect(node.snapshot().generation).toBe(gen);
      expect((await readFile(join(dir, 'hb_uuid')).then((b) => b.toString('hex')))).toBe(node.snapshot().uuid);

      await until(node, 'comm up', () => commUp === 1, 5000);
      expect(local).toEqual(['up', 'active']);
      const snap = node.snapshot();
      expect(snap.status).toBe('active');
      expect(snap.nodes.find((n) => n.name === 'other')!.status).toBe('dead');
      expect(snap.media).toEqual([expect.objectContaining({ kind: 'ucast', link: 'lo', listen: `127.0.0.1:${PORT}` })]);
      expect(lines.some((l) => l.includes('a nodeStatus listener failed'))).toBe(true);

      // 50 garbage datagrams: all dropped, counted, one log line.
      const sock = createSocket('udp4');
      for (let i = 0; i < 50; i++) sock.send(Buffer.from(`###\ngarbage ${i}`), PORT, '127.0.0.1');
      await until(node, '50 bad packets', () => bad >= 50, 5000);
      sock.close();
      expect(lines.filter((l) => l.includes('dropped bad packet from 127.0.0.1')).length).toBe(1);
      expect(node.snapshot().badPackets).toBe(50);

      // Heartbeats go on: our own seq keeps growing.
      const seq = node.snapshot().lastSentSeq;
      await until(node, 'more keepalives', () => node.snapshot().lastSentSeq >= seq + 3, 5000);
      expect(node.snapshot().status).toBe('active');
    } finally {
      await node.stop();
    }
    // The port is free again, and the generation went up by one.
    const again = new HeartbeatNode({ config: loneSpec(), stateDir: dir, logger });
    await again.start();
    const gen2 = again.snapshot().generation;
    await again.stop();
    expect(gen2).toBe(Number((await readFile(join(dir, 'hb_generation'), 'latin1')).trim()));
  });

  it('fails to start with a clear error and leaves nothing open when the state directory is missing', async () => {
    const { logger } = createMemoryLogger();
    const node = new HeartbeatNode({ config: loneSpec(), stateDir: join(dir, 'nope'), logger });
    await expect(node.start()).rejects.toThrow(/cannot read or write .*nope\/hb_generation: .*must exist and be writable/);
    const ok = new HeartbeatNode({ config: loneSpec(), stateDir: dir, logger });
    await ok.start(); // the socket of the failed start was closed
    await ok.stop();
  });

  it('a blocked event loop is caught by the keepalive timer\'s lateness: logged past deadtime − keepalive, and in the status figures', async () => {
    const { logger, lines } = createMemoryLogger();
    const node = new HeartbeatNode({ config: loneSpec(), stateDir: dir, logger });
    await node.start();
    try {
      // Thresholds for keepalive 100 / warntime 300 / deadtime 400: warn from 200 ms, error from 300 ms.
      const seq = node.snapshot().lastSentSeq;
      await until(node, 'a first keepalive', () => node.snapshot().lastSentSeq > seq, 5000);
      // Block the loop for 700 ms: the next keepalive leaves at least 600 ms late.
      const end = performance.now() + 700;
      while (performance.now() < end) {
        /* a stall, as a long synchronous job would cause */
      }
      // The line for this stall (ERROR: past the peers' dead time), unless a
      // load-induced late keepalive just before it was logged already (one
      // line per 10 s): then that one stands for both.
      const blockedFor = (): number[] => lines.flatMap((l) => /event loop blocked for (\d+) ms/.exec(l)?.slice(1).map(Number) ?? []);
      await until(node, 'the lag log line', () => node.loopLag().max >= 500 && blockedFor().length > 0, 5000);
      const first = lines.find((l) => l.includes('event loop blocked'))!;
      if (Number(/blocked for (\d+) ms/.exec(first)![1]) >= 500) expect(first).toMatch(/ERROR/);
      expect(node.snapshot().eventLoop.worstDelayMs).toBeGreaterThanOrEqual(500);
      expect(node.loopLag().max).toBeGreaterThanOrEqual(500);
    } finally {
      await node.stop();
    }
  });
});

describe('pure helpers of the media and node shell', () => {
  it('resolves an interface to its IPv4 address and broadcast address', () => {
    const table = {
      eth0: [
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' as const, mac: '', internal: false, cidr: null, scopeid: 2 },
        { address: '10.77.0.1', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '', internal: false, cidr: '10.77.0.1/24' },
      ],
      v6only: [{ address: 'fe80::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' as const, mac: '', internal: false, cidr: null, scopeid: 3 }],
    };
    expect(resolveInterface('eth0', table, () => true)).toEqual({
      ok: true,
      value: { name: 'eth0', address: '10.77.0.1', netmask: '255.255.255.0', broadcast: '10.77.0.255' },
    });
    expect(resolveInterface('eth9', table, () => false)).toEqual({ ok: false, reason: 'no such network interface eth9' });
    expect(resolveInterface('v6only', table, () => true, () => [])).toEqual({
      ok: false,
      reason: 'interface v6only has no IPv4 address or is down (ip link set v6only up)',
    });
    expect(resolveInterface('down0', table, () => true, () => [])).toEqual({
      ok: false,
      reason: 'interface down0 has no IPv4 address or is down (ip link set down0 up)',
    });
    // Up without carrier (cable out): Node's table omits it, the kernel still has its address.
    expect(resolveInterface('nocarrier0', table, () => true, () => [{ local: '10.77.0.2', prefixlen: 24 }])).toEqual({
      ok: true,
      value: { name: 'nocarrier0', address: '10.77.0.2', netmask: '255.255.255.0', broadcast: '10.77.0.255' },
    });
    expect(broadcastAddress('192.168.5.9', '255.255.252.0')).toBe('192.168.7.255');
  });

  it('warns about event-loop delay from warntime − keepalive, errors from deadtime − keepalive', () => {
    expect(lagThresholds({ keepalive: 1000, warntime: 15000, deadtime: 30000 })).toEqual({ warnMs: 14000, errorMs: 29000 });
    expect(lagThresholds({ keepalive: 200, warntime: 300, deadtime: 1000 })).toEqual({ warnMs: 100, errorMs: 800 });
  });

  it('rate-limits per key and counts what it held back', () => {
    const r = new RateLimiter(1000);
    expect(r.check('x', 0)).toEqual({ allowed: true, suppressed: 0 });
    expect(r.check('x', 10).allowed).toBe(false);
    expect(r.check('x', 20).allowed).toBe(false);
    expect(r.check('y', 20).allowed).toBe(true);
    expect(r.check('x', 1000)).toEqual({ allowed: true, suppressed: 2 });
  });
});
