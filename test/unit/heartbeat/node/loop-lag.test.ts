import { describe, expect, it } from 'vitest';
import { TimerLateness } from '../../../../src/heartbeat/node/loop-lag.js';

describe('TimerLateness (keepalive timer lateness as the event-loop delay)', () => {
  it('reports zero before any firing', () => {
    expect(new TimerLateness().figures(0)).toEqual({ p99: 0, max: 0 });
  });

  it('keeps the worst lateness since start and a p99 over the window', () => {
    const t = new TimerLateness(60_000);
    for (let i = 0; i < 99; i++) t.record(1, i * 200);
    t.record(500, 99 * 200);
    expect(t.figures(99 * 200)).toEqual({ p99: 1, max: 500 });
    t.record(400, 100 * 200);
    expect(t.figures(100 * 200).p99).toBe(400);
  });

  it('forgets samples older than the window for p99 but not for max', () => {
    const t = new TimerLateness(1_000);
    t.record(300, 0);
    t.record(2, 1_500);
    expect(t.figures(1_500)).toEqual({ p99: 2, max: 300 });
  });

  it('counts an early firing as no lateness', () => {
    const t = new TimerLateness();
    t.record(-3, 0);
    expect(t.figures(0)).toEqual({ p99: 0, max: 0 });
  });

  it('bounds the number of samples it keeps', () => {
    const t = new TimerLateness(1e9, 10);
    for (let i = 0; i < 100; i++) t.record(i < 90 ? 1000 : 1, i);
    expect(t.figures(100).p99).toBe(1);
    expect(t.figures(100).max).toBe(1000);
  });
});
