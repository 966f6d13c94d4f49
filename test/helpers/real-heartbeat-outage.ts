// What a client sees during a failover: a prober in the client namespace
// (real-heartbeat-prober.ts) asks the service address over HTTP every 20 ms;
// this module runs it and turns its answers into an outage figure.
//
// Why HTTP to nginx rather than ping/ARP: the issue defines the outage as the
// client's (`http://<vip>/` every 20 ms), and an HTTP answer proves the whole
// group (address AND service) is up on the new node; the page names the node
// that answered, so a probe also tells WHO serves.
import type { ResultPromise } from 'execa';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { followLines } from './child-lines.js';
import type { LabHost } from './netns.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const PROBER = join(HERE, 'real-heartbeat-prober.ts');

export interface ProbeResult {
  readonly seq: number;
  /** Epoch ms (fractional) the probe was sent. */
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  /** First line of the page: the name of the node that served it. */
  readonly body?: string;
  readonly error?: string;
}

export interface Outage {
  /** The client-visible outage: first failed probe → first probe answered by the expected node (± one probe interval). */
  readonly outageMs: number;
  /** From the event (crash, stop, command) to the first probe answered by the expected node. */
  readonly eventToServedMs: number;
  readonly failedProbes: number;
  readonly firstFailAtMs?: number;
  readonly servedAtMs: number;
  /** The last probe answered before the outage, by whom. */
  readonly lastServedBefore?: string;
}

/**
 * Outage after an event at `eventAtMs`, when `expected` must end up serving.
 * Probes are ordered by start time. The outage starts at the first probe
 * (sent at or after the event) that failed and ends at the first later probe
 * answered by `expected`; no failed probe means no outage (0).
 * Undefined when `expected` never answered after the event.
 */
export function computeOutage(results: readonly ProbeResult[], eventAtMs: number, expected: string): Outage | undefined {
  const sorted = results.filter((r) => r.startMs >= eventAtMs).sort((a, b) => a.startMs - b.startMs);
  const before = results.filter((r) => r.startMs < eventAtMs && r.ok).sort((a, b) => a.startMs - b.startMs);
  const lastServedBefore = before[before.length - 1]?.body;
  const firstFail = sorted.find((r) => !r.ok);
  const from = firstFail?.startMs ?? eventAtMs;
  const served = sorted.find((r) => r.ok && r.body === expected && r.startMs >= from);
  if (!served) return undefined;
  const failedProbes = sorted.filter((r) => !r.ok && r.startMs < served.startMs).length;
  return {
    outageMs: firstFail && firstFail.startMs <= served.startMs ? served.startMs - firstFail.startMs : 0,
    eventToServedMs: served.startMs - eventAtMs,
    failedProbes,
    ...(firstFail ? { firstFailAtMs: firstFail.startMs } : {}),
    servedAtMs: served.startMs,
    ...(lastServedBefore !== undefined ? { lastServedBefore } : {}),
  };
}

export function parseProbeLine(line: string): ProbeResult | undefined {
  try {
    const o = JSON.parse(line) as { s?: unknown; t0?: unknown; t1?: unknown; ok?: unknown; body?: unknown; err?: unknown };
    if (typeof o.s !== 'number' || typeof o.t0 !== 'number' || typeof o.t1 !== 'number' || typeof o.ok !== 'boolean') return undefined;
    return {
      seq: o.s,
      startMs: o.t0,
      endMs: o.t1,
      ok: o.ok,
      ...(typeof o.body === 'string' ? { body: o.body } : {}),
      ...(typeof o.err === 'string' ? { error: o.err } : {}),
    };
  } catch {
    return undefined;
  }
}

export interface Prober {
  results(): ProbeResult[];
  /** Wait (bounded) until a probe sent at or after `sinceMs` is answered by `node`. */
  waitForServedBy(node: string, timeoutMs: number, sinceMs?: number): Promise<ProbeResult>;
  /** Wait (bounded) until every probe numbered up to `seq` has reported. */
  waitForAnswers(seq: number, timeoutMs: number): Promise<void>;
  stop(): Promise<ProbeResult[]>;
}

export interface ProberOptions {
  readonly intervalMs?: number;
  /** Per-probe timeout (default 300 ms). */
  readonly timeoutMs?: number;
  /** The prober exits by itself after this long (default 10 min). */
  readonly maxMs?: number;
}

/** Start probing `url` from the client host's namespace. */
export async function startProber(client: LabHost, url: string, opts: ProberOptions = {}): Promise<Prober> {
  const child: ResultPromise = client.spawn(
    process.execPath,
    ['--import', 'tsx', PROBER, url, String(opts.intervalMs ?? 20), String(opts.timeoutMs ?? 300), String(opts.maxMs ?? 600_000)],
    { cwd: REPO_ROOT, buffer: false, stdin: 'ignore' },
  );
  const results: ProbeResult[] = [];
  const followed = followLines(child, (line) => {
    const r = parseProbeLine(line);
    if (r) results.push(r);
  });
  const { done } = followed;
  // Started when its first answer (of any kind) arrives.
  const deadline = Date.now() + 20_000;
  for (let i = 0; results.length === 0; i++) {
    if (followed.exited()) throw new Error(`prober exited on ${client.name}:\n${followed.stderr()}`);
    if (Date.now() > deadline || i > 100_000) {
      child.kill('SIGKILL');
      throw new Error(`prober on ${client.name} gave no answer in 20 s:\n${followed.stderr()}`);
    }
    await delay(20);
  }
  let stopped = false;
  return {
    results: () => results.slice(),
    waitForServedBy: async (node, timeoutMs, sinceMs = 0) => {
      const end = Date.now() + timeoutMs;
      for (let i = 0; ; i++) {
        const hit = results.find((r) => r.ok && r.body === node && r.startMs >= sinceMs);
        if (hit) return hit;
        if (followed.exited()) throw new Error(`prober on ${client.name} exited:\n${followed.stderr()}`);
        if (Date.now() > end || i > 1_000_000) {
          const last = results[results.length - 1];
          throw new Error(`${node} did not serve within ${timeoutMs} ms (last probe: ${JSON.stringify(last)})`);
        }
        await delay(10);
      }
    },
    waitForAnswers: async (seq, timeoutMs) => {
      const end = Date.now() + timeoutMs;
      for (let i = 0; ; i++) {
        const seen = new Set(results.map((r) => r.seq));
        let all = true;
        for (let k = 0; k <= seq && all; k++) all = seen.has(k);
        if (all) return;
        if (followed.exited()) throw new Error(`prober on ${client.name} exited:\n${followed.stderr()}`);
        if (Date.now() > end || i > 1_000_000) throw new Error(`probes up to #${seq} did not all report within ${timeoutMs} ms`);
        await delay(20);
      }
    },
    stop: async () => {
      if (!stopped) {
        stopped = true;
        child.kill('SIGTERM');
        await Promise.race([done, delay(5000)]);
        if (!followed.exited()) child.kill('SIGKILL');
      }
      return results.slice();
    },
  };
}
