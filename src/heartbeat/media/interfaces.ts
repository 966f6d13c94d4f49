// Which IPv4 address (and broadcast address) an ha.cf interface name means.
// Pure given the interface table, so it is tested without touching the host.
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

/**
 * The first IPv4 address of the interface. `exists` tells a missing
 * interface from one that is down or has no IPv4 address (the OS table only
 * lists interfaces that are up, with addresses).
 */
export function resolveInterface(
  name: string,
  table: InterfaceTable = networkInterfaces(),
  exists: (iface: string) => boolean = (iface) => existsSync(`/sys/class/net/${iface}`),
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
  return { ok: false, reason: `interface ${name} has no IPv4 address or is down` };
}
