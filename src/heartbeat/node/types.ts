// What a HeartbeatNode tells the daemon, and what it can report about itself.
import type { HbMessage } from '../wire/message.js';
import type { MediumView } from '../media/index.js';
import type { LinkStatus, NodeStatus, NodeType } from '../membership/index.js';

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

/** Event name → listener arguments. */
export interface HeartbeatNodeEvents {
  /** Our comm came up (spec §8.3): we are active. */
  commUp: [];
  nodeStatus: [NodeStatusEvent];
  linkStatus: [LinkStatusEvent];
  peerDead: [{ readonly node: string; readonly nodeType: NodeType }];
  /** "Heartbeat restart on node X" (spec §7.1). */
  peerRestarted: [{ readonly node: string; readonly generation: number; readonly previousGeneration: number }];
  /** "Cluster node X returning after partition" (spec §7.1): Heartbeat restarts itself 2 s later. */
  peerReturnedAfterPartition: [{ readonly node: string }];
  /** Every cluster message for the layer above, including our own (see ClusterMessageEvent.fromSelf). */
  message: [ClusterMessageEvent];
  /** A peer's message for another node, not delivered (see MembershipAction 'overheard'). */
  overheard: [{ readonly message: HbMessage; readonly type: string; readonly from: string }];
  lateHeartbeat: [{ readonly node: string; readonly intervalMs: number; readonly beyondDeadtime: boolean }];
  /** Our own status messages stopped coming back within our dt (spec §8.5: Heartbeat restarts). */
  localHeartbeatLost: [];
  /** repnodes changed the node list (spec §8.3). */
  nodeListChanged: [{ readonly added: readonly string[]; readonly removed: readonly string[] }];
  /** A datagram failed to decode or authenticate (it is dropped; the log line is rate-limited). */
  badPacket: [BadPacketEvent];
}

export interface LinkSnapshot {
  readonly name: string;
  readonly status: LinkStatus;
  /** Epoch ms of the last packet on this link. */
  readonly lastHeard?: number;
}

export interface NodeSnapshot {
  readonly name: string;
  readonly type: NodeType;
  readonly status: NodeStatus;
  readonly isLocal: boolean;
  /** The dead time applied to it (its advertised dt, or deadping), ms. */
  readonly deadtime: number;
  readonly generation: number;
  readonly lastSeq?: number;
  /** Lowercase hex of its 16-byte uuid. */
  readonly uuid?: string;
  /** Epoch ms of its last accepted status. */
  readonly lastStatus?: number;
  readonly links: readonly LinkSnapshot[];
  /** Seqs we are still asking it to retransmit. */
  readonly missing: readonly number[];
}

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
