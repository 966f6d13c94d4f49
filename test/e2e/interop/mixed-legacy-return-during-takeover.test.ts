// Issue 9: auto_failback legacy, real Heartbeat 3.0.6 primary + heartbeat-ts
// backup. The primary crashes, the backup takes the group over, and the
// primary comes back WHILE that takeover is still starting the group (a fast
// reboot, or `heartbeat` restarted by an admin). The cluster must end with
// exactly one owner: the primary, which asks for its group (spec §9.4).
//
// The window is made wide and deterministic, not left to timing luck: the
// group is `IPaddr Gate nginx`, and Gate's start on the backup blocks until
// the test opens it (bounded), so the backup holds the VIP and is still
// "starting" the group while the primary returns and decides (§9.4: ask with
// `ip-request` if a peer is active, else take the group itself).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../helpers/netns.js';
import { MIXED_DEADTIME_MS, MIXED_LAB_HOSTS, startMixedCluster, type MixedCluster } from '../../helpers/mixed-cluster.js';
import { startCapture, fieldOf, type Capture, type CapturedPacket } from '../../helpers/real-heartbeat-capture.js';
import { waitUntil } from '../../helpers/wait.js';

/** Both-start in legacy mode: initdead and scripts, with room for a loaded machine. */
const SETTLE_TIMEOUT_MS = 45_000;

/**
 * A resource.d script whose start on node `$1` waits (bounded, 60 s) until
 * `$2/open` exists, after touching `$2/entered`; elsewhere it starts at once.
 * State per node in `$2/running.<node>` (HA_CURHOST: both daemons export it).
 */
const GATE_SCRIPT = `#!/bin/sh
node=$1; dir=$2
for op in "$@"; do :; done
me=\${HA_CURHOST:-$(uname -n)}
state="$dir/running.$me"
case $op in
  start)
    if [ "$me" = "$node" ]; then
      touch "$dir/entered"
      n=0; while [ ! -e "$dir/open" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
    fi
    touch "$state"; echo "Gate started" ;;
  stop) rm -f "$state"; echo "Gate stopped" ;;
  status) if [ -e "$state" ]; then echo "Gate is running"; else echo "Gate is stopped"; fi ;;
  *) echo "usage: Gate node dir start|stop|status" >&2; exit 2 ;;
esac
exit 0
`;

function describePacket(p: CapturedPacket): string {
  const skip = new Set(['srcuuid', 'destuuid', 'ld', 'auth']);
  return `${new Date(p.atMs).toISOString()} ${p.fields.filter(([n]) => !skip.has(n)).map(([n, v]) => `${n}=${v}`).join(' ')}`;
}

describe('mixed legacy (real primary + heartbeat-ts backup): the primary returns while the backup is still taking the group over', () => {
  let lab: Lab | undefined;
  let cluster: MixedCluster | undefined;
  let capture: Capture | undefined;
  const gateDir = mkdtempSync(join(tmpdir(), 'hbts-gate-'));
  const t0 = Date.now();
  const progress = (m: string): void => {
    console.log(`[legacy return during takeover] +${((Date.now() - t0) / 1000).toFixed(1)}s ${m}`);
  };

  beforeAll(async () => {
    const gate = join(gateDir, 'Gate');
    writeFileSync(gate, GATE_SCRIPT);
    chmodSync(gate, 0o755);
    lab = await createLab({ hosts: [...MIXED_LAB_HOSTS] });
    capture = await startCapture(lab.host(MIXED_LAB_HOSTS[2].name));
    cluster = await startMixedCluster(lab, {
      primaryKind: 'real',
      onProgress: progress,
      extraResource: { name: 'Gate', args: [MIXED_LAB_HOSTS[1].name, gateDir], file: gate },
    });
  }, 60_000);

  afterAll(async () => {
    try {
      // Never leave a start blocked behind us.
      writeFileSync(join(gateDir, 'open'), '');
      const keepDir = process.env['HBTS_MIXED_LOG_DIR'];
      const packets = (await capture?.stop()) ?? [];
      if (cluster && keepDir) {
        mkdirSync(keepDir, { recursive: true });
        for (const n of [cluster.primary, cluster.backup]) writeFileSync(join(keepDir, `legacy-return.${n.kind}-${n.name}.log`), n.readLog());
        writeFileSync(join(keepDir, 'legacy-return.wire.txt'), packets.map(describePacket).join('\n') + '\n');
      }
    } finally {
      await cluster?.dispose().catch(() => undefined);
      await lab?.destroy();
      rmSync(gateDir, { recursive: true, force: true });
    }
  }, 120_000);

  const c = (): MixedCluster => {
    if (!cluster) throw new Error('the mixed cluster was not built (see beforeAll)');
    return cluster;
  };

  it('ends with exactly one owner (the primary, by ip-request), never the VIP on both once the primary decided', async () => {
    const { primary, backup } = c();
    await c().startBoth('legacy');
    writeFileSync(join(gateDir, 'open'), ''); // the both-start is not the window under test
    await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
    await Promise.all([primary.waitPastStartGrace(), backup.waitPastStartGrace()]);
    rmSync(join(gateDir, 'open'));
    rmSync(join(gateDir, 'entered'), { force: true });

    const backupLogFrom = backup.logSize();
    await c().crash(primary);
    // The backup is inside its takeover: the VIP is up on it, Gate's start is held open.
    await waitUntil(`${backup.label} inside its takeover (Gate start entered)`, MIXED_DEADTIME_MS + 20_000, () => (existsSync(join(gateDir, 'entered')) ? true : undefined), 50);
    progress(`${backup.label} is starting the group (Gate held)`);
    expect(await backup.waitForLog(/Taking over resource group/, 5000, backupLogFrom)).toBeTruthy();

    // Cable back first, and its carrier seen up in the primary's namespace: the
    // daemon's first packets then leave at once (as after a `heartbeat`
    // restart), not ~1 s late behind the link's carrier delay, so the primary
    // hears itself at once and whatever it hears from us next completes its
    // comm up (spec §8.3).
    await primary.host.setLink(true);
    await waitUntil(`${primary.name}'s eth0 carrier`, 10_000, async () => ((await primary.host.exec('ip', ['link', 'show', 'eth0'])).stdout.includes('LOWER_UP') ? true : undefined), 50);
    const back = await c().returnAfterCrash(primary, 'legacy');
    // The primary's start-up decision (§9.4): ip-request (asks) or a self-addressed ip-request-resp (takes it).
    const decided = await capture!.waitFor(
      (p) => p.atMs >= back - 1000 && fieldOf(p, 'src') === primary.name && (fieldOf(p, 't') === 'ip-request' || (fieldOf(p, 't') === 'ip-request-resp' && fieldOf(p, 'dest') === primary.name)),
      30_000,
    );
    progress(`${primary.label} decided: ${describePacket(decided)}`);
    // Keep the takeover open a little longer than the primary's decision took, then let it finish.
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(join(gateDir, 'open'), '');
    const opened = Date.now();

    await c().waitSettled(SETTLE_TIMEOUT_MS, primary);
    await c().watcher.caughtUp();
    const holders = c().watcher.holdersOf(c().vip);
    const nginx = c().watcher.runningOn('nginx');
    const on = (name: string): { vip: boolean; nginx: boolean } => ({ vip: holders.includes(name), nginx: nginx.includes(name) });
    expect({ [primary.name]: on(primary.name), [backup.name]: on(backup.name) }).toEqual({
      [primary.name]: { vip: true, nginx: true },
      [backup.name]: { vip: false, nginx: false },
    });
    progress(`settled ${Date.now() - opened} ms after the gate opened; decision ${fieldOf(decided, 't')}`);
    // What the primary heard first from us after its start: our status, never an ACK before it.
    const firstOwn = capture!.packets().find((p) => fieldOf(p, 'src') === primary.name && fieldOf(p, 'hg') === fieldOf(decided, 'hg'));
    const heardFirst = capture!.packets().find((p) => firstOwn !== undefined && p.atMs >= firstOwn.atMs && fieldOf(p, 'src') === backup.name);
    progress(`first packet of ${backup.name} after ${primary.name}'s start: ${heardFirst ? describePacket(heardFirst) : 'none'}`);
    expect(heardFirst && `${fieldOf(heardFirst, 't')} ${fieldOf(heardFirst, 'st')}`).toBe('status active');
    expect(fieldOf(decided, 't'), 'the returning primary must ask for its group (a peer is active, spec §9.4)').toBe('ip-request');
    expect(c().watcher.violations({ sinceMs: back })).toEqual([]);
    // It asked, so our overheard-"don't ask" safety net (docs/resource-manager.md §3.5) had nothing to do.
    expect(backup.readLog()).not.toMatch(/without asking/);
  }, 180_000);
});
