// A mixed cluster for issue 5's interop tests: one heartbeat-ts node (the
// built daemon, hbts-node.ts) and one REAL Heartbeat 3.0.6 node
// (real-heartbeat.ts), sharing one resource group `IPaddr::<vip>/24/eth0
// nginx` homed on the "primary", with a client probing http://<vip>/ every
// 20 ms and the exclusivity watcher (failover-watch.ts: the VIP followed by
// `ip monitor` in both namespaces, nginx masters sampled by namespace).
//
// Both nodes read the same ha.cf lines (bcast+md5, keepalive 200 ms, deadtime
// 1 s), the same haresources and authkeys. The group's IPaddr argument is
// `ip/cidr/nic` because Debian's resource.d/IPaddr needs the nic (spec §9.1
// caveat). `nginx` resolves on the real node to Debian's /etc/init.d/nginx
// (private /etc/nginx etc. in its mount namespace) and on ours to
// heartbeat-ts's LSB script in resource.d; each node's page says its name, so
// the client's answers tell who serves.
//
// Both nodes are seen through one interface (MixedNode) so that a scenario is
// written once and run in both directions: real primary + our backup, and our
// primary + real backup.
import { rmSync } from 'node:fs';
import { requestDaemon } from '../../src/control/index.js';
import type { DaemonStatus } from '../../src/control/status.js';
import { startRealHeartbeat, type RealHeartbeatNode } from './real-heartbeat.js';
import { waitUntil } from './wait.js';
import { restartOurNode, startOurNode, type OurNode, type OurNodeOptions } from './hbts-node.js';
import { dropStaleAddresses } from './lab-addresses.js';
import { computeOutage, startProber, type Outage, type Prober } from './real-heartbeat-outage.js';
import { startExclusivityWatcher, type ExclusivityWatcher } from './failover-watch.js';
import { nginxMastersByNetns } from './netns-processes.js';
import type { Lab, LabHost } from './netns.js';

export type NodeKind = 'real' | 'ours';
export type AutoFailback = 'on' | 'off' | 'legacy';

export const MIXED_LAB_HOSTS = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
  { name: 'client', ip: '10.77.0.3' },
] as const;

export const MIXED_KEEPALIVE_MS = 200;
export const MIXED_DEADTIME_MS = 1000;
/**
 * initdead 10 s: "both start together" must mean both daemons hear each
 * other before either gives up on the other (spec §8.3), but ours needs
 * Node's start-up first (1–3 s on a loaded 2-core machine), and with a short
 * initdead the real node declares it dead and takes everything — another
 * scenario. initdead only matters while a node is alone, which no scenario
 * here waits for: a node that returns finds its peer alive.
 */
export const MIXED_INITDEAD_MS = 10_000;

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One node of the mixed cluster, real or ours, through the same verbs. */
export interface MixedNode {
  readonly kind: NodeKind;
  readonly name: string;
  readonly host: LabHost;
  /** "real alpha" / "heartbeat-ts bravo": for messages. */
  readonly label: string;
  /** Epoch ms at which the latest start() resolved (the daemon was up and transmitting by then). */
  startedAt(): number;
  /**
   * Wait (bounded) until the node advertises its configured dead time again:
   * for its first 5 s a daemon advertises dt = deadtime + 2 s (spec §8.1),
   * and a crash in that window would measure the longer dead time.
   */
  waitPastStartGrace(): Promise<void>;
  isRunning(): boolean;
  /** `cl_status <args>` with this node's own cl_status (the real one, or ours). */
  clStatus(...args: string[]): Promise<CommandResult>;
  /** Cheap poll of what this node says: peer status and rscstatus (ours through the control socket, real through cl_status). */
  view(peer: string): Promise<{ readonly peer: string; readonly rsc: string }>;
  hbStandby(arg?: string): Promise<CommandResult>;
  hbTakeover(arg?: string): Promise<CommandResult>;
  /** Graceful stop (real: SIGTERM to the MCP = heartbeat -k; ours: heartbeat -k), resolved when the daemon has exited. */
  stop(): Promise<void>;
  /** SIGKILL of every process of the node (the caller pulls the link first). */
  crash(): Promise<void>;
  /** Start again on the same state (generation +1, same uuid) with this auto_failback. */
  start(autoFailback: AutoFailback): Promise<void>;
  readLog(): string;
  logSize(): number;
  waitForLog(re: RegExp, timeoutMs: number, from?: number): Promise<string>;
  dispose(): Promise<void>;
}

export function mixedHaCf(nodes: readonly string[], autoFailback: AutoFailback): string[] {
  return [
    `keepalive ${MIXED_KEEPALIVE_MS}ms`,
    `deadtime ${MIXED_DEADTIME_MS / 1000}`,
    'warntime 500ms',
    `initdead ${MIXED_INITDEAD_MS / 1000}`,
    // udpport before the media line, or the real daemon ignores it (spec §10).
    'udpport 694',
    'bcast eth0',
    `auto_failback ${autoFailback}`,
    `node ${nodes.join(' ')}`,
  ];
}

export const MIXED_AUTHKEYS = 'auth 1\n1 md5 mixed-lab-secret\n';

export function mixedHaresources(home: string, vip: string, prefixLength: number, extra?: string): string {
  return `${home} IPaddr::${vip}/${prefixLength}/eth0 ${extra === undefined ? '' : `${extra} `}nginx\n`;
}

interface NodeFiles {
  readonly nodes: readonly string[];
  readonly haresources: string;
  readonly resourceScripts: Readonly<Record<string, string>>;
}

/** The real daemon cannot be asked what dt it advertises: 5 s after its pid file, plus two keepalives and room for a loaded machine. */
const REAL_GRACE_MS = 5000 + 2 * MIXED_KEEPALIVE_MS + 600;

function realNode(host: LabHost, files: NodeFiles): MixedNode {
  let handle: RealHeartbeatNode | undefined;
  let startedAt = 0;
  const h = (): RealHeartbeatNode => {
    if (!handle) throw new Error(`real ${host.name} was never started`);
    return handle;
  };
  const cl = async (...args: string[]): Promise<CommandResult> => (handle?.isRunning() ? h().clStatus(...args) : { exitCode: 1, stdout: '', stderr: 'not running' });
  return {
    kind: 'real',
    name: host.name,
    host,
    label: `real ${host.name}`,
    startedAt: () => startedAt,
    waitPastStartGrace: async () => {
      const ready = startedAt + REAL_GRACE_MS;
      await waitUntil(`${host.name} past its first 5 s`, Math.max(1, ready - Date.now()) + 1000, () => (Date.now() >= ready ? true : undefined), 50);
    },
    isRunning: () => handle?.isRunning() ?? false,
    clStatus: cl,
    view: async (peer) => {
      const [p, r] = await Promise.all([cl('nodestatus', peer), cl('rscstatus')]);
      return { peer: p.stdout.trim(), rsc: r.stdout.trim() };
    },
    hbStandby: (arg) => h().hbStandby(arg),
    hbTakeover: (arg) => h().hbTakeover(arg),
    stop: async () => {
      await h().stop(60_000);
    },
    crash: async () => {
      await h().crash();
    },
    start: async (autoFailback) => {
      const opts = { haCf: mixedHaCf(files.nodes, autoFailback), haresources: files.haresources, authkeys: MIXED_AUTHKEYS, nginx: true, labTrace: false, resourceScripts: files.resourceScripts };
      handle = handle ? await handle.restart(opts) : await startRealHeartbeat(host, opts);
      startedAt = Date.now();
    },
    readLog: () => handle?.readLog() ?? '',
    logSize: () => handle?.logSize() ?? 0,
    waitForLog: (re, timeoutMs, from) => h().waitForLog(re, timeoutMs, from === undefined ? {} : { from }),
    dispose: async () => {
      await handle?.dispose();
    },
  };
}

function ourNodeOf(host: LabHost, files: NodeFiles): MixedNode {
  let handle: OurNode | undefined;
  let startedAt = 0;
  const h = (): OurNode => {
    if (!handle) throw new Error(`heartbeat-ts ${host.name} was never started`);
    return handle;
  };
  const status = async (): Promise<DaemonStatus | undefined> => {
    if (!handle?.isRunning()) return undefined;
    try {
      const r = await requestDaemon(handle.runDir, { command: 'status' }, 3000);
      return r.ok ? (r.result as DaemonStatus) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    kind: 'ours',
    name: host.name,
    host,
    label: `heartbeat-ts ${host.name}`,
    startedAt: () => startedAt,
    waitPastStartGrace: async () => {
      // Ours can be asked: the dead time it advertises is in its status.
      await waitUntil(`${host.name} advertising dt = ${MIXED_DEADTIME_MS} ms`, 10_000, async () => {
        const s = await status();
        return s?.nodes.find((n) => n.isLocal)?.deadtimeMs === MIXED_DEADTIME_MS ? true : undefined;
      }, 100);
      // The peer applies it from our next status (sent at once on the change, spec §8.1).
      await new Promise((r) => setTimeout(r, 2 * MIXED_KEEPALIVE_MS));
    },
    isRunning: () => handle?.isRunning() ?? false,
    clStatus: (...args) => h().clStatus(...args),
    view: async (peer) => {
      const s = await status();
      if (!s) return { peer: '', rsc: '' };
      return { peer: s.nodes.find((n) => n.name === peer)?.status ?? '', rsc: s.resources.rscstatus };
    },
    hbStandby: (arg) => h().hbStandby(arg),
    hbTakeover: (arg) => h().hbTakeover(arg),
    stop: async () => {
      const r = await h().stop(40_000);
      if (h().isRunning()) throw new Error(`heartbeat-ts ${host.name} still running 40 s after heartbeat -k (${r.exitCode}: ${r.stderr})`);
    },
    crash: async () => {
      await h().crash();
      if (h().isRunning()) throw new Error(`heartbeat-ts ${host.name} survived the crash`);
    },
    start: async (autoFailback) => {
      const opts: OurNodeOptions = { nodeName: host.name, haCf: mixedHaCf(files.nodes, autoFailback), haresources: files.haresources, authkeys: MIXED_AUTHKEYS, nginx: true, resourceScripts: files.resourceScripts };
      handle = handle ? await restartOurNode(handle, opts) : await startOurNode(host, opts);
      startedAt = Date.now();
    },
    readLog: () => handle?.readLog() ?? '',
    logSize: () => handle?.logSize() ?? 0,
    waitForLog: (re, timeoutMs, from) => h().waitForLog(re, timeoutMs, from === undefined ? {} : { from }),
    dispose: async () => {
      if (handle?.isRunning()) await handle.crash().catch(() => undefined);
      if (handle && process.env['HBTS_KEEP_REAL_LAB'] !== '1') rmSync(handle.rootDir, { recursive: true, force: true });
    },
  };
}

export interface MixedClusterOptions {
  /** Which implementation is the primary (the group's home node, on the lab's first host). */
  readonly primaryKind: NodeKind;
  readonly onProgress?: (message: string) => void;
  /**
   * One more resource.d script in the group, between the IPaddr and nginx
   * (`name::args`), installed on both nodes: e.g. a start that can be held
   * open to widen a window deterministically.
   */
  readonly extraResource?: { readonly name: string; readonly args: readonly string[]; readonly file: string };
}

export interface MixedCluster {
  readonly vip: string;
  readonly primary: MixedNode;
  readonly backup: MixedNode;
  readonly client: LabHost;
  readonly prober: Prober;
  readonly watcher: ExclusivityWatcher;
  /** Epoch ms both nodes were last started together. */
  bothStartedAt(): number;
  /** Each node's log size (bytes) just before that start: what it logged since then is `readLog().slice(offset)`. */
  bothStartLogOffsets(): Readonly<Record<string, number>>;
  /** Start both nodes at the same moment. */
  startBoth(autoFailback: AutoFailback): Promise<void>;
  /** Stop both nodes (backup first, then primary), remove stale addresses. */
  stopBoth(): Promise<void>;
  /** Pull the node's cable and SIGKILL all of it; resolves with the event time. The watcher allows overlaps involving the node until returnAfterCrash(). */
  crash(node: MixedNode): Promise<number>;
  /** A crashed node "reboots": stale addresses removed, cable back, daemon started; resolves with the time the start began. */
  returnAfterCrash(node: MixedNode, autoFailback: AutoFailback): Promise<number>;
  /**
   * Wait (bounded) until both nodes run, see each other active and are out of
   * transition, three polls in a row; `holder` (if given) must then be the
   * only node serving the client.
   */
  waitSettled(timeoutMs: number, holder?: MixedNode): Promise<void>;
  /** Wait (bounded) until the client is answered by `node` after `eventAtMs`; the client-visible outage since then. */
  outage(eventAtMs: number, node: MixedNode, timeoutMs: number): Promise<Outage>;
  dispose(): Promise<void>;
}

/**
 * Build the mixed cluster on a lab of MIXED_LAB_HOSTS: the two nodes (not
 * started yet: startBoth), the watcher and the client's prober.
 */
export async function startMixedCluster(lab: Lab, opts: MixedClusterOptions): Promise<MixedCluster> {
  const [pSpec, bSpec, cSpec] = MIXED_LAB_HOSTS;
  const pHost = lab.host(pSpec.name);
  const bHost = lab.host(bSpec.name);
  const client = lab.host(cSpec.name);
  const vip = '10.77.0.100';
  const extra = opts.extraResource;
  const files: NodeFiles = {
    nodes: [pHost.name, bHost.name],
    haresources: mixedHaresources(pHost.name, vip, lab.prefixLength, extra && [extra.name, ...extra.args].join('::')),
    resourceScripts: extra ? { [extra.name]: extra.file } : {},
  };
  const make = (kind: NodeKind, host: LabHost): MixedNode => (kind === 'real' ? realNode(host, files) : ourNodeOf(host, files));
  const primary = make(opts.primaryKind, pHost);
  const backup = make(opts.primaryKind === 'real' ? 'ours' : 'real', bHost);
  const progress = opts.onProgress ?? ((): void => undefined);
  let bothStartedAt = 0;
  let bothStartLogOffsets: Record<string, number> = {};
  let prober: Prober | undefined;
  let watcher: ExclusivityWatcher | undefined;

  const dispose = async (): Promise<void> => {
    await prober?.stop().catch(() => undefined);
    await watcher?.stop().catch(() => undefined);
    await primary.dispose().catch(() => undefined);
    await backup.dispose().catch(() => undefined);
  };

  const startBoth = async (autoFailback: AutoFailback): Promise<void> => {
    // After a failed scenario a node may still be "crashed": cable out, its address left behind.
    for (const n of [primary, backup]) {
      if (n.isRunning()) continue;
      await watcher?.resume(n.name);
      await dropStaleAddresses(n.host);
      await n.host.setLink(true);
    }
    await watcher?.allowOverlapEnd();
    progress(`starting ${primary.label} (primary) and ${backup.label} (backup), auto_failback ${autoFailback}`);
    bothStartLogOffsets = { [primary.name]: primary.logSize(), [backup.name]: backup.logSize() };
    bothStartedAt = Date.now();
    await Promise.all([primary.start(autoFailback), backup.start(autoFailback)]);
  };

  try {
    watcher = await startExclusivityWatcher({ hosts: [pHost, bHost], addresses: [vip], processes: nginxMastersByNetns([pHost, bHost]) });
    prober = await startProber(client, `http://${vip}/`);
  } catch (err) {
    await dispose();
    throw err;
  }
  const probe = prober;
  const watch = watcher;

  const waitSettled = async (timeoutMs: number, holder?: MixedNode): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let streak = 0;
    let last = '';
    for (let i = 0; streak < 3; i++) {
      const [pv, bv] = await Promise.all([primary.view(backup.name), backup.view(primary.name)]);
      const ok =
        primary.isRunning() &&
        backup.isRunning() &&
        pv.peer === 'active' &&
        bv.peer === 'active' &&
        pv.rsc !== 'transition' &&
        bv.rsc !== 'transition' &&
        pv.rsc !== '' &&
        bv.rsc !== '';
      last = `${primary.label}: peer ${pv.peer || '?'}, rsc ${pv.rsc || '?'}; ${backup.label}: peer ${bv.peer || '?'}, rsc ${bv.rsc || '?'}`;
      streak = ok ? streak + 1 : 0;
      if (streak >= 3) break;
      if (Date.now() > deadline || i > 100_000) throw new Error(`mixed cluster not settled within ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    if (holder) await probe.waitForServedBy(holder.name, Math.max(1, deadline - Date.now()), Date.now());
    progress(`settled: ${last}`);
  };

  const crash = async (node: MixedNode): Promise<number> => {
    // The watcher's monitor lives in the node's namespace and would die with it.
    await watch.pause(node.name);
    // A crashed machine keeps its VIP on its unplugged link until it "reboots".
    watch.allowOverlapBegin(`${node.label} crashed (cable pulled)`, [node.name]);
    const at = Date.now();
    await node.host.setLink(false);
    await node.crash();
    progress(`${node.label}: cable pulled and every process SIGKILLed`);
    return at;
  };

  const returnAfterCrash = async (node: MixedNode, autoFailback: AutoFailback): Promise<number> => {
    // Follow the node again before its stale address goes: the monitor dates the deletion.
    await watch.resume(node.name);
    await dropStaleAddresses(node.host);
    await node.host.setLink(true);
    // The crashed node's address is gone and its cable is back: no partition any more
    // (the window ends once the monitors have reported the deletion).
    await watch.allowOverlapEnd();
    const at = Date.now();
    await node.start(autoFailback);
    progress(`${node.label}: back (start took ${Date.now() - at} ms)`);
    return at;
  };

  return {
    vip,
    primary,
    backup,
    client,
    prober: probe,
    watcher: watch,
    bothStartedAt: () => bothStartedAt,
    bothStartLogOffsets: () => bothStartLogOffsets,
    startBoth,
    stopBoth: async () => {
      for (const n of [backup, primary]) {
        if (n.isRunning()) await n.stop();
      }
      await Promise.all([dropStaleAddresses(pHost), dropStaleAddresses(bHost)]);
    },
    crash,
    returnAfterCrash,
    waitSettled,
    outage: async (eventAtMs, node, timeoutMs) => {
      const served = await probe.waitForServedBy(node.name, timeoutMs, eventAtMs);
      await probe.waitForAnswers(served.seq, 5000);
      const o = computeOutage(probe.results(), eventAtMs, node.name);
      if (!o) throw new Error(`no outage figure: ${node.label} never answered after the event`);
      return o;
    },
    dispose,
  };
}
