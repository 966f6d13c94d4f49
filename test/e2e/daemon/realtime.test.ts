// Issue 9 part 1b: ha.cf `realtime` (default on) as Heartbeat honours it
// (cluster-glue's cl_make_realtime: SCHED_RR at the lowest realtime priority,
// children back to normal scheduling): two CPU hogs must not delay the
// daemon's heartbeats. Checked from outside with util-linux `chrt -p` on the
// daemon's threads, and on the nginx its resource script started (it must not
// inherit realtime scheduling). With `realtime off` nothing changes.
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHaCf, removeNodeDir, startOurNode, type OurNode } from '../../helpers/hbts-node.js';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { createLab, type Lab } from '../../helpers/netns.js';

const VIP = '10.93.0.100';

async function policyOf(pid: number): Promise<string> {
  const r = await execa('chrt', ['-p', String(pid)], { reject: false });
  const m = /current scheduling policy: (\S+)/.exec(r.stdout);
  return m?.[1] ?? `unknown (${r.stderr.trim()})`;
}

function daemonPid(node: OurNode): number {
  return Number(readFileSync(join(node.runDir, 'heartbeat.pid'), 'utf8').trim());
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

describe('ha.cf realtime (issue 9 part 1b)', () => {
  let lab: Lab;
  const started: OurNode[] = [];

  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.93.0.1' }, { name: 'bravo', ip: '10.93.0.2' }] });
  });
  afterAll(async () => {
    for (const n of started) if (n.isRunning()) await n.crash().catch(() => undefined);
    await lab?.destroy();
    for (const n of started) removeNodeDir(n);
  });

  it('on by default: the daemon runs SCHED_RR, its resource children (nginx) run normally, and it says so', async () => {
    const node = await startOurNode(lab.host('alpha'), {
      nodeName: 'alpha',
      haCf: labHaCf({ nodes: ['alpha', 'bravo'], initdead: '1' }),
      haresources: `alpha IPaddr::${VIP}/24/eth0 nginx`,
      authkeys: 'auth 1\n1 sha1 realtime-test-key',
      nginx: true,
    });
    started.push(node);
    const line = await node.waitForLog(/realtime: \d+ of \d+ threads of pid \d+ run SCHED_RR priority 1/, 15_000);
    console.log(`[heartbeat-ts realtime] ${line.replace(/^.*realtime: /, 'realtime: ')}`);
    const pid = daemonPid(node);
    expect(await policyOf(pid)).toBe('SCHED_RR|SCHED_RESET_ON_FORK');
    // Every thread the daemon had at start-up took it; later ones start normal (reset-on-fork).
    const [, rr, all] = /(\d+) of (\d+) threads/.exec(line)!;
    expect(Number(rr)).toBe(Number(all));
    const threads = readdirSync(`/proc/${pid}/task`).map(Number);
    expect(threads.length).toBeGreaterThan(1);
    // One WARN about memory locking, as Heartbeat degrades when it cannot lock.
    await node.waitForLog(/WARN: .*Cannot lock ourselves into memory: Node\.js has no mlockall/, 5_000);
    expect(node.readLog().match(/Cannot lock ourselves into memory/g)).toHaveLength(1);

    // The group's nginx was started by the daemon (through its LSB script): normal scheduling.
    await waitFor('the VIP on alpha', 15_000, async () => ((await hasAddress(lab.host('alpha'), VIP)) ? true : undefined));
    const nginxPid = await waitFor('nginx running', 15_000, () => {
      try {
        const n = Number(readFileSync(join(node.rootDir, 'nginx', 'nginx.pid'), 'utf8').trim());
        return n > 0 ? n : undefined;
      } catch {
        return undefined;
      }
    });
    expect(await policyOf(nginxPid)).toBe('SCHED_OTHER');
  });

  it('realtime off: the daemon keeps normal scheduling', async () => {
    const node = await startOurNode(lab.host('bravo'), {
      nodeName: 'bravo',
      haCf: [...labHaCf({ nodes: ['alpha', 'bravo'], initdead: '1' }), 'realtime off'],
      haresources: `alpha IPaddr::${VIP}/24/eth0`,
      authkeys: 'auth 1\n1 sha1 realtime-test-key',
    });
    started.push(node);
    await node.waitForLog(/realtime off \(ha\.cf `realtime off` or -l\)/, 15_000);
    const pid = daemonPid(node);
    for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) expect(await policyOf(tid), `thread ${tid}`).toBe('SCHED_OTHER');
    expect(node.readLog()).not.toMatch(/Cannot lock ourselves into memory/);
  });
});
