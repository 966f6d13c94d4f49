// Event-loop delay, measured as the lateness of our own keepalive timer.
//
// Our heartbeats leave from a timer; whatever blocks the event loop delays
// them by that long. Peers log "Late heartbeat" once the gap between two of
// our statuses exceeds their warntime and declare us dead past our dt. The
// gap is keepalive + lateness, so the lateness that makes peers complain is
// warntime − keepalive (with the defaults, deadtime/2 − keepalive: about
// half of the dead time). That is the WARN threshold; beyond
// deadtime − keepalive the peers have declared us dead: ERROR.
//
// The timer's lateness is exactly the delay peers see, and measuring it costs
// nothing: perf_hooks.monitorEventLoopDelay wakes the process up every
// `resolution` ms (≈100 wake-ups/s at 10 ms, about half of an idle daemon's
// CPU), for a figure that only matters when a heartbeat leaves late.

export interface LagThresholds {
  readonly warnMs: number;
  readonly errorMs: number;
}

export function lagThresholds(timers: { keepalive: number; warntime: number; deadtime: number }): LagThresholds {
  const warnMs = Math.max(timers.keepalive / 2, timers.warntime - timers.keepalive);
  const errorMs = Math.max(warnMs, timers.deadtime - timers.keepalive);
  return { warnMs, errorMs };
}

export interface LagFigures {
  /** 99th percentile of the lateness over the last window, ms. */
  readonly p99: number;
  /** The worst lateness since start, ms. */
  readonly max: number;
}

/** Lateness samples of a timer: the worst since start, and a p99 over a sliding window. */
export class TimerLateness {
  private readonly at: number[] = [];
  private readonly late: number[] = [];
  private worst = 0;

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxSamples = 4096,
  ) {}

  /** One firing of the timer, `lateMs` after it was due, at monotonic time `nowMs`. */
  record(lateMs: number, nowMs: number): void {
    const ms = Math.max(0, lateMs);
    if (ms > this.worst) this.worst = ms;
    this.at.push(nowMs);
    this.late.push(ms);
    this.trim(nowMs);
  }

  figures(nowMs: number): LagFigures {
    this.trim(nowMs);
    if (this.late.length === 0) return { p99: 0, max: this.worst };
    const sorted = [...this.late].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
    return { p99, max: this.worst };
  }

  private trim(nowMs: number): void {
    let drop = 0;
    while (drop < this.at.length && (nowMs - (this.at[drop] ?? 0) > this.windowMs || this.at.length - drop > this.maxSamples)) drop++;
    if (drop > 0) {
      this.at.splice(0, drop);
      this.late.splice(0, drop);
    }
  }
}
