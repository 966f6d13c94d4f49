// Two REAL Heartbeat 3.0.6 daemons against each other, at the timers the
// interop and failover work uses (keepalive 200 ms, deadtime 1 s, initdead
// 1 s): membership, resource placement, crash takeover, restart with
// failback, graceful stop — with the times printed. This is the reference
// behaviour that heartbeat-ts must reproduce, and proof that the lab harness
// drives the real daemon faithfully.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { fieldOf, startCapture, type Capture, type CapturedPacket } from '../../helpers/real-heartbeat-capture.js';
import { realAuthkeys, realHaCf, realMediaLines, type RealAuthMethod, type RealMediaKind } from '../../helpers/real-heartbeat-config.js';
import { dropStaleAddresses, hasAddress, waitForAddress } from '../../helpers/lab-addresses.js';
import { startRealHeartbeat, type RealHeartbeatNode } from '../../helpers/real-heartbeat.js';
import { waitUntil } from '../../helpers/wait.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const HARESOURCES = 'alpha IPaddr::10.77.0.100/24/eth0 LabTrace::a1\nbravo IPaddr::10.77.0.200/24/eth0 LabTrace::b1\n';
const VIP_A = '10.77.0.100';

interface Case {
  readonly label: string;
  readonly media: RealMediaKind;
  readonly auth: RealAuthMethod;
  /** Also restart the crashed node (failback) and stop it gracefully. */
  readonly full: boolean;
}
// The harness's own check against two real daemons. ucast+sha1 and mcast+crc
// run real-vs-ours in test/e2e/interop/heartbeat-layer.test.ts; here one
// configuration, exercised fully, keeps the suite short.
const CASES: readonly Case[] = [{ label: 'bcast+md5', media: 'bcast', auth: 'md5', full: true }];

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const sent = (cap: Capture, from: string, pred: (p: CapturedPacket) => boolean): CapturedPacket[] =>
  cap.packets().filter((p) => fieldOf(p, 'src') === from && pred(p));

async function nodestatus(n: RealHeartbeatNode, of: string): Promise<{ out: string; rc: number }> {
  const r = await n.clStatus('nodestatus', of);
  return { out: r.stdout.trim(), rc: r.exitCode };
}

describe('two real Heartbeat 3.0.6 nodes (keepalive 200 ms, deadtime 1 s)', () => {
  for (const c of CASES) {
    it(`${c.label}: both go active, groups start at home, a crash moves the dead node's group${c.full ? ', restart fails back, SIGTERM hands over' : ''}`, async () => {
      let lab: Lab | undefined;
      const nodes: RealHeartbeatNode[] = [];
      let cap: Capture | undefined;
      const figures: string[] = [];
      try {
        lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.77.0.1' }, { name: 'bravo', ip: '10.77.0.2' }] });
        const ha = lab.host('alpha');
        const hb = lab.host('bravo');
        cap = await startCapture(hb, { port: 694 });
        const haCf = (peerIp: string): string[] =>
          realHaCf({
            nodes: ['alpha', 'bravo'],
            media: realMediaLines(c.media, 'eth0', [peerIp]),
            keepaliveMs: KEEPALIVE_MS,
            deadtimeMs: DEADTIME_MS,
            initdeadMs: DEADTIME_MS,
            autoFailback: 'on',
          });
        const authkeys = realAuthkeys(c.auth, c.auth === 'sha1' ? 'Sha1-Key' : 'labsecret');
        const t0 = Date.now();
        const [a, b] = await Promise.all([
          startRealHeartbeat(ha, { haCf: haCf(hb.ip), haresources: HARESOURCES, authkeys }),
          startRealHeartbeat(hb, { haCf: haCf(ha.ip), haresources: HARESOURCES, authkeys }),
        ]);
        nodes.push(a, b);

        // Membership: each sees the other active (spec §8.2, §8.3; cl_status §11).
        await waitUntil('both nodes active', 15_000, async () => {
          const [x, y] = await Promise.all([nodestatus(a, 'bravo'), nodestatus(b, 'alpha')]);
          return x.out === 'active' && x.rc === 0 && y.out === 'active' && y.rc === 0 ? true : undefined;
        }, 100);
        figures.push(`both active after ${seconds(Date.now() - t0)}`);

        // Resources: each group on its home node, started exactly once (spec §9.3).
        await waitUntil('both nodes holding their local group', 40_000, async () => {
          const [x, y] = await Promise.all([a.clStatus('rscstatus'), b.clStatus('rscstatus')]);
          return x.stdout.trim() === 'local' && y.stdout.trim() === 'local' ? true : undefined;
        }, 200);
        figures.push(`groups home after ${seconds(Date.now() - t0)}`);
        expect(await hasAddress(ha, VIP_A)).toBe(true);
        expect(await hasAddress(hb, '10.77.0.200')).toBe(true);
        expect(await hasAddress(hb, VIP_A)).toBe(false);
        expect(await hasAddress(ha, '10.77.0.200')).toBe(false);
        const starts = (n: RealHeartbeatNode): string[] => n.readLabTrace().filter((e) => e.op === 'start' && e.result === 'ok').map((e) => e.name);
        expect(starts(a)).toEqual(['a1']);
        expect(starts(b)).toEqual(['b1']);

        // The wire: negotiation messages from both (spec §9.3), signed with the configured method (spec §4.2, §4.4).
        for (const who of ['alpha', 'bravo']) {
          expect(sent(cap, who, (p) => fieldOf(p, 't') === 'starting').length, `${who} sent starting`).toBeGreaterThan(0);
          const auths = sent(cap, who, () => true).map((p) => fieldOf(p, 'auth') ?? '');
          const digest = c.auth === 'md5' ? /^1 [0-9a-f]{32}$/ : c.auth === 'sha1' ? /^1 [0-9a-f]{40}$/ : /^1 [0-9a-f]+$/;
          expect(auths.length).toBeGreaterThan(5);
          expect(auths.filter((x) => !digest.test(x))).toEqual([]);
        }
        for (const n of nodes) {
          const complaints = n.readLog().split('\n').filter((l) => /(WARN|ERROR|CRIT)/.test(l) && /auth|[Bb]ad packet|replay/i.test(l));
          expect(complaints, `${n.nodeName} log`).toEqual([]);
        }

        // Crash of alpha (every process SIGKILLed, link left up as in spec §12.2): bravo takes alpha's group.
        const fromB = b.logSize();
        const tCrash = Date.now();
        await a.crash();
        const tVip = await waitForAddress(hb, VIP_A, true, DEADTIME_MS + 20_000);
        figures.push(`crash → VIP on bravo ${seconds(tVip - tCrash)}`);
        // Detection cannot beat the dead time (spec §8.1: dt after the last heartbeat, which is ≤ keepalive old).
        expect(tVip - tCrash).toBeGreaterThan(DEADTIME_MS - KEEPALIVE_MS - 100);
        expect(tVip - tCrash).toBeLessThan(DEADTIME_MS + 5000);
        await b.waitForLog(/WARN: node alpha: is dead/, 5000, { from: fromB });
        await b.waitForLog(/mach_down takeover complete/, 10_000, { from: fromB });
        expect(await nodestatus(b, 'alpha')).toEqual({ out: 'dead', rc: 1 });
        expect(starts(b)).toContain('a1');
        // No "dead" packet: the survivor sends stonith, then the takeover's resource messages (spec §9.6).
        const stonith = await cap.waitFor((p) => fieldOf(p, 'src') === 'bravo' && fieldOf(p, 't') === 'stonith' && p.atMs >= tCrash, 5000);
        expect(fieldOf(stonith, 'node')).toBe('alpha');
        expect(fieldOf(stonith, 'result')).toBe('n_stnth');
        await cap.waitFor(
          (p) => fieldOf(p, 'src') === 'bravo' && fieldOf(p, 't') === 'resource' && fieldOf(p, 'rsc_hold') === 'foreign' && fieldOf(p, 'info') === 'mach_down',
          5000,
        );

        if (c.full) {
          // Restart alpha on the same state dir: generation +1, bravo sees a restart (spec §7.1), and the group fails back (spec §9.5).
          const genFile = join(a.rootDir, 'var/lib/heartbeat/hb_generation');
          const genBefore = Number(readFileSync(genFile, 'utf8').trim());
          await dropStaleAddresses(ha); // what a reboot does to the crashed node's VIP
          const fromB2 = b.logSize();
          const tRestart = Date.now();
          const a2 = await a.restart();
          nodes[0] = a2;
          // The daemon writes it just after its pid file (which is what restart() waits for).
          await waitUntil('the new generation on disk', 5000, () => (Number(readFileSync(genFile, 'utf8').trim()) === genBefore + 1 ? true : undefined));
          await b.waitForLog(/Heartbeat restart on node alpha/, 10_000, { from: fromB2 });
          const tHome = await waitForAddress(ha, VIP_A, true, 30_000);
          await waitForAddress(hb, VIP_A, false, 10_000);
          figures.push(`restart → VIP home ${seconds(tHome - tRestart)}`);
          await waitUntil('both stable again', 30_000, async () => {
            const [x, y] = await Promise.all([a2.clStatus('rscstatus'), b.clStatus('rscstatus')]);
            return x.stdout.trim() === 'local' && y.stdout.trim() === 'local' ? true : undefined;
          }, 200);

          // Graceful stop of alpha (SIGTERM = heartbeat -k): it releases, says shutdone, bravo takes over at once (spec §9.7).
          const tStop = Date.now();
          const stopping = a2.stop(60_000);
          const tVip2 = await waitForAddress(hb, VIP_A, true, 20_000);
          figures.push(`SIGTERM → VIP on bravo ${seconds(tVip2 - tStop)}`);
          const { durationMs } = await stopping;
          figures.push(`alpha exited ${seconds(durationMs)} after SIGTERM`);
          expect(tVip2 - tStop).toBeLessThan(5000);
          // bravo took over on alpha's word, before declaring it dead: the stonith
          // for alpha (result=unneeded: it held nothing) only follows its dead time (spec §9.6, §9.7).
          const stonith2 = await cap.waitFor(
            (p) => fieldOf(p, 'src') === 'bravo' && fieldOf(p, 't') === 'stonith' && fieldOf(p, 'node') === 'alpha' && p.atMs >= tStop,
            DEADTIME_MS + 10_000,
          );
          expect(fieldOf(stonith2, 'result')).toBe('unneeded');
          expect(stonith2.atMs).toBeGreaterThan(tVip2);
          expect(sent(cap, 'alpha', (p) => fieldOf(p, 't') === 'resource' && fieldOf(p, 'info') === 'shutdown' && p.atMs >= tStop).length).toBeGreaterThan(0);
          const shutdone = sent(cap, 'alpha', (p) => fieldOf(p, 't') === 'shutdone' && p.atMs >= tStop);
          expect(shutdone.length).toBeGreaterThan(0);
          expect(fieldOf(shutdone[0]!, 'st')).toBe('dead');
          expect(await hasAddress(ha, VIP_A)).toBe(false);
        }
        console.log(`[real heartbeat 3.0.6, ${c.label}, keepalive ${KEEPALIVE_MS} ms, deadtime ${DEADTIME_MS} ms] ${figures.join('; ')}`);
      } finally {
        await cap?.stop();
        for (const n of nodes) await n.dispose();
        await lab?.destroy();
      }
    }, 240_000);
  }
});
