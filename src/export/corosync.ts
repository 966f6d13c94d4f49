// ha.cf → corosync.conf (Corosync 3, knet).
//
// Timers: Heartbeat declares a peer dead after `deadtime` of silence.
// Corosync declares the token lost after `token` ms, then waits `consensus`
// (default 1.2 × token) before it forms the new membership, so a dead node is
// out after about token + consensus = 2.2 × token. The export therefore sets
//   token = round(deadtime / 2.2)   (at least 1000 ms),
// which gives the same time to detection as deadtime. keepalive has no
// counterpart (knet sends its own pings: knet_ping_interval / knet_ping_timeout
// are derived from token by Corosync) and neither have warntime or initdead
// (two_node implies wait_for_all: a node that boots alone waits for its peer).
//
// Addresses: a node's ring0_addr comes from --node-addr NAME=ADDR; else,
// when no --node-addr is given and ha.cf has as many ucast addresses as nodes,
// the addresses are taken in node order (a warning says so, since ucast lines
// do not name their node); else the node name
// itself, which Corosync resolves through DNS or /etc/hosts.
import type { AuthMethod, HaCfConfig } from '../config/index.js';
import type { ExportWarning } from './model.js';
import { directiveLines } from './directive-lines.js';

export const CONSENSUS_FACTOR = 2.2;
export const MIN_TOKEN_MS = 1000;

export function tokenForDeadtime(deadtimeMs: number): number {
  return Math.max(MIN_TOKEN_MS, Math.round(deadtimeMs / CONSENSUS_FACTOR));
}

export interface CorosyncInput {
  readonly haCf: HaCfConfig;
  readonly haCfText: string;
  readonly nodeAddresses: ReadonlyMap<string, string>;
  readonly authMethod?: AuthMethod;
  readonly authKeysFile: string;
}

export interface CorosyncResult {
  readonly text: string;
  readonly warnings: readonly ExportWarning[];
  /** Unknown nodes in --node-addr. */
  readonly errors: readonly string[];
}

const LOGFACILITY_NONE = new Set(['none', '']);

export function renderCorosync(input: CorosyncInput): CorosyncResult {
  const { haCf } = input;
  const warnings: ExportWarning[] = [];
  const errors: string[] = [];
  const warn = (line: number, message: string): void => void warnings.push({ file: haCf.file, line, message });
  const lines = directiveLines(input.haCfText);
  const lineOf = (directive: string): number => lines.find((l) => l.directive === directive)?.line ?? 0;

  for (const name of input.nodeAddresses.keys()) {
    if (!haCf.nodes.includes(name)) errors.push(`--node-addr ${name}: ${name} is not a node of ${haCf.file} (${haCf.nodes.join(', ')})`);
  }
  const ucast = haCf.media.filter((m) => m.kind === 'ucast');
  const ucastPeers = [...new Set(ucast.map((m) => m.peer))];
  const byOrder = ucastPeers.length === haCf.nodes.length && haCf.nodes.every((n) => !input.nodeAddresses.has(n));
  if (byOrder && ucastPeers.length > 0) {
    warn(
      ucast[0]!.line,
      `node addresses taken from the ucast lines in node order (${haCf.nodes.map((n, i) => `${n}=${ucastPeers[i]}`).join(', ')}): ucast lines do not say which node an address is; give --node-addr NAME=ADDR if this is wrong`,
    );
  }
  const address = (node: string, i: number): string => {
    const given = input.nodeAddresses.get(node);
    if (given !== undefined) return given;
    if (byOrder) return ucastPeers[i]!;
    warn(0, `no address for node ${node} (give --node-addr ${node}=ADDR): ring0_addr is the node name, which every node must resolve to its cluster address`);
    return node;
  };

  for (const m of haCf.media) {
    if (m.kind !== 'ucast') {
      warn(m.line, `${m.kind} ${m.iface}: knet talks unicast to each node's ring0_addr; the ${m.kind} medium is not exported`);
    }
  }
  if (haCf.udpport !== 694) warn(lineOf('udpport'), `udpport ${haCf.udpport} is not exported: Corosync uses its own port (5405 by default)`);
  const token = tokenForDeadtime(haCf.deadtime);
  warn(lineOf('keepalive'), `keepalive ${haCf.keepalive} ms has no counterpart: knet sends its own pings (knet_ping_interval, derived from token)`);
  if (lineOf('initdead') > 0) {
    warn(
      lineOf('initdead'),
      haCf.nodes.length === 2
        ? 'initdead has no counterpart: with two_node: 1 a node that starts alone waits for its peer (wait_for_all)'
        : `initdead has no counterpart: a node that starts alone has no quorum and starts nothing until a majority (${Math.floor(haCf.nodes.length / 2) + 1} of ${haCf.nodes.length}) is up`,
    );
  }
  if (input.authMethod === 'crc') {
    warn(0, `${input.authKeysFile} uses crc (no authentication): the export turns knet encryption on anyway`);
  }

  const clusterName = /^[A-Za-z0-9_-]{1,32}$/.test(haCf.cluster) ? haCf.cluster : 'hacluster';
  const out: string[] = [
    `# corosync.conf exported by heartbeat-ts (heartbeat --export corosync) from ${haCf.file}.`,
    '# Copy it to /etc/corosync/corosync.conf on every node, and one key made by',
    '# `corosync-keygen` to /etc/corosync/authkey on every node (mode 0400).',
    'totem {',
    '    version: 2',
    `    cluster_name: ${clusterName}`,
    '    transport: knet',
    '    # knet encrypts and authenticates every packet with /etc/corosync/authkey',
    '    # (Heartbeat signed them with authkeys; the keys cannot be reused).',
    '    crypto_cipher: aes256',
    '    crypto_hash: sha256',
    `    # ha.cf deadtime ${haCf.deadtime} ms: a node is out after token + consensus (1.2 x token)`,
    `    # = 2.2 x token, so token = deadtime / 2.2 = ${token} ms.`,
    `    token: ${token}`,
    '}',
    '',
    'nodelist {',
  ];
  haCf.nodes.forEach((node, i) => {
    out.push('    node {', `        name: ${node}`, `        nodeid: ${i + 1}`, `        ring0_addr: ${address(node, i)}`, '    }');
  });
  out.push('}', '', 'quorum {', '    provider: corosync_votequorum');
  if (haCf.nodes.length === 2) {
    out.push('    # two nodes: the survivor of a failure keeps quorum; implies wait_for_all', '    two_node: 1');
  }
  out.push('}', '', 'logging {', '    to_stderr: no', '    timestamp: on');
  if (haCf.logfile !== undefined) out.push('    to_logfile: yes', '    logfile: /var/log/corosync/corosync.log');
  if (haCf.logfacility !== undefined && !LOGFACILITY_NONE.has(haCf.logfacility)) {
    out.push('    to_syslog: yes', `    syslog_facility: ${haCf.logfacility}`);
  } else {
    out.push('    to_syslog: no');
  }
  if (haCf.debug > 0) out.push('    debug: on');
  out.push('}');
  if (haCf.logfile !== undefined) warn(lineOf('logfile'), `logfile ${haCf.logfile}: Corosync logs to /var/log/corosync/corosync.log, Pacemaker to /var/log/pacemaker/pacemaker.log`);
  if (haCf.debugfile !== undefined) warn(lineOf('debugfile'), 'debugfile is not exported: set debug: on in corosync.conf and PCMK_debug in /etc/default/pacemaker');
  return { text: `${out.join('\n')}\n`, warnings, errors };
}
