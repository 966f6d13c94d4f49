// Issue 5: "both start together: resources end on their home nodes, each
// exactly once", and a partition that heals.
//
// Two groups, one per home node:
//   alpha IPaddr::10.77.0.100/24/eth0 nginx FailoverRecorder::web
//   bravo IPaddr::10.77.0.101/24/eth0 FailoverRecorder::api
// nginx listens on every address of its node, so a node holding both groups
// still runs one nginx; giving bravo's group its own resource (a recording
// script, not a second nginx) keeps "which group runs where" unambiguous.
// FailoverRecorder logs every start and stop with the node that ran it: the
// independent witness for "exactly once" and "never restarted".
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, VIP_BRAVO, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { waitUntil } from '../../helpers/wait.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const WEB = `IPaddr::${VIP_ALPHA}/24/eth0`;
const API = `IPaddr::${VIP_BRAVO}/24/eth0`;

describe('two groups, one per home node, on two heartbeat-ts nodes', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;
  let startedAt = 0;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    startedAt = Date.now();
    // Both daemons are started at the same moment.
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: DEADTIME_MS,
      autoFailback: 'on',
      recorder: true,
      groups: [
        { home: 'alpha', resources: [WEB, 'nginx', 'FailoverRecorder::web'] },
        { home: 'bravo', resources: [API, 'FailoverRecorder::api'] },
      ],
    });
  });

  // Each test is judged on its own overlaps only.
  beforeEach(() => pair?.watcher?.beginTest());

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const events = (): string[] => p().recorderEvents().map((e) => `${e.node} ${e.name} ${e.op}`);

  it('both start together: each group ends on its home node, started exactly once', async () => {
    await p().waitHolders({ [WEB]: 'alpha', [API]: 'bravo' });
    await p().prober.waitForServedBy('alpha', 10_000, startedAt);
    console.log(`[heartbeat-ts failover] both started together: groups on their home nodes ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start (no 10 s RQSTDELAY wait: each saw the other start, issue 12)`);
    expect(events()).toEqual(expect.arrayContaining(['alpha web start', 'bravo api start']));
    expect(events()).toHaveLength(2);
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(true);
    expect(await hasAddress(lab!.host('alpha'), VIP_BRAVO)).toBe(false);
    expect(await hasAddress(lab!.host('bravo'), VIP_BRAVO)).toBe(true);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(false);
    // cl_status's view matches: each node holds its own (local) category only.
    expect((await p().node('alpha').clStatus('rscstatus')).stdout.trim()).toBe('local');
    expect((await p().node('bravo').clStatus('rscstatus')).stdout.trim()).toBe('local');
    p().watcher!.assertExclusive('start together');
  });

  it('a partition: both nodes take every group; once healed, each group stays only on its home node', async () => {
    await p().waitHolders({ [WEB]: 'alpha', [API]: 'bravo' });
    await p().waitPastStartup();
    const fromA = p().node('alpha').logSize();
    const fromB = p().node('bravo').logSize();
    const before = events().length;
    const w = p().watcher!;
    w.allowOverlapBegin('partition: bravo unplugged while both nodes live');
    await lab!.host('bravo').setLink(false);

    // Split brain, as expected: each side declares the other dead and takes its group.
    const holdsBoth = async (node: string): Promise<true | undefined> => {
      const s = await p().status(node);
      return s.resources.groups.every((g) => g.holder === node && g.state === 'running') ? true : undefined;
    };
    await waitUntil('alpha holds both groups', DEADTIME_MS + 10_000, () => holdsBoth('alpha'), 100);
    await waitUntil('bravo holds both groups', DEADTIME_MS + 10_000, () => holdsBoth('bravo'), 100);
    for (const vip of [VIP_ALPHA, VIP_BRAVO]) {
      expect(await hasAddress(lab!.host('alpha'), vip), `${vip} on alpha during the partition`).toBe(true);
      expect(await hasAddress(lab!.host('bravo'), vip), `${vip} on bravo during the partition`).toBe(true);
    }
    // The watcher saw it (proof it is not blind), inside the window.
    expect(w.holdersOf(VIP_ALPHA).sort()).toEqual(['alpha', 'bravo']);
    expect(w.holdersOf(VIP_BRAVO).sort()).toEqual(['alpha', 'bravo']);

    const healAt = Date.now();
    await lab!.host('bravo').setLink(true);
    await p().waitHolders({ [WEB]: 'alpha', [API]: 'bravo' }, 30_000);
    const healedIn = Date.now() - healAt;
    await w.allowOverlapEnd();

    const said = (node: string, from: number): string[] =>
      p().logLines(node, /partition|Partition|is dead|Late heartbeat|Taking over|Releasing|stopped in|started in/, from);
    console.log(`[heartbeat-ts failover] partition healed in ${healedIn} ms (link up → both nodes settled)`);
    for (const node of ['alpha', 'bravo']) {
      const lines = said(node, node === 'alpha' ? fromA : fromB);
      console.log(`[heartbeat-ts failover] ${node} said during the partition and its heal:\n  ${lines.join('\n  ')}`);
    }
    // Each side logged the heal as Heartbeat words it (spec §7.1), and the rule that settled it.
    await p().node('alpha').waitForLog(/CRIT: .*Cluster node bravo returning after partition\./, 5000, { from: fromA });
    await p().node('bravo').waitForLog(/CRIT: .*Cluster node alpha returning after partition\./, 5000, { from: fromB });
    await p().node('alpha').waitForLog(new RegExp(`Partition heal: resource group ${WEB.replace(/[./]/g, '\\$&')} .*this node keeps it`), 5000, { from: fromA });
    await p().node('bravo').waitForLog(new RegExp(`Partition heal: resource group ${API.replace(/[./]/g, '\\$&')} .*this node keeps it`), 5000, { from: fromB });

    // The kept copies are announced again once the other side released its own (its gratuitous ARP may have come last).
    await p().node('alpha').waitForLog(new RegExp(`Resource group ${WEB.replace(/[./]/g, '\\$&')}: announced ${VIP_ALPHA.replace(/\./g, '\\.')} on eth0 again`), 5000, { from: fromA });
    await p().node('bravo').waitForLog(new RegExp(`Resource group ${API.replace(/[./]/g, '\\$&')}: announced ${VIP_BRAVO.replace(/\./g, '\\.')} on eth0 again`), 5000, { from: fromB });

    // Exactly one copy of each, on its home node.
    expect(await hasAddress(lab!.host('alpha'), VIP_ALPHA)).toBe(true);
    expect(await hasAddress(lab!.host('bravo'), VIP_ALPHA)).toBe(false);
    expect(await hasAddress(lab!.host('bravo'), VIP_BRAVO)).toBe(true);
    expect(await hasAddress(lab!.host('alpha'), VIP_BRAVO)).toBe(false);
    // The copies on the home nodes were never stopped: during the partition
    // each node started the other's group, and after it stopped exactly that.
    expect(events().slice(before).sort()).toEqual(['alpha api start', 'alpha api stop', 'bravo web start', 'bravo web stop']);
    p().watcher!.assertExclusive('partition heal');
    // The client is served by alpha again.
    await p().prober.waitForServedBy('alpha', 10_000, Date.now());
  });
});
