// The fall/rise rule of one probe, as a pure state machine (time passed in).
//
//   up   ── `fall` consecutive failures ──► down   effect "act" (once per streak)
//   down ── `rise` consecutive successes ─► up     effect "recovered" (once)
//
// A success in `up` ends a failure streak; a failure in `down` restarts the
// count toward rise. `reset` forgets both counts but keeps the phase (the
// supervisor sends it when the guarded group changes state, so a streak is
// always observed within one stable state). `clear` returns to `up` with no
// effect: an admin (hb_takeover) or a restart made the node eligible again.
export type FallRisePhase = 'up' | 'down';

export interface FallRiseState {
  readonly phase: FallRisePhase;
  /** Consecutive failures so far in `up` (always < fall). */
  readonly failures: number;
  /** Consecutive successes so far in `down` (always < rise). */
  readonly successes: number;
  /** When the phase last changed (ms, caller's clock). */
  readonly since: number;
}

export interface FallRiseLimits {
  /** The probe's name, for the log lines. */
  readonly name: string;
  readonly fall: number;
  readonly rise: number;
}

export type FallRiseEvent =
  | { readonly type: 'result'; readonly ok: boolean; readonly reason: string; readonly at: number }
  | { readonly type: 'reset'; readonly reason: string; readonly at: number }
  | { readonly type: 'clear'; readonly reason: string; readonly at: number };

export type FallRiseEffect =
  | { readonly type: 'act'; readonly reason: string }
  | { readonly type: 'recovered'; readonly reason: string };

export interface FallRiseNote {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

export interface FallRiseStep {
  readonly state: FallRiseState;
  readonly effect?: FallRiseEffect;
  readonly notes: readonly FallRiseNote[];
}

export function initialFallRise(at: number): FallRiseState {
  return { phase: 'up', failures: 0, successes: 0, since: at };
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

export function stepFallRise(state: FallRiseState, event: FallRiseEvent, limits: FallRiseLimits): FallRiseStep {
  const { name, fall, rise } = limits;
  switch (event.type) {
    case 'reset':
      if (state.failures === 0 && state.successes === 0) return { state, notes: [] };
      return {
        state: { ...state, failures: 0, successes: 0 },
        notes: [{ level: 'debug', message: `probe ${name}: counts reset (${event.reason})` }],
      };
    case 'clear':
      if (state.phase === 'up' && state.failures === 0) return { state, notes: [] };
      return {
        state: initialFallRise(event.at),
        notes: [{ level: 'info', message: `probe ${name}: eligible again (${event.reason})` }],
      };
    case 'result':
      return state.phase === 'up' ? stepUp(state, event, name, fall) : stepDown(state, event, name, rise);
  }
}

function stepUp(
  state: FallRiseState,
  event: { readonly ok: boolean; readonly reason: string; readonly at: number },
  name: string,
  fall: number,
): FallRiseStep {
  if (event.ok) {
    if (state.failures === 0) return { state, notes: [{ level: 'debug', message: `probe ${name} passed: ${event.reason}` }] };
    return {
      state: { ...state, failures: 0 },
      notes: [{ level: 'info', message: `probe ${name} passed again after ${state.failures} failure(s): ${event.reason}` }],
    };
  }
  const failures = state.failures + 1;
  if (failures < fall) {
    return {
      state: { ...state, failures },
      notes: [{ level: 'warn', message: `probe ${name} failed (${failures}/${fall}): ${event.reason}` }],
    };
  }
  const reason = `probe ${name} failed ${fall} time(s) in a row: ${event.reason}`;
  return {
    state: { phase: 'down', failures: 0, successes: 0, since: event.at },
    effect: { type: 'act', reason },
    notes: [{ level: 'error', message: reason }],
  };
}

function stepDown(
  state: FallRiseState,
  event: { readonly ok: boolean; readonly reason: string; readonly at: number },
  name: string,
  rise: number,
): FallRiseStep {
  if (!event.ok) {
    if (state.successes === 0) return { state, notes: [{ level: 'debug', message: `probe ${name} still failing: ${event.reason}` }] };
    return {
      state: { ...state, successes: 0 },
      notes: [{ level: 'info', message: `probe ${name} failed again after ${state.successes} success(es), recovery count restarts: ${event.reason}` }],
    };
  }
  const successes = state.successes + 1;
  if (successes < rise) {
    return {
      state: { ...state, successes },
      notes: [{ level: 'info', message: `probe ${name} passed (${successes}/${rise} toward recovery): ${event.reason}` }],
    };
  }
  const reason = `probe ${name} passed ${rise} time(s) in a row after ${seconds(event.at - state.since)} down: ${event.reason}`;
  return {
    state: { phase: 'up', failures: 0, successes: 0, since: event.at },
    effect: { type: 'recovered', reason },
    notes: [{ level: 'info', message: reason }],
  };
}
