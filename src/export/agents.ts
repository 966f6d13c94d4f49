// Which Pacemaker agent runs a haresources resource, with which parameters.
//
// The mapping of `::` arguments to OCF parameters is the one Heartbeat's own
// resource.d wrappers use (Debian's heartbeat 3.0.6, /etc/ha.d/resource.d/*:
// each wrapper exports OCF_RESKEY_<name> from its positional arguments and
// runs the OCF agent of the same name), so the exported primitive runs the
// very agent Heartbeat ran, with the same values. Anything else is an LSB
// init script (`lsb:`), as Heartbeat found it in /etc/init.d. Pacemaker 2
// has no `heartbeat:` class any more, so a script that takes `::` arguments
// and has no OCF agent cannot keep them: that is a warning.
import { isIPv4 } from '../config/index.js';
import type { ResourceRef } from '../config/index.js';
import type { NameValue } from './model.js';

export interface AgentChoice {
  readonly class: 'ocf' | 'lsb';
  readonly provider?: string;
  readonly type: string;
  readonly params: readonly NameValue[];
  /** Why this agent, for a comment in the output. */
  readonly note?: string;
  /** What could not be carried over (a warning). */
  readonly warning?: string;
  /** A short base for the primitive's id. */
  readonly idBase: string;
}

export type AgentResult = { readonly ok: true; readonly agent: AgentChoice } | { readonly ok: false; readonly error: string };

interface WrapperSpec {
  /** OCF parameter names of the positional arguments, in order. */
  readonly params: readonly string[];
  /** How many arguments the wrapper requires. */
  readonly required: number;
  /** All arguments are one parameter, joined with blanks (AudibleAlarm's node list). */
  readonly joinAll?: boolean;
  /** How many leading parameters today's OCF agent requires, when more than the wrapper did. */
  readonly agentRequires?: number;
}

/**
 * Heartbeat 3.0.6's resource.d wrappers of OCF agents (all in resource-agents'
 * ocf:heartbeat provider). IPaddr, IPaddr2, IPv6addr, SendArp and WAS split
 * their single argument themselves: see mapSpecial.
 */
export const HEARTBEAT_WRAPPERS: Readonly<Record<string, WrapperSpec>> = {
  AudibleAlarm: { params: ['nodelist'], required: 0, joinAll: true },
  Delay: { params: ['startdelay', 'stopdelay'], required: 0 },
  Filesystem: { params: ['device', 'directory', 'fstype', 'options'], required: 2, agentRequires: 3 },
  ICP: { params: ['driveid', 'device'], required: 2 },
  IPsrcaddr: { params: ['ipaddress'], required: 1 },
  LVM: { params: ['volgrpname'], required: 1 },
  LinuxSCSI: { params: ['scsi'], required: 1 },
  MailTo: { params: ['email', 'subject'], required: 1 },
  Raid1: { params: ['raidconf', 'raiddev'], required: 2 },
  ServeRAID: { params: ['serveraid', 'mergegroup'], required: 2 },
  WinPopup: { params: ['hostfile'], required: 0, agentRequires: 1 },
  Xinetd: { params: ['service'], required: 1 },
  apache: { params: ['configfile'], required: 0 },
  db2: { params: ['instance'], required: 1 },
  ids: { params: ['informixdir', 'informixserver', 'onconfig'], required: 0 },
  portblock: { params: ['protocol', 'portno', 'action'], required: 3 },
};

/** The wrappers whose single argument is split by the wrapper itself. */
export const SPECIAL_WRAPPERS = ['IPaddr', 'IPaddr2', 'IPv6addr', 'SendArp', 'WAS'] as const;

/** Scripts other packages put in resource.d, with what replaces them under Pacemaker. */
const KNOWN_NON_OCF: Readonly<Record<string, string>> = {
  drbddisk:
    "DRBD's ocf:linbit:drbd (package drbd-utils) as a promotable clone, with the group colocated with and ordered after its promoted instance",
  killnfsd: 'ocf:heartbeat:nfsserver',
};

const ok = (agent: AgentChoice): AgentResult => ({ ok: true, agent });
const fail = (error: string): AgentResult => ({ ok: false, error });

function ocf(type: string, params: NameValue[], idBase: string, extra: Partial<AgentChoice> = {}): AgentResult {
  return ok({ class: 'ocf', provider: 'heartbeat', type, params, idBase, ...extra });
}

/** Prefix length of a dotted netmask, or undefined when it is not a contiguous mask. */
function maskToPrefix(mask: string): number | undefined {
  if (!isIPv4(mask)) return undefined;
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

/**
 * IPaddr / IPaddr2 `ADDR[/CIDR[/IFACE[:LABEL][/BROADCAST]]]` (or `ADDR/CIDR/BROADCAST`:
 * a third part starting with a digit is the broadcast), split as Heartbeat's
 * wrappers split it; both become ocf:heartbeat:IPaddr2, which is what
 * Heartbeat's IPaddr2 wrapper runs and what replaces IPaddr on Linux.
 */
function mapAddress(ref: ResourceRef): AgentResult {
  const usage = `expected ${ref.script}::ADDR[/CIDR[/IFACE[:LABEL][/BROADCAST]]]`;
  if (ref.args.length !== 1) return fail(`${ref.script} takes exactly one argument, got ${ref.args.length}: ${usage}`);
  const parts = ref.args[0]!.split('/');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length > 4 || parts.some((p) => p === '')) return fail(`cannot split "${ref.args[0]}": ${usage}`);
  const [address, cidr, third, fourth] = parts as [string, string?, string?, string?];
  if (!isIPv4(address)) return fail(`"${address}" is not an IPv4 address: ${usage}`);
  const params: NameValue[] = [{ name: 'ip', value: address }];
  if (cidr !== undefined) {
    const prefix = /^\d{1,2}$/.test(cidr) && Number(cidr) <= 32 ? Number(cidr) : maskToPrefix(cidr);
    if (prefix === undefined) return fail(`"${cidr}" is neither a prefix length 0-32 nor a netmask such as 255.255.255.0`);
    params.push({ name: 'cidr_netmask', value: String(prefix) });
  }
  let iface: string | undefined;
  let broadcast: string | undefined;
  if (third !== undefined && /^\d/.test(third)) {
    if (fourth !== undefined) return fail(`"${third}" is a broadcast address, so nothing may follow it: ${usage}`);
    broadcast = third;
  } else {
    iface = third;
    broadcast = fourth;
  }
  if (iface !== undefined) {
    const [nic, label, ...rest] = iface.split(':');
    if (rest.length > 0 || nic === '' || label === '') return fail(`"${iface}" is not IFACE or IFACE:LABEL`);
    if (!/^[A-Za-z0-9_.@+-]{1,15}$/.test(nic!)) return fail(`"${nic}" is not a valid interface name`);
    params.push({ name: 'nic', value: nic! });
    if (label !== undefined) {
      if (!/^[A-Za-z0-9_.@+-]+$/.test(label) || iface.length > 15) {
        return fail(`label "${iface}" is not a valid address label (at most 15 characters)`);
      }
      // IPaddr2 appends `:iflabel` to nic itself: it takes the part after the colon.
      params.push({ name: 'iflabel', value: label });
    }
  }
  if (broadcast !== undefined) {
    if (!isIPv4(broadcast)) return fail(`broadcast "${broadcast}" is not an IPv4 address`);
    params.push({ name: 'broadcast', value: broadcast });
  }
  const note =
    ref.script === 'IPaddr'
      ? "IPaddr becomes ocf:heartbeat:IPaddr2 (iproute2), the agent that replaces IPaddr on Linux; same ip/cidr_netmask/nic/broadcast"
      : "ocf:heartbeat:IPaddr2 is the agent Heartbeat's IPaddr2 wrapper runs";
  return ocf('IPaddr2', params, `ip-${address}`, { note });
}

function mapSpecial(ref: ResourceRef): AgentResult | undefined {
  switch (ref.script) {
    case 'IPaddr':
    case 'IPaddr2':
      return mapAddress(ref);
    case 'IPv6addr': {
      if (ref.args.length !== 1) return fail('IPv6addr takes exactly one argument: IPv6addr::ADDR[/PREFIX[/IFACE]]');
      const [address, prefix, nic] = ref.args[0]!.split('/');
      const params: NameValue[] = [{ name: 'ipv6addr', value: address! }];
      if (prefix) params.push({ name: 'cidr_netmask', value: prefix });
      if (nic) params.push({ name: 'nic', value: nic });
      return ocf('IPv6addr', params, `ip6-${address}`);
    }
    case 'SendArp': {
      const [ip, nic] = (ref.args[0] ?? '').split('/');
      if (ref.args.length !== 1 || !ip || !nic) return fail('SendArp takes one argument ADDR/IFACE');
      return ocf('SendArp', [{ name: 'ip', value: ip }, { name: 'nic', value: nic }], `sendarp-${ip}`);
    }
    case 'WAS': {
      if (ref.args.length > 1) return fail('WAS takes at most one argument (a configuration file or a port number)');
      const arg = ref.args[0];
      const params: NameValue[] = arg === undefined ? [] : [{ name: /^\d+$/.test(arg) ? 'port' : 'config', value: arg }];
      return ocf('WAS', params, 'was');
    }
    default:
      return undefined;
  }
}

function mapWrapper(ref: ResourceRef, spec: WrapperSpec): AgentResult {
  const name = ref.script;
  if (ref.args.length < spec.required) {
    return fail(`${name} needs at least ${spec.required} argument(s) (${spec.params.slice(0, spec.required).join(', ')}), got ${ref.args.length}`);
  }
  let params: NameValue[];
  if (spec.joinAll) {
    params = ref.args.length > 0 ? [{ name: spec.params[0]!, value: ref.args.join(' ') }] : [];
  } else {
    if (ref.args.length > spec.params.length) {
      return fail(`${name} takes at most ${spec.params.length} argument(s) (${spec.params.join(', ')}), got ${ref.args.length}`);
    }
    params = ref.args.map((value, i) => ({ name: spec.params[i]!, value }));
  }
  const firstValue = params[0]?.value;
  const missing = spec.params.slice(ref.args.length, spec.agentRequires ?? 0);
  return ocf(name, params, firstValue !== undefined ? `${name.toLowerCase()}-${firstValue}` : name.toLowerCase(), {
    note: `ocf:heartbeat:${name} is the agent Heartbeat's ${name} wrapper runs (arguments ${spec.params.join(', ')})`,
    ...(missing.length > 0
      ? { warning: `${ref.token}: today's ocf:heartbeat:${name} requires ${missing.join(', ')}, which the line does not give: add it to the primitive before loading` }
      : {}),
  });
}

/**
 * The agent for one haresources resource. `inResourceD`: the script is a
 * file of <config-dir>/resource.d (Pacemaker's lsb: class only looks in
 * /etc/init.d).
 */
export function mapResource(ref: ResourceRef, inResourceD = false): AgentResult {
  const special = mapSpecial(ref);
  if (special) return special;
  const wrapper = HEARTBEAT_WRAPPERS[ref.script];
  if (wrapper) return mapWrapper(ref, wrapper);
  if (!/^[A-Za-z0-9_.@+-]+$/.test(ref.script)) return fail(`"${ref.script}" is not a script name Pacemaker can run as lsb:${ref.script}`);
  const replacement = KNOWN_NON_OCF[ref.script];
  const instead = replacement ? `; the Pacemaker way is ${replacement}` : '';
  if (ref.args.length > 0) {
    return ok({
      class: 'lsb',
      type: ref.script,
      params: [],
      idBase: ref.script,
      warning:
        `${ref.token}: resource-agents has no OCF agent for ${ref.script} and Pacemaker 2 has no heartbeat: class, so its arguments (${ref.args.join(' ')}) cannot be passed: ` +
        `exported as lsb:${ref.script} without them${instead}, or wrap "/etc/ha.d/resource.d/${ref.script} ${ref.args.join(' ')} $1" in an LSB init script`,
    });
  }
  const moved = inResourceD
    ? `${ref.script} is a resource.d script: copy it to /etc/init.d/ on every node (lsb: agents live there) and check that its status action follows LSB`
    : undefined;
  const warning = [moved, replacement ? `exported as lsb:${ref.script}${instead}` : undefined].filter((w) => w !== undefined);
  return ok({
    class: 'lsb',
    type: ref.script,
    params: [],
    idBase: ref.script,
    ...(warning.length > 0 ? { warning: `${ref.token}: ${warning.join('; ')}` } : {}),
  });
}
