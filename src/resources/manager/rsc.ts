// Heartbeat's resource-set vocabulary (spec §9.2): none=0, local=1,
// foreign=2, all=3, a bit set. Every rsc_hold on the wire is from the
// SENDER's point of view: alpha's `foreign` is bravo's `local`.

export const NONE = 0;
export const LOCAL = 1;
export const FOREIGN = 2;
export const ALL = 3;

export type RscBits = 0 | 1 | 2 | 3;
export type RscName = 'none' | 'local' | 'foreign' | 'all';

const NAMES: readonly RscName[] = ['none', 'local', 'foreign', 'all'];

export function rscName(bits: RscBits): RscName {
  return NAMES[bits] as RscName;
}

/** The bits of a wire value, or undefined for anything Heartbeat would reject. */
export function parseRsc(value: string): RscBits | undefined {
  const i = NAMES.indexOf(value as RscName);
  return i < 0 ? undefined : (i as RscBits);
}

export function union(a: RscBits, b: RscBits): RscBits {
  return (a | b) as RscBits;
}

export function without(a: RscBits, b: RscBits): RscBits {
  return (a & ~b & ALL) as RscBits;
}

export function has(a: RscBits, b: RscBits): boolean {
  return (a & b) !== 0;
}

/**
 * The same set seen from the other node of a two-node cluster: local and
 * foreign swap. Used where Heartbeat maps a standby request onto what the
 * other side acquires (go_standby: initiator's local = responder's foreign).
 */
export function mirror(bits: RscBits): RscBits {
  return (((bits & LOCAL) << 1) | ((bits & FOREIGN) >> 1)) as RscBits;
}

/**
 * Heartbeat's update rule for a `t=resource` message (HB_UPD_RSC): `rtype=full`
 * replaces; otherwise the value is OR-ed in, except that `none` always resets.
 */
export function applyHolding(previous: RscBits, reported: RscBits, full: boolean): RscBits {
  if (full || reported === NONE) return reported;
  return union(previous, reported);
}
