// Say a repeated thing once per interval per key, counting what was held
// back: a flood of bad packets must not become a flood of log lines.

export interface RateDecision {
  readonly allowed: boolean;
  /** How many were held back since the last allowed one (only when allowed). */
  readonly suppressed: number;
}

export class RateLimiter {
  private readonly entries = new Map<string, { last: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 1024,
  ) {}

  check(key: string, now: number): RateDecision {
    const entry = this.entries.get(key);
    if (entry && now - entry.last < this.intervalMs) {
      entry.suppressed++;
      return { allowed: false, suppressed: 0 };
    }
    const suppressed = entry?.suppressed ?? 0;
    if (!entry && this.entries.size >= this.maxKeys) this.entries.clear();
    this.entries.set(key, { last: now, suppressed: 0 });
    return { allowed: true, suppressed };
  }
}
