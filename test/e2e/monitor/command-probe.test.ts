// A command probe (probes.ini `command = …`, keepalived's vrrp_script) with
// the real daemon: two heartbeat-ts nodes with a VIP and their own nginx in
// namespaces, a client asking http://<vip>/ every 20 ms.
//
// The probe guards the group `IPaddr::<vip>/24/eth0 nginx` (home alpha,
// auto_failback on) with `command = ss -Hltn 'sport = :80' | grep -q .` ("is
// something listening on port 80 here"), interval 500 ms, timeout 400 ms,
// fall 2, rise 2. It is the namespace-local form of the recipe's
// `pidof nginx`: these namespaces share the host's process table, so pidof
// would see every nginx on the machine, while ss sees only the node's own
// sockets. nginx is SIGKILLed by pid behind the daemon's back: only the
// probe can notice. Kill → the command fails `fall` times → the group moves
// to the peer; nginx back → the command passes `rise` times → it comes home.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAddress } from '../../helpers/lab-addresses.js';
import {
  groupOf,
  killNginx,
  movesOf,
  servingSpans,
  startNginx,
  startProbeCluster,
  unansweredMs,
  until,
  watchLog,
  type LogWatch,
  type ProbeCluster,
} from '../../helpers/monitor-e2e-cluster.js';

const INTERVAL_MS = 500;
const FALL = 2;
const RISE = 2;
const COMMAND = "ss -Hltn 'sport = :80' | grep -q .";
/** interval × fall, plus an honest margin for forking the command and starting the group on a loaded 2-core machine. */
const TAKEOVER_BOUND_MS = INTERVAL_MS * FALL + 3_000;
const RECOVERY_BOUND_MS = INTERVAL_MS * RISE + 4_000;

const RELEASE_LINE = /releasing group .*\[monitor\]/;
const ELIGIBLE_LINE = /this node is eligible again for group .*\[monitor\]/;

let cluster: ProbeCluster | undefined;
const watches: LogWatch[] = [];
function watch(path: string): LogWatch {
  const w = watchLog(path);
  watches.push(w);
  return w;
}

beforeAll(async () => {
  cluster = await startProbeCluster({
    subnet: '10.67.0',
    probe: { action: 'standby', interval: `${INTERVAL_MS}ms`, timeout: '400ms', fall: FALL, rise: RISE, command: COMMAND },
  });
});

afterAll(async () => {
  for (const w of watches) w.stop();
  await cluster?.destroy();
});

describe('command probe with action standby, two heartbeat-ts nodes with nginx', () => {
  it('the command passes on the primary while nginx listens', async () => {
    const c = cluster!;
    const a = await until(
      'alpha to have run its command probe',
      async () => {
        const s = await c.alpha.status();
        return (s.probes[0]?.runs ?? 0) >= 2 ? s : undefined;
      },
      10 * INTERVAL_MS,
    );
    expect(a.probes).toMatchObject([{ name: 'nginx', group: c.groupKey, state: 'up', lastOutcome: expect.stringMatching(/^exit status 0 in \d+ ms$/) }]);
  });

  it('nginx killed on the primary: the command fails `fall` times, the peer serves the VIP, and the group comes home once nginx is back', async () => {
    const c = cluster!;
    const alphaLog = watch(c.alpha.logPath);
    const before = Date.now() - 1_000;
    const { killedAt, pids } = await killNginx(c.alpha.host);
    const served = await c.prober.waitForServedBy('bravo', 15_000, killedAt);
    const release = await alphaLog.waitFor(RELEASE_LINE, 5_000, killedAt);
    const spans = servingSpans(c.prober.results(), before);
    console.log(
      [
        `[command probe e2e] "${COMMAND}" every ${INTERVAL_MS} ms, fall ${FALL}; nginx pids ${pids.join(',')} SIGKILLed on alpha:`,
        `  kill → alpha's probe releases the group: ${release.at - killedAt} ms`,
        `  kill → first client answer from bravo:    ${Math.round(served.startMs - killedAt)} ms (bound ${TAKEOVER_BOUND_MS} ms)`,
        `  client-visible outage (20 ms probes):     ~${Math.round(unansweredMs(spans))} ms`,
      ].join('\n'),
    );
    // fall: the release needs FALL failed runs, so it cannot come sooner than (FALL − 1) intervals after the kill.
    expect(release.at - killedAt).toBeGreaterThanOrEqual((FALL - 1) * INTERVAL_MS - 50);
    expect(served.startMs - killedAt).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    expect(movesOf(spans)).toEqual([{ from: 'alpha', to: 'bravo', at: served.startMs }]);
    expect(await hasAddress(c.alpha.host, c.vip)).toBe(false);
    expect(await hasAddress(c.bravo.host, c.vip)).toBe(true);
    const a = await c.alpha.status();
    expect(groupOf(a, c.groupKey)).toMatchObject({ holder: 'bravo', eligible: false, why: expect.stringContaining('probe nginx failed 2 time(s) in a row: exit status 1') });
    expect(a.probes[0]).toMatchObject({ state: 'down', lastOutcome: expect.stringMatching(/^exit status 1 /) });

    // nginx back on alpha: rise passes, alpha is eligible again and takes its group home (auto_failback on).
    const nginxAt = Date.now();
    await startNginx(c.alpha);
    const eligible = await alphaLog.waitFor(ELIGIBLE_LINE, 10 * INTERVAL_MS, nginxAt);
    const back = await c.prober.waitForServedBy('alpha', 15_000, nginxAt);
    console.log(`  nginx restarted → alpha eligible: ${eligible.at - nginxAt} ms; → served by alpha: ${Math.round(back.startMs - nginxAt)} ms`);
    expect(eligible.at - nginxAt).toBeGreaterThanOrEqual((RISE - 1) * INTERVAL_MS - 50);
    expect(back.startMs - nginxAt).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    await until(
      'alpha to run the group again, bravo agreeing',
      async () => {
        const [sa, sb] = await Promise.all([c.alpha.status(), c.bravo.status()]);
        const ga = groupOf(sa, c.groupKey);
        return ga.state === 'running' && ga.eligible && groupOf(sb, c.groupKey).holder === 'alpha' && sb.resources.stable ? true : undefined;
      },
      15_000,
      100,
    );
    expect(await hasAddress(c.alpha.host, c.vip)).toBe(true);
    expect(await hasAddress(c.bravo.host, c.vip)).toBe(false);
  });
});
