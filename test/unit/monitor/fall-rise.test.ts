// The fall/rise state machine, checked exhaustively for short result
// sequences against an independent formulation (search the result string for
// runs of F and S), and with fast-check for long sequences with resets and
// clears mixed in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  initialFallRise,
  stepFallRise,
  type FallRiseEffect,
  type FallRiseEvent,
  type FallRiseState,
} from '../../../src/monitor/index.js';

type Effect = { at: number; type: FallRiseEffect['type'] };

function run(results: string, fall: number, rise: number): { effects: Effect[]; state: FallRiseState } {
  let state = initialFallRise(0);
  const effects: Effect[] = [];
  [...results].forEach((r, i) => {
    const step = stepFallRise(state, { type: 'result', ok: r === 'S', reason: r, at: i }, { name: 'p', fall, rise });
    state = step.state;
    if (step.effect) effects.push({ at: i, type: step.effect.type });
  });
  return { effects, state };
}

/** The rule stated as string search: act where `fall` F's end, then recover where `rise` S's end, and so on. */
function reference(results: string, fall: number, rise: number): Effect[] {
  const effects: Effect[] = [];
  let from = 0;
  for (;;) {
    const f = results.indexOf('F'.repeat(fall), from);
    if (f < 0) return effects;
    effects.push({ at: f + fall - 1, type: 'act' });
    const s = results.indexOf('S'.repeat(rise), f + fall);
    if (s < 0) return effects;
    effects.push({ at: s + rise - 1, type: 'recovered' });
    from = s + rise;
  }
}

function allSequences(length: number): string[] {
  const out: string[] = [];
  for (let n = 0; n < 1 << length; n++) {
    out.push([...Array(length).keys()].map((b) => ((n >> b) & 1 ? 'F' : 'S')).join(''));
  }
  return out;
}

describe('stepFallRise', () => {
  it('matches the reference for every sequence of up to 10 results, fall and rise 1..4', () => {
    let checked = 0;
    const mismatches: string[] = [];
    for (let length = 0; length <= 10; length++) {
      for (const seq of allSequences(length)) {
        for (let fall = 1; fall <= 4; fall++) {
          for (let rise = 1; rise <= 4; rise++) {
            const got = JSON.stringify(run(seq, fall, rise).effects);
            const want = JSON.stringify(reference(seq, fall, rise));
            if (got !== want && mismatches.length < 5) mismatches.push(`${seq} fall=${fall} rise=${rise}: got ${got}, want ${want}`);
            checked++;
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(16 * (2 ** 11 - 1));
  });

  it('pins the worked example: fall 2, rise 2', () => {
    //        0 1 2 3 4 5 6 7 8 9
    const seq = 'SFSFFFSFSS';
    expect(run(seq, 2, 2).effects).toEqual([
      { at: 4, type: 'act' },
      { at: 9, type: 'recovered' },
    ]);
  });

  it('logs each transition with its reason and level', () => {
    const limits = { name: 'nginx', fall: 2, rise: 1 };
    let s = initialFallRise(1000);
    const notes: string[] = [];
    const feed = (e: FallRiseEvent): FallRiseEffect | undefined => {
      const step = stepFallRise(s, e, limits);
      s = step.state;
      notes.push(...step.notes.map((n) => `${n.level}: ${n.message}`));
      return step.effect;
    };
    feed({ type: 'result', ok: false, reason: 'connection refused', at: 1000 });
    const act = feed({ type: 'result', ok: false, reason: 'connection refused', at: 1500 });
    feed({ type: 'result', ok: false, reason: 'connection refused', at: 2000 });
    const rec = feed({ type: 'result', ok: true, reason: 'HTTP 200 in 1 ms', at: 4000 });
    expect(act).toEqual({ type: 'act', reason: 'probe nginx failed 2 time(s) in a row: connection refused' });
    expect(rec).toEqual({ type: 'recovered', reason: 'probe nginx passed 1 time(s) in a row after 2.5 s down: HTTP 200 in 1 ms' });
    expect(notes).toEqual([
      'warn: probe nginx failed (1/2): connection refused',
      'error: probe nginx failed 2 time(s) in a row: connection refused',
      'debug: probe nginx still failing: connection refused',
      'info: probe nginx passed 1 time(s) in a row after 2.5 s down: HTTP 200 in 1 ms',
    ]);
  });

  it('invariants under any mix of results, resets and clears', () => {
    const event = fc.oneof(
      { weight: 8, arbitrary: fc.boolean().map((ok) => ({ type: 'result' as const, ok })) },
      { weight: 1, arbitrary: fc.constant({ type: 'reset' as const }) },
      { weight: 1, arbitrary: fc.constant({ type: 'clear' as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.array(event, { maxLength: 300 }), (fall, rise, events) => {
        let state = initialFallRise(0);
        let streakF = 0; // failures since the last effect, clear or reset, while up
        let streakS = 0;
        let last: 'act' | 'recovered' | undefined;
        events.forEach((e, at) => {
          const before = state;
          const full: FallRiseEvent = e.type === 'result' ? { ...e, reason: 'r', at } : { ...e, reason: 'why', at };
          const step = stepFallRise(state, full, { name: 'p', fall, rise });
          state = step.state;
          expect(state.failures).toBeLessThan(fall);
          expect(state.successes).toBeLessThan(rise);
          if (state.phase === 'up') expect(state.successes).toBe(0);
          else expect(state.failures).toBe(0);
          if (e.type === 'reset') {
            expect(step.effect).toBeUndefined();
            expect(state.phase).toBe(before.phase);
            streakF = streakS = 0;
            return;
          }
          if (e.type === 'clear') {
            expect(step.effect).toBeUndefined();
            expect(state).toMatchObject({ phase: 'up', failures: 0, successes: 0 });
            streakF = streakS = 0;
            last = undefined;
            return;
          }
          if (before.phase === 'up') {
            streakF = e.ok ? 0 : streakF + 1;
            if (step.effect) {
              // act exactly when fall failures in a row were seen, never twice without a recovery
              expect(step.effect.type).toBe('act');
              expect(streakF).toBe(fall);
              expect(last).not.toBe('act');
              last = 'act';
              streakS = 0;
            } else expect(streakF).toBeLessThan(fall);
          } else {
            streakS = e.ok ? streakS + 1 : 0;
            if (step.effect) {
              expect(step.effect.type).toBe('recovered');
              expect(streakS).toBe(rise);
              last = 'recovered';
              streakF = 0;
            } else expect(streakS).toBeLessThan(rise);
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it('reset keeps the phase but forgets the counts; clear returns to up', () => {
    const limits = { name: 'p', fall: 3, rise: 3 };
    const down = run('FFF', 3, 3).state;
    expect(down.phase).toBe('down');
    const half = stepFallRise(down, { type: 'result', ok: true, reason: 'ok', at: 5 }, limits).state;
    expect(half.successes).toBe(1);
    const reset = stepFallRise(half, { type: 'reset', reason: 'group stopped', at: 6 }, limits);
    expect(reset.state).toMatchObject({ phase: 'down', successes: 0 });
    const cleared = stepFallRise(half, { type: 'clear', reason: 'hb_takeover', at: 7 }, limits);
    expect(cleared.state).toEqual({ phase: 'up', failures: 0, successes: 0, since: 7 });
    expect(cleared.notes).toEqual([{ level: 'info', message: 'probe p: eligible again (hb_takeover)' }]);
  });
});
