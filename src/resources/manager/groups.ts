// Questions about groups and peers that every handler asks: which category a
// group is in from some node's point of view, what this node holds, and who
// this node believes holds a group.
import type { ResourceGroupConfig } from '../../config/index.js';
import { FOREIGN, LOCAL, NONE, has, type RscBits } from './rsc.js';
import type { GroupData, ManagerState, StateData } from './types.js';

type AnyState = StateData | ManagerState;

export function groupConfig(s: AnyState, key: string): ResourceGroupConfig | undefined {
  return s.config.groups.find((g) => g.key === key);
}

export function groupData(s: StateData, key: string): GroupData {
  const g = s.groups[key];
  if (g === undefined) throw new Error(`internal: unknown group ${key}`);
  return g;
}

/** local when `view` is the group's home node, else foreign (spec §9.2). */
export function categoryFrom(group: ResourceGroupConfig, view: string): RscBits {
  return group.node === view ? LOCAL : FOREIGN;
}

export function myCategory(s: AnyState, key: string): RscBits {
  const g = groupConfig(s, key);
  return g === undefined ? NONE : categoryFrom(g, s.config.localNode);
}

/** Groups in `rsc` as `view` sees them, in haresources order. */
export function groupsIn(s: AnyState, rsc: RscBits, view: string = s.config.localNode): ResourceGroupConfig[] {
  return s.config.groups.filter((g) => has(rsc, categoryFrom(g, view)));
}

/** Held here: its resources are (or are being) up on this node, some of them at least (`partial`). `failed` is not held. */
export function isHeld(g: { readonly state: string }): boolean {
  return g.state === 'starting' || g.state === 'running' || g.state === 'partial' || g.state === 'stopping' || g.state === 'stop-failed';
}

export function heldKeys(s: AnyState): string[] {
  return s.config.groups.filter((g) => isHeld(s.groups[g.key] as GroupData)).map((g) => g.key);
}

/** Categories this node actually holds a group of. */
export function heldBits(s: AnyState): RscBits {
  let bits = NONE as number;
  for (const g of s.config.groups) if (isHeld(s.groups[g.key] as GroupData)) bits |= categoryFrom(g, s.config.localNode);
  return bits as RscBits;
}

/**
 * What this node tells the cluster it holds: Heartbeat's claim, except that
 * a category whose every group failed to start here is not claimed (Heartbeat
 * keeps claiming it, spec §12.3; we never report holding a group that failed).
 */
export function wireHold(s: AnyState): RscBits {
  let bits = s.claim as number;
  for (const category of [LOCAL, FOREIGN] as const) {
    if (!has(s.claim, category)) continue;
    const members = groupsIn(s, category);
    if (members.length > 0 && members.every((g) => (s.groups[g.key] as GroupData).state === 'failed')) bits &= ~category;
  }
  return bits as RscBits;
}

export function livePeers(s: AnyState): string[] {
  return s.config.peers.filter((p) => s.peers[p]?.status !== 'dead');
}

export function activePeers(s: AnyState): string[] {
  return s.config.peers.filter((p) => s.peers[p]?.status === 'active');
}

/** Active peers that finished their own negotiation: the ones a standby can be offered to. */
export function readyPeers(s: AnyState): string[] {
  return s.config.peers.filter((p) => s.peers[p]?.status === 'active' && s.peers[p]?.negotiated === true);
}

/** Live peers this node believes hold the group (from their `resource` messages, or legacy ip-requests). */
export function believedHolders(s: AnyState, key: string): string[] {
  const g = groupConfig(s, key);
  if (g === undefined) return [];
  return livePeers(s).filter((p) => {
    const peer = s.peers[p];
    if (peer === undefined) return false;
    if (!s.config.niceFailback) return peer.legacyHolds.includes(key);
    return has(peer.holds, categoryFrom(g, p));
  });
}

/** Union of the live peers' holdings mapped onto this node's view: what Heartbeat calls other_holds_resources. */
export function otherHoldsMine(s: AnyState): RscBits {
  let bits = NONE as number;
  for (const g of s.config.groups) {
    if (believedHolders(s, g.key).length > 0) bits |= categoryFrom(g, s.config.localNode);
  }
  // Two nodes (Heartbeat's case): other_holds_resources is the peer's claim
  // itself, mirrored — also for a category with no group in it. A backup with
  // no group of its own must see that the peer claims `foreign` (= our local),
  // or it claims `local` next to it and the real peer logs "Both machines own
  // foreign resources!" (AuditResources; found by the mixed-cluster tests).
  const [only] = s.config.peers;
  const peer = only === undefined || s.config.peers.length !== 1 ? undefined : s.peers[only];
  if (s.config.niceFailback && peer !== undefined && peer.status !== 'dead') {
    if (has(peer.holds, FOREIGN)) bits |= LOCAL;
    if (has(peer.holds, LOCAL)) bits |= FOREIGN;
  }
  return bits as RscBits;
}

/**
 * Which surviving node takes a dead node's groups. Two nodes: always this one
 * (Heartbeat). More nodes: the first live node in ha.cf order, so that two
 * survivors never both run mach_down for the same groups.
 */
export function successorOf(s: AnyState, dead: string): string {
  const alive = s.config.nodes.filter((n) => n !== dead && (n === s.config.localNode || s.peers[n]?.status !== 'dead'));
  return alive[0] ?? s.config.localNode;
}

/** In a partition heal, who keeps a group both sides hold: its home node, else the name that sorts first. */
export function keeperOf(group: ResourceGroupConfig, a: string, b: string): string {
  if (group.node === a || group.node === b) return group.node;
  return a < b ? a : b;
}

/** Local groups req_our_resources would start now. */
export function localGroupsToAcquire(s: StateData, getAnyway: boolean): string[] {
  return groupsIn(s, LOCAL)
    .map((g) => g.key)
    .filter((key) => {
      const g = groupData(s, key);
      return !isHeld(g) && (getAnyway || g.state !== 'failed') && believedHolders(s, key).length === 0;
    });
}
