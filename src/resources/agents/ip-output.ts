// Reading iproute2's one-line output (`ip -o -4 addr show`, `ip -o -4 route
// show`) and the decisions the address agents make from it: which interface
// carries a new address, which alias label is free. Pure.
import { parseIpv4, subnetContains } from './ipv4.js';

export interface InterfaceAddress {
  readonly iface: string;
  readonly address: string;
  readonly prefixLength: number;
  /** IPv4 addresses always carry a label in `ip` output (the interface name when none was set). */
  readonly label: string;
}

/**
 * `3: eth0    inet 198.51.100.10/24 brd 198.51.100.255 scope global secondary eth0:0\       valid_lft …`
 * Lines that are not IPv4 address lines are ignored.
 */
export function parseAddrShow(output: string): InterfaceAddress[] {
  const result: InterfaceAddress[] = [];
  for (const rawLine of output.split('\n')) {
    const line = rawLine.split('\\')[0] ?? '';
    const tokens = line.trim().split(/\s+/);
    // tokens: ["3:", "eth0", "inet", "ADDR/P", …, label]
    if (tokens.length < 4 || !/^\d+:$/.test(tokens[0] ?? '') || tokens[2] !== 'inet') continue;
    const iface = tokens[1]!;
    const [addr, prefixText] = (tokens[3] ?? '').split('/');
    if (addr === undefined || parseIpv4(addr) === undefined) continue;
    // Point-to-point addresses print `inet A peer B/P`; their local prefix is /32.
    const prefixLength = prefixText === undefined ? 32 : Number(prefixText);
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) continue;
    const last = tokens[tokens.length - 1]!;
    const label = last === iface || last.startsWith(`${iface}:`) ? last : iface;
    result.push({ iface, address: addr, prefixLength, label });
  }
  return result;
}

export interface ConnectedRoute {
  readonly network: string;
  readonly prefixLength: number;
  readonly iface: string;
}

/**
 * Directly connected routes from `ip -o -4 route show` (`NET/P dev IFACE proto kernel scope link …`).
 * Routes through a gateway, default routes and unreachable/blackhole entries are not connected subnets.
 */
export function parseConnectedRoutes(output: string): ConnectedRoute[] {
  const result: ConnectedRoute[] = [];
  for (const rawLine of output.split('\n')) {
    const tokens = rawLine.split('\\')[0]!.trim().split(/\s+/);
    if (tokens.length < 3 || tokens.includes('via')) continue;
    const [dest] = tokens;
    const devIndex = tokens.indexOf('dev');
    if (dest === undefined || devIndex < 0 || devIndex + 1 >= tokens.length) continue;
    const [network, prefixText] = dest.split('/');
    if (network === undefined || parseIpv4(network) === undefined) continue;
    const prefixLength = prefixText === undefined ? 32 : Number(prefixText);
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) continue;
    result.push({ network, prefixLength, iface: tokens[devIndex + 1]! });
  }
  return result;
}

/**
 * The connected subnet an address belongs to, as Heartbeat's findif picks it:
 * the most specific directly connected route containing the address,
 * restricted to one interface when the resource names it.
 */
export function connectedRouteFor(
  address: string,
  routes: readonly ConnectedRoute[],
  iface?: string,
): ConnectedRoute | undefined {
  const value = parseIpv4(address);
  if (value === undefined) return undefined;
  let best: ConnectedRoute | undefined;
  for (const route of routes) {
    if (iface !== undefined && route.iface !== iface) continue;
    const network = parseIpv4(route.network);
    if (network === undefined || !subnetContains(network, route.prefixLength, value)) continue;
    if (!best || route.prefixLength > best.prefixLength) best = route;
  }
  return best;
}

/**
 * The first alias label `IFACE:N` (N = 0, 1, …) not carried by any address of
 * the interface, as Heartbeat's IPaddr chose `eth0:0`, `eth0:1`, … Undefined
 * when every label that fits the kernel's 15 characters is taken.
 */
export function firstFreeAliasLabel(iface: string, addresses: readonly InterfaceAddress[], maxLength = 15): string | undefined {
  const taken = new Set(addresses.filter((a) => a.iface === iface).map((a) => a.label));
  for (let n = 0; n < 100_000; n++) {
    const label = `${iface}:${n}`;
    if (label.length > maxLength) return undefined;
    if (!taken.has(label)) return label;
  }
  return undefined;
}
