// The runner on real Heartbeat configuration files (the files a real node
// reads): two nodes, bcast and md5 as in the spec's lab (spec §12.1).
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { startHbNodeFromConfigDir, type HbEvent, type HbNodeProcess } from '../../helpers/hbnode-lab.js';

const HA_CF = `# heartbeat-ts e2e
keepalive 200ms
deadtime 1
warntime 500ms
initdead 3
udpport 694
bcast eth0
auto_failback on
node alpha
node bravo
`;
const AUTHKEYS = 'auth 1\n1 md5 labsecret\n';

describe('hbnode-runner with --config-dir', () => {
  let lab: Lab | undefined;
  let work = '';
  const procs: HbNodeProcess[] = [];
  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.79.0.1' }, { name: 'bravo', ip: '10.79.0.2' }] });
    work = await mkdtemp(join(tmpdir(), 'hbts-e2e-cfg-'));
    const conf = join(work, 'ha.d');
    await mkdir(conf);
    await writeFile(join(conf, 'ha.cf'), HA_CF);
    await writeFile(join(conf, 'haresources'), '');
    await writeFile(join(conf, 'authkeys'), AUTHKEYS);
    await chmod(join(conf, 'authkeys'), 0o600);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop(2000)));
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('brings both nodes to active from ha.cf and authkeys', async () => {
    const conf = join(work, 'ha.d');
    for (const name of ['alpha', 'bravo']) {
      procs.push(await startHbNodeFromConfigDir(lab!.host(name), name, conf, join(work, `state-${name}`)));
    }
    const [alpha, bravo] = procs as [HbNodeProcess, HbNodeProcess];
    expect(alpha.events.find((e) => e.ev === 'startError')).toBeUndefined();
    const active = (node: string) => (e: HbEvent) => e.ev === 'nodeStatus' && e.node === node && e.status === 'active';
    await alpha.waitFor('alpha sees bravo active', active('bravo'), 10_000);
    await bravo.waitFor('bravo sees alpha active', active('alpha'), 10_000);
    const snap = await alpha.snapshot();
    expect(snap.timers).toEqual({ keepalive: 200, deadtime: 1000, warntime: 500, initdead: 3000, deadping: 1000 });
    expect((snap.media as Array<{ description: string }>)[0]!.description).toBe('bcast eth0 → 10.79.0.255:694');
  });
});
