// Triggers: interval (fixed rate, missed slots skipped rather than burst) and
// node-cron schedules; a throwing callback never kills a trigger.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { startCronTrigger, startIntervalTrigger } from '../../../src/monitor/trigger.js';
import { waitForCondition } from '../../helpers/monitor-http-servers.js';

describe('startIntervalTrigger', () => {
  it('fires repeatedly and stops when told', async () => {
    const { logger } = createMemoryLogger();
    let fired = 0;
    const t = startIntervalTrigger(15, () => fired++, logger);
    try {
      await waitForCondition('5 fires', () => fired >= 5);
    } finally {
      t.stop();
    }
    const at = fired;
    let other = 0;
    const clock = startIntervalTrigger(15, () => other++, logger);
    await waitForCondition('another timer to fire 5 times', () => other >= 5);
    clock.stop();
    expect(fired).toBe(at);
  });

  it('skips the slots missed while the event loop was blocked instead of firing them in a burst', async () => {
    const { logger, lines } = createMemoryLogger();
    let fired = 0;
    const t = startIntervalTrigger(
      10,
      () => {
        fired++;
        if (fired === 1) {
          // block the loop for 5 intervals
          const end = performance.now() + 55;
          while (performance.now() < end);
        }
      },
      logger,
    );
    try {
      await waitForCondition('3 fires', () => fired >= 3);
    } finally {
      t.stop();
    }
    // At least the 4 slots the 55 ms block covers (more if the machine also held this process up).
    const behind = lines.map((l) => /debug: probe timer fell (\d+) interval\(s\) behind; skipped them/.exec(l)?.[1]).filter((n) => n !== undefined);
    expect(behind.length).toBeGreaterThan(0);
    expect(Math.max(...behind.map(Number))).toBeGreaterThanOrEqual(4);
  });

  it('survives a callback that throws', async () => {
    const { logger, lines } = createMemoryLogger();
    let fired = 0;
    const t = startIntervalTrigger(
      10,
      () => {
        fired++;
        throw new Error('boom');
      },
      logger,
    );
    try {
      await waitForCondition('3 fires', () => fired >= 3);
    } finally {
      t.stop();
    }
    expect(lines.some((l) => l.includes('ERROR: probe trigger callback failed: boom'))).toBe(true);
  });
});

describe('startCronTrigger', () => {
  it('fires on a 6-field node-cron expression and stops when told', async () => {
    const { logger } = createMemoryLogger();
    const fires: number[] = [];
    const t = startCronTrigger('* * * * * *', () => fires.push(Date.now()), logger);
    try {
      await waitForCondition('2 fires', () => fires.length >= 2, 5000);
    } finally {
      t.stop();
    }
    // node-cron fires on second boundaries
    expect(new Set(fires.map((f) => Math.floor(f / 1000))).size).toBe(fires.length);
  });
});
