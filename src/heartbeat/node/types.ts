// What a HeartbeatNode tells the daemon, and what it can report about itself.
import type { HbMessage } from '../wire/message.js';
import type { MediumView } from '../media/index.js';
import type { LinkStatus, LinkView, MembershipAction, NodeStatus, NodeType, NodeView } from '../membership/index.js';

export interface NodeStatusEvent {
  readonly node: string;
  readonly nodeType: NodeType;
  readonly status: NodeStatus;
  readonly previous: NodeStatus;
  /** true for our own status (init → up → active). */
  readonly isLocal: boolean;
}

export interface LinkStatusEvent {
  readonly node: string;
  readonly link: string;
  readonly status: LinkStatus;
}

export interface ClusterMessageEvent {
  readonly message: HbMessage;
  /** Its `t`. */
  readonly type: string;
  /** The sending node. */
  readonly from: string;
  /**
   * Our own message, fed back to us as the daemon does (spec §1 loopback).
   * The resource layer needs these: e.g. the `ip-request-resp` a node sends
   * to itself to acquire its own groups (spec §9.3).
   */
  readonly fromSelf: boolean;
  /** The medium it arrived on (undefined for our own). */
  readonly link?: string;
}

export interface BadPacketEvent {
  readonly address: string;
  readonly port: number;
  readonly link: string;
  readonly reason: string;
}

/** Membership actions the shell performs itself (datagrams, log lines). */
type ShellAction = Extract<MembershipAction, { type: 'transmit' | 'log' }>;
/** Actions given a shape of their own for the layer above (see toHeartbeatEvent). */
type ShapedAction = Extract<MembershipAction, { type: 'deliver' | 'nodeStatus' }>;
type Renamed<A> = A extends { readonly type: infer T } ? { readonly kind: T } & Omit<A, 'type'> : never;

/**
 * The one event a HeartbeatNode emits. Among them: `commUp` (our comm came
 * up, spec §8.3), `peerRestarted` ("Heartbeat restart on node X", §7.1),
 * `peerReturnedAfterPartition` (§7.1: Heartbeat restarts itself 2 s later),
 * `message` (every cluster message, our own included), `localHeartbeatLost`
 * (our statuses stopped coming back within our dt, §8.5), `nodeListChanged`
 * (repnodes, §8.3), `badPacket` (dropped; its log line is rate-limited).
 */
export type HeartbeatEvent =
  | Renamed<Exclude<MembershipAction, ShellAction | ShapedAction>>
  | ({ readonly kind: 'nodeStatus' } & NodeStatusEvent)
  | ({ readonly kind: 'message' } & ClusterMessageEvent)
  | ({ readonly kind: 'badPacket' } & BadPacketEvent);

export type HeartbeatEventKind = HeartbeatEvent['kind'];
export type HeartbeatEventOf<K extends HeartbeatEventKind> = Extract<HeartbeatEvent, { readonly kind: K }>;

/** Event kind → listener arguments (for `on(kind, listener)`). */
export type HeartbeatNodeEvents = { readonly [K in HeartbeatEventKind]: [HeartbeatEventOf<K>] };

/** A membership LinkView as the shell reports it: `lastHeard` in epoch ms. */
export type LinkSnapshot = Omit<LinkView, 'lastHeardAt'> & {
  /** Epoch ms of the last packet on this link. */
  readonly lastHeard?: number;
};

/**
 * A membership NodeView as the shell reports it (one shape, not two): the
 * machine's monotonic instants become epoch ms and its uuid lowercase hex;
 * every other field is the machine's own.
 */
export type NodeSnapshot = Omit<NodeView, 'uuid' | 'lastStatusAt' | 'links'> & {
  /** Lowercase hex of its 16-byte uuid. */
  readonly uuid?: string;
  /** Epoch ms of its last accepted status. */
  readonly lastStatus?: number;
  readonly links: readonly LinkSnapshot[];
};

/** Everything `cl_status` and `cl_status --json` need. */
export interface HeartbeatSnapshot {
  readonly node: string;
  readonly status: NodeStatus;
  readonly generation: number;
  readonly uuid: string;
  readonly commUp: boolean;
  readonly flowControl: boolean;
  readonly advertisedDeadtime: number;
  readonly lastSentSeq: number;
  /** Epoch ms when start() completed. */
  readonly startedAt: number;
  readonly timers: {
    readonly keepalive: number;
    readonly deadtime: number;
    readonly warntime: number;
    readonly initdead: number;
    readonly deadping: number;
  };
  readonly media: readonly MediumView[];
  readonly nodes: readonly NodeSnapshot[];
  readonly eventLoop: { readonly worstDelayMs: number; readonly warnThresholdMs: number };
  readonly badPackets: number;
}

/**
 * Running totals since start() (for /metrics). Counted synchronously where
 * the datagrams go out or come in: a few additions, nothing that waits.
 */
export interface HeartbeatCounters {
  /** Our status messages (heartbeats) handed to each link, by link name. */
  readonly heartbeatsSent: Readonly<Record<string, number>>;
  /** Authenticated status messages from each peer, by node then link. */
  readonly heartbeatsReceived: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Late heartbeats (interval beyond warntime) per peer (spec §8.1 "Late heartbeat"). */
  readonly lateHeartbeats: Readonly<Record<string, number>>;
  /** Packets we sent again because a peer asked (NS_rexmit answered from the history). */
  readonly retransmissionsSent: number;
  /** NS_rexmit requests we sent for packets missing from a peer. */
  readonly retransmitRequestsSent: number;
  /** Datagrams dropped: failed authentication, could not be decoded, or replayed from an older generation. */
  readonly packetsRejected: { readonly auth: number; readonly malformed: number; readonly replay: number };
}

export interface ApplyConfigResult {
  /** What took effect at once. */
  readonly applied: readonly string[];
  /** What changed but needs a restart of the heartbeat layer (Heartbeat itself restarts on any ha.cf change). */
  readonly needsRestart: readonly string[];
}
