// Issue 9 part 3: two heartbeat-ts nodes over a link that loses 30 % of the
// datagrams for 60 s, keepalive 200 ms, deadtime 1 s (= 5 × keepalive): no
// node may declare the other dead.
//
// No netem on this kernel: both nodes send over ucast to a relay host, a
// small UDP forwarder that drops each datagram with probability 0.3 (seeded,
// per direction). To make the test unable to flake, the relay never drops
// more than 6 status datagrams in a row (other datagrams: plain 30 %): with
// every status sent twice (the fix) at most 3 statuses are lost in a row, a
// gap of at most 4 keepalives = 800 ms < the 1 s dead time (200 ms left for
// scheduling delays; the daemon runs SCHED_RR). A node sending each status
// once (Heartbeat, or heartbeat-ts before the fix) dies after 4–5 lost
// statuses in a row, which this relay produces several times a minute (it
// reports the runs). The proof that this loss model kills the single-status
// node is the unit test test/unit/heartbeat/membership/packet-loss.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { labHaCf, removeNodeDir, startOurNode, type OurNode } from '../../helpers/hbts-node.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { waitUntil } from '../../helpers/wait.js';

const RELAY_IP = '10.94.0.9';
const WINDOW_MS = 60_000;
const LOSS = 0.3;
const MAX_RUN = 6;

/** The relay: forwards alpha ⇄ bravo on UDP 694 with seeded loss; prints its counters as JSON on SIGTERM. */
const RELAY = `
const dgram = require('node:dgram');
const [relayIp, a, b, loss, maxRun] = process.argv.slice(1);
function seeded(seed) { let s = seed >>> 0; return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
const dirs = {};
for (const [from, to, seed] of [[a, b, 11], [b, a, 23]]) dirs[from] = { to, rnd: seeded(seed), run: 0, passed: 0, dropped: 0, runsOf4: 0, maxRun: 0 };
const sock = dgram.createSocket('udp4');
sock.on('message', (buf, rinfo) => {
  const d = dirs[rinfo.address];
  if (!d) return;
  const status = buf.includes('t=status');
  if (d.rnd() < Number(loss) && (!status || d.run < Number(maxRun))) {
    d.dropped++;
    if (status) {
      d.run++;
      if (d.run === 4) d.runsOf4++;
      if (d.run > d.maxRun) d.maxRun = d.run;
    }
    return;
  }
  if (status) d.run = 0;
  d.passed++;
  sock.send(buf, 694, d.to);
});
process.on('SIGTERM', () => { process.stdout.write(JSON.stringify(dirs) + '\\n', () => process.exit(0)); });
sock.bind(694, relayIp, () => process.stdout.write('ready\\n'));
`;

interface Direction {
  readonly to: string;
  readonly passed: number;
  readonly dropped: number;
  readonly runsOf4: number;
  readonly maxRun: number;
}

describe('30 % packet loss between two heartbeat-ts nodes (issue 9 part 3)', () => {
  let lab: Lab | undefined;
  const nodes: OurNode[] = [];

  beforeAll(async () => {
    lab = await createLab({
      hosts: [
        { name: 'alpha', ip: '10.94.0.1' },
        { name: 'bravo', ip: '10.94.0.2' },
        { name: 'relay', ip: RELAY_IP },
      ],
    });
  });

  afterAll(async () => {
    for (const n of nodes) if (n.isRunning()) await n.crash().catch(() => undefined);
    await lab?.destroy();
    for (const n of nodes) removeNodeDir(n);
  });

  it('60 s at 30 % loss, deadtime = 5 × keepalive: nobody is declared dead', async () => {
    const relay = lab!.host('relay').spawn('node', ['-e', RELAY, RELAY_IP, '10.94.0.1', '10.94.0.2', String(LOSS), String(MAX_RUN)], { buffer: true });
    let relayOut = '';
    relay.stdout?.on('data', (c: Buffer) => (relayOut += c.toString()));
    await waitUntil('the relay is ready', 10_000, () => (relayOut.includes('ready') ? true : undefined), 50);

    for (const name of ['alpha', 'bravo']) {
      nodes.push(
        await startOurNode(lab!.host(name), {
          nodeName: name,
          haCf: labHaCf({ nodes: ['alpha', 'bravo'], media: [`ucast eth0 ${RELAY_IP}`], keepalive: '200ms', deadtime: '1', warntime: '500ms', initdead: '4' }),
          haresources: '',
          authkeys: 'auth 1\n1 sha1 lossy-link-key',
        }),
      );
    }
    const [alpha, bravo] = nodes as [OurNode, OurNode];
    // Both up and past the first 5 s (their dt is then the plain dead time, spec §8.1).
    await waitUntil('both nodes see each other active with the plain dead time', 60_000, async () => {
      const [a, b] = await Promise.all([alpha.status(), bravo.status()]);
      const ok = (s: typeof a, peer: string): boolean => s.nodes.some((n) => n.name === peer && n.status === 'active' && n.deadtimeMs === 1000);
      return ok(a, 'bravo') && ok(b, 'alpha') ? true : undefined;
    }, 200);
    const from = [alpha.logSize(), bravo.logSize()];
    const startedAt = Date.now();
    // The measurement window itself: the loss runs for 60 s.
    await delay(WINDOW_MS);
    const elapsed = Date.now() - startedAt;
    relay.kill('SIGTERM');
    await waitUntil('the relay reports', 10_000, () => (relayOut.includes('{') ? true : undefined), 50);
    const stats = JSON.parse(relayOut.slice(relayOut.indexOf('{'))) as Record<string, Direction>;

    const lines = (n: OurNode, i: number, re: RegExp): string[] => n.readLog().slice(from[i]).split('\n').filter((l) => re.test(l));
    const deaths = [lines(alpha, 0, /is dead/), lines(bravo, 1, /is dead/)];
    const late = [lines(alpha, 0, /Late heartbeat/).length, lines(bravo, 1, /Late heartbeat/).length];
    for (const [src, d] of Object.entries(stats)) {
      const total = d.passed + d.dropped;
      console.log(
        `[heartbeat-ts loss] ${src} → ${d.to}: ${d.dropped}/${total} datagrams dropped (${((100 * d.dropped) / total).toFixed(1)} %), ` +
          `${d.runsOf4} runs of ≥ 4 status datagrams dropped in a row, longest ${d.maxRun}`,
      );
    }
    console.log(`[heartbeat-ts loss] ${(elapsed / 1000).toFixed(0)} s: false deaths alpha ${deaths[0]!.length}, bravo ${deaths[1]!.length}; late heartbeats alpha ${late[0]}, bravo ${late[1]}`);

    for (const d of Object.values(stats)) {
      const total = d.passed + d.dropped;
      expect(total).toBeGreaterThan(300); // ≥ 2 datagrams per keepalive for 60 s, each way
      expect(d.dropped / total).toBeGreaterThan(0.25);
      expect(d.maxRun).toBeLessThanOrEqual(MAX_RUN);
    }
    expect(deaths).toEqual([[], []]);
  }, 150_000);
});
