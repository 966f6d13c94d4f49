// The client side of the many-groups lab (issue 12), on its own: the prober
// (scale-prober.ts) asking every VIP over HTTP from the client namespace, and
// the two figures read from its answers: when each VIP is first served by a
// node after an event, and each VIP's longest outage until then. The same
// client for scale-lab.ts (heartbeat-ts nodes) and real-heartbeat-scale.ts
// (real Heartbeat 3.0.6 nodes).
import type { ResultPromise } from 'execa';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { followLines } from './child-lines.js';
import type { LabHost } from './netns.js';

/** One probe of one VIP, as the prober reports it. */
export interface ScaleProbe {
  /** Index into the VIP list. */
  readonly v: number;
  readonly t0: number;
  readonly ok: boolean;
  readonly body?: string;
}

/** One VIP's figure for one move. */
export interface VipFigure {
  readonly vip: string;
  readonly ms: number;
  /** Failback: when its outage began and ended, ms after the event. */
  readonly fromMs?: number;
  readonly toMs?: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const PROBER = join(HERE, 'scale-prober.ts');

export interface ScaleClient {
  readonly probes: readonly ScaleProbe[];
  /**
   * Per VIP, the first probe sent at or after `since` answered by `node`;
   * waits (bounded) until every VIP has one. On timeout rejects with a
   * ScaleTimeout saying how many VIPs were served.
   */
  firstServed(node: string, since: number, timeoutMs: number): Promise<ScaleProbe[]>;
  /** Per VIP, kill → first answer (from firstServed's result). */
  servedFigures(served: readonly ScaleProbe[], at: number): VipFigure[];
  /** Per VIP, its longest run of failed probes from `at` until `served` (first failure → next answer). */
  outageFigures(served: readonly ScaleProbe[], at: number): VipFigure[];
  /** Drop the probes seen so far (a long real run sends ~1000 a second); call between events, not during a wait. */
  forget(): void;
  stop(): Promise<void>;
}

export class ScaleTimeout extends Error {
  constructor(
    readonly node: string,
    readonly served: number,
    readonly total: number,
    readonly timeoutMs: number,
    missing: readonly string[],
  ) {
    super(`${total - served} of ${total} VIPs not served by ${node} within ${timeoutMs} ms: ${missing.slice(0, 10).join(' ')}${missing.length > 10 ? '…' : ''}`);
  }
}

export function startScaleClient(client: LabHost, vips: readonly string[], opts: { intervalMs: number; timeoutMs: number; maxMs?: number }): ScaleClient {
  const results: ScaleProbe[] = [];
  const child: ResultPromise = client.spawn(
    process.execPath,
    ['--import', 'tsx', PROBER, vips.join(','), String(opts.intervalMs), String(opts.timeoutMs), String(opts.maxMs ?? 3_600_000)],
    { cwd: REPO_ROOT, buffer: false, stdin: 'ignore' },
  );
  const follow = followLines(child, (line) => {
    try {
      const o = JSON.parse(line) as ScaleProbe;
      if (typeof o.v === 'number' && typeof o.t0 === 'number' && typeof o.ok === 'boolean') results.push(o);
    } catch {
      /* not a probe line */
    }
  });

  const firstServed: ScaleClient['firstServed'] = async (node, since, timeout) => {
    const deadline = Date.now() + timeout;
    const found: (ScaleProbe | undefined)[] = new Array(vips.length).fill(undefined);
    let scanned = 0;
    const scan = (): void => {
      for (; scanned < results.length; scanned++) {
        const r = results[scanned]!;
        if (r.ok && r.body === node && r.t0 >= since && (found[r.v] === undefined || r.t0 < found[r.v]!.t0)) found[r.v] = r;
      }
    };
    for (let i = 0; ; i++) {
      scan();
      const missing = found.map((f, v) => (f === undefined ? vips[v]! : undefined)).filter((x): x is string => x !== undefined);
      if (missing.length === 0) {
        // Probes still in flight may have been sent earlier: let them report (they end within the probe timeout).
        await delay(opts.timeoutMs + 100);
        scan();
        return found as ScaleProbe[];
      }
      if (follow.exited()) throw new Error(`the scale prober exited:\n${follow.stderr()}`);
      if (Date.now() > deadline || i > 10_000_000) throw new ScaleTimeout(node, vips.length - missing.length, vips.length, timeout, missing);
      await delay(50);
    }
  };

  return {
    probes: results,
    firstServed,
    servedFigures: (served, at) => served.map((r) => ({ vip: vips[r.v]!, ms: r.t0 - at })),
    outageFigures: (served, at) => {
      const byVip = new Map<number, ScaleProbe[]>();
      for (const r of results) {
        const s = served[r.v];
        if (s === undefined || r.t0 < at || r.t0 > s.t0) continue;
        let list = byVip.get(r.v);
        if (!list) byVip.set(r.v, (list = []));
        list.push(r);
      }
      return served.map((s) => {
        const mine = (byVip.get(s.v) ?? []).sort((x, y) => x.t0 - y.t0);
        let worst = { ms: 0, from: 0, to: 0 };
        let runStart: number | undefined;
        for (const r of mine) {
          if (!r.ok) runStart ??= r.t0;
          else if (runStart !== undefined) {
            if (r.t0 - runStart > worst.ms) worst = { ms: r.t0 - runStart, from: runStart, to: r.t0 };
            runStart = undefined;
          }
        }
        if (worst.ms === 0) return { vip: vips[s.v]!, ms: 0 };
        return { vip: vips[s.v]!, ms: worst.ms, fromMs: worst.from - at, toMs: worst.to - at };
      });
    },
    forget: () => {
      results.length = 0;
    },
    stop: async () => {
      if (follow.exited()) return;
      child.kill('SIGTERM');
      await Promise.race([follow.done, delay(5000)]);
      if (!follow.exited()) child.kill('SIGKILL');
    },
  };
}
