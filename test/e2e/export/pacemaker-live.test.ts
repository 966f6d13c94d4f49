// The export on the real engine: Debian's Corosync 3 + Pacemaker 2.1, two
// nodes in namespaces, run the exported configuration unchanged; the service
// address answers from the home node, moves when it crashes, and fails back
// when it returns (auto_failback on); heartbeat-ts runs the same files first,
// and both outages are printed side by side. test/live/pacemaker-live.ts has the
// details; `npm run live:pacemaker` runs the same check by hand.
import { expect, it } from 'vitest';
import { runLivePacemakerCheck } from '../../live/pacemaker-live.js';

// Pacemaker's DC election alone takes ~25 s on a loaded 2-core machine; each
// step of the check has its own deadline (at most 180 s), so the whole test
// gets an honest 10 minutes.
it('a two-node Pacemaker cluster runs the export: home node, failover on a crash, failback', async () => {
  const result = await runLivePacemakerCheck();
  console.log(
    `pacemaker live: token ${result.tokenMs} ms, cluster formed in ${result.formationMs} ms, ` +
      `crash outage ${result.crashOutageMs} ms, failback outage ${result.failbackOutageMs} ms; ` +
      `heartbeat-ts with the same files: crash outage ${result.heartbeatTsCrashOutageMs} ms, failback outage ${result.heartbeatTsFailbackOutageMs} ms`,
  );
  // The exported token for deadtime 3 s (token + consensus = 2.2 x token = deadtime).
  expect(result.tokenMs).toBe(1364);
  expect(result.crashOutageMs).toBeDefined();
  expect(result.failbackOutageMs).toBeDefined();
  expect(result.heartbeatTsCrashOutageMs).toBeDefined();
  expect(result.heartbeatTsFailbackOutageMs).toBeDefined();
}, 600_000);
