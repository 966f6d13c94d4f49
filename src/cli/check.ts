// `heartbeat --check`: validate the configuration directory the way the
// daemon will at start-up (the same loader: every resource resolved once into
// the spec the daemon runs), print every problem (stderr, `FILE:LINE: …`),
// then a one-screen summary of what this node would do (stdout), its groups
// read from that spec.
// Exit 0 when the daemon would start (warnings allowed), 1 when it would not.
import fs from 'node:fs';
import path from 'node:path';
import { loadAndResolveConfig } from '../daemon/index.js';
import {
  countBySeverity,
  formatMillis as ms,
  formatProblem,
  type ClusterConfig,
  type LoadOptions,
  type LoadResult,
  type MediumConfig,
  type ProbeConfig,
  parseHaCf,
} from '../config/index.js';
import { describeTargets, resolveTargets, targetProblems } from '../notify/index.js';
import { ipfailRespawned, networkSettings } from '../network/index.js';
import { EXIT_FAILURE, EXIT_OK, processIo, type CliIo } from './main.js';
import type { CommonOptions } from './options.js';

/** Heartbeat checks liveness every 250 ms (spec §8.1): detection takes up to deadtime + 250 ms. */
export const LIVENESS_CHECK_INTERVAL_MS = 250;

export function runCheck(
  common: CommonOptions,
  io: CliIo = processIo,
  load: (options: LoadOptions) => LoadResult = loadAndResolveConfig,
): number {
  const { result, checkedAs } = loadAsSomeNode(common, load);
  if (checkedAs !== common.node) {
    io.stderr(
      `${path.join(common.configDir, 'ha.cf')}: warning: this machine (uname -n: ${common.node}) is not a node of ha.cf; ` +
        `checking as node ${checkedAs}. On a cluster node the daemon refuses to start unless its name is listed (or given with --node).\n`,
    );
  }
  for (const p of result.problems) io.stderr(`${formatProblem(p)}\n`);
  const counted = countBySeverity(result.problems);
  const errors = counted.errors;
  const warnings = counted.warnings + (checkedAs === common.node ? 0 : 1);
  const tally = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  if (!result.config) {
    io.stderr(
      `\nheartbeat-ts would refuse to start with ${common.configDir} as node ${checkedAs} (${tally}): fix the errors above and run heartbeat --check again.\n`,
    );
    return EXIT_FAILURE;
  }
  const notifyProblems = targetProblems(resolveTargets(result.config.options.notify, result.config.configDir));
  if (notifyProblems.length > 0) {
    for (const p of notifyProblems) io.stderr(`${result.config.options.file}: error: ${p}\n`);
    io.stderr(`\nheartbeat-ts would refuse to start with ${common.configDir} as node ${checkedAs}: fix the errors above and run heartbeat --check again.\n`);
    return EXIT_FAILURE;
  }
  if (result.problems.length > 0) io.stderr('\n');
  io.stdout(formatSummary(result.config, checkedAs === common.node ? common : { ...common, node: checkedAs, nodeSource: 'first-node' }));
  io.stdout(`\nConfiguration usable (${tally}).\n`);
  return EXIT_OK;
}

/**
 * --check may well run on another machine than the node it checks (an admin's
 * workstation, CI): when the node name only comes from `uname -n` and ha.cf
 * does not list it, the files are checked as ha.cf's first node instead, with
 * a warning. A name given with --node or nodeinfo is always used as is.
 */
function loadAsSomeNode(
  common: CommonOptions,
  load: (options: LoadOptions) => LoadResult,
): { result: LoadResult; checkedAs: string } {
  const options = { configDir: common.configDir, missingInterface: 'warning' as const };
  const result = load({ ...options, localNode: common.node });
  if (result.config || common.nodeSource !== 'hostname') return { result, checkedAs: common.node };
  let text: string;
  try {
    text = fs.readFileSync(path.join(common.configDir, 'ha.cf'), 'utf8');
  } catch {
    return { result, checkedAs: common.node };
  }
  const nodes = parseHaCf(text, path.join(common.configDir, 'ha.cf')).value.nodes;
  const first = nodes[0];
  if (first === undefined || nodes.includes(common.node)) return { result, checkedAs: common.node };
  return { result: load({ ...options, localNode: first }), checkedAs: first };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeMedium(m: MediumConfig): string {
  switch (m.kind) {
    case 'bcast':
      return `bcast ${m.iface} (udp port ${m.port})`;
    case 'ucast':
      return `ucast ${m.iface} to ${m.peer} (udp port ${m.port})`;
    case 'mcast':
      return `mcast ${m.iface} group ${m.group} port ${m.port} ttl ${m.ttl}${m.loop ? ' loop' : ''}`;
  }
}

function describeProbe(p: ProbeConfig): string {
  const when = p.interval !== undefined ? `every ${ms(p.interval)}` : `on schedule "${p.schedule}"`;
  const target = p.group !== undefined ? `of group ${p.group}` : 'of every group here';
  const action = p.action === 'standby' ? `standby ${target}` : 'shutdown of heartbeat-ts';
  const what = p.command !== undefined ? `runs "${p.command}"` : `GET ${p.url}`;
  return `${p.name}: ${what} ${when}, ${p.fall} failures -> ${action}`;
}

const AUTO_FAILBACK_MEANING = {
  on: 'on: a group returns to its home node as soon as that node is back',
  off: 'off: a group stays where it runs until an admin moves it',
  legacy: 'legacy (deprecated): a home node always takes its groups back by asking',
} as const;

/** The one-screen summary of a usable configuration. */
export function formatSummary(config: ClusterConfig, common: CommonOptions): string {
  const { haCf, haResources, authKeys, probes, options } = config;
  const source = {
    option: 'from --node',
    nodeinfo: `from ${common.configDir}/nodeinfo`,
    hostname: 'from `uname -n`',
    'first-node': "ha.cf's first node: this machine is not one of its nodes",
  }[common.nodeSource];
  const out: string[] = [];
  const row = (label: string, value: string, ...more: string[]): void => {
    out.push(`  ${label.padEnd(14)} ${value}`);
    for (const m of more) out.push(`  ${''.padEnd(14)} ${m}`);
  };

  out.push(`heartbeat-ts configuration in ${config.configDir}, as node ${config.localNode} (${source}):`);
  row('nodes', haCf.nodes.map((n) => (n === config.localNode ? `${n} (this node)` : n)).join(', '));
  if (haCf.nodes.length > 2) {
    row(
      '',
      `${haCf.nodes.length} nodes: haresources is a two-node design; heartbeat-ts gives a group whose home is down`,
      "to the first live node in ha.cf order. Past two nodes, Pacemaker is the engine for it:",
      '`heartbeat --export pacemaker` writes the equivalent configuration (docs/migrate-to-pacemaker.md).',
    );
  }
  if (haCf.pingNodes.length > 0) {
    row('ping nodes', haCf.pingNodes.map((p) => (p.kind === 'ping' ? p.name : `${p.name} (${p.hosts.join(' ')})`)).join(', '));
  }
  const [firstMedium, ...otherMedia] = haCf.media.map(describeMedium);
  row('media', firstMedium ?? 'ping only', ...otherMedia);
  const keyIds = [...authKeys.keys.keys()];
  const signing = authKeys.keys.get(authKeys.active);
  row(
    'auth',
    `${signing?.method ?? '?'} (key ${authKeys.active} signs)${keyIds.length > 1 ? `, keys ${keyIds.join(', ')} accepted` : ''}`,
  );
  row(
    'timers',
    `keepalive ${ms(haCf.keepalive)}, warntime ${ms(haCf.warntime)}, deadtime ${ms(haCf.deadtime)}, initdead ${ms(haCf.initdead)}` +
      (haCf.pingNodes.length > 0 ? `, deadping ${ms(haCf.deadping)}` : ''),
  );
  row('auto_failback', AUTO_FAILBACK_MEANING[haCf.autoFailback]);
  const groups = haResources.groups.map((g) => {
    const home = g.node === config.localNode ? 'this node' : g.node;
    return `${g.resources.map((r) => r.token).join(' ')}  (home: ${home})`;
  });
  const [firstGroup, ...otherGroups] = groups;
  row('groups', firstGroup ?? 'none', ...otherGroups);
  const [firstProbe, ...otherProbes] = probes.map(describeProbe);
  row('probes', firstProbe ?? 'none', ...otherProbes);
  const r = options.resources;
  row(
    'resources',
    `timeouts start ${ms(r.startTimeout)}, stop ${ms(r.stopTimeout)}, status ${ms(r.statusTimeout)}; stop retried ${r.stopRetries} x ${ms(r.stopRetryInterval)}, then ${r.onStopFailure}`,
  );
  const listen = options.http.listen;
  if (listen) {
    const where = listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
    row('http', `http://${where}/metrics (Prometheus), /status.json and the status page at /`);
  }
  const [firstTarget, ...otherTargets] = describeTargets(resolveTargets(options.notify, config.configDir));
  row('notify', firstTarget!, ...otherTargets);
  const ipfail = options.ipfail;
  if (haCf.pingNodes.length > 0 || ipfailRespawned(config) || ipfail.enabled !== 'auto' || ipfail.trackInterfaces.length > 0) {
    const [first, ...more] = networkSettings(config).describe.map((line) => line.replace(/^ipfail: /, ''));
    row('ipfail', first ?? 'off', ...more);
  }
  const detection = haCf.deadtime + LIVENESS_CHECK_INTERVAL_MS;
  row(
    'failover',
    `a crashed peer's groups start here at most ${ms(detection)} after its last heartbeat`,
    `(deadtime ${ms(haCf.deadtime)} + up to ${LIVENESS_CHECK_INTERVAL_MS} ms: liveness is checked at each peer's deadline, at least every ${LIVENESS_CHECK_INTERVAL_MS} ms),`,
    `plus the time the resources take to start (at most start_timeout ${ms(r.startTimeout)} each;`,
    'an address and an init script usually start in well under a second).',
    `Started alone, a node waits initdead ${ms(haCf.initdead)} for its peer before taking over its groups.`,
  );
  return `${out.join('\n')}\n`;
}
