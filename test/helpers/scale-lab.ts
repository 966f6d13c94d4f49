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
import { execa, type ResultPromise } from 'execa';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { followLines } from './child-lines.js';
import { startOurFailoverPair, type OurFailoverPair, type PairGroup } from './failover-pair.js';
import type { OurNode } from './hbts-node.js';
import type { Lab, LabHost } from './netns.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const PROBER = join(HERE, 'scale-prober.ts');

export interface ScaleProbe {
  /** Index into the VIP list. */
  readonly v: number;
  readonly t0: number;
  readonly ok: boolean;
  readonly body?: string;
}

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

export interface VipFigure {
  readonly vip: string;
  readonly ms: number;
  /** Failback: when its outage began and ended, ms after the event. */
  readonly fromMs?: number;
  readonly toMs?: number;
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
  const results: ScaleProbe[] = [];
  let child: ResultPromise | undefined;
  let followed: ReturnType<typeof followLines> | undefined;
  const dispose = async (): Promise<void> => {
    if (child && !followed?.exited()) {
      child.kill('SIGTERM');
      await Promise.race([followed?.done, delay(5000)]);
      if (!followed?.exited()) child.kill('SIGKILL');
    }
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
      if (results.length > 0) writeFileSync(join(dir, 'probes.jsonl'), results.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    await pair.dispose();
  };
  try {
    await Promise.all(['alpha', 'bravo'].map((n) => startNginx(pair.node(n))));
    const client: LabHost = lab.host('client');
    child = client.spawn(process.execPath, ['--import', 'tsx', PROBER, vips.join(','), String(intervalMs), String(timeoutMs), '1800000'], {
      cwd: REPO_ROOT,
      buffer: false,
      stdin: 'ignore',
    });
    followed = followLines(child, (line) => {
      try {
        const o = JSON.parse(line) as ScaleProbe;
        if (typeof o.v === 'number' && typeof o.t0 === 'number' && typeof o.ok === 'boolean') results.push(o);
      } catch {
        /* not a probe line */
      }
    });
  } catch (err) {
    await dispose();
    throw err;
  }
  const follow = followed;

  /** Per VIP, the first probe sent at or after `since` answered by `node`; waits (bounded) until every VIP has one. */
  const firstServed = async (node: string, since: number, timeout: number): Promise<ScaleProbe[]> => {
    const deadline = Date.now() + timeout;
    const found: (ScaleProbe | undefined)[] = new Array(vips.length).fill(undefined);
    let scanned = 0;
    for (let i = 0; ; i++) {
      for (; scanned < results.length; scanned++) {
        const r = results[scanned]!;
        if (r.ok && r.body === node && r.t0 >= since && (found[r.v] === undefined || r.t0 < found[r.v]!.t0)) found[r.v] = r;
      }
      const missing = found.map((f, v) => (f === undefined ? vips[v]! : undefined)).filter((x): x is string => x !== undefined);
      if (missing.length === 0) {
        // Probes still in flight may have been sent earlier: let them report (they end within the probe timeout).
        await delay(timeoutMs + 100);
        for (; scanned < results.length; scanned++) {
          const r = results[scanned]!;
          if (r.ok && r.body === node && r.t0 >= since && r.t0 < found[r.v]!.t0) found[r.v] = r;
        }
        return found as ScaleProbe[];
      }
      if (follow.exited()) throw new Error(`the scale prober exited:\n${follow.stderr()}`);
      if (Date.now() > deadline || i > 1_000_000) {
        throw new Error(`${missing.length} of ${vips.length} VIPs not served by ${node} within ${timeout} ms: ${missing.slice(0, 10).join(' ')}…`);
      }
      await delay(50);
    }
  };

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
    probes: () => results,
    steady: async (timeout) => {
      await pair.waitHolders(allHolders('alpha'), timeout);
      await pair.waitPastStartup(timeout);
      await firstServed('alpha', Date.now(), timeout);
    },
    crash: async (timeout) => {
      const at = await pair.crash('alpha');
      progress(`alpha crashed; waiting for bravo to serve all ${vips.length} VIPs`);
      const served = await firstServed('bravo', at, timeout);
      return served.map((r) => ({ vip: vips[r.v]!, ms: r.t0 - at }));
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
        served = await firstServed('alpha', at, timeout);
      } catch (err) {
        // A stalled failback: say which addresses each node holds now (the bench prints the first line only).
        const [a, b] = await Promise.all([addressesOn('alpha'), addressesOn('bravo')]);
        const held = new Set([...a, ...b]);
        const nobody = vips.filter((v) => !held.has(v));
        throw new Error(`${(err as Error).message} [on alpha: ${a.length}, on bravo: ${b.length}, on neither: ${nobody.length} ${nobody.slice(0, 5).join(' ')}]`);
      }
      return served.map((s) => {
        // This VIP's longest time unreachable from the restart until alpha served it: a run of failed
        // probes, from its first failure to the next answer (from either node).
        const mine = results.filter((r) => r.v === s.v && r.t0 >= at && r.t0 <= s.t0).sort((x, y) => x.t0 - y.t0);
        let worstRun = { ms: 0, from: 0, to: 0 };
        let runStart: number | undefined;
        for (const r of mine) {
          if (!r.ok) runStart ??= r.t0;
          else if (runStart !== undefined) {
            if (r.t0 - runStart > worstRun.ms) worstRun = { ms: r.t0 - runStart, from: runStart, to: r.t0 };
            runStart = undefined;
          }
        }
        if (worstRun.ms === 0) return { vip: vips[s.v]!, ms: 0 };
        return { vip: vips[s.v]!, ms: worstRun.ms, fromMs: worstRun.from - at, toMs: worstRun.to - at };
      });
    },
    dispose,
  };
}
