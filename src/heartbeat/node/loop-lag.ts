// Event-loop delay, measured with perf_hooks.monitorEventLoopDelay.
//
// Our heartbeats leave from a timer; whatever blocks the event loop delays
// them by that long. Peers log "Late heartbeat" once the gap between two of
// our statuses exceeds their warntime and declare us dead past our dt. The
// gap is keepalive + delay, so the delay that makes peers complain is
// warntime − keepalive (with the defaults, deadtime/2 − keepalive: about
// half of the dead time). That is the WARN threshold; beyond
// deadtime − keepalive the peers have declared us dead: ERROR.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LagThresholds {
  readonly warnMs: number;
  readonly errorMs: number;
}

export function lagThresholds(timers: { keepalive: number; warntime: number; deadtime: number }): LagThresholds {
  const warnMs = Math.max(timers.keepalive / 2, timers.warntime - timers.keepalive);
  const errorMs = Math.max(warnMs, timers.deadtime - timers.keepalive);
  return { warnMs, errorMs };
}

export class LoopLagMonitor {
  private readonly histogram: IntervalHistogram;
  private worstMs = 0;

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
  }

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  /** The largest delay since the last call, in ms; resets the window. */
  takeMaxMs(): number {
    const max = this.histogram.max / 1e6;
    this.histogram.reset();
    const ms = Number.isFinite(max) ? max : 0;
    if (ms > this.worstMs) this.worstMs = ms;
    return ms;
  }

  /** The worst delay seen since start, in ms. */
  get worstSeenMs(): number {
    return this.worstMs;
  }
}
