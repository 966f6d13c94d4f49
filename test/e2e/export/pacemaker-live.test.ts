// The export on the real engine: Debian's Corosync 3 + Pacemaker 2.1, two and
// three nodes in namespaces, run the exported configuration unchanged; the
// service address answers from the home node, moves when it crashes, and
// fails back when it returns (auto_failback on); with three nodes a node cut
// off alone loses quorum and stops the address while the majority serves it.
// heartbeat-ts runs the same files first, and both outages are printed side by
// side. test/live/pacemaker-live.ts has the details; `npm run live:pacemaker`
// (optionally with `-- 3`) runs the same check by hand.
import { expect, it } from 'vitest';
import { runLivePacemakerCheck, type LiveResult } from '../../live/pacemaker-live.js';

function report(result: LiveResult): void {
  console.log(
    `pacemaker live, ${result.nodeCount} nodes: token ${result.tokenMs} ms, cluster formed in ${result.formationMs} ms, ` +
      `crash outage ${result.crashOutageMs} ms (to ${result.crashTarget}), failback outage ${result.failbackOutageMs} ms; ` +
      `heartbeat-ts with the same files: crash outage ${result.heartbeatTsCrashOutageMs} ms (to ${result.heartbeatTsCrashTarget}), ` +
      `failback outage ${result.heartbeatTsFailbackOutageMs} ms` +
      (result.minorityStoppedMs === undefined ? '' : `; alpha alone stopped the VIP ${result.minorityStoppedMs} ms after the cut`),
  );
}

// Pacemaker's DC election alone takes ~25 s on a loaded 2-core machine; each
// step of the check has its own deadline (at most 180 s), so each test gets an
// honest 10 minutes.
it('a two-node Pacemaker cluster runs the export: home node, failover on a crash, failback', async () => {
  const result = await runLivePacemakerCheck(2);
  report(result);
  // The exported token for deadtime 3 s (token + consensus = 2.2 x token = deadtime).
  expect(result.tokenMs).toBe(1364);
  expect(result.crashTarget).toBe('bravo');
  expect(result.heartbeatTsCrashTarget).toBe('bravo');
  expect(result.crashOutageMs).toBeDefined();
  expect(result.failbackOutageMs).toBeDefined();
  expect(result.heartbeatTsCrashOutageMs).toBeDefined();
  expect(result.heartbeatTsFailbackOutageMs).toBeDefined();
  expect(result.minorityStoppedMs).toBeUndefined();
}, 600_000);

it('a three-node Pacemaker cluster runs the export: failover, failback, and a lone node without quorum stops the VIP', async () => {
  const result = await runLivePacemakerCheck(3);
  report(result);
  expect(result.tokenMs).toBe(1364);
  // heartbeat-ts takes over on the first live node in ha.cf order; Pacemaker by scores (either survivor).
  expect(result.heartbeatTsCrashTarget).toBe('bravo');
  expect(['bravo', 'charlie']).toContain(result.crashTarget);
  expect(result.crashOutageMs).toBeDefined();
  expect(result.failbackOutageMs).toBeDefined();
  expect(result.minorityStoppedMs).toBeDefined();
}, 600_000);
