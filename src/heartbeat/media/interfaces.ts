// Which IPv4 address (and broadcast address) an ha.cf interface name means.
// Pure given the interface table, so it is tested without touching the host.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface InterfaceAddress {
  readonly name: string;
  readonly address: string;
  readonly netmask: string;
  /** address | ~netmask: where `bcast IFACE` sends (spec §1). */
  readonly broadcast: string;
}

export type InterfaceLookup = { readonly ok: true; readonly value: InterfaceAddress } | { readonly ok: false; readonly reason: string };

export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

function toNumber(dotted: string): number {
  return dotted.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

function toDotted(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

/** 224.0.0.0/4 (spec §1: the mcast GROUP). */
export function isMulticastIPv4(text: string): boolean {
  return isIPv4(text) && Number(text.split('.')[0]) >= 224 && Number(text.split('.')[0]) <= 239;
}

export function broadcastAddress(address: string, netmask: string): string {
  return toDotted((toNumber(address) | ~toNumber(netmask)) >>> 0);
}

/** An IPv4 address as `ip -j addr` reports it. */
export interface KernelAddress {
  readonly local: string;
  readonly prefixlen: number;
}

/**
 * The IPv4 addresses of an interface that is up but has no carrier (cable
 * out): Node's table leaves such interfaces out, the kernel still has them.
 * Heartbeat starts in that state and waits for the link; so do we.
 */
function kernelAddresses(name: string): KernelAddress[] {
  try {
    const out = execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', name, 'up'], { encoding: 'utf8', timeout: 5_000 });
    const parsed = JSON.parse(out || '[]') as Array<{ addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }> }>;
    return parsed.flatMap((i) => i.addr_info ?? []).flatMap((a) =>
      a.family === 'inet' && typeof a.local === 'string' && typeof a.prefixlen === 'number' ? [{ local: a.local, prefixlen: a.prefixlen }] : [],
    );
  } catch {
    return [];
  }
}

function prefixToNetmask(prefixlen: number): string {
  return toDotted(prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0);
}

/**
 * The first IPv4 address of the interface. `exists` tells a missing
 * interface from one that is down or has no IPv4 address (the OS table only
 * lists interfaces that are up and running, with addresses; `fromKernel`
 * asks the kernel about one that is up without carrier).
 */
export function resolveInterface(
  name: string,
  table: InterfaceTable = networkInterfaces(),
  exists: (iface: string) => boolean = (iface) => existsSync(`/sys/class/net/${iface}`),
  fromKernel: (iface: string) => readonly KernelAddress[] = kernelAddresses,
): InterfaceLookup {
  const entries = table[name];
  const v4 = entries?.find((e) => e.family === 'IPv4' && !e.internal) ?? entries?.find((e) => e.family === 'IPv4');
  if (v4) {
    return {
      ok: true,
      value: { name, address: v4.address, netmask: v4.netmask, broadcast: broadcastAddress(v4.address, v4.netmask) },
    };
  }
  if (!entries && !exists(name)) return { ok: false, reason: `no such network interface ${name}` };
  const kernel = entries ? undefined : fromKernel(name)[0];
  if (kernel) {
    const netmask = prefixToNetmask(kernel.prefixlen);
    return { ok: true, value: { name, address: kernel.local, netmask, broadcast: broadcastAddress(kernel.local, netmask) } };
  }
  return { ok: false, reason: `interface ${name} has no IPv4 address or is down (ip link set ${name} up)` };
}
