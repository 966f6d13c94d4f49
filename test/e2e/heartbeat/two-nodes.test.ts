// Two heartbeat-ts nodes, each a real process in its own network namespace,
// over bcast, ucast and mcast: both become active, a killed node is declared
// dead within its dead time, a restarted node is seen with a new generation
// and no replay (spec §1, §7.1, §8).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { pairSpecs, startHbNode, type HbEvent, type HbNodeProcess } from '../../helpers/hbnode-lab.js';
import type { HbNodeSpec } from '../../helpers/hbnode-config.js';
import { crashDetectedWithinMs } from '../../helpers/timing-bounds.js';

const IP = { a: '10.77.0.1', b: '10.77.0.2' } as const;
const KEEPALIVE = 200;
const DEADTIME = 1000;
/** The snapshot's epoch times are converted from the node's monotonic clock. */
const CLOCK_MS = 50;

const isNodeStatus = (node: string, status: string) => (e: HbEvent) => e.ev === 'nodeStatus' && e.node === node && e.status === status;

type NodeView = { name: string; status: string; deadtime: number; generation: number; links: Array<{ name: string; status: string }> };

/** Poll a's snapshot (bounded) until it applies `deadtime` to `node`. */
async function waitForDeadtime(p: HbNodeProcess, node: string, deadtime: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < until && i < 1000; i++) {
    const snap = await p.snapshot();
    if ((snap.nodes as NodeView[]).find((n) => n.name === node)?.deadtime === deadtime) return;
    await p.waitForNext('next status', (e) => e.ev === 'never', 200).catch(() => undefined);
  }
  throw new Error(`${p.name} never applied dt ${deadtime} to ${node}`);
}

interface Variant {
  readonly name: string;
  readonly media: (self: 'a' | 'b') => HbNodeSpec['media'];
}

const variants: Variant[] = [
  { name: 'bcast', media: () => [{ kind: 'bcast', iface: 'eth0' }] },
  { name: 'ucast', media: (self) => [{ kind: 'ucast', iface: 'eth0', peer: self === 'a' ? IP.b : IP.a }] },
  { name: 'mcast', media: () => [{ kind: 'mcast', iface: 'eth0', group: '239.77.0.1', port: 694, ttl: 1, loop: false }] },
];

describe.each(variants)('two heartbeat-ts nodes over $name', (variant) => {
  let lab: Lab | undefined;
  let work = '';
  const procs: HbNodeProcess[] = [];

  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'a', ip: IP.a }, { name: 'b', ip: IP.b }] });
    work = await mkdtemp(join(tmpdir(), 'hbts-e2e-'));
  });
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('both go active, a killed node is dead within its dead time, a restart is a new generation', async () => {
    const [specA, specB] = pairSpecs(['a', 'b'], (self) => variant.media(self as 'a' | 'b'), { keepalive: KEEPALIVE, deadtime: DEADTIME });
    const a = await startHbNode(lab!.host('a'), specA, work);
    procs.push(a);
    let b = await startHbNode(lab!.host('b'), specB, work);
    procs.push(b);
    expect(a.events.find((e) => e.ev === 'startError')).toBeUndefined();
    expect(b.events.find((e) => e.ev === 'startError')).toBeUndefined();

    // spec §8.3: each hears the other, exchanges reqnodes/repnodes, goes active
    await a.waitFor('a comm up', (e) => e.ev === 'commUp', 10_000);
    await b.waitFor('b comm up', (e) => e.ev === 'commUp', 10_000);
    await a.waitFor('a sees b active', isNodeStatus('b', 'active'), 10_000);
    await b.waitFor('b sees a active', isNodeStatus('a', 'active'), 10_000);
    const snapA = await a.snapshot();
    const bView = (snapA.nodes as Array<{ name: string; status: string; links: Array<{ name: string; status: string }> }>).find((n) => n.name === 'b')!;
    expect(bView.status).toBe('active');
    expect(bView.links).toEqual([expect.objectContaining({ name: 'eth0', status: 'up' })]);
    const firstGeneration = (b.events.find((e) => e.ev === 'ready')!.generation as number);

    // spec §8.1: b advertises deadtime+2000 for its first 5 s; measure in the steady state.
    await waitForDeadtime(a, 'b', DEADTIME, 8000);
    // killed → declared dead after its dt (+ the check's granularity)
    const beforeKill = Date.now();
    b.kill('SIGKILL');
    const killedAt = Date.now();
    await b.exited;
    const dead = await a.waitForNext('a declares b dead', (e) => e.ev === 'peerDead' && e.node === 'b', DEADTIME + 5000);
    const detection = dead.t - killedAt;
    // Not before the dead time has run since b's last status (spec §8.1),
    // measured from what a heard: a heartbeat that left late does not count.
    const lastStatus = (await a.snapshot()).nodes as Array<{ name: string; lastStatus?: number }>;
    const heard = lastStatus.find((n) => n.name === 'b')?.lastStatus;
    expect(heard).toBeDefined();
    console.log(`[${variant.name}] SIGKILL of b → a declares it dead: ${detection} ms, ${dead.t - heard!} ms after b's last status (keepalive ${KEEPALIVE} ms, deadtime ${DEADTIME} ms; tight figures: npm run bench)`);
    expect(dead.t - heard!).toBeGreaterThanOrEqual(DEADTIME - CLOCK_MS);
    expect(dead.t).toBeGreaterThan(beforeKill);
    // Within the dead time (not the start-up one, deadtime + 2 s), with room for a loaded machine.
    expect(detection).toBeLessThanOrEqual(crashDetectedWithinMs(DEADTIME));
    expect(a.logs('warn')).toContain('node b: is dead');

    // spec §7.1: restarted → higher generation, "Heartbeat restart", no replay.
    // (Marks in time, not "events from now on": a may hear b before startHbNode returns.)
    const firstRestartAt = Date.now();
    b = await startHbNode(lab!.host('b'), specB, work);
    procs.push(b);
    const secondGeneration = b.events.find((e) => e.ev === 'ready')!.generation as number;
    expect(secondGeneration).toBe(firstGeneration + 1);
    const restarted = await a.waitFor('a sees b restart', (e) => e.ev === 'nodeStatus' && e.node === 'b' && e.status !== 'dead' && e.t >= firstRestartAt, 10_000);
    expect(restarted.previous).toBe('dead');
    await a.waitFor('a sees b active again', (e) => isNodeStatus('b', 'active')(e) && e.t > restarted.t - 1, 10_000);
    const snapAfter = await a.snapshot();
    const bAfter = (snapAfter.nodes as Array<{ name: string; generation: number }>).find((n) => n.name === 'b')!;
    expect(bAfter.generation).toBe(secondGeneration);
    expect(a.logs('error').filter((l) => l.includes('replay'))).toEqual([]);

    // A second restart while a still holds b alive: "Heartbeat restart on node b"
    expect((await b.stop()).exitCode).toBe(0);
    const secondRestartAt = Date.now();
    b = await startHbNode(lab!.host('b'), specB, work);
    procs.push(b);
    const r = await a.waitFor('peerRestarted', (e) => e.ev === 'peerRestarted' && e.node === 'b' && e.t >= secondRestartAt, 10_000);
    expect(r.generation).toBe(secondGeneration + 1);
    expect(r.previousGeneration).toBe(secondGeneration);
    expect(a.logs('info')).toContain('Heartbeat restart on node b');
    expect(a.logs('error').filter((l) => l.includes('replay'))).toEqual([]);

    const stopped = await Promise.all([a.stop(), b.stop()]);
    expect(stopped.map((s) => s.exitCode)).toEqual([0, 0]);
  });
});
