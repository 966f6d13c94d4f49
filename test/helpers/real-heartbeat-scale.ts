// Issue 12's many-groups case against two REAL Heartbeat 3.0.6 nodes: the
// baseline of `npm run bench scale`, in the shape of scale-lab.ts (which runs
// heartbeat-ts nodes):
//
//   alpha  IPaddr::10.77.0.100/24/eth0      N one-address groups homed on alpha,
//   alpha  IPaddr::10.77.0.101/24/eth0      each through the package's own
//   …                                       /etc/ha.d/resource.d/IPaddr
//
// The daemons run only through the sandbox of real-heartbeat.ts (private
// PID/mount/UTS/IPC namespaces, logging stubs over pkill/reboot/…). Each node
// also runs its private nginx (Debian's /etc/init.d/nginx inside the node's
// sandbox, page = node name), started by this helper, not by Heartbeat, and
// listening on every address: a VIP answers from a node exactly when the
// address is up there. The client (scale-client.ts) asks every VIP over HTTP.
//
// Heartbeat runs groups one after the other (ResourceManager, one IPaddr at a
// time), so at 100 groups a move takes minutes: every wait is bounded by the
// caller's timeout, and a move that does not finish rejects with
// ScaleTimeout (how many VIPs were served by then).
import { setTimeout as delay } from 'node:timers/promises';
import { dropStaleAddresses } from './lab-addresses.js';
import type { Lab, LabHost } from './netns.js';
import { realAuthkeys, realHaCf, realHaresources, realMediaLines, type RealMediaKind } from './real-heartbeat-config.js';
import { startRealHeartbeat, type RealHeartbeatNode } from './real-heartbeat.js';
import { startScaleClient, type ScaleClient } from './scale-client.js';
import { scaleVips, type VipFigure } from './scale-lab.js';

export interface RealScaleOptions {
  /** How many one-address groups (1–150: 10.77.0.100 up). */
  readonly groups: number;
  /** Each VIP is probed every this many ms (default 100). */
  readonly intervalMs?: number;
  readonly probeTimeoutMs?: number;
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
  /** Heartbeat media (default bcast, as scale-lab.ts's heartbeat-ts nodes). */
  readonly media?: RealMediaKind;
  readonly onProgress?: (message: string) => void;
}

export interface RealScalePair {
  readonly vips: readonly string[];
  node(name: 'alpha' | 'bravo'): RealHeartbeatNode;
  /** Every VIP answering from alpha, both daemons active and resource-stable (alpha holds all). */
  steady(timeoutMs: number): Promise<void>;
  /** Crash alpha (link pulled, every process SIGKILLed); per VIP, kill → first answer from bravo. */
  crash(timeoutMs: number): Promise<VipFigure[]>;
  /** Reboot alpha (auto_failback on); per VIP, its longest time unreachable until alpha serves it. */
  failback(timeoutMs: number): Promise<VipFigure[]>;
  dispose(): Promise<void>;
}

const NODES = ['alpha', 'bravo'] as const;

async function startNginx(n: RealHeartbeatNode): Promise<void> {
  const r = await n.exec('/etc/init.d/nginx', ['start'], { timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`nginx did not start on real node ${n.nodeName}: ${r.stderr || r.stdout}`);
}

async function clStatus(n: RealHeartbeatNode, ...args: string[]): Promise<string> {
  return (await n.clStatus(...args)).stdout.trim();
}

export async function startRealScalePair(lab: Lab, opts: RealScaleOptions): Promise<RealScalePair> {
  const vips = scaleVips(opts.groups);
  const progress = opts.onProgress ?? ((): void => undefined);
  const deadtimeMs = opts.deadtimeMs ?? 1000;
  const hosts: Record<(typeof NODES)[number], LabHost> = { alpha: lab.host('alpha'), bravo: lab.host('bravo') };
  const haresources = realHaresources(vips.map((vip) => ({ home: 'alpha', resources: [`IPaddr::${vip}/${lab.prefixLength}/eth0`] })));
  const optionsFor = (self: LabHost, peer: LabHost): Parameters<typeof startRealHeartbeat>[1] => ({
    haCf: realHaCf({
      nodes: [...NODES],
      media: realMediaLines(opts.media ?? 'bcast', self.iface, [peer.ip]),
      keepaliveMs: opts.keepaliveMs ?? 200,
      deadtimeMs,
      initdeadMs: deadtimeMs,
      autoFailback: 'on',
    }),
    haresources,
    authkeys: realAuthkeys('md5'),
    labTrace: false,
    nginx: true,
  });

  const nodes: Partial<Record<(typeof NODES)[number], RealHeartbeatNode>> = {};
  let client: ScaleClient | undefined;
  const dispose = async (): Promise<void> => {
    await client?.stop().catch(() => undefined);
    for (const n of NODES) await nodes[n]?.dispose().catch(() => undefined);
  };
  try {
    progress(`starting real Heartbeat 3.0.6 on alpha and bravo (${vips.length} IPaddr groups homed on alpha)`);
    [nodes.alpha, nodes.bravo] = await Promise.all([
      startRealHeartbeat(hosts.alpha, optionsFor(hosts.alpha, hosts.bravo)),
      startRealHeartbeat(hosts.bravo, optionsFor(hosts.bravo, hosts.alpha)),
    ]);
    await Promise.all(NODES.map((n) => startNginx(nodes[n]!)));
    client = startScaleClient(lab.host('client'), vips, { intervalMs: opts.intervalMs ?? 100, timeoutMs: opts.probeTimeoutMs ?? 300 });
  } catch (err) {
    await dispose();
    throw err;
  }
  const probes = client;
  const node = (n: (typeof NODES)[number]): RealHeartbeatNode => nodes[n]!;

  /** Three checks in a row: both active to each other, `holder` holds every group (`all`, or `local` when they are all its own), the other none of them (`none`, or `local`: its own, which are none). */
  const waitStable = async (holder: 'alpha' | 'bravo', deadline: number): Promise<void> => {
    let streak = 0;
    let last = '';
    for (let i = 0; streak < 3; i++) {
      const a = node('alpha');
      const b = node('bravo');
      const [ar, br, an, bn] = await Promise.all([
        clStatus(a, 'rscstatus'),
        clStatus(b, 'rscstatus'),
        clStatus(a, 'nodestatus', 'bravo'),
        clStatus(b, 'nodestatus', 'alpha'),
      ]);
      last = `alpha rsc=${ar} sees bravo ${an}; bravo rsc=${br} sees alpha ${bn}`;
      const [h, o] = holder === 'alpha' ? [ar, br] : [br, ar];
      const ok = (h === 'all' || h === 'local') && (o === 'none' || o === 'local') && an === 'active' && bn === 'active';
      streak = ok ? streak + 1 : 0;
      if (streak >= 3) return;
      if (Date.now() > deadline || i > 100_000) throw new Error(`real pair not stable in time: ${last}`);
      await delay(300);
    }
  };

  /** After a crash: bravo alone, holding every group, out of transition. */
  const waitSurvivor = async (deadline: number): Promise<void> => {
    let streak = 0;
    for (let i = 0; streak < 3; i++) {
      streak = (await clStatus(node('bravo'), 'rscstatus')) === 'all' ? streak + 1 : 0;
      if (streak >= 3) return;
      if (Date.now() > deadline || i > 100_000) throw new Error('bravo did not settle holding every group after the crash');
      await delay(300);
    }
  };

  return {
    vips,
    node,
    steady: async (timeout) => {
      const deadline = Date.now() + timeout;
      if (!node('alpha').isRunning() || !node('bravo').isRunning()) throw new Error('a real node is not running');
      progress(`waiting for alpha to serve all ${vips.length} VIPs (Heartbeat starts them one by one)`);
      await probes.firstServed('alpha', Date.now(), timeout);
      await waitStable('alpha', deadline);
      // A daemon advertises dt = deadtime + 2 s during its first 5 s (spec §8.1): a crash measured
      // before that would measure the longer dead time.
      const oldEnough = Math.max(node('alpha').startedAt, node('bravo').startedAt) + 5000 + 2 * (opts.keepaliveMs ?? 200) + 300;
      if (oldEnough > deadline) throw new Error('real pair not past its first 5 s in time');
      await delay(Math.max(0, oldEnough - Date.now()));
    },
    crash: async (timeout) => {
      probes.forget();
      const at = Date.now();
      await hosts.alpha.setLink(false);
      await node('alpha').crash();
      progress(`alpha crashed; waiting for bravo to serve all ${vips.length} VIPs`);
      const served = await probes.firstServed('bravo', at, timeout);
      return probes.servedFigures(served, at);
    },
    failback: async (timeout) => {
      const deadline = Date.now() + timeout;
      await waitSurvivor(deadline);
      probes.forget();
      // A reboot: the crashed machine comes back without the addresses it had, its link plugged in.
      await dropStaleAddresses(hosts.alpha);
      await hosts.alpha.setLink(true);
      const at = Date.now();
      nodes.alpha = await node('alpha').restart();
      // nginx is not a Heartbeat resource here; it needs the node's new sandbox, so it starts just after
      // the daemon (alpha serves nothing until bravo has let its groups go, seconds later).
      await startNginx(node('alpha'));
      progress(`alpha restarted; waiting for it to serve all ${vips.length} VIPs again`);
      const served = await probes.firstServed('alpha', at, Math.max(1, deadline - Date.now()));
      return probes.outageFigures(served, at);
    },
    dispose,
  };
}
