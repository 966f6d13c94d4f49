// The argument of Heartbeat's IPaddr / IPaddr2 resources, as their
// resource.d wrappers split it and the OCF agents behind them take it
// (spec §9.1; /etc/ha.d/resource.d/IPaddr{,2} and
// /usr/lib/ocf/resource.d/heartbeat/IPaddr{,2}). Exactly one argument:
//   ADDR[/CIDR[/IFACE[:LABEL][/BROADCAST]]]   or   ADDR/CIDR/BROADCAST
// - The wrappers cut at runs of "/" (`sed 's%^BASEIP/*%%'`), so `A//24` is
//   `A/24` and a trailing "/" adds nothing.
// - A third part starting with a digit is the broadcast, not an interface
//   (`case $NIC in [0-9]*)`).
// - CIDR is a prefix length 1-32 or a dotted netmask (both agents accept
//   `255.255.255.0`; 0, `024` and bare words are refused by their findif).
// - IFACE:LABEL: IPaddr2 labels the address IFACE:LABEL (15 characters at
//   most, as the agent checks). Heartbeat's IPaddr strips `:LABEL` and picks
//   the first free alias itself; heartbeat-ts labels the address with what
//   the admin wrote (the tutorials' `eth0:0`), so `ip addr` shows it. An
//   empty label (`eth0:`) means the plain interface, as in both agents.
// Where the wrappers silently drop what they do not use (parts after the
// broadcast), or IPaddr's findif silently turns a non-contiguous netmask
// into a bit count, the argument is refused with the reason instead, so a
// file accepted here means the same under real Heartbeat.
// Heartbeat's wrappers accept no named form (`ip=… cidr_netmask=…`): that
// belongs to the OCF agents behind them, so it is not accepted here either.
import { isIpv4, maskToPrefixLength } from './ipv4.js';

export type BuiltinAddressAgent = 'IPaddr' | 'IPaddr2';

export interface IpAddrSpec {
  readonly address: string;
  readonly prefixLength?: number;
  readonly iface?: string;
  /** The full address label the admin wrote, e.g. `eth0:0` or `eth0:web`. */
  readonly label?: string;
  readonly broadcast?: string;
}

export type IpAddrArgsResult = { readonly ok: true; readonly spec: IpAddrSpec } | { readonly ok: false; readonly error: string };

/** IFNAMSIZ − 1: the kernel's limit on interface names and address labels. */
export const MAX_IFACE_NAME_LENGTH = 15;

const IFACE_NAME = /^[A-Za-z0-9_.@+-]+$/;
/** What may follow `IFACE:` in a label (the agents pass it to `ip … label` as is). */
const LABEL_SUFFIX = /^[A-Za-z0-9_.@+:-]+$/;

function usage(kind: BuiltinAddressAgent): string {
  return `expected ${kind}::ADDR[/CIDR[/IFACE[:LABEL][/BROADCAST]]] or ${kind}::ADDR/CIDR/BROADCAST`;
}

function fail(error: string): IpAddrArgsResult {
  return { ok: false, error };
}

function parsePrefixLength(text: string): number | undefined {
  if (/^[1-9]\d?$/.test(text)) {
    const n = Number(text);
    return n <= 32 ? n : undefined;
  }
  const fromMask = maskToPrefixLength(text);
  return fromMask === 0 ? undefined : fromMask;
}

function checkIfaceName(name: string): string | undefined {
  if (name.length > MAX_IFACE_NAME_LENGTH) return `interface name "${name}" is longer than ${MAX_IFACE_NAME_LENGTH} characters`;
  if (!IFACE_NAME.test(name) || name === '.' || name === '..') return `"${name}" is not a valid interface name`;
  return undefined;
}

export function parseIpAddrArguments(kind: BuiltinAddressAgent, args: readonly string[]): IpAddrArgsResult {
  if (args.length !== 1) {
    return fail(`${kind} takes exactly one argument, got ${args.length}: ${usage(kind)}`);
  }
  const arg = args[0]!;
  if (arg.startsWith('/')) return fail(`"${arg}" starts with "/", not with an address: ${usage(kind)}`);
  // Runs of "/" are one separator, and a trailing one adds nothing (the wrappers' sed).
  const parts = arg.split(/\/+/);
  if (parts[parts.length - 1] === '') parts.pop();

  const [address, cidrText, third, fourth, ...extra] = parts as [string, string?, string?, string?, ...string[]];
  if (!isIpv4(address)) return fail(`"${address}" is not an IPv4 address: ${usage(kind)}`);

  let prefixLength: number | undefined;
  if (cidrText !== undefined) {
    prefixLength = parsePrefixLength(cidrText);
    if (prefixLength === undefined) {
      return fail(
        `"${cidrText}" is neither a prefix length 1-32 nor a netmask such as 255.255.255.0 (the second part is always the netmask: ${usage(kind)})`,
      );
    }
  }

  let ifaceText: string | undefined;
  let broadcast: string | undefined;
  if (third !== undefined && /^\d/.test(third)) {
    if (fourth !== undefined) {
      return fail(
        `"${third}" is a broadcast address, so nothing may follow it (Heartbeat's ${kind} would silently ignore "${[fourth, ...extra].join('/')}"): ${usage(kind)}`,
      );
    }
    broadcast = third;
  } else {
    ifaceText = third;
    broadcast = fourth;
    if (extra.length > 0) {
      return fail(
        `too many "/" parts in "${arg}" (Heartbeat's ${kind} would silently ignore "${extra.join('/')}"): ${usage(kind)}`,
      );
    }
  }
  if (broadcast !== undefined && !isIpv4(broadcast)) return fail(`broadcast "${broadcast}" is not an IPv4 address`);

  let iface: string | undefined;
  let label: string | undefined;
  if (ifaceText !== undefined) {
    const colon = ifaceText.indexOf(':');
    iface = colon >= 0 ? ifaceText.slice(0, colon) : ifaceText;
    const bad = checkIfaceName(iface);
    if (bad) return fail(bad);
    const labelSuffix = colon >= 0 ? ifaceText.slice(colon + 1) : '';
    if (labelSuffix !== '') {
      if (!LABEL_SUFFIX.test(labelSuffix)) return fail(`"${ifaceText}" has an invalid label after "${iface}:"`);
      label = ifaceText;
      if (label.length > MAX_IFACE_NAME_LENGTH) {
        return fail(
          `label "${label}" is longer than ${MAX_IFACE_NAME_LENGTH} characters (the kernel's limit${kind === 'IPaddr2' ? ', checked by IPaddr2 too' : '; Heartbeat\'s IPaddr would drop the label, heartbeat-ts labels the address with it'})`,
        );
      }
    }
  }

  const spec: IpAddrSpec = {
    address,
    ...(prefixLength !== undefined ? { prefixLength } : {}),
    ...(iface !== undefined ? { iface } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(broadcast !== undefined ? { broadcast } : {}),
  };
  return { ok: true, spec };
}
