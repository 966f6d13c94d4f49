// Media in a namespace lab: wrong keys, media that cannot be opened, several
// media at once, ping nodes (spec §1, §4.5, §8.6).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crashDetectedWithinMs } from '../../helpers/timing-bounds.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { pairSpecs, startHbNode, type HbEvent, type HbNodeProcess } from '../../helpers/hbnode-lab.js';

const IP = { a: '10.78.0.1', b: '10.78.0.2' } as const;
const isNodeStatus = (node: string, status: string) => (e: HbEvent) => e.ev === 'nodeStatus' && e.node === node && e.status === status;

describe('heartbeat-ts media in a namespace lab', () => {
  let lab: Lab | undefined;
  let work = '';
  let procs: HbNodeProcess[] = [];

  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'a', ip: IP.a }, { name: 'b', ip: IP.b }] });
    work = await mkdtemp(join(tmpdir(), 'hbts-e2e-media-'));
  });
  afterEach(async () => {
    await Promise.all(procs.map((p) => p.stop(2000)));
    procs = [];
  });
  afterAll(async () => {
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function start(host: 'a' | 'b', spec: Parameters<typeof startHbNode>[1]): Promise<HbNodeProcess> {
    const p = await startHbNode(lab!.host(host), spec, work);
    procs.push(p);
    return p;
  }

  it('a node with the wrong key is never seen, and its packets are logged as rejected, rate-limited (spec §4.5)', async () => {
    const [specA, specB] = pairSpecs(['a', 'b'], () => [{ kind: 'bcast', iface: 'eth0' }], { initdead: 2000 });
    const a = await start('a', specA);
    const b = await start('b', { ...specB, keys: { active: 1, keys: [{ index: 1, method: 'md5', secret: 'not-the-secret' }] } });
    // Each declares the other dead after initdead without ever having seen it.
    await a.waitFor('a declares b dead', isNodeStatus('b', 'dead'), 8000);
    await b.waitFor('b declares a dead', isNodeStatus('a', 'dead'), 8000);
    expect(a.events.filter((e) => e.ev === 'nodeStatus' && e.node === 'b').map((e) => e.status)).toEqual(['dead']);
    expect(a.events.some((e) => e.ev === 'message' && e.from === 'b')).toBe(false);
    const rejected = a.events.filter((e) => e.ev === 'badPacket' && e.address === IP.b);
    expect(rejected.length).toBeGreaterThanOrEqual(5);
    expect(String(rejected[0]!.reason)).toMatch(/authentication/);
    const lines = a.logs('warn').filter((l) => l.startsWith(`dropped bad packet from ${IP.b}:`));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2); // one per 10 s per sender
    expect(lines[0]).toMatch(/netstring authentication failed/);
    // a still went active on its own (a lone node, spec §8.3 step 5)
    await a.waitFor('a comm up', (e) => e.ev === 'commUp', 5000);
  });

  it('refuses to start on an interface that does not exist, naming the ha.cf line', async () => {
    const [specA] = pairSpecs(['a', 'b'], () => [
      { kind: 'bcast', iface: 'eth0' },
      { kind: 'bcast', iface: 'eth9' },
    ]);
    const a = await start('a', specA);
    const err = await a.waitFor('startError', (e) => e.ev === 'startError', 5000);
    expect(err.message).toBe('/etc/ha.d/ha.cf:12: bcast eth9: no such network interface eth9');
    expect((await a.exited).exitCode).toBe(2);
  });

  it('refuses to start when the port is taken, naming the ha.cf line and the reason', async () => {
    const [specA] = pairSpecs(['a', 'b'], () => [{ kind: 'ucast', iface: 'eth0', peer: IP.b }]);
    const first = await start('a', specA);
    expect(first.events.some((e) => e.ev === 'ready')).toBe(true);
    const second = await startHbNode(lab!.host('a'), specA, join(work, 'second'));
    procs.push(second);
    const err = await second.waitFor('startError', (e) => e.ev === 'startError', 5000);
    expect(err.message).toBe(
      `/etc/ha.d/ha.cf:11: ucast eth0 ${IP.b}: cannot listen on UDP ${IP.a}:694: address already in use (is another heartbeat running?) (EADDRINUSE)`,
    );
    expect((await second.exited).exitCode).toBe(2);
  });

  it('refuses a multicast "group" that is not one', async () => {
    const [specA] = pairSpecs(['a', 'b'], () => [{ kind: 'mcast', iface: 'eth0', group: '10.1.2.3', port: 694 }]);
    const a = await start('a', specA);
    const err = await a.waitFor('startError', (e) => e.ev === 'startError', 5000);
    expect(err.message).toMatch(/ha\.cf:11: mcast eth0 10\.1\.2\.3 694 1 0: 10\.1\.2\.3 is not an IPv4 multicast group/);
  });

  it('bcast and ucast on the same port at once: every message counts once (spec §1)', async () => {
    const [specA, specB] = pairSpecs(['a', 'b'], (self) => [
      { kind: 'bcast', iface: 'eth0' },
      { kind: 'ucast', iface: 'eth0', peer: self === 'a' ? IP.b : IP.a },
    ]);
    const a = await start('a', specA);
    const b = await start('b', specB);
    await a.waitFor('a sees b active', isNodeStatus('b', 'active'), 10_000);
    await b.waitFor('b sees a active', isNodeStatus('a', 'active'), 10_000);
    for (let i = 0; i < 5; i++) b.command({ cmd: 'send', fields: [['t', 'custom'], ['n', String(i)]] });
    await a.waitFor('last custom', (e) => e.ev === 'message' && e.type === 'custom' && JSON.stringify(e.fields).includes('["n","4"]'), 5000);
    await b.snapshot(); // a round trip to b, so any duplicate would have arrived at a by now
    await a.snapshot();
    const got = a.events.filter((e) => e.ev === 'message' && e.type === 'custom').map((e) => (e.fields as Array<[string, string]>).find(([k]) => k === 'n')![1]);
    expect(got).toEqual(['0', '1', '2', '3', '4']);
    const snap = await a.snapshot();
    expect((snap.media as Array<{ listen: string }>).map((m) => m.listen)).toEqual(['10.78.0.255:694', `${IP.a}:694`]);
  });

  it('a ping node is `ping` while it answers and dead after deadping without replies (spec §8.6)', async () => {
    const [specA] = pairSpecs(['a', 'b'], () => [{ kind: 'bcast', iface: 'eth0' }], {
      pingNodes: [{ name: IP.b, hosts: [IP.b] }],
      deadping: 1000,
      initdead: 2000,
    });
    const a = await start('a', specA);
    await a.waitFor('ping node up', isNodeStatus(IP.b, 'ping'), 5000);
    // Before comm up every node gets initdead; deadping applies after (spec §8.1).
    await a.waitFor('a comm up', (e) => e.ev === 'commUp', 5000);
    await lab!.host('b').setLink(false);
    const cut = Date.now();
    let deadAt = cut;
    try {
      const dead = await a.waitForNext('ping node dead', isNodeStatus(IP.b, 'dead'), 5000);
      deadAt = dead.t;
      console.log(`[ping] link cut → ping node ${IP.b} declared dead: ${dead.t - cut} ms (deadping 1000 ms, keepalive 200 ms)`);
      // Within deadping (not never, not initdead), with room for a loaded machine.
      expect(dead.t - cut).toBeLessThanOrEqual(crashDetectedWithinMs(1000));
      expect(a.logs('warn')).toContain(`node ${IP.b}: is dead`);
    } finally {
      await lab!.host('b').setLink(true);
    }
    // The first reply can come back before setLink() has even returned: look from the death on.
    await a.waitFor('ping node back', (e) => isNodeStatus(IP.b, 'ping')(e) && e.t >= deadAt, 5000);
  });
});
