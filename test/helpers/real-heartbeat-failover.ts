// Failover measurements against two REAL Heartbeat 3.0.6 nodes: the baseline
// that heartbeat-ts's own figures are compared with (issue 5's benchmark,
// "the same runs against real Heartbeat 3.0.6 with the same timers").
//
// Set-up: a lab with a primary, a backup and a client host. One resource group
// homed on the primary: `IPaddr::<vip>/<prefix>/eth0 nginx` (the real IPaddr
// with ip/cidr/nic, spec §9.1 Debian caveat; nginx through Debian's own
// /etc/init.d/nginx, or through `nginxScript` when given, e.g. heartbeat-ts's
// LSB script so that both sides run the same resource scripts). Each node has
// a private nginx whose page says the node's name; the client asks
// http://<vip>/ every 20 ms (real-heartbeat-outage.ts) and the outage is what
// it sees: first failed probe → first answer from the node that must serve.
//
// Kinds (each starts from the steady state: primary serving, both nodes
// active and resource-stable):
//   crash     primary's link pulled and every process of it SIGKILLed
//             (issue 5's crash); backup must serve.
//   graceful  SIGTERM to the primary's daemon (= `heartbeat -k`); backup must serve.
//   standby   the real `hb_standby` on the primary; backup must serve.
//   failback  primary stopped (not measured), then started again with
//             auto_failback on; primary must serve again. The outage is the
//             client-visible gap while the group moves home; eventToServedMs
//             also counts the primary's start-up.
import { setTimeout as delay } from 'node:timers/promises';
import type { Lab, LabHost } from './netns.js';
import { realAuthkeys, realHaCf, realHaresources, realMediaLines, vipNginxGroup, type RealAuthMethod, type RealMediaKind } from './real-heartbeat-config.js';
import { computeOutage, startProber, type Prober } from './real-heartbeat-outage.js';
import { startRealHeartbeat, type RealHeartbeatNode } from './real-heartbeat.js';
import { waitUntil } from './wait.js';
import { dropStaleAddresses } from './lab-addresses.js';

export type FailoverKind = 'crash' | 'graceful' | 'standby' | 'failback';
export const FAILOVER_KINDS: readonly FailoverKind[] = ['crash', 'graceful', 'standby', 'failback'];

/** Hosts for createLab() that the defaults below expect. */
export const REAL_FAILOVER_LAB_HOSTS = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
  { name: 'client', ip: '10.77.0.3' },
] as const;

export interface RealFailoverOptions {
  /** Lab host names (default: the lab's first, second and third host). */
  readonly primary?: string;
  readonly backup?: string;
  readonly client?: string;
  /** Service address (default: the primary's /24 with last octet 100). */
  readonly vip?: string;
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
  readonly warntimeMs?: number;
  /** Default = deadtime: the smallest the daemon accepts (it only warns below 10 s, spec §8.1). */
  readonly initdeadMs?: number;
  readonly media?: RealMediaKind;
  readonly auth?: RealAuthMethod;
  /** An LSB script to use as the `nginx` resource (copied into resource.d). Default: Debian's /etc/init.d/nginx. */
  readonly nginxScript?: string;
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  /** Bound on reaching the steady state (default 60 s: start-up includes Heartbeat's 10 s RQSTDELAY). */
  readonly settleTimeoutMs?: number;
  readonly onProgress?: (message: string) => void;
}

export interface FailoverMeasurement {
  readonly kind: FailoverKind;
  /** Client-visible outage in ms (± one probe interval). */
  readonly outageMs: number;
  /** From the event to the first answer from the node that must serve. */
  readonly eventToServedMs: number;
  readonly failedProbes: number;
  readonly servedBy: string;
  readonly eventAtMs: number;
}

export interface RealFailoverPair {
  readonly vip: string;
  /** Current handles (a restart replaces the primary's). */
  primary(): RealHeartbeatNode;
  backup(): RealHeartbeatNode;
  readonly prober: Prober;
  /** Wait (bounded) until both run, the primary serves, both are active, resource-stable and past their first 5 s. Starts nothing, hands nothing over. */
  steady(): Promise<void>;
  measure(kind: FailoverKind): Promise<FailoverMeasurement>;
  dispose(): Promise<void>;
}

function defaultVip(ip: string): string {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`cannot derive a VIP from ${ip}; pass vip`);
  return [...parts.slice(0, 3), '100'].join('.');
}

async function rscStatus(n: RealHeartbeatNode): Promise<string> {
  return (await n.clStatus('rscstatus')).stdout.trim();
}

async function nodeStatus(n: RealHeartbeatNode, of: string): Promise<string> {
  return (await n.clStatus('nodestatus', of)).stdout.trim();
}

export async function startRealFailoverPair(lab: Lab, opts: RealFailoverOptions = {}): Promise<RealFailoverPair> {
  const names = [...lab.hosts.keys()];
  const pHost = lab.host(opts.primary ?? names[0] ?? 'alpha');
  const bHost = lab.host(opts.backup ?? names[1] ?? 'bravo');
  const cHost = lab.host(opts.client ?? names[2] ?? 'client');
  const vip = opts.vip ?? defaultVip(pHost.ip);
  const deadtimeMs = opts.deadtimeMs ?? 1000;
  const progress = opts.onProgress ?? ((): void => undefined);
  const settleTimeoutMs = opts.settleTimeoutMs ?? 60_000;
  const haresources = realHaresources([vipNginxGroup(pHost.name, vip, lab.prefixLength, pHost.iface)]);
  const authkeys = realAuthkeys(opts.auth ?? 'md5');
  const haCfFor = (self: LabHost, peer: LabHost): string[] =>
    realHaCf({
      nodes: [pHost.name, bHost.name],
      media: realMediaLines(opts.media ?? 'bcast', self.iface, [peer.ip]),
      keepaliveMs: opts.keepaliveMs ?? 200,
      deadtimeMs,
      ...(opts.warntimeMs !== undefined ? { warntimeMs: opts.warntimeMs } : {}),
      initdeadMs: opts.initdeadMs ?? deadtimeMs,
      autoFailback: 'on',
    });
  const common = {
    haresources,
    authkeys,
    nginx: true,
    ...(opts.nginxScript ? { resourceScripts: { nginx: opts.nginxScript } } : {}),
  };

  let primary: RealHeartbeatNode | undefined;
  let backup: RealHeartbeatNode | undefined;
  let prober: Prober | undefined;
  const dispose = async (): Promise<void> => {
    await prober?.stop().catch(() => undefined);
    await primary?.dispose().catch(() => undefined);
    await backup?.dispose().catch(() => undefined);
  };
  try {
    progress(`starting real heartbeat on ${pHost.name} and ${bHost.name}`);
    [primary, backup] = await Promise.all([
      startRealHeartbeat(pHost, { ...common, haCf: haCfFor(pHost, bHost) }),
      startRealHeartbeat(bHost, { ...common, haCf: haCfFor(bHost, pHost) }),
    ]);
    prober = await startProber(cHost, `http://${vip}/`, {
      ...(opts.probeIntervalMs !== undefined ? { intervalMs: opts.probeIntervalMs } : {}),
      ...(opts.probeTimeoutMs !== undefined ? { timeoutMs: opts.probeTimeoutMs } : {}),
    });
  } catch (err) {
    await dispose();
    throw err;
  }
  const p = (): RealHeartbeatNode => primary!;
  const b = (): RealHeartbeatNode => backup!;
  const probe = prober;

  const rebootPrimary = async (): Promise<void> => {
    progress(`restarting ${pHost.name}`);
    await dropStaleAddresses(pHost);
    await pHost.setLink(true);
    primary = await p().restart();
  };

  /** Both up but the backup serves (after hb_standby): hb_takeover on the primary asks for the group back. */
  const bringGroupHome = async (): Promise<void> => {
    if (probe.results().filter((r) => r.ok).at(-1)?.body !== bHost.name) return;
    await waitStable(Date.now() + settleTimeoutMs, false);
    progress(`hb_takeover on ${pHost.name} to bring the group home`);
    const r = await p().hbTakeover('all');
    if (r.exitCode !== 0) throw new Error(`hb_takeover failed on ${pHost.name}: ${r.stderr || r.stdout}`);
  };

  /** Waits (bounded) until the primary serves, both are stable and past their first 5 s; starts nothing, hands nothing over. */
  const steady = async (): Promise<void> => {
    const deadline = Date.now() + settleTimeoutMs;
    if (!b().isRunning()) throw new Error(`backup ${bHost.name} is not running`);
    if (!p().isRunning()) throw new Error(`primary ${pHost.name} is not running`);
    await probe.waitForServedBy(pHost.name, Math.max(1, deadline - Date.now()), Date.now());
    await waitStable(deadline, true);
    // A daemon advertises dt = deadtime + 2 s during its first 5 s (spec §8.1):
    // a crash measured before that would measure the longer dead time.
    const youngest = Math.max(p().startedAt, b().startedAt);
    const oldEnough = youngest + 5000 + 2 * (opts.keepaliveMs ?? 200) + 300;
    await waitUntil('both daemons past their first 5 s', Math.max(1, oldEnough - Date.now() + 1000), () => (Date.now() >= oldEnough ? true : undefined), 50);
  };

  // Stable = both see each other active, nobody is in transition (and, when
  // `primaryHolds`, the primary holds its group); three checks in a row so
  // that an auto-failback or standby exchange in progress is not mistaken for
  // the end state.
  const waitStable = async (deadline: number, primaryHolds: boolean): Promise<void> => {
    let streak = 0;
    for (let i = 0; streak < 3; i++) {
      const [pr, br, pn, bn] = await Promise.all([rscStatus(p()), rscStatus(b()), nodeStatus(p(), bHost.name), nodeStatus(b(), pHost.name)]);
      const holds = primaryHolds ? (pr === 'all' || pr === 'local') && (br === 'none' || br === 'local') : true;
      const ok = holds && pr !== 'transition' && br !== 'transition' && pn === 'active' && bn === 'active';
      streak = ok ? streak + 1 : 0;
      if (streak >= 3) break;
      if (Date.now() > deadline || i > 10_000) {
        throw new Error(`real pair not stable in time: ${pHost.name} rsc=${pr} sees ${bHost.name} ${pn}; ${bHost.name} rsc=${br} sees ${pHost.name} ${bn}`);
      }
      await delay(300);
    }
  };

  const serveTimeout = deadtimeMs + 30_000;
  const measure = async (kind: FailoverKind): Promise<FailoverMeasurement> => {
    // Each run starts from the steady state, whatever the previous one left:
    // a crashed primary is rebooted (auto_failback on brings the group home),
    // a group left on the backup by hb_standby is taken back.
    if (!p().isRunning()) await rebootPrimary();
    else await bringGroupHome();
    await steady();
    let eventAtMs: number;
    let expected: string;
    switch (kind) {
      case 'crash': {
        expected = bHost.name;
        eventAtMs = Date.now();
        await pHost.setLink(false);
        await p().crash();
        break;
      }
      case 'graceful': {
        expected = bHost.name;
        eventAtMs = Date.now();
        await p().stop();
        break;
      }
      case 'standby': {
        expected = bHost.name;
        eventAtMs = Date.now();
        const r = await p().hbStandby('all');
        if (r.exitCode !== 0) throw new Error(`hb_standby failed on ${pHost.name}: ${r.stderr || r.stdout}`);
        break;
      }
      case 'failback': {
        expected = pHost.name;
        await p().stop();
        await probe.waitForServedBy(bHost.name, serveTimeout, Date.now());
        // The backup must have finished its takeover (stable, holding all) to fail back.
        let streak = 0;
        await waitUntil(`${bHost.name} stable holding all`, settleTimeoutMs, async () => {
          streak = (await rscStatus(b())) === 'all' ? streak + 1 : 0;
          return streak >= 3 ? true : undefined;
        }, 200);
        eventAtMs = Date.now();
        await rebootPrimary();
        break;
      }
    }
    progress(`${kind}: waiting for ${expected} to serve`);
    const served = await probe.waitForServedBy(expected, serveTimeout + (kind === 'failback' ? settleTimeoutMs : 0), eventAtMs);
    // Every probe sent before that one must have answered (or timed out) for the figure to be complete.
    await probe.waitForAnswers(served.seq, (opts.probeTimeoutMs ?? 300) + 5000);
    const o = computeOutage(probe.results(), eventAtMs, expected);
    if (!o) throw new Error(`${kind}: no outage figure (${expected} never answered after the event)`);
    progress(`${kind}: outage ${o.outageMs.toFixed(0)} ms, event → served ${o.eventToServedMs.toFixed(0)} ms`);
    return { kind, outageMs: o.outageMs, eventToServedMs: o.eventToServedMs, failedProbes: o.failedProbes, servedBy: expected, eventAtMs };
  };

  return { vip, primary: p, backup: b, prober: probe, steady, measure, dispose };
}

/**
 * One failover measurement against two fresh real Heartbeat 3.0.6 nodes:
 * returns the client-visible outage. The lab needs three hosts (primary,
 * backup, client), e.g. createLab({ hosts: [...REAL_FAILOVER_LAB_HOSTS] }).
 * The pair is always torn down, also on failure.
 */
export async function measureRealFailover(lab: Lab, kind: FailoverKind, opts: RealFailoverOptions = {}): Promise<FailoverMeasurement> {
  const pair = await startRealFailoverPair(lab, opts);
  try {
    return await pair.measure(kind);
  } finally {
    await pair.dispose();
  }
}
