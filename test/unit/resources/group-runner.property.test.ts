// Model-based check of the group rules (spec §9.1) against real resource.d
// scripts: for random groups (some resources already running, some failing
// to start, some failing to stop a few times or for ever, some non-LSB), a
// start followed by a stop must make exactly the script calls a small model
// of Heartbeat's ResourceManager predicts, and end with the predicted outcomes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { GroupRunner } from '../../../src/resources/index.js';
import { createScriptLab, groupOf, TEST_ARP, testResourceOptions } from '../../helpers/resources-scripts.js';

interface Spec {
  readonly running: boolean;
  readonly failStart: boolean;
  /** How many stops fail before one succeeds (99 = always). */
  readonly failStop: number;
  readonly failedStopStillStops: boolean;
}

const STOP_RETRIES = 2;
const ALWAYS = 99;

interface ModelState {
  readonly running: boolean[];
  readonly stopFailures: number[];
  readonly calls: string[];
}

function modelStop(specs: readonly Spec[], names: readonly string[], s: ModelState): 'stopped' | 'stopFailed' {
  for (let i = specs.length - 1; i >= 0; i--) {
    const spec = specs[i]!;
    let ok = false;
    for (let attempt = 0; attempt < 1 + STOP_RETRIES && !ok; attempt++) {
      s.calls.push(`${names[i]} stop`);
      if (s.stopFailures[i]! < spec.failStop) {
        s.stopFailures[i]!++;
        if (spec.failedStopStillStops) s.running[i] = false;
      } else {
        s.running[i] = false;
        ok = true;
      }
    }
    if (ok) continue;
    s.calls.push(`${names[i]} status`);
    if (s.running[i]) return 'stopFailed';
  }
  return 'stopped';
}

function modelStart(specs: readonly Spec[], names: readonly string[], s: ModelState): { outcome: 'started' | 'failed'; rollback?: string } {
  for (let i = 0; i < specs.length; i++) {
    s.calls.push(`${names[i]} status`);
    if (s.running[i]) continue;
    s.calls.push(`${names[i]} start`);
    if (specs[i]!.failStart) return { outcome: 'failed', rollback: modelStop(specs, names, s) };
    s.running[i] = true;
  }
  return { outcome: 'started' };
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  running: fc.boolean(),
  failStart: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  failStop: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.constant(ALWAYS)),
  failedStopStillStops: fc.boolean(),
});

describe('group rules, model-based, with real scripts (spec §9.1)', () => {
  it('start then stop make exactly the calls the model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 1, maxLength: 4 }), async (specs) => {
        const lab = createScriptLab();
        let r: GroupRunner | undefined;
        try {
          const names = specs.map((_, i) => `r${i}`);
          specs.forEach((spec, i) => {
            lab.addScript(names[i]!, {
              failStart: spec.failStart,
              failStop: spec.failStop === ALWAYS ? 'always' : spec.failStop,
              failedStopStillStops: spec.failedStopStillStops,
            });
            lab.setRunning(names[i]!, spec.running);
          });
          const group = groupOf('alpha', names);
          r = new GroupRunner({
            groups: [group],
            configDir: lab.configDir,
            initDir: lab.initDir,
            resources: testResourceOptions({ stopRetries: STOP_RETRIES, stopRetryInterval: 1 }),
            arp: TEST_ARP,
            logger: createMemoryLogger().logger,
          });
          const model: ModelState = { running: specs.map((s) => s.running), stopFailures: specs.map(() => 0), calls: [] };

          const expectedStart = modelStart(specs, names, model);
          const started = await r.start(group.key);
          expect(started.outcome).toBe(expectedStart.outcome);
          if (started.outcome === 'failed') expect(started.rollback.outcome).toBe(expectedStart.rollback);

          const expectedStop = modelStop(specs, names, model);
          const stopped = await r.stop(group.key);
          expect(stopped.outcome).toBe(expectedStop);

          expect(lab.invocations()).toEqual(model.calls);
          names.forEach((n, i) => expect(lab.isRunning(n)).toBe(model.running[i]));
        } finally {
          r?.dispose();
          lab.cleanup();
        }
      }),
      { numRuns: 25 },
    );
  });
});
