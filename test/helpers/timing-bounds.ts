// The margins of the e2e tests' timed assertions, in one place, and why.
//
// An e2e test checks that a behaviour happens (a crash is detected, a
// takeover happens, a hand-over needs no dead-time wait), not how fast: CI is
// a 2-core machine that runs other work at the same time, where a Node event
// loop stalls for tens to hundreds of ms and a process start-up (ip, an LSB
// script, nginx) can take a few hundred. Every bound below is a correctness
// bound that still fails when the behaviour is broken (never detected, a wait
// for the start-up dead time, a 5 s or 10 s timer, an immediate takeover on a
// link loss), with a margin for that machine. The tight figures are measured
// by `npm run bench` (bench/failover.ts, bench/resources.ts), never asserted.

/**
 * What a loaded 2-core machine can add to a measured detection or takeover:
 * the daemon's timer firing late, event-loop stalls, the takeover's process
 * start-ups, the client's 20 ms probe period and the test's own polling.
 * Heartbeats late by up to 486 ms were seen with two CPU hogs (issue 9 §1b).
 */
export const LOADED_MACHINE_SLACK_MS = 1500;

/**
 * Upper bound on "a crash is noticed (and the peer serves)" after the event:
 * the dead time, plus the slack. With Heartbeat's start-up dead time being
 * deadtime + 2000 ms (spec §8.1), a node still applying it fails the bound.
 */
export function crashDetectedWithinMs(deadtimeMs: number): number {
  return deadtimeMs + LOADED_MACHINE_SLACK_MS;
}

/**
 * Upper bound on a hand-over between two live nodes (heartbeat -k, hb_standby,
 * hb_takeover, auto-failback): no dead time is involved, typically 20–150 ms
 * of client outage. Twice the dead time and at least 2 s still catches a
 * wait for a timer of seconds; that no node waited for the dead time is
 * checked on the logs (nobody was declared dead), not on the clock.
 */
export function handoverWithinMs(deadtimeMs: number): number {
  return Math.max(2000, 2 * deadtimeMs);
}
