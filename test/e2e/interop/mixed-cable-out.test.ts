// A node that boots while its heartbeat link has no carrier (cable pulled,
// switch down): real Heartbeat 3.0.6 starts (bcast reads the interface's
// address with ioctls, carrier or not) and, once initdead has passed, runs
// alone; when the cable comes back it joins. heartbeat-ts does the same: the
// address of an interface that is up without carrier comes from the kernel
// (Node's interface table leaves such interfaces out). Found by the
// mixed-cluster tests (a crashed node "rebooting" before its cable is back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { removeNodeDir, startOurNode, type OurNode } from '../../helpers/hbts-node.js';
import { startRealHeartbeat, type RealHeartbeatNode } from '../../helpers/real-heartbeat.js';
import { waitUntil } from '../../helpers/wait.js';
import { MIXED_AUTHKEYS, mixedHaCf } from '../../helpers/mixed-cluster.js';

describe('a node booting with its cable out (bcast)', () => {
  let lab: Lab | undefined;
  const started: Array<RealHeartbeatNode | OurNode> = [];

  beforeAll(async () => {
    lab = await createLab({
      hosts: [
        { name: 'alpha', ip: '10.77.0.1' },
        { name: 'bravo', ip: '10.77.0.2' },
      ],
    });
    await lab.host('alpha').setLink(false);
    await lab.host('bravo').setLink(false);
  }, 60_000);

  afterAll(async () => {
    for (const n of started) {
      if ('dispose' in n) await n.dispose().catch(() => undefined);
      else await n.crash().catch(() => undefined);
    }
    await lab?.destroy();
    for (const n of started) if (!('dispose' in n)) removeNodeDir(n);
  }, 60_000);

  it('real Heartbeat 3.0.6 starts and keeps running', async () => {
    const real = await startRealHeartbeat(lab!.host('bravo'), { haCf: mixedHaCf(['alpha', 'bravo'], 'on'), authkeys: MIXED_AUTHKEYS, haresources: '' });
    started.push(real);
    await real.waitForLog(/Local status now set to: 'up'/, 10_000);
    expect(real.isRunning()).toBe(true);
  }, 30_000);

  it('heartbeat-ts starts too, and both join once the cables are back', async () => {
    const ours = await startOurNode(lab!.host('alpha'), { nodeName: 'alpha', haCf: mixedHaCf(['alpha', 'bravo'], 'on'), authkeys: MIXED_AUTHKEYS, haresources: '' });
    started.push(ours);
    await waitUntil('heartbeat-ts transmitting', 10_000, () => (/Local status now set to: 'up'/.test(ours.readLog()) ? true : undefined), 50);
    expect(ours.isRunning()).toBe(true);
    await lab!.host('alpha').setLink(true);
    await lab!.host('bravo').setLink(true);
    const real = started[0] as RealHeartbeatNode;
    await waitUntil('the real node sees ours active', 30_000, async () => ((await real.clStatus('nodestatus', 'alpha')).stdout.trim() === 'active' ? true : undefined), 200);
    await waitUntil('ours sees the real node active', 30_000, async () => ((await ours.clStatus('nodestatus', 'bravo')).stdout.trim() === 'active' ? true : undefined), 200);
  }, 90_000);
});
