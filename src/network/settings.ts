// Whether network-aware failover runs, and with which delays: ha.cf's
// `respawn USER …/ipfail` (Heartbeat's way) or heartbeat-ts.ini [ipfail].
import { isIpfailCommand, type ClusterConfig } from '../config/index.js';
import type { PolicyConfig } from './policy.js';

export interface NetworkSettings {
  /** Anything to run at all (ipfail or tracked interfaces), and why not when not. */
  readonly active: boolean;
  readonly policy: PolicyConfig;
  /** Human sentences for `heartbeat --check` and the start-up log. */
  readonly describe: readonly string[];
}

export function ipfailRespawned(config: Pick<ClusterConfig, 'haCf'>): boolean {
  return config.haCf.respawn.some((line) => isIpfailCommand(line.trim().split(/\s+/)[1] ?? ''));
}

export function networkSettings(config: Pick<ClusterConfig, 'haCf' | 'options'>): NetworkSettings {
  const o = config.options.ipfail;
  const respawned = ipfailRespawned(config);
  const wanted = o.enabled === 'on' || (o.enabled === 'auto' && respawned);
  const giveupDelay = o.giveupDelay ?? 2 * config.haCf.keepalive;
  const policy: PolicyConfig = { ipfail: wanted, trackInterfaces: o.trackInterfaces, giveupDelay, returnDelay: o.returnDelay, judgeFrom: 0 };
  const lines: string[] = [];
  const anything = wanted || o.trackInterfaces.length > 0;
  const secs = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;
  if (!anything) {
    lines.push(
      o.enabled === 'off' && respawned
        ? 'ipfail: off ([ipfail] enabled = off overrides the respawn …/ipfail line)'
        : 'ipfail: off: ping nodes are followed and reported, but losing them moves nothing (to act on them: `respawn hacluster /usr/lib/heartbeat/ipfail` in ha.cf, or [ipfail] enabled = on)',
    );
    return { active: false, policy, describe: lines };
  }
  if (config.haCf.autoFailback === 'legacy') {
    lines.push('ipfail: NOT active: auto_failback legacy cannot hand groups to a live node (ipfail itself refuses to run with it)');
    return { active: false, policy: { ...policy, ipfail: false, trackInterfaces: [] }, describe: lines };
  }
  const pingCount = config.haCf.pingNodes.length;
  if (wanted) {
    const why = o.enabled === 'on' ? '[ipfail] enabled = on' : 'ha.cf respawns ipfail (built in: no process is started)';
    lines.push(`ipfail: on (${why}); ${pingCount} ping node${pingCount === 1 ? '' : 's'}/group${pingCount === 1 ? '' : 's'}`);
    if (pingCount === 0) lines.push('ipfail: no ping or ping_group line in ha.cf: there is nothing to count, so only tracked interfaces can move groups');
    lines.push(
      `ipfail: a node that reaches fewer ping nodes than its peer for ${secs(giveupDelay)} (giveup_delay) hands its groups over (standby); ` +
        `it takes them back after reaching as many again for ${secs(o.returnDelay)} (return_delay) ` +
        (config.haCf.autoFailback === 'on' ? 'with auto_failback on' : 'only by hb_takeover (auto_failback off)'),
    );
  } else {
    lines.push('ipfail: off; link tracking only');
  }
  if (o.trackInterfaces.length > 0) {
    lines.push(
      `track_interface: ${o.trackInterfaces.join(', ')}: loss of carrier or admin-down hands the groups over after ${secs(giveupDelay)}; ` +
        `back after ${secs(o.returnDelay)} of link ${config.haCf.autoFailback === 'on' ? '(auto_failback on)' : '(by hb_takeover: auto_failback off)'}`,
    );
  }
  return { active: true, policy, describe: lines };
}
