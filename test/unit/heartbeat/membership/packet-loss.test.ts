// Issue 9 part 3: under 30 % random packet loss for 60 s, with deadtime =
// 5 × keepalive, heartbeat-ts declared its peer dead several times; Heartbeat
// 3.0.6 did not in that run.
//
// Why: only a status refreshes a node's liveness (spec §8.1; Heartbeat's
// process_clustermsg sets local_lastupdate for t=status / NS_st only, an
// ACK or a duplicate refreshes the link), and retransmissions are asked for
// only once a later packet shows the gap (§7.2): nothing else can bridge a run
// of lost statuses. With keepalive K and deadtime 5K, four statuses lost in a
// row leave a gap of 5K, which is "> deadtime" as soon as the fifth is a
// millisecond late: P ≈ 0.7 × 0.3^4 ≈ 0.57 % per status, about one false death
// per minute and direction at keepalive 200 ms; five in a row (0.3^5 ≈ 0.24 %)
// kill whatever the timing. Heartbeat's coarser check (every 250 ms, 10 ms
// clock ticks) mostly forgives the first case, not the second.
//
// The fix (MembershipConfig.repeatStatus): every status datagram leaves twice,
// the copy half a keepalive later (the identical message: a receiver that has
// the first drops it as a duplicate, §7.2). A status is then lost only when
// both copies are: 0.3² = 9 %, and a false death needs four or five of those in
// a row: ≈ 0.09^4 ≈ 7 × 10⁻⁵ per status at most. Measured with this model over
// 12 seeds × 10 simulated minutes: 2 false deaths in all with the copy, 166
// without; the fixed seed below has 0 and 16.
//
// The copy goes on at the first sign of loss (a retransmission asked for by
// either side: a gap in the peer's seqs that stayed open) and stops 10 minutes after the
// last one (and 30 s after comm up at the earliest): a link that loses nothing carries each status once, as Heartbeat's
// does (issue 12: the copy doubled an idle daemon's datagrams and wake-ups).
//
// The simulation is the pure membership machine of both nodes, with a seeded
// loss model (each datagram lost independently with p = 0.3) and a seeded
// 0–8 ms delivery delay, so the test is deterministic. It also runs the same
// seed without the copy and requires false deaths there: the loss model is
// strong enough to catch the bug.
import { describe, expect, it } from 'vitest';
import { Membership, REPEAT_STATUS_AFTER_COMM_UP_MS, REPEAT_STATUS_AFTER_LOSS_MS, type MembershipAction, type MembershipConfig } from '../../../../src/heartbeat/membership/index.js';
import type { HbMessage } from '../../../../src/heartbeat/wire/message.js';
import { ALPHA_UUID, BRAVO_UUID, baseConfig, seededRandom } from './harness.js';

const KEEPALIVE = 200;
const DEADTIME = 5 * KEEPALIVE;
const LOSS = 0.3;
const SIMULATED_MS = 600_000;
const WALL_BASE = 0x6b023c9e;

interface Delivery {
  readonly at: number;
  readonly to: number;
  readonly message: HbMessage;
}

interface LossRun {
  readonly falseDeaths: number;
  readonly statusesSent: number;
  readonly datagrams: number;
  readonly lost: number;
  readonly commUpAt: number;
  /** Status copies (the same seq again) sent after both nodes were up. */
  readonly copiesAfterCommUp: number;
  /** Of those, the ones sent more than `quietAfterMs` after loss stopped. */
  readonly copiesWhenQuiet: number;
}

interface LossModel {
  /** Loss probability from comm up until `lossEndsMs` after it (default: the whole run). */
  readonly loss: number;
  readonly lossEndsMs?: number;
  readonly quietAfterMs?: number;
}

/** Two nodes over a lossy link, for `durationMs` of simulated time after both are up. */
function simulate(seed: number, repeatStatus: boolean, durationMs: number, model: LossModel = { loss: LOSS }): LossRun {
  const config = (name: 'alpha' | 'bravo', i: number): MembershipConfig =>
    baseConfig({
      localNode: name,
      uuid: name === 'alpha' ? ALPHA_UUID : BRAVO_UUID,
      generation: 0x6b023c08 + i,
      keepalive: KEEPALIVE,
      deadtime: DEADTIME,
      warntime: DEADTIME / 2,
      initdead: 2 * DEADTIME,
      random: seededRandom(seed * 7 + i),
      repeatStatus,
    });
  const machines = [new Membership(config('alpha', 0)), new Membership(config('bravo', 1))];
  const net = seededRandom(seed);
  const pending: Delivery[] = [];
  // Keepalives start at different phases, as two daemons do.
  const nextKeepalive = [KEEPALIVE, KEEPALIVE + Math.round(net() * KEEPALIVE)];
  const commUp = [false, false];
  let now = 0;
  let commUpAt = -1;
  let falseDeaths = 0;
  let statusesSent = 0;
  let datagrams = 0;
  let lost = 0;
  let copiesAfterCommUp = 0;
  let copiesWhenQuiet = 0;
  const lossNow = (): number => (commUpAt >= 0 && now > commUpAt + (model.lossEndsMs ?? Infinity) ? 0 : model.loss);

  const perform = (from: number, actions: readonly MembershipAction[]): void => {
    for (const a of actions) {
      if (a.type === 'transmit') {
        datagrams++;
        const isStatus = a.message.fields.some((f) => f.name === 't' && String(f.value) === 'status');
        if (!a.retransmit && isStatus) statusesSent++;
        if (a.retransmit && isStatus && commUpAt >= 0) {
          copiesAfterCommUp++;
          if (now > commUpAt + (model.lossEndsMs ?? Infinity) + (model.quietAfterMs ?? 0)) copiesWhenQuiet++;
        }
        if (net() < lossNow()) {
          lost++;
          continue;
        }
        pending.push({ at: now + 1 + Math.floor(net() * 8), to: 1 - from, message: a.message });
      } else if (a.type === 'commUp') {
        commUp[from] = true;
        if (commUp[0] && commUp[1] && commUpAt < 0) commUpAt = now;
      } else if (a.type === 'peerDead' && commUpAt >= 0) {
        falseDeaths++;
      }
    }
  };
  const clock = (): { now: number; wallSeconds: number } => ({ now, wallSeconds: WALL_BASE + Math.floor(now / 1000) });

  machines.forEach((m, i) => perform(i, m.handle({ type: 'start', ...clock() })));
  for (let steps = 0; steps < 5_000_000; steps++) {
    if (commUpAt >= 0 && now >= commUpAt + durationMs) break;
    if (commUpAt < 0 && now > 60_000) throw new Error('the two nodes never came up');
    // The next thing to happen: a keepalive, a delivery, or a deadline a machine waits for.
    const deadlines = machines.map((m) => {
      const d = m.nextDeadline();
      return d === undefined ? Infinity : d + 1;
    });
    const nextDelivery = pending.reduce((t, d) => Math.min(t, d.at), Infinity);
    const at = Math.min(...nextKeepalive, ...deadlines, nextDelivery);
    now = Math.max(now, at);
    for (let i = pending.length - 1; i >= 0; i--) {
      const d = pending[i]!;
      if (d.at > now) continue;
      pending.splice(i, 1);
      perform(d.to, machines[d.to]!.handle({ type: 'receive', message: d.message, origin: { link: 'eth0', address: '10.77.0.9' }, ...clock() }));
    }
    machines.forEach((m, i) => {
      if (now >= nextKeepalive[i]!) {
        nextKeepalive[i] = nextKeepalive[i]! + KEEPALIVE;
        perform(i, m.handle({ type: 'keepalive', ...clock() }));
      }
      if (now >= deadlines[i]!) perform(i, m.handle({ type: 'tick', ...clock() }));
    });
  }
  return { falseDeaths, statusesSent, datagrams, lost, commUpAt, copiesAfterCommUp, copiesWhenQuiet };
}

describe('30 % random packet loss, deadtime = 5 × keepalive (issue 9 part 3)', () => {
  it('no false death in 10 simulated minutes when every status leaves twice', () => {
    const run = simulate(9, true, SIMULATED_MS);
    console.log(
      `[membership] 30 % loss, ${SIMULATED_MS / 1000} s simulated, status copy on: ${run.falseDeaths} false deaths ` +
        `(${run.statusesSent} statuses, ${run.lost}/${run.datagrams} datagrams lost)`,
    );
    expect(run.lost / run.datagrams).toBeGreaterThan(0.27);
    expect(run.lost / run.datagrams).toBeLessThan(0.33);
    expect(run.statusesSent).toBeGreaterThan((2 * SIMULATED_MS) / KEEPALIVE - 10);
    expect(run.falseDeaths).toBe(0);
    // Loss is seen within the first statuses: nearly every status has its copy.
    expect(run.copiesAfterCommUp).toBeGreaterThan(0.95 * run.statusesSent);
  });

  it('a link that loses nothing carries each status once (no copy) from 30 s after comm up', () => {
    const run = simulate(9, true, 90_000, { loss: 0, lossEndsMs: 0, quietAfterMs: REPEAT_STATUS_AFTER_COMM_UP_MS + 1_000 });
    expect(run.lost).toBe(0);
    expect(run.statusesSent).toBeGreaterThan((2 * 90_000) / KEEPALIVE - 10);
    expect(run.copiesAfterCommUp).toBeGreaterThan(0); // the start-up's
    expect(run.copiesWhenQuiet).toBe(0);
  });

  it('the copy stops 10 minutes after the last lost packet', () => {
    const lossEndsMs = 30_000;
    const run = simulate(9, true, lossEndsMs + REPEAT_STATUS_AFTER_LOSS_MS + 60_000, { loss: LOSS, lossEndsMs, quietAfterMs: REPEAT_STATUS_AFTER_LOSS_MS + 2_000 });
    expect(run.falseDeaths).toBe(0);
    expect(run.copiesAfterCommUp).toBeGreaterThan(0.9 * ((2 * lossEndsMs) / KEEPALIVE));
    expect(run.copiesWhenQuiet).toBe(0);
  });

  it('the same loss kills a peer that sends each status once (what Heartbeat does): the model is strong enough to catch it', () => {
    const run = simulate(9, false, SIMULATED_MS);
    console.log(`[membership] 30 % loss, ${SIMULATED_MS / 1000} s simulated, status copy off: ${run.falseDeaths} false deaths`);
    expect(run.falseDeaths).toBeGreaterThan(5);
  });
});
