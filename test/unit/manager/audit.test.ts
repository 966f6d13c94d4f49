// Issue 9 part 3: no ERROR for a situation that is not wrong. A standby whose
// stop failed is abandoned; the initiator used to claim every category it had
// offered (`all`) — including one it never held — so both nodes then logged
// "Both machines own foreign resources!" / "… our resources!" although the
// other side held nothing there. Two managers over the simulated network
// (two-node-sim.ts), every combination of who asks and where the groups live.
import { describe, expect, it } from 'vitest';
import type { ResourceGroupConfig } from '../../../src/config/index.js';
import { rscStatus } from '../../../src/resources/manager/index.js';
import { TwoNodeSim, type Name } from './two-node-sim.js';

function groups(homes: readonly Name[]): ResourceGroupConfig[] {
  return homes.map((h, i) => ({
    node: h,
    key: `10.0.0.${i + 1}`,
    resources: [{ token: `10.0.0.${i + 1}`, script: 'IPaddr', args: [`10.0.0.${i + 1}`], line: i + 1 }],
    line: i + 1,
  }));
}

const CASES: Array<[autoFailback: 'on' | 'off', initiator: Name, homes: Name[]]> = [];
for (const af of ['on', 'off'] as const) {
  for (const who of ['alpha', 'bravo'] as const) for (const homes of [['alpha'], ['alpha', 'bravo']] as Name[][]) CASES.push([af, who, homes]);
}

describe('audit after a standby abandoned by a failed stop', () => {
  it.each(CASES)('auto_failback %s, %s asks, groups homed on %j: no "Both machines own", claims unchanged', (af, who, homes) => {
    const sim = new TwoNodeSim({ autoFailback: af, groups: groups(homes) });
    sim.boot(true);
    expect(sim.quiesce()).toBe(true);
    const before = { alpha: rscStatus(sim.machines.alpha.harness!.state), bravo: rscStatus(sim.machines.bravo.harness!.state) };
    const mark = sim.trace.length;
    sim.admin(who, 'admin-standby', 'all');
    let failedAStop = false;
    for (let i = 0; i < 500 && !failedAStop; i++) {
      if (sim.deliver('alpha') || sim.deliver('bravo')) continue;
      if (sim.machines[who].harness!.inflight?.op === 'stop') {
        failedAStop = sim.complete(who, false);
        continue;
      }
      if (!(sim.complete('alpha', true) || sim.complete('bravo', true))) break;
    }
    const heldSomething = homes.includes(who);
    expect(failedAStop).toBe(heldSomething);
    expect(sim.quiesce()).toBe(true);
    const said = sim.trace.slice(mark);
    expect(said.filter((l) => /Both machines own|No one owns/.test(l))).toEqual([]);
    if (heldSomething) expect(said.some((l) => /Standby abandoned/.test(l))).toBe(true);
    // Each node claims what it claimed before: nothing more. (A node holding
    // nothing has nothing to fail: its standby completes, the peer takes all.)
    if (heldSomething) expect({ alpha: rscStatus(sim.machines.alpha.harness!.state), bravo: rscStatus(sim.machines.bravo.harness!.state) }).toEqual(before);
  });
});
