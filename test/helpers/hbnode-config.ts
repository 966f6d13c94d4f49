// A compact, JSON-serialisable description of one heartbeat-ts node, turned
// into the ClusterConfig that HeartbeatNode takes. Used by hbnode-runner.ts
// so that tests can start nodes without writing ha.cf files (the ha.cf
// parser is src/config's business and tested there).
import { EXTENSION_DEFAULTS, type AuthMethod, type ClusterConfig, type MediumConfig, type PingNodeConfig } from '../../src/config/index.js';

export type HbMediumSpec =
  | { readonly kind: 'bcast'; readonly iface: string; readonly port?: number }
  | { readonly kind: 'ucast'; readonly iface: string; readonly peer: string; readonly port?: number }
  | { readonly kind: 'mcast'; readonly iface: string; readonly group: string; readonly port: number; readonly ttl?: number; readonly loop?: boolean };

export interface HbNodeSpec {
  readonly localNode: string;
  readonly nodes: readonly string[];
  readonly media: readonly HbMediumSpec[];
  readonly pingNodes?: ReadonlyArray<{ readonly name: string; readonly hosts: readonly string[] }>;
  /** Timers in ms. Defaults: keepalive 200, deadtime 1000, warntime deadtime/2, initdead 2×deadtime, deadping deadtime. */
  readonly keepalive?: number;
  readonly deadtime?: number;
  readonly warntime?: number;
  readonly initdead?: number;
  readonly deadping?: number;
  readonly udpport?: number;
  readonly keys: { readonly active: number; readonly keys: ReadonlyArray<{ readonly index: number; readonly method: AuthMethod; readonly secret: string }> };
  readonly msgfmt?: 'classic' | 'netstring';
  readonly logBadpack?: boolean;
  readonly hbgenmethod?: 'file' | 'time';
  readonly uuidfrom?: 'file' | 'nodename';
}

export function clusterConfigFromSpec(spec: HbNodeSpec, configDir = '/etc/ha.d'): ClusterConfig {
  const keepalive = spec.keepalive ?? 200;
  const deadtime = spec.deadtime ?? 1000;
  const udpport = spec.udpport ?? 694;
  // Line numbers as if each medium were one ha.cf line after 10 lines of timers and nodes.
  const media: MediumConfig[] = spec.media.map((m, i) => {
    const line = 11 + i;
    switch (m.kind) {
      case 'bcast':
        return { kind: 'bcast', iface: m.iface, port: m.port ?? udpport, line };
      case 'ucast':
        return { kind: 'ucast', iface: m.iface, peer: m.peer, port: m.port ?? udpport, line };
      case 'mcast':
        return { kind: 'mcast', iface: m.iface, group: m.group, port: m.port, ttl: m.ttl ?? 1, loop: m.loop ?? false, line };
    }
  });
  const pingNodes: PingNodeConfig[] = (spec.pingNodes ?? []).map((p, i) => ({
    name: p.name,
    kind: p.hosts.length === 1 && p.hosts[0] === p.name ? 'ping' : 'ping_group',
    hosts: p.hosts,
    line: 30 + i,
  }));
  return {
    configDir,
    localNode: spec.localNode,
    haCf: {
      file: `${configDir}/ha.cf`,
      nodes: spec.nodes,
      keepalive,
      deadtime,
      warntime: spec.warntime ?? Math.floor(deadtime / 2),
      initdead: spec.initdead ?? deadtime * 2,
      deadping: spec.deadping ?? deadtime,
      udpport,
      media,
      pingNodes,
      autoFailback: 'legacy',
      autoFailbackExplicit: false,
      hopfudge: 1,
      hbgenmethod: spec.hbgenmethod ?? 'file',
      uuidfrom: spec.uuidfrom ?? 'file',
      msgfmt: spec.msgfmt ?? 'classic',
      compression: 'zlib',
      compressionThreshold: 2,
      traditionalCompression: false,
      maxRexmitDelay: 250,
      useLogd: false,
      debug: 0,
      logBadpack: spec.logBadpack ?? true,
      realtime: true,
      memreserve: 6500,
      coredumps: true,
      cluster: 'linux-ha',
      autojoin: 'none',
      env: {},
      apiauth: [],
      respawn: [],
      failfast: [],
      stonith: [],
      stonithHost: [],
      directives: {},
    },
    haResources: { file: `${configDir}/haresources`, groups: [] },
    authKeys: {
      file: `${configDir}/authkeys`,
      active: spec.keys.active,
      keys: new Map(spec.keys.keys.map((k) => [k.index, { index: k.index, method: k.method, secret: k.secret }])),
    },
    probes: [],
    options: {
      file: `${configDir}/heartbeat-ts.ini`,
      ...EXTENSION_DEFAULTS,
      resources: { ...EXTENSION_DEFAULTS.resources, startTimeout: 60_000, stopTimeout: 60_000, statusTimeout: 20_000 },
      log: { format: 'json' },
    },
    warnings: [],
  };
}
