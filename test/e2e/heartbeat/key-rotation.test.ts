// SIGHUP-style reconfiguration (HeartbeatNode.applyConfig): new authkeys take
// effect at once without dropping anything (spec §4.1: every listed key
// verifies, `auth N` signs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { pairSpecs, startHbNode, type HbEvent, type HbNodeProcess } from '../../helpers/hbnode-lab.js';
import type { HbNodeSpec } from '../../helpers/hbnode-config.js';

const OLD = { index: 1, method: 'md5' as const, secret: 'old-secret' };
const NEW = { index: 2, method: 'sha1' as const, secret: 'new-secret' };
const active = (node: string) => (e: HbEvent) => e.ev === 'nodeStatus' && e.node === node && e.status === 'active';

describe('authkeys rotation on a running pair', () => {
  let lab: Lab | undefined;
  let work = '';
  const procs: HbNodeProcess[] = [];
  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'a', ip: '10.80.0.1' }, { name: 'b', ip: '10.80.0.2' }] });
    work = await mkdtemp(join(tmpdir(), 'hbts-e2e-keys-'));
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop(2000)));
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('rotates keys without a single rejected packet, and a key only one side has is rejected', async () => {
    const [specA, specB] = pairSpecs(['a', 'b'], () => [{ kind: 'bcast', iface: 'eth0' }], { keys: { active: 1, keys: [OLD] } });
    const a = await startHbNode(lab!.host('a'), specA, work);
    const b = await startHbNode(lab!.host('b'), specB, work);
    procs.push(a, b);
    const joined = await a.waitFor('a sees b active', active('b'), 10_000);
    await b.waitFor('b sees a active', active('a'), 10_000);

    const apply = async (p: HbNodeProcess, spec: HbNodeSpec): Promise<HbEvent> => {
      p.command({ cmd: 'applyConfig', spec });
      return p.waitForNext('applied', (e) => e.ev === 'applied', 5000);
    };
    // 1. both learn the new key, still signing with the old one; 2. both sign with the new one; 3. the old key goes.
    for (const keys of [
      { active: 1, keys: [OLD, NEW] },
      { active: 2, keys: [OLD, NEW] },
      { active: 2, keys: [NEW] },
    ]) {
      expect((await apply(b, { ...specB, keys })).applied).toContain('authkeys');
      await a.snapshot(); // a few heartbeats of b under the new keys reach a meanwhile
      expect((await apply(a, { ...specA, keys })).applied).toContain('authkeys');
      await b.snapshot();
    }
    // Condition, not a sleep: a has accepted five more of b's sequenced messages under the new key.
    const bSeq = async (): Promise<number> =>
      ((await a.snapshot()).nodes as Array<{ name: string; lastSeq?: number }>).find((n) => n.name === 'b')?.lastSeq ?? 0;
    const seqAtRotation = await bSeq();
    const until = Date.now() + 5000;
    while ((await bSeq()) < seqAtRotation + 5) {
      if (Date.now() > until) throw new Error('a did not accept 5 more messages from b after the rotation');
      await a.waitForNext('any event', () => true, 300).catch(() => undefined);
    }
    expect(a.events.filter((e) => e.ev === 'badPacket')).toEqual([]);
    expect(b.events.filter((e) => e.ev === 'badPacket')).toEqual([]);
    // Not one death during the rotation. (Before the join, a may declare b dead
    // at initdead if b's start-up took longer than that on a loaded machine.)
    expect(a.events.some((e) => e.ev === 'peerDead' && e.t >= joined.t)).toBe(false);

    // b goes back to a key a no longer has: a rejects b from the next packet on, and b dies at a.
    const switchedAt = Date.now();
    await apply(b, { ...specB, keys: { active: 1, keys: [OLD] } });
    const bad = await a.waitFor('a rejects b', (e) => e.ev === 'badPacket' && e.address === '10.80.0.2' && e.t >= switchedAt, 2000);
    expect(String(bad.reason)).toMatch(/authentication/);
    await a.waitFor('a declares b dead', (e) => e.ev === 'peerDead' && e.node === 'b' && e.t >= switchedAt, 5000);
  });
});
