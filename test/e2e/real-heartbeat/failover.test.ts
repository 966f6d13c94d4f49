// The client's view of a failover between two REAL Heartbeat 3.0.6 nodes:
// a group `IPaddr::<vip>/24/eth0 nginx` (real IPaddr, Debian's nginx init
// script, one private nginx per node), a client asking http://<vip>/ every
// 20 ms. Prints the outage for crash, graceful stop, standby and failback —
// the real-Heartbeat column of the failover benchmark (issue 5), measured the
// same way as heartbeat-ts's own.
import { describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_KINDS, REAL_FAILOVER_LAB_HOSTS, hasAddress, startRealFailoverPair, type FailoverMeasurement } from '../../helpers/real-heartbeat-failover.js';
import { realHeartbeatInstalled } from '../../helpers/real-heartbeat.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;

describe.skipIf(!realHeartbeatInstalled())('client-visible failover between two real Heartbeat 3.0.6 nodes', () => {
  it('serves from the backup after a crash, a graceful stop and hb_standby, and from home again after failback', async () => {
    let lab: Lab | undefined;
    const results: FailoverMeasurement[] = [];
    try {
      lab = await createLab({ hosts: [...REAL_FAILOVER_LAB_HOSTS] });
      const pair = await startRealFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS });
      try {
        for (const kind of FAILOVER_KINDS) {
          const m = await pair.measure(kind);
          results.push(m);
          // Once the client is served again, only the serving node holds the
          // address (a crashed primary keeps it on its unplugged link until it is "rebooted").
          const aLive = pair.primary().isRunning();
          const [onA, onB] = await Promise.all([hasAddress(lab.host('alpha'), pair.vip), hasAddress(lab.host('bravo'), pair.vip)]);
          expect({ kind, onA: aLive && onA, onB }).toEqual({ kind, onA: m.servedBy === 'alpha', onB: m.servedBy === 'bravo' });
        }
      } finally {
        await pair.dispose();
      }
    } finally {
      await lab?.destroy();
    }
    console.log(
      `[real heartbeat 3.0.6, bcast+md5, keepalive ${KEEPALIVE_MS} ms, deadtime ${DEADTIME_MS} ms, nginx via /etc/init.d/nginx] client outage: ` +
        results.map((m) => `${m.kind} ${m.outageMs.toFixed(0)} ms (event → served ${m.eventToServedMs.toFixed(0)} ms)`).join('; '),
    );
    const by = Object.fromEntries(results.map((m) => [m.kind, m]));
    expect(by['crash']!.servedBy).toBe('bravo');
    // A crash is noticed only after the dead time (spec §8.1), never before.
    expect(by['crash']!.eventToServedMs).toBeGreaterThan(DEADTIME_MS - KEEPALIVE_MS);
    expect(by['crash']!.eventToServedMs).toBeLessThan(DEADTIME_MS + 5000);
    for (const kind of ['graceful', 'standby', 'failback'] as const) {
      expect(by[kind]!.outageMs, kind).toBeGreaterThan(0);
      expect(by[kind]!.outageMs, kind).toBeLessThan(10_000);
    }
    expect(by['failback']!.servedBy).toBe('alpha');
  }, 300_000);
});
