// When a probe is due: a fixed-rate timer chain for `interval`, node-cron for
// `schedule`. A trigger only says "due now"; whether the probe runs (overlap,
// group state) is the supervisor's business. `onDue` must be cheap and
// synchronous; a throw from it is caught so a trigger never dies.
import { performance } from 'node:perf_hooks';
import type { Logger as CronLogger } from 'node-cron';
import { nodeCron } from '../config/index.js';
import type { Logger } from '../log/index.js';

export interface ProbeTrigger {
  stop(): void;
}

function guarded(onDue: () => void, logger: Logger): () => void {
  return () => {
    try {
      onDue();
    } catch (err) {
      logger.error(`probe trigger callback failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

/**
 * Fires every `intervalMs`, first one interval after start. Fixed rate: the
 * next due time is the previous due time plus the interval, so run time does
 * not drift the schedule; slots missed while the event loop was blocked are
 * skipped, never fired in a burst.
 */
export function startIntervalTrigger(intervalMs: number, onDue: () => void, logger: Logger): ProbeTrigger {
  const fire = guarded(onDue, logger);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let due = performance.now() + intervalMs;
  const arm = (): void => {
    timer = setTimeout(tick, Math.max(0, due - performance.now()));
    timer.unref();
  };
  const tick = (): void => {
    if (stopped) return;
    fire();
    const now = performance.now();
    due += intervalMs;
    if (due <= now) {
      const missed = Math.floor((now - due) / intervalMs) + 1;
      due += missed * intervalMs;
      logger.debug(`probe timer fell ${missed} interval(s) behind; skipped them`);
    }
    if (!stopped) arm();
  };
  arm();
  return {
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Fires on a node-cron expression (already validated by the config parser). */
export function startCronTrigger(expression: string, onDue: () => void, logger: Logger): ProbeTrigger {
  const fire = guarded(onDue, logger);
  const cronLogger: CronLogger = {
    info: (m) => logger.debug(`node-cron: ${m}`),
    warn: (m) => logger.warn(`node-cron: ${m}`),
    error: (m) => logger.error(`node-cron: ${m instanceof Error ? m.message : m}`),
    debug: (m) => logger.debug(`node-cron: ${m instanceof Error ? m.message : m}`),
  };
  const task = nodeCron().createTask(expression, () => fire(), { logger: cronLogger, unref: true });
  void Promise.resolve(task.start()).catch((err: unknown) =>
    logger.error(`cannot start the schedule "${expression}": ${err instanceof Error ? err.message : String(err)}`),
  );
  return {
    stop(): void {
      void Promise.resolve(task.destroy()).catch(() => undefined);
    },
  };
}
