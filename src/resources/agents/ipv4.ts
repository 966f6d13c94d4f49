// IPv4 arithmetic for the address agents: parse, format, subnet membership,
// broadcast. Pure; addresses are unsigned 32-bit numbers.

/** Strict dotted quad: four decimal octets 0–255, no leading zeros (they read as octal to some tools). */
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

export function parseIpv4(text: string): number | undefined {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** `255.255.255.0` → 24; undefined when the mask is not contiguous ones then zeros. */
export function maskToPrefixLength(mask: string): number | undefined {
  const value = parseIpv4(mask);
  if (value === undefined) return undefined;
  for (let prefix = 0; prefix <= 32; prefix++) {
    if (prefixMask(prefix) === value) return prefix;
  }
  return undefined;
}

export function subnetContains(network: number, prefixLength: number, address: number): boolean {
  const mask = prefixMask(prefixLength);
  return ((network & mask) >>> 0) === ((address & mask) >>> 0);
}

/**
 * The directed broadcast of ADDR/PREFIX, or undefined for /31 and /32, which
 * have none (RFC 3021; `ip` does not set one either).
 */
export function broadcastAddress(address: number, prefixLength: number): number | undefined {
  if (prefixLength >= 31) return undefined;
  return (address | ~prefixMask(prefixLength)) >>> 0;
}
