// What the daemon makes of a HeartbeatNode event: the resource manager's
// event and the timeline's entry. Pure (time and the peers' statuses come in
// as arguments), so adding a membership signal for the manager is one case
// here plus the manager's own event and handler.
import type { HbMessage, HeartbeatEvent } from '../heartbeat/index.js';
import type { ClusterEvent } from '../observe/index.js';
import { toClusterMessage, type ManagerEvent } from '../resources/index.js';

/** The peer states the manager follows; `dead` comes as its own event, anything else is ignored. */
const PEER_STATUSES = ['init', 'up', 'active'] as const;

export interface MappingContext {
  /** Monotonic ms, the manager's clock. */
  readonly now: number;
  /** Peers (normal nodes) whose status is active now; asked only at comm up. */
  readonly activePeers: () => readonly string[];
}

export type MappedEvent =
  /** `trigger`: the cluster message behind it, whose fields the scripts of what it starts get as HA_* (spec §9.8). */
  | { readonly event: ManagerEvent; readonly trigger?: HbMessage }
  /** A cluster message the manager cannot use (logged at debug level). */
  | { readonly unusable: string };

/** The manager's event for a heartbeat event, or undefined when the manager does not follow it. */
export function toManagerEvent(e: HeartbeatEvent, ctx: MappingContext): MappedEvent | undefined {
  const now = ctx.now;
  switch (e.kind) {
    case 'commUp':
      return { event: { type: 'comm-up', now, activePeers: [...ctx.activePeers()] } };
    case 'nodeStatus': {
      if (e.isLocal || e.nodeType !== 'normal') return undefined;
      const status = PEER_STATUSES.find((st) => st === e.status);
      return status === undefined ? undefined : { event: { type: 'peer-status', now, peer: e.node, status } };
    }
    case 'peerDead':
      return e.nodeType === 'normal' ? { event: { type: 'peer-dead', now, peer: e.node } } : undefined;
    case 'peerRestarted':
      return { event: { type: 'peer-restarted', now, peer: e.node } };
    case 'peerReturnedAfterPartition':
      return { event: { type: 'peer-returned', now, peer: e.node } };
    case 'message': {
      if (e.fromSelf) return undefined;
      const parsed = toClusterMessage(e.message);
      if (!parsed.ok) return { unusable: `cluster message from ${e.from} not usable by the resource manager: ${parsed.error}` };
      return { event: { type: 'message', now, message: parsed.message }, trigger: e.message };
    }
    case 'overheard': {
      // A peer's message for another node: the manager only learns from it
      // (a legacy peer taking its own group without asking, spec §9.4); it
      // starts nothing, so it carries no triggering message.
      const parsed = toClusterMessage(e.message);
      return parsed.ok ? { event: { type: 'message', now, message: parsed.message } } : undefined;
    }
    default:
      return undefined;
  }
}

export type TimelineEntry = Omit<ClusterEvent, 'at'>;

/** The timeline's entry for a heartbeat event (cl_status --json `events`, the status page), or undefined. */
export function timelineEntryOf(e: HeartbeatEvent, localNode: string): TimelineEntry | undefined {
  switch (e.kind) {
    case 'peerDead':
      return { kind: 'node-dead', node: e.node, text: `${e.nodeType === 'ping' ? 'ping node' : 'node'} ${e.node} is dead` };
    case 'nodeStatus':
      if (e.isLocal || e.previous !== 'dead' || e.status === 'dead') return undefined;
      return { kind: 'node-up', node: e.node, text: `${e.nodeType === 'ping' ? 'ping node' : 'node'} ${e.node} is back (${e.status})` };
    case 'linkStatus':
      if (e.node === localNode) return undefined;
      return { kind: e.status === 'up' ? 'link-up' : 'link-dead', node: e.node, text: `link ${e.node}:${e.link} ${e.status}` };
    case 'peerRestarted':
      return { kind: 'peer-restart', node: e.node, text: `heartbeat restarted on ${e.node} (generation ${e.generation})` };
    case 'peerReturnedAfterPartition':
      return { kind: 'partition', node: e.node, text: `${e.node} returns after a partition: both nodes may have held the same groups` };
    default:
      return undefined;
  }
}
