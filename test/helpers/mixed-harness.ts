// The harness of the mixed-cluster tests (test/e2e/interop/mixed-cluster.test.ts):
// one lab and one mixed cluster per direction, built in a beforeAll and torn
// down in an afterAll of the caller's describe, and the small steps and
// checks its scenarios are written with. The scenarios themselves live in
// the test file.
//
// Every outage is printed with a label and summed up at the end; with
// HBTS_MIXED_LOG_DIR set, both nodes' logs and the wire (as heard by the
// client) are kept there after the lab is gone.
//
// Facts relied on (shared/spec/heartbeat-protocol.md): §9.3 start-up and the
// 10 s RQSTDELAY fallback when both start together; §9.5 hb_takeover; §8.1
// dt = deadtime + 2 s during a daemon's first 5 s.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createLab, type Lab } from './netns.js';
import { hasAddress } from './lab-addresses.js';
import type { Outage } from './real-heartbeat-outage.js';
import { MIXED_LAB_HOSTS, startMixedCluster, type AutoFailback, type MixedCluster, type MixedNode, type NodeKind } from './mixed-cluster.js';
import { startCapture, type Capture, type CapturedPacket } from './real-heartbeat-capture.js';

/** Bound on a both-start: initdead + the 10 s RQSTDELAY fallback (spec §9.3) + scripts, with room for a loaded machine. */
export const BOTH_START_TIMEOUT_MS = 45_000;
export const SETTLE_TIMEOUT_MS = 45_000;

/** One line per captured heartbeat message: time, sender, fields (digests and load left out). */
function describePacket(p: CapturedPacket): string {
  const skip = new Set(['srcuuid', 'destuuid', 'ld', 'auth']);
  const fields = p.fields.filter(([n]) => !skip.has(n)).map(([n, v]) => `${n}=${v}`);
  return `${new Date(p.atMs).toISOString()} ${p.src} ${fields.join(' ')}`;
}

export interface MixedFigure {
  readonly scenario: string;
  readonly outage: Outage;
}

export function kindName(kind: NodeKind): string {
  return kind === 'real' ? 'real Heartbeat 3.0.6' : 'heartbeat-ts';
}

function formatOutage(label: string, o: Outage): string {
  return `${label}: client outage ${o.outageMs.toFixed(0)} ms (${o.failedProbes} failed probes), event → served ${o.eventToServedMs.toFixed(0)} ms`;
}

/** What a scenario of one direction works with. */
export interface MixedRun {
  /** The cluster (throws if the beforeAll failed to build it). */
  cluster(): MixedCluster;
  /** A timestamped progress line on the console. */
  progress(message: string): void;
  /** Print an outage with its label and keep it for the summary. */
  record(scenario: string, o: Outage): Outage;
  /** Start both nodes together in `mode` (the first scenario of a mode). */
  startBoth(mode: AutoFailback): Promise<void>;
  /**
   * Both nodes up in `mode`, nothing handed over: both restarted if the mode
   * changes (state kept: generation +1), else a crashed node "reboots".
   */
  bothUpIn(mode: AutoFailback): Promise<void>;
  /**
   * hb_takeover on the primary when a failed scenario left the group on the
   * backup (its last answer came from the backup), once both are settled.
   * Nothing after a restart of both (a both-start brings it home) nor in
   * legacy mode.
   */
  takeGroupHomeIfAway(): Promise<void>;
  /** Wait until both are settled with the primary the only one serving, and both are past their start-up dead-time grace (spec §8.1). */
  waitSettledOnPrimary(): Promise<void>;
  /** `node` is the only one serving: VIP and nginx there, neither on the other node. */
  expectServedOnlyBy(node: MixedNode): Promise<void>;
  /** Neither the VIP nor nginx was on both nodes at once outside a crash window since `sinceMs` (the whole run: 0). */
  expectNeverOnBoth(sinceMs: number): Promise<void>;
  /**
   * The last both-start really was one: neither node declared the other
   * dead while starting (else one of them started alone and took over,
   * spec §9.3 "a node alone", which is another scenario).
   */
  expectStartedTogether(): void;
}

/** Register the lab and cluster of one direction in the calling describe (beforeAll / afterAll). */
export function useMixedCluster(primaryKind: NodeKind): MixedRun {
  const backupKind: NodeKind = primaryKind === 'real' ? 'ours' : 'real';
  const direction = `${kindName(primaryKind)} primary + ${kindName(backupKind)} backup`;
  const tag = `[mixed ${primaryKind === 'real' ? 'real-primary/ours-backup' : 'ours-primary/real-backup'}]`;
  let lab: Lab | undefined;
  let cluster: MixedCluster | undefined;
  let mode: AutoFailback | undefined;
  /** The latest bothUpIn() restarted both nodes. */
  let restartedBoth = false;
  const figures: MixedFigure[] = [];
  const t0 = Date.now();
  const progress = (m: string): void => {
    console.log(`${tag} +${((Date.now() - t0) / 1000).toFixed(1)}s ${m}`);
  };
  const c = (): MixedCluster => {
    if (!cluster) throw new Error('the mixed cluster was not built (see beforeAll)');
    return cluster;
  };

  let capture: Capture | undefined;
  const keepDir = process.env['HBTS_MIXED_LOG_DIR'];

  beforeAll(async () => {
    lab = await createLab({ hosts: [...MIXED_LAB_HOSTS] });
    // Debugging aid: the whole wire exchange, seen from the client (it hears both nodes' broadcasts).
    if (keepDir) capture = await startCapture(lab.host(MIXED_LAB_HOSTS[2].name));
    cluster = await startMixedCluster(lab, { primaryKind, onProgress: progress });
  }, 60_000);

  afterAll(async () => {
    try {
      if (figures.length > 0) {
        console.log(`${tag} summary (${direction}):\n` + figures.map((f) => `  ${formatOutage(f.scenario, f.outage)}`).join('\n'));
      }
      if (cluster) {
        const s = cluster.watcher.stats();
        console.log(`${tag} watcher: ${s.addressEvents} address events, ${s.processSamples} process samples, ${s.windows.length} crash windows`);
      }
      if (cluster && keepDir) {
        // Debugging aid: both nodes' logs and the wire, kept after the lab is gone.
        mkdirSync(keepDir, { recursive: true });
        for (const n of [cluster.primary, cluster.backup]) {
          writeFileSync(join(keepDir, `${primaryKind}-primary.${n.kind}-${n.name}.log`), n.readLog());
        }
        const packets = (await capture?.stop()) ?? [];
        writeFileSync(join(keepDir, `${primaryKind}-primary.wire.txt`), packets.map(describePacket).join('\n') + '\n');
      }
    } finally {
      await cluster?.dispose().catch(() => undefined);
      await lab?.destroy();
    }
  }, 120_000);

  return {
    cluster: c,
    progress,
    record: (scenario, o) => {
      figures.push({ scenario, outage: o });
      console.log(`${tag} ${formatOutage(scenario, o)}`);
      return o;
    },
    startBoth: async (want) => {
      mode = want;
      await c().startBoth(want);
    },
    bothUpIn: async (want) => {
      const { primary, backup } = c();
      restartedBoth = mode !== want;
      if (restartedBoth) {
        if (primary.isRunning() || backup.isRunning()) await c().stopBoth();
        await c().startBoth(want);
        mode = want;
        return;
      }
      for (const n of [backup, primary]) {
        if (!n.isRunning()) await c().returnAfterCrash(n, want);
      }
    },
    takeGroupHomeIfAway: async () => {
      const { primary, backup } = c();
      if (restartedBoth || mode === 'legacy') return;
      const last = c().prober.results().filter((r) => r.ok).at(-1);
      if (last?.body !== backup.name) return;
      await c().waitSettled(SETTLE_TIMEOUT_MS);
      progress(`hb_takeover on ${primary.label}: a failed scenario left the group on ${backup.label}`);
      const r = await primary.hbTakeover('all');
      if (r.exitCode !== 0) throw new Error(`hb_takeover on ${primary.label} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
    },
    waitSettledOnPrimary: async () => {
      const { primary, backup } = c();
      await c().waitSettled(BOTH_START_TIMEOUT_MS, primary);
      await Promise.all([primary.waitPastStartGrace(), backup.waitPastStartGrace()]);
    },
    expectServedOnlyBy: async (node) => {
      const { primary, backup, vip, watcher } = c();
      const other = node === primary ? backup : primary;
      // Every address change made so far has reached the watcher.
      await watcher.caughtUp();
      const holders = watcher.holdersOf(vip);
      const nginx = watcher.runningOn('nginx');
      const on = (n: MixedNode): { vip: boolean; nginx: boolean } => ({ vip: holders.includes(n.name), nginx: nginx.includes(n.name) });
      expect({ [node.name]: on(node), [other.name]: on(other) }).toEqual({
        [node.name]: { vip: true, nginx: true },
        [other.name]: { vip: false, nginx: false },
      });
      expect(await hasAddress(node.host, vip)).toBe(true);
    },
    expectNeverOnBoth: async (sinceMs) => {
      // Judge only once the monitors have reported everything done so far (an overlap needs its end).
      await c().watcher.caughtUp();
      c().watcher.assertExclusive('VIP/nginx on both nodes at once', sinceMs === 0 ? { wholeRun: true } : { sinceMs });
    },
    expectStartedTogether: () => {
      const offsets = c().bothStartLogOffsets();
      for (const n of [c().primary, c().backup]) {
        const since = Buffer.from(n.readLog()).subarray(offsets[n.name] ?? 0).toString('utf8');
        expect(since.split('\n').filter((l) => /node \S+: is dead/.test(l)), `${n.label} declared its peer dead during the start`).toEqual([]);
      }
    },
  };
}
