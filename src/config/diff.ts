// What changed between the running configuration and a re-read one (SIGHUP,
// heartbeat -r): one comparison for the daemon and the heartbeat layer, each
// taking its part. Names are the words the reload summary and its log lines
// use, in their order.
import { isIpfailCommand } from './hacf-directives.js';
import type { ClusterConfig } from './types.js';

/** ha.cf timers the heartbeat layer takes without a restart. */
export const LIVE_TIMERS = ['keepalive', 'deadtime', 'warntime', 'initdead', 'deadping', 'maxRexmitDelay', 'hopfudge'] as const;
export type LiveTimer = (typeof LIVE_TIMERS)[number];

export interface ConfigDiff {
  /** Heartbeat layer: what takes effect at once. */
  readonly heartbeatApplied: readonly string[];
  /** Heartbeat layer: what changed but needs a restart (as it does for Heartbeat). */
  readonly heartbeatNeedsRestart: readonly string[];
  /** The live timers among heartbeatApplied. */
  readonly changedTimers: readonly LiveTimer[];
  /** Resources, ARP and the HTTP listener: changes that need a restart of the daemon. */
  readonly daemonNeedsRestart: readonly string[];
  readonly probesChanged: boolean;
}

const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);

export function diffConfig(running: ClusterConfig, next: ClusterConfig): ConfigDiff {
  const a = running.haCf;
  const b = next.haCf;
  const heartbeatNeedsRestart: string[] = [];
  if (next.localNode !== running.localNode) heartbeatNeedsRestart.push('node name');
  if (!same(a.nodes, b.nodes)) heartbeatNeedsRestart.push('node');
  if (!same(a.media, b.media)) heartbeatNeedsRestart.push('media (bcast/ucast/mcast/udpport)');
  if (!same(a.pingNodes, b.pingNodes)) heartbeatNeedsRestart.push('ping/ping_group');
  if (a.hbgenmethod !== b.hbgenmethod) heartbeatNeedsRestart.push('hbgenmethod');
  if (a.uuidfrom !== b.uuidfrom) heartbeatNeedsRestart.push('uuidfrom');

  const heartbeatApplied: string[] = [];
  const keysOf = (c: ClusterConfig): unknown => [...c.authKeys.keys.entries(), c.authKeys.active];
  if (!same(keysOf(running), keysOf(next))) heartbeatApplied.push('authkeys');
  const changedTimers = LIVE_TIMERS.filter((k) => a[k] !== b[k]);
  heartbeatApplied.push(...changedTimers);
  if (a.msgfmt !== b.msgfmt || a.traditionalCompression !== b.traditionalCompression || a.compressionThreshold !== b.compressionThreshold) {
    heartbeatApplied.push('msgfmt/compression');
  }
  if (a.logBadpack !== b.logBadpack) heartbeatApplied.push('log_badpack');

  const daemonNeedsRestart: string[] = [];
  if (!same(next.haResources.groups, running.haResources.groups)) daemonNeedsRestart.push('haresources');
  if (b.autoFailback !== a.autoFailback) daemonNeedsRestart.push('auto_failback');
  if (!same(next.options.resources, running.options.resources) || !same(next.options.arp, running.options.arp)) {
    daemonNeedsRestart.push('heartbeat-ts.ini [resources]/[arp]');
  }
  if (!same(next.options.http, running.options.http)) daemonNeedsRestart.push('heartbeat-ts.ini [http]');
  if (!same(next.options.notify, running.options.notify)) daemonNeedsRestart.push('heartbeat-ts.ini [notify]');
  // ipfail's own switch is a respawn line (any path ending in ipfail), as with Heartbeat.
  const ipfailLine = (c: ClusterConfig): boolean => c.haCf.respawn.some((line) => isIpfailCommand(line.trim().split(/\s+/)[1] ?? ''));
  if (!same(next.options.ipfail, running.options.ipfail) || ipfailLine(next) !== ipfailLine(running)) daemonNeedsRestart.push('ipfail ([ipfail], respawn …/ipfail)');

  return { heartbeatApplied, heartbeatNeedsRestart, changedTimers, daemonNeedsRestart, probesChanged: !same(next.probes, running.probes) };
}
