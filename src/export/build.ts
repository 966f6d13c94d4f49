// heartbeat-ts configuration → the Pacemaker cluster that behaves like it
// (pure: the files' contents come in, a model and warnings come out).
//
// The placement arithmetic (docs/migrate-to-pacemaker.md explains it too):
// each group gets a location preference of HOME_SCORE for its home node and a
// resource-stickiness s set on the group, which Pacemaker applies to every
// member; a running group holds its node with the sum of its active members'
// stickiness, n × s. The home node attracts it with HOME_SCORE. So
//   auto_failback on:  n × s < HOME_SCORE  → the group goes home when it can;
//                      s = floor((HOME_SCORE − 1) / n), the largest such s,
//                      so that with three or more nodes it still does not
//                      wander between the nodes that are not its home;
//   auto_failback off: n × s > HOME_SCORE  → it stays where it runs;
//                      s = floor(HOME_SCORE / n) + 1, the smallest such s.
// With ipfail, a connectivity rule adds PING_MULTIPLIER per reachable ping
// host, far above both, so connectivity wins as it does with ipfail.
import type {
  AuthMethod,
  ConfigProblem,
  ExtensionOptions,
  HaCfConfig,
  HaResourcesConfig,
  ProbeConfig,
  ResourceGroupConfig,
} from '../config/index.js';
import { EXTENSION_DEFAULTS, formatMillis } from '../config/index.js';
import { mapResource, type AgentChoice } from './agents.js';
import type { ClusterModel, Clone, Constraint, ExportWarning, Group, NameValue, Operation, Primitive } from './model.js';
import { TEST_ONLY_PLUGINS, mapStonithHost } from './stonith.js';
import { directiveLines, type DirectiveLine } from './directive-lines.js';

export const HOME_SCORE = 100;
export const PING_MULTIPLIER = 1000;
/** Monitor interval for every primitive (Pacemaker's usual choice; Heartbeat had none). */
export const MONITOR_INTERVAL_S = 10;
/** The least timeout of an HTTP-checking monitor op (see probeGroup). */
export const MIN_DEEP_MONITOR_TIMEOUT_MS = 20_000;

export interface ExportInput {
  readonly configDir: string;
  readonly haCf: HaCfConfig;
  readonly haCfText: string;
  readonly haResources: HaResourcesConfig;
  readonly probes: readonly ProbeConfig[];
  readonly probesFile: string;
  readonly options: ExtensionOptions;
  /** Scripts present in <config-dir>/resource.d. */
  readonly resourceDScripts: ReadonlySet<string>;
  readonly authMethod?: AuthMethod;
}

export interface BuildResult {
  readonly model: ClusterModel;
  readonly warnings: readonly ExportWarning[];
  /** Input the export cannot turn into a configuration (file:line). */
  readonly errors: readonly ConfigProblem[];
}

/** Stickiness per member for a group of `members` members (see the top of this file). */
export function stickinessFor(autoFailback: 'on' | 'off', members: number): number {
  return autoFailback === 'on' ? Math.floor((HOME_SCORE - 1) / members) : Math.floor(HOME_SCORE / members) + 1;
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** A valid, unique XML id (NCName) from any text. */
class Ids {
  private readonly used = new Set<string>();
  make(text: string): string {
    let base = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
    if (!/^[A-Za-z_]/.test(base)) base = `r-${base}`;
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}

/** ha.cf directives that configure Heartbeat itself and have no Pacemaker or Corosync counterpart. */
const NO_COUNTERPART: Readonly<Record<string, string>> = {
  warntime: 'Corosync logs no "late heartbeat" warning',
  hopfudge: 'there is no hop count in Corosync',
  hbgenmethod: 'Corosync keeps no generation number',
  uuidfrom: 'node ids come from corosync.conf nodeid',
  msgfmt: "the wire format is Corosync's own",
  compression: 'knet compresses with knet_compression_model in corosync.conf (not exported)',
  compression_threshold: 'see knet_compression_threshold in corosync.conf (not exported)',
  traditional_compression: 'no counterpart',
  max_rexmit_delay: 'Corosync retransmits on its own schedule',
  realtime: 'Corosync runs with realtime priority by default',
  rtprio: 'no counterpart',
  memreserve: 'no counterpart',
  watchdog: 'use sbd for watchdog fencing',
  coredumps: 'no counterpart',
  coreroot: 'no counterpart',
  autojoin: 'Corosync nodes are listed in corosync.conf nodelist',
  env: 'set environment variables in /etc/default/pacemaker',
  apiauth: 'Pacemaker authorises its clients through the haclient group and ACLs',
  failfast: 'no counterpart',
  stonith: 'a STONITH configuration file cannot be read by Pacemaker: configure the device with stonith_host parameters or pcs stonith create',
  use_logd: 'Pacemaker logs to syslog and /var/log/pacemaker/pacemaker.log',
  conn_logd_time: 'no counterpart',
  log_badpack: 'no counterpart',
  crm: 'the export is the Pacemaker configuration',
};

/** ha.cf directives the Corosync export carries (so the Pacemaker export does not warn about them). */
export const COROSYNC_DIRECTIVES = [
  'keepalive',
  'deadtime',
  'initdead',
  'udpport',
  'bcast',
  'mcast',
  'ucast',
  'logfile',
  'debugfile',
  'logfacility',
  'debug',
  'cluster',
  'baud',
  'serial',
];

class Builder {
  readonly warnings: ExportWarning[] = [];
  readonly errors: ConfigProblem[] = [];
  readonly ids = new Ids();
  readonly lines: readonly DirectiveLine[];

  constructor(readonly input: ExportInput) {
    this.lines = directiveLines(input.haCfText);
  }

  warn(file: string, line: number, message: string): void {
    this.warnings.push({ file, line, message });
  }

  warnHaCf(line: number, message: string): void {
    this.warn(this.input.haCf.file, line, message);
  }

  linesOf(directive: string): DirectiveLine[] {
    return this.lines.filter((l) => l.directive === directive);
  }

  /** The op timeouts heartbeat-ts.ini gives every resource script. */
  baseOps(agent: AgentChoice): Operation[] {
    const r = this.input.options.resources;
    const monitorTimeout = agent.class === 'ocf' && agent.type === 'IPaddr2' ? Math.min(r.statusTimeout, 20_000) : r.statusTimeout;
    return [
      { name: 'start', interval: '0s', timeout: seconds(r.startTimeout) },
      { name: 'stop', interval: '0s', timeout: seconds(r.stopTimeout), ...this.stopOnFail() },
      { name: 'monitor', interval: `${MONITOR_INTERVAL_S}s`, timeout: seconds(monitorTimeout) },
    ];
  }

  private stopFailureChecked = false;
  private stonithEnabled = false;

  stopOnFail(): { onFail?: Operation['onFail'] } {
    const policy = this.input.options.resources.onStopFailure;
    if (policy === 'block') return { onFail: 'block' };
    if (policy === 'reboot') {
      if (this.stonithEnabled) return { onFail: 'fence' };
      this.onceStopFailure(`on_stop_failure = reboot: without a fencing device Pacemaker cannot reboot a node; exported as on-fail=block`);
      return { onFail: 'block' };
    }
    this.onceStopFailure('on_stop_failure = shutdown has no Pacemaker counterpart (a failed stop blocks the resource or fences the node); exported as on-fail=block');
    return { onFail: 'block' };
  }

  private onceStopFailure(message: string): void {
    if (this.stopFailureChecked) return;
    this.stopFailureChecked = true;
    this.warn(this.input.options.file, 0, message);
  }

  primitive(group: ResourceGroupConfig, index: number): Primitive | undefined {
    const ref = group.resources[index]!;
    const mapped = mapResource(ref, this.input.resourceDScripts.has(ref.script));
    if (!mapped.ok) {
      this.errors.push({
        severity: 'error',
        file: this.input.haResources.file,
        line: ref.line,
        message: `cannot export resource "${ref.token}": ${mapped.error}`,
        text: ref.token,
      });
      return undefined;
    }
    const agent = mapped.agent;
    if (agent.warning) this.warn(this.input.haResources.file, ref.line, agent.warning);
    const params = [...agent.params];
    if (agent.class === 'ocf' && agent.type === 'IPaddr2') params.push(...this.arpParams());
    const comments = [`haresources line ${ref.line}: ${ref.token}`, ...(agent.note ? [agent.note] : [])];
    return {
      id: this.ids.make(agent.idBase),
      class: agent.class,
      ...(agent.provider ? { provider: agent.provider } : {}),
      type: agent.type,
      params,
      meta: [],
      ops: this.baseOps(agent),
      comments,
    };
  }

  arpParams(): NameValue[] {
    const arp = this.input.options.arp;
    const out: NameValue[] = [];
    if (arp.count !== EXTENSION_DEFAULTS.arp.count) out.push({ name: 'arp_count', value: String(arp.count) });
    if (arp.interval !== EXTENSION_DEFAULTS.arp.interval) out.push({ name: 'arp_interval', value: String(arp.interval) });
    return out;
  }

  autoFailback(): 'on' | 'off' {
    const { autoFailback } = this.input.haCf;
    if (autoFailback === 'legacy') {
      const line = this.linesOf('auto_failback')[0]?.line ?? 0;
      this.warnHaCf(
        line,
        this.input.haCf.autoFailbackExplicit
          ? 'auto_failback legacy has no Pacemaker counterpart (it depends on whether the peer runs an old Heartbeat): exported as off'
          : 'ha.cf sets no auto_failback, so Heartbeat uses legacy, which has no Pacemaker counterpart: exported as off (write auto_failback on or off)',
      );
      return 'off';
    }
    return autoFailback;
  }

  group(config: ResourceGroupConfig, failback: 'on' | 'off'): { group: Group; home: Constraint } | undefined {
    const members: Primitive[] = [];
    config.resources.forEach((_, i) => {
      const p = this.primitive(config, i);
      if (p) members.push(p);
    });
    if (members.length !== config.resources.length) return undefined;
    const n = members.length;
    const s = stickinessFor(failback, n);
    const total = n * s;
    const arithmetic =
      failback === 'on'
        ? `auto_failback on: stickiness ${s} per member x ${n} member(s) = ${total} < home preference ${HOME_SCORE}, so the group goes back to ${config.node} when it can`
        : `auto_failback off: stickiness ${s} per member x ${n} member(s) = ${total} > home preference ${HOME_SCORE}, so the group stays where it runs`;
    const id = this.ids.make(`grp-${members[0]!.id}`);
    const group: Group = {
      id,
      members,
      meta: [{ name: 'resource-stickiness', value: String(s) }],
      comments: [
        `haresources line ${config.line}: ${config.node} ${config.resources.map((r) => r.token).join(' ')}`,
        'members start in this order and stop in the reverse order, as in haresources',
        arithmetic,
      ],
    };
    const home: Constraint = {
      kind: 'location',
      id: this.ids.make(`loc-${id}-home`),
      rsc: id,
      node: config.node,
      score: String(HOME_SCORE),
      comments: [`home node of ${id}: ${config.node} (the first word of haresources line ${config.line})`],
    };
    return { group, home };
  }

  /** probes.ini → deep monitors of an HTTP-checking agent, with on-fail/migration-threshold. */
  applyProbes(groups: Group[], groupKeys: Map<string, string>): Group[] {
    let out = groups;
    for (const probe of this.input.probes) {
      const file = this.input.probesFile;
      if (probe.url === undefined) {
        // A command probe (keepalived's vrrp_script): Pacemaker's counterpart is the
        // resource's own monitor, which every primitive already has.
        this.warn(
          file,
          probe.line,
          `probe [${probe.name}] (command "${probe.command ?? ''}") is not exported: Pacemaker has no agent that runs an arbitrary check command; the monitor op of each primitive is the closest counterpart (or wrap the command in an OCF agent)`,
        );
        continue;
      }
      const httpProbe = { ...probe, url: probe.url };
      const targetId = probe.group !== undefined ? groupKeys.get(probe.group) : undefined;
      const targets = out.filter((g) => (probe.group === undefined ? true : g.id === targetId));
      let mapped = false;
      out = out.map((g) => {
        if (!targets.includes(g)) return g;
        const index = g.members.findIndex((m) => m.class === 'lsb' && m.type === 'nginx');
        if (index < 0) return g;
        mapped = true;
        return this.probeGroup(g, index, httpProbe);
      });
      if (!mapped) {
        this.warn(
          file,
          probe.line,
          `probe [${probe.name}] (${probe.url}) is not exported: ${probe.group === undefined ? 'no group' : `group ${probe.group}`} has no nginx resource, and resource-agents has no agent that only checks a URL; give the service's OCF agent its URL check (apache: statusurl, nginx: status10url)`,
        );
      }
    }
    return out;
  }

  private probeGroup(group: Group, index: number, probe: ProbeConfig & { readonly url: string }): Group {
    const file = this.input.probesFile;
    const member = group.members[index]!;
    const interval = probe.interval ?? MONITOR_INTERVAL_S * 1000;
    if (probe.schedule !== undefined) {
      this.warn(file, probe.line, `probe [${probe.name}]: schedule "${probe.schedule}" has no Pacemaker counterpart (monitors run at a fixed interval): exported with interval ${seconds(interval)}`);
    }
    const wholeNode = probe.group === undefined || probe.action === 'shutdown';
    const onFail: Operation['onFail'] = wholeNode ? 'standby' : 'restart';
    const r = this.input.options.resources;
    const deep: Operation = {
      name: 'monitor',
      interval: seconds(interval),
      // The op timeout covers the whole agent run (pid checks, forking curl), not
      // only the HTTP request: a probe's 2 s would fail over on a slow fork.
      timeout: seconds(Math.max(probe.timeout, MIN_DEEP_MONITOR_TIMEOUT_MS)),
      checkLevel: 10,
      onFail,
    };
    this.warn(
      file,
      probe.line,
      `probe [${probe.name}]: fall = ${probe.fall} and rise = ${probe.rise} have no Pacemaker counterpart: the first failed monitor counts; ` +
        'the node stays ineligible for the group until its fail count is cleared (crm_resource --cleanup) or failure-timeout expires',
    );
    if (probe.expectStatus !== 200 || probe.expectMd5 !== undefined) {
      this.warn(file, probe.line, `probe [${probe.name}]: expect_status/expect_md5 are not exported: the nginx agent checks that the page's body matches status10regex`);
    }
    const nginx: Primitive = {
      ...member,
      class: 'ocf',
      provider: 'heartbeat',
      type: 'nginx',
      params: [
        { name: 'status10url', value: probe.url },
        // Any non-empty page: the agent greps the body, it does not look at the status code.
        { name: 'status10regex', value: '.' },
      ],
      ops: [
        { name: 'start', interval: '0s', timeout: seconds(r.startTimeout) },
        { name: 'stop', interval: '0s', timeout: seconds(r.stopTimeout), ...this.stopOnFail() },
        deep,
      ],
      comments: [
        ...member.comments,
        `probes.ini [${probe.name}] (line ${probe.line}): GET ${probe.url} every ${formatMillis(interval)}, timeout ${formatMillis(probe.timeout)}`,
        `the monitor's timeout is at least ${MIN_DEEP_MONITOR_TIMEOUT_MS / 1000}s: it covers the whole agent run, not only the request`,
        "the closest counterpart of the probe is ocf:heartbeat:nginx's depth-10 monitor (status10url); lsb:nginx cannot check a URL",
        `fall = ${probe.fall}, rise = ${probe.rise}: no counterpart, Pacemaker acts on the first failed monitor`,
        wholeNode
          ? `action ${probe.action}${probe.group === undefined ? ' of every group' : ''}: on-fail=standby moves every resource off the node, as stopping heartbeat-ts did`
          : 'action standby: migration-threshold=1 on the group moves it to the peer after one failure instead of restarting it here',
      ],
    };
    this.warn(file, probe.line, `probe [${probe.name}]: nginx is exported as ocf:heartbeat:nginx (configfile /etc/nginx/nginx.conf) instead of lsb:nginx, so that Pacemaker checks ${probe.url}`);
    const members = group.members.map((m, i) => (i === index ? nginx : m));
    const meta = wholeNode ? group.meta : [...group.meta.filter((m) => m.name !== 'migration-threshold'), { name: 'migration-threshold', value: '1' }];
    return { ...group, members, meta };
  }

  /** ping / ping_group + `respawn … ipfail` → a ping clone and a connectivity rule per group. */
  connectivity(groups: readonly Group[]): { clones: Clone[]; constraints: Constraint[] } {
    const { pingNodes } = this.input.haCf;
    const respawns = this.linesOf('respawn');
    const ipfail = respawns.find((l) => /(^|\/)ipfail(\s|$)/.test(l.rest));
    for (const r of respawns) {
      if (r === ipfail) continue;
      this.warnHaCf(r.line, `respawn ${r.rest}: Pacemaker does not respawn API clients; run the program as ocf:heartbeat:anything or a systemd service if it is still needed`);
    }
    if (pingNodes.length === 0) {
      if (ipfail) this.warnHaCf(ipfail.line, 'ipfail is respawned but ha.cf declares no ping node: nothing to export');
      return { clones: [], constraints: [] };
    }
    if (!ipfail) {
      for (const p of pingNodes) {
        this.warnHaCf(p.line, `${p.kind} ${p.name}: without ipfail, ping nodes never move resources in Heartbeat; not exported (add "respawn hacluster /usr/lib/heartbeat/ipfail" to get the connectivity rule)`);
      }
      return { clones: [], constraints: [] };
    }
    const hosts = pingNodes.flatMap((p) => p.hosts);
    for (const p of pingNodes.filter((n) => n.kind === 'ping_group')) {
      this.warnHaCf(p.line, `ping_group ${p.name}: counts as one node when any of ${p.hosts.join(' ')} answers; ocf:pacemaker:ping counts every host that answers`);
    }
    const primitive: Primitive = {
      id: this.ids.make('ping'),
      class: 'ocf',
      provider: 'pacemaker',
      type: 'ping',
      params: [
        { name: 'host_list', value: hosts.join(' ') },
        { name: 'multiplier', value: String(PING_MULTIPLIER) },
        { name: 'dampen', value: seconds(this.input.haCf.deadping) },
      ],
      meta: [],
      ops: [{ name: 'monitor', interval: `${MONITOR_INTERVAL_S}s`, timeout: '60s' }],
      comments: [
        `ha.cf ping/ping_group (lines ${pingNodes.map((p) => p.line).join(', ')}) and ipfail (line ${ipfail.line})`,
        `node attribute pingd = ${PING_MULTIPLIER} x reachable hosts; dampen = deadping ${formatMillis(this.input.haCf.deadping)}`,
      ],
    };
    const clone: Clone = { id: this.ids.make('ping-clone'), primitive, meta: [], comments: ['runs on every node, like the ping nodes every Heartbeat node watched'] };
    const constraints: Constraint[] = groups.map((g) => ({
      kind: 'location-attribute',
      id: this.ids.make(`loc-${g.id}-connectivity`),
      rsc: g.id,
      attribute: 'pingd',
      comments: [`ipfail: ${g.id} prefers the node that reaches more ping hosts (${PING_MULTIPLIER} per host outweighs home preference and stickiness)`],
    }));
    return { clones: [clone], constraints };
  }

  fencing(): { devices: Primitive[]; constraints: Constraint[]; enabled: boolean } {
    const devices: Primitive[] = [];
    const constraints: Constraint[] = [];
    let allMapped = true;
    for (const line of this.linesOf('stonith_host')) {
      const mapped = mapStonithHost(line.rest);
      if (!mapped.ok) {
        allMapped = false;
        this.warnHaCf(line.line, `stonith_host ${line.rest}: ${mapped.reason}; not exported`);
        continue;
      }
      const { device } = mapped;
      const id = this.ids.make(`fence-${device.type.replace('/', '-')}`);
      if (TEST_ONLY_PLUGINS.includes(device.type)) {
        this.warnHaCf(line.line, `stonith_host uses ${device.type}, which cannot fence a hung node: fine for a test cluster, not for shared data`);
      }
      devices.push({
        id,
        class: 'stonith',
        type: device.type,
        params: device.params,
        meta: [],
        ops: [{ name: 'monitor', interval: '60s', timeout: '20s' }],
        comments: [`ha.cf line ${line.line}: stonith_host ${line.rest.replace(/(password|passwd)\s+\S+/gi, '$1 …')}`],
      });
      if (device.hostFrom !== '*') {
        for (const node of this.input.haCf.nodes.filter((n) => n !== device.hostFrom)) {
          constraints.push({
            kind: 'location',
            id: this.ids.make(`loc-${id}-not-${node}`),
            rsc: id,
            node,
            score: '-INFINITY',
            comments: [`stonith_host ${device.hostFrom}: only ${device.hostFrom} operates this device`],
          });
        }
      }
    }
    this.stonithEnabled = devices.length > 0 && allMapped;
    return { devices, constraints, enabled: this.stonithEnabled };
  }

  unmappedDirectives(): void {
    const seen = new Set<string>();
    for (const l of this.lines) {
      const why = NO_COUNTERPART[l.directive];
      if (why === undefined) continue;
      if (l.directive === 'crm' && /^(off|no|false)$/i.test(l.rest.trim())) continue;
      const key = `${l.directive}:${l.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.warnHaCf(l.line, `${l.directive} is not exported: ${why}`);
    }
  }

  extensionOptions(): void {
    const o = this.input.options;
    const d = EXTENSION_DEFAULTS;
    const file = o.file;
    if (o.resources.stopRetries !== d.resources.stopRetries || o.resources.stopRetryInterval !== d.resources.stopRetryInterval) {
      this.warn(file, 0, 'stop_retries / stop_retry_interval are not exported: Pacemaker tries a stop once within its timeout, then blocks or fences');
    }
    if (o.resources.failedStartStandbyDelay !== d.resources.failedStartStandbyDelay) {
      this.warn(file, 0, 'failed_start_standby_delay is not exported: Pacemaker moves a group whose start failed at once (start-failure-is-fatal)');
    }
    if (o.resources.startupFallbackDelay !== d.resources.startupFallbackDelay) {
      this.warn(file, 0, 'startup_fallback_delay is not exported: the Pacemaker counterpart is dc-deadtime (cluster option)');
    }
    if (o.arp.mode !== 'both') this.warn(file, 0, `[arp] mode = ${o.arp.mode} is not exported: IPaddr2 always sends both forms`);
    if (o.log.format !== 'text') this.warn(file, 0, '[log] format = json is not exported: Pacemaker writes its own log format');
  }
}

export function buildPacemakerModel(input: ExportInput): BuildResult {
  const b = new Builder(input);
  const { haCf, haResources } = input;
  const fencing = b.fencing();
  const failback = b.autoFailback();
  const groups: Group[] = [];
  const homes: Constraint[] = [];
  const groupKeys = new Map<string, string>();
  for (const g of haResources.groups) {
    const built = b.group(g, failback);
    if (!built) continue;
    groups.push(built.group);
    homes.push(built.home);
    groupKeys.set(g.key, built.group.id);
  }
  const probed = b.applyProbes(groups, groupKeys);
  const { clones, constraints: connectivity } = b.connectivity(probed);
  b.unmappedDirectives();
  b.extensionOptions();
  if (haCf.nodes.length > 2) {
    b.warnHaCf(0, `ha.cf lists ${haCf.nodes.length} nodes: heartbeat-ts places a group on the first live node in ha.cf order; Pacemaker places it by scores (home preference, then stickiness), so a group whose home node is down may start on any other node`);
  }

  const properties: NameValue[] = [{ name: 'stonith-enabled', value: fencing.enabled ? 'true' : 'false' }];
  const propertyComments: string[] = [];
  if (!fencing.enabled) {
    propertyComments.push(
      '!!! STONITH IS DISABLED. Heartbeat in haresources mode ran without fencing, and so does this export:',
      '!!! if the nodes stop hearing each other (a partition, a hung node) BOTH may run the same groups at once,',
      '!!! with the same service address answering from two MACs and shared data written from two nodes.',
      '!!! Configure a fencing device (pcs stonith create / crm configure primitive stonith:...) and set',
      '!!! stonith-enabled=true before this cluster holds data that matters.',
    );
  } else {
    propertyComments.push('fencing devices come from ha.cf stonith_host lines; test each one (stonith_admin -B NODE) before going live');
  }
  if (haCf.nodes.length === 2) {
    properties.push({ name: 'no-quorum-policy', value: 'ignore' });
    propertyComments.push(
      'two nodes: Heartbeat never needed quorum and a lone node took over the groups after initdead;',
      'no-quorum-policy=ignore keeps that (with corosync two_node: 1 the survivor of a failure keeps quorum anyway)',
    );
  } else {
    properties.push({ name: 'no-quorum-policy', value: 'stop' });
    propertyComments.push(`${haCf.nodes.length} nodes: a partition without a majority stops its resources (no-quorum-policy=stop)`);
  }

  const model: ClusterModel = {
    header: [
      `Pacemaker configuration exported by heartbeat-ts from ${input.configDir} (ha.cf, haresources, and probes.ini and heartbeat-ts.ini where present).`,
      'Review the comments and the warnings the export printed before loading it; docs/migrate-to-pacemaker.md explains each mapping.',
    ],
    nodes: haCf.nodes.map((name, i) => ({ id: i + 1, name })),
    properties,
    propertyComments,
    groups: probed,
    clones,
    stonith: fencing.devices,
    constraints: [...homes, ...connectivity, ...fencing.constraints],
  };
  return { model, warnings: b.warnings, errors: b.errors };
}
