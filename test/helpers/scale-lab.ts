// Issue 12's many-groups case: a front (LVS, HAProxy) with dozens of service
// addresses, each its own one-address haresources group, all homed on alpha:
//
//   alpha  IPaddr::10.77.0.100/24/eth0
//   alpha  IPaddr::10.77.0.101/24/eth0
//   …      (N groups)
//
// Both nodes run their nginx all the time, listening on every address (as a
// front with non-local binds does), started by this helper, not by Heartbeat:
// a VIP answers from a node exactly when the address is up there. A client
// (scale-prober.ts) asks every VIP over HTTP, each one every `intervalMs`.
//
// crash(): alpha's link is pulled and its processes SIGKILLed; the figure is
// when the LAST VIP first answers from bravo. failback(): alpha is "rebooted"
// (addresses dropped, link back, nginx and heartbeat-ts started) and takes
// its groups back (auto_failback on); the figure is the worst outage of one
// VIP (its longest run of failed probes, first failure → next answer, until
// alpha serves it).
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOurFailoverPair, type OurFailoverPair, type PairGroup } from './failover-pair.js';
import type { OurNode } from './hbts-node.js';
import type { Lab, LabHost } from './netns.js';
import { startScaleClient, type ScaleClient, type ScaleProbe, type VipFigure } from './scale-client.js';

export type { ScaleProbe, VipFigure } from './scale-client.js';
export interface ScaleOptions {
  /** How many one-address groups (at most 150: 10.77.0.100 up). */
  readonly groups: number;
  /** Each VIP is probed every this many ms (default 100). */
  readonly intervalMs?: number;
  readonly probeTimeoutMs?: number;
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
  /** More heartbeat-ts.ini text (e.g. `[resources]` settings). */
  readonly extraIni?: string;
  readonly onProgress?: (message: string) => void;
}

export interface ScaleLab {
  readonly pair: OurFailoverPair;
  readonly vips: readonly string[];
  /** Every VIP on alpha, the cluster settled, every VIP answering from alpha. */
  steady(timeoutMs: number): Promise<void>;
  /** Crash alpha; per VIP, kill → first answer from bravo (waits for all, bounded). */
  crash(timeoutMs: number): Promise<VipFigure[]>;
  /** Reboot alpha; per VIP, its longest time unreachable until alpha serves it (waits for all, bounded). */
  failback(timeoutMs: number): Promise<VipFigure[]>;
  /** The VIPs up on each node's eth0 now. */
  addressesOn(node: string): Promise<string[]>;
  /** Every probe reported so far (the client's log, to lay a move out VIP by VIP). */
  probes(): readonly ScaleProbe[];
  dispose(): Promise<void>;
}

export function scaleVips(n: number): string[] {
  if (!(n >= 1 && n <= 150)) throw new Error(`scale lab: ${n} groups; 1 to 150 fit in 10.77.0.100–249`);
  return Array.from({ length: n }, (_, i) => `10.77.0.${100 + i}`);
}

async function startNginx(node: OurNode): Promise<void> {
  const r = await node.host.exec(join(node.configDir, 'resource.d', 'nginx'), ['start'], {
    reject: false,
    env: { NGINX_CONF: node.nginxConf, NGINX_PIDFILE: join(node.rootDir, 'nginx', 'nginx.pid') },
    timeout: 30_000,
  });
  if (r.exitCode !== 0) throw new Error(`nginx did not start on ${node.nodeName}: ${r.stderr || r.stdout}`);
}

export async function startScaleLab(lab: Lab, opts: ScaleOptions): Promise<ScaleLab> {
  const vips = scaleVips(opts.groups);
  const intervalMs = opts.intervalMs ?? 100;
  const timeoutMs = opts.probeTimeoutMs ?? 300;
  const progress = opts.onProgress ?? ((): void => undefined);
  const groups: PairGroup[] = vips.map((vip) => ({ home: 'alpha', resources: [`IPaddr::${vip}/24/eth0`] }));
  const pair = await startOurFailoverPair(lab, {
    groups,
    vip: vips[0]!,
    watch: false,
    keepaliveMs: opts.keepaliveMs ?? 200,
    deadtimeMs: opts.deadtimeMs ?? 1000,
    autoFailback: 'on',
    startupFallbackDelay: '2',
    probeIntervalMs: 250,
    settleTimeoutMs: 90_000,
    ...(opts.extraIni !== undefined ? { extraIni: () => opts.extraIni! } : {}),
    // Kept logs are JSON (millisecond timestamps).
    ...(process.env['HBTS_SCALE_LOG_DIR'] ? { logFormat: 'json' as const } : {}),
    onProgress: progress,
  });
  let client: ScaleClient | undefined;
  const dispose = async (): Promise<void> => {
    await client?.stop();
    // HBTS_SCALE_LOG_DIR=DIR keeps both nodes' logs (to see where a slow move spent its time).
    const keep = process.env['HBTS_SCALE_LOG_DIR'];
    if (keep) {
      // One folder per lab (a bench run starts one per setting), both the log and the debug file.
      const dir = join(keep, `${new Date().toISOString().replace(/[:.]/g, '-')}-${opts.groups}g-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      for (const n of ['alpha', 'bravo']) {
        const node = pair.node(n);
        for (const [file, name] of [[node.logPath, `${n}.log`], [join(node.rootDir, 'ha-debug'), `${n}.debug.log`]] as const) {
          if (existsSync(file)) copyFileSync(file, join(dir, name));
        }
      }
      const results = client?.probes ?? [];
      if (results.length > 0) writeFileSync(join(dir, 'probes.jsonl'), results.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    await pair.dispose();
  };
  try {
    await Promise.all(['alpha', 'bravo'].map((n) => startNginx(pair.node(n))));
    const host: LabHost = lab.host('client');
    client = startScaleClient(host, vips, { intervalMs, timeoutMs, maxMs: 1_800_000 });
  } catch (err) {
    await dispose();
    throw err;
  }
  const probes = client;

  const addressesOn = async (node: string): Promise<string[]> => {
    const r = await execa('ip', ['-n', lab.host(node).ns, '-o', '-4', 'addr', 'show', 'dev', 'eth0'], { reject: false });
    const up = new Set([...String(r.stdout).matchAll(/ inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!));
    return vips.filter((v) => up.has(v));
  };

  const allHolders = (node: string): Record<string, string> => Object.fromEntries(groups.map((g) => [g.resources[0]!, node]));

  return {
    pair,
    vips,
    addressesOn,
    probes: () => probes.probes,
    steady: async (timeout) => {
      await pair.waitHolders(allHolders('alpha'), timeout);
      await pair.waitPastStartup(timeout);
      await probes.firstServed('alpha', Date.now(), timeout);
    },
    crash: async (timeout) => {
      const at = await pair.crash('alpha');
      progress(`alpha crashed; waiting for bravo to serve all ${vips.length} VIPs`);
      return probes.servedFigures(await probes.firstServed('bravo', at, timeout), at);
    },
    failback: async (timeout) => {
      const alpha = pair.node('alpha');
      // A reboot: nginx (not a Heartbeat resource here) comes up with the machine, before heartbeat-ts.
      await startNginx(alpha);
      const at = Date.now();
      await pair.start('alpha');
      progress(`alpha restarted; waiting for it to serve all ${vips.length} VIPs again`);
      let served: ScaleProbe[];
      try {
        served = await probes.firstServed('alpha', at, timeout);
      } catch (err) {
        // A stalled failback: say which addresses each node holds now (the bench prints the first line only).
        const [a, b] = await Promise.all([addressesOn('alpha'), addressesOn('bravo')]);
        const held = new Set([...a, ...b]);
        const nobody = vips.filter((v) => !held.has(v));
        throw new Error(`${(err as Error).message} [on alpha: ${a.length}, on bravo: ${b.length}, on neither: ${nobody.length} ${nobody.slice(0, 5).join(' ')}]`);
      }
      return probes.outageFigures(served, at);
    },
    dispose,
  };
}
