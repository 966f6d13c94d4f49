// The argument of Heartbeat's IPaddr / IPaddr2 resources, as their
// resource.d wrappers split it (spec §9.1): exactly one argument
//   ADDR[/CIDR[/IFACE[/BROADCAST]]]   or   ADDR/CIDR/BROADCAST
// where a third part starting with a digit is the broadcast, not an interface.
// CIDR may be a prefix length or a dotted netmask. IPaddr2 also accepts
// IFACE:LABEL (the label is appended to the interface name, 15 chars max).
// Heartbeat's wrappers accept no named form (`ip=… cidr_netmask=…`): that
// belongs to the OCF agents behind them, so it is not accepted here either.
import { isIpv4, maskToPrefixLength } from './ipv4.js';

export type BuiltinAddressAgent = 'IPaddr' | 'IPaddr2';

export interface IpAddrSpec {
  readonly address: string;
  readonly prefixLength?: number;
  readonly iface?: string;
  /** IPaddr2 only: the full address label, e.g. `eth0:web`. */
  readonly label?: string;
  readonly broadcast?: string;
}

export type IpAddrArgsResult = { readonly ok: true; readonly spec: IpAddrSpec } | { readonly ok: false; readonly error: string };

/** IFNAMSIZ − 1: the kernel's limit on interface names and address labels. */
export const MAX_IFACE_NAME_LENGTH = 15;

const IFACE_NAME = /^[A-Za-z0-9_.@+-]+$/;

function usage(kind: BuiltinAddressAgent): string {
  return kind === 'IPaddr2'
    ? 'expected IPaddr2::ADDR[/CIDR[/IFACE[:LABEL][/BROADCAST]]]'
    : 'expected IPaddr::ADDR[/CIDR[/IFACE[/BROADCAST]]]';
}

function fail(error: string): IpAddrArgsResult {
  return { ok: false, error };
}

function parsePrefixLength(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n <= 32 ? n : undefined;
  }
  return maskToPrefixLength(text);
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
  const parts = arg.split('/');
  // A trailing slash adds nothing (the wrappers' sed ignores it).
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length > 4) return fail(`too many "/" parts in "${arg}": ${usage(kind)}`);
  if (parts.some((p) => p === '')) return fail(`empty part in "${arg}": ${usage(kind)}`);

  const [address, cidrText, third, fourth] = parts as [string, string?, string?, string?];
  if (!isIpv4(address)) return fail(`"${address}" is not an IPv4 address: ${usage(kind)}`);

  let prefixLength: number | undefined;
  if (cidrText !== undefined) {
    prefixLength = parsePrefixLength(cidrText);
    if (prefixLength === undefined) {
      return fail(`"${cidrText}" is neither a prefix length 0-32 nor a netmask such as 255.255.255.0`);
    }
  }

  let ifaceText: string | undefined;
  let broadcast: string | undefined;
  if (third !== undefined && /^\d/.test(third)) {
    if (fourth !== undefined) return fail(`"${third}" is a broadcast address, so nothing may follow it: ${usage(kind)}`);
    broadcast = third;
  } else {
    ifaceText = third;
    broadcast = fourth;
  }
  if (broadcast !== undefined && !isIpv4(broadcast)) return fail(`broadcast "${broadcast}" is not an IPv4 address`);

  let iface: string | undefined;
  let label: string | undefined;
  if (ifaceText !== undefined) {
    const colon = ifaceText.indexOf(':');
    if (colon >= 0) {
      if (kind === 'IPaddr') {
        return fail(`IPaddr takes a plain interface, not the alias "${ifaceText}" (it picks the alias itself; IPaddr2 accepts IFACE:LABEL)`);
      }
      iface = ifaceText.slice(0, colon);
      const labelSuffix = ifaceText.slice(colon + 1);
      if (labelSuffix === '' || !IFACE_NAME.test(labelSuffix)) return fail(`"${ifaceText}" has an invalid label after ":"`);
      label = ifaceText;
      if (label.length > MAX_IFACE_NAME_LENGTH) {
        return fail(`label "${label}" is longer than ${MAX_IFACE_NAME_LENGTH} characters`);
      }
    } else {
      iface = ifaceText;
    }
    const bad = checkIfaceName(iface);
    if (bad) return fail(bad);
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
