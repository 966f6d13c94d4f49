// Two managers talking to each other through a simulated network, with
// crashes, restarts, graceful stops, admin requests, probe verdicts and
// failed operations in random order (fast-check). After every action: no
// group is up on both machines. After a run without failures or probes,
// letting everything settle leaves every group up on exactly one machine.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ResourceGroupConfig } from '../../../src/config/types.js';
import { OTHER, TwoNodeSim, type Name } from './two-node-sim.js';

const nameArb = fc.constantFrom<Name>('alpha', 'bravo');
const actionArb = fc.oneof(
  { weight: 12, arbitrary: fc.record({ k: fc.constant('deliver' as const), n: nameArb }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant('complete' as const), n: nameArb, ok: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const), n: nameArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 15_000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('admin-standby' as const, 'admin-takeover' as const), n: nameArb, rsc: fc.constantFrom('all' as const, 'local' as const, 'foreign' as const, 'failback' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('probe-release' as const, 'probe-eligible' as const), n: nameArb, g: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('crash' as const), n: nameArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('shutdown' as const), n: nameArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('detect' as const), n: nameArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('restart' as const), n: nameArb }) },
);

const setupArb = fc.record({
  autoFailback: fc.constantFrom('on' as const, 'off' as const, 'legacy' as const),
  homes: fc.array(nameArb, { minLength: 1, maxLength: 4 }),
  together: fc.boolean(),
  failures: fc.boolean(),
});

function groups(homes: readonly Name[]): ResourceGroupConfig[] {
  return homes.map((h, i) => ({
    node: h,
    key: `10.0.0.${i + 1}`,
    resources: [{ token: `10.0.0.${i + 1}`, script: 'IPaddr', args: [`10.0.0.${i + 1}`], line: i + 1 }],
    line: i + 1,
  }));
}

describe('two resource managers together (fast-check simulation)', () => {
  it('never brings a group up on both machines, and settles with each group on exactly one', async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(actionArb, { maxLength: 120 }), async (setup, actions) => {
        await yieldToEventLoop();
        const sim = new TwoNodeSim({ autoFailback: setup.autoFailback, groups: groups(setup.homes) });
        sim.boot(setup.together);
        for (const a of actions) {
          switch (a.k) {
            case 'deliver':
              sim.deliver(a.n);
              break;
            case 'complete':
              sim.complete(a.n, a.ok || !setup.failures);
              break;
            case 'tick':
              sim.tick(a.n);
              break;
            case 'advance':
              sim.advance(a.ms);
              break;
            case 'admin-standby':
            case 'admin-takeover':
              sim.admin(a.n, a.k, a.rsc);
              break;
            case 'probe-release':
            case 'probe-eligible':
              if (setup.failures) sim.probe(a.n, a.k, `10.0.0.${(a.g % setup.homes.length) + 1}`);
              break;
            case 'crash':
              // Keep one machine up most of the time, so that the run exercises takeovers.
              if (sim.alive(OTHER[a.n])) sim.crash(a.n);
              break;
            case 'shutdown':
              sim.shutdown(a.n);
              break;
            case 'detect':
              sim.detect(a.n);
              break;
            case 'restart':
              sim.restart(a.n);
              break;
          }
        }
        if (!sim.quiesce()) throw new Error(`did not settle\n${sim.trace.slice(-60).join('\n')}`);
        if (!sim.perturbed) sim.checkSettled();
      }),
      { numRuns: Number(process.env.MANAGER_FC_RUNS ?? 600) },
    );
  }, 900_000);
});

describe('a partition that heals (fast-check simulation)', () => {
  const stepArb = fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant('deliver' as const), n: nameArb }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('complete' as const), n: nameArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('tick' as const), n: nameArb }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 15_000 }) }) },
  );
  it('ends with each group on exactly one node, and never stops a group on its home node', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('on' as const, 'off' as const, 'legacy' as const),
        fc.array(nameArb, { minLength: 1, maxLength: 4 }),
        fc.array(stepArb, { maxLength: 30 }),
        fc.array(stepArb, { maxLength: 30 }),
        fc.array(stepArb, { maxLength: 30 }),
        async (autoFailback, homes, before, during, after) => {
          await yieldToEventLoop();
          const sim = new TwoNodeSim({ autoFailback, groups: groups(homes) });
          const run = (steps: typeof before): void => {
            for (const a of steps) {
              if (a.k === 'deliver') sim.deliver(a.n);
              else if (a.k === 'complete') sim.complete(a.n, true);
              else if (a.k === 'tick') sim.tick(a.n);
              else sim.advance(a.ms);
            }
          };
          sim.boot(true);
          run(before);
          if (!sim.quiesce()) throw new Error('did not settle before the partition');
          sim.partition();
          run(during);
          if (!sim.quiesce()) throw new Error('did not settle during the partition');
          const stopsBeforeHeal = sim.stops.length;
          sim.heal();
          run(after);
          if (!sim.quiesce()) throw new Error(`did not settle after the heal\n${sim.trace.slice(-60).join('\n')}`);
          sim.splitBrainAllowed = false;
          sim.checkSettled();
          const home = new Map(groups(homes).map((g) => [g.key, g.node]));
          const wrong = sim.stops.slice(stopsBeforeHeal).filter((s) => home.get(s.key) === s.node);
          if (wrong.length > 0) throw new Error(`the heal stopped ${wrong.map((w) => `${w.key} on its home ${w.node}`).join(', ')}\n${sim.trace.slice(-60).join('\n')}`);
        },
      ),
      { numRuns: Number(process.env.MANAGER_FC_RUNS ?? 300) },
    );
  }, 900_000);
});
