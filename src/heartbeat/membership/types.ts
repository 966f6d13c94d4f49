// The vocabulary of the membership state machine: what goes in (events),
// what comes out (actions) and what can be read (snapshot).
//
// Times: `now` is a monotonic millisecond clock chosen by the caller
// (performance.now() in the shell, a plain counter in tests); `wallSeconds`
// is the sender's time(NULL), used only for the `ts` field (spec §5).
import type { Millis } from '../../config/index.js';
import type { LogLevel } from '../../log/index.js';
import type { HbMessage } from '../wire/message.js';

export type { LogLevel, Millis };

/**
 * Node states as Heartbeat reports them (spec §8.2). Peers may put any text
 * in `st`; it is kept verbatim, so the type stays open.
 */
export type NodeStatus = 'init' | 'up' | 'active' | 'dead' | 'ping' | (string & {});

export type NodeType = 'normal' | 'ping';

export type LinkStatus = 'up' | 'dead';

export interface MembershipConfig {
  /** This node's name, lower-cased. */
  readonly localNode: string;
  /** Normal nodes from ha.cf, lower-cased, local node included. */
  readonly nodes: readonly string[];
  /** Ping pseudo-nodes (`ping HOST` → HOST, `ping_group NAME …` → NAME). */
  readonly pingNodes: readonly string[];
  /** Names of the non-ping media, i.e. the links of every normal node (duplicates collapse). */
  readonly links: readonly string[];
  readonly keepalive: Millis;
  readonly deadtime: Millis;
  readonly warntime: Millis;
  readonly initdead: Millis;
  readonly deadping: Millis;
  readonly hopfudge: number;
  readonly maxRexmitDelay: Millis;
  /** Our generation (`hg`), already bumped and persisted by the caller. */
  readonly generation: number;
  /** Our 16-byte uuid (`srcuuid`). */
  readonly uuid: Uint8Array;
  /** Uniform [0,1) source for ACK triggers and retransmission delays (tests pass a seeded one). */
  readonly random?: () => number;
  /**
   * Send every status datagram a second time, half a keepalive later, if no
   * other sequenced message left meanwhile (default true), while packets are
   * being lost (see repeatStatusAfterLossMs). The copy is the
   * identical message (same seq): a receiver that got
   * the first drops it as a duplicate (spec §7.2), one that lost it takes the
   * copy as the status. Heartbeat sends each status once; against random loss
   * p a node is then falsely declared dead after deadtime/keepalive lost
   * statuses in a row (p^5 = 0.24 % per status at 30 % loss and deadtime =
   * 5 × keepalive), with the copy after p^10 (6 × 10⁻⁶).
   */
  readonly repeatStatus?: boolean;
  /**
   * How long after the last sign of packet loss statuses keep leaving twice
   * (default REPEAT_STATUS_AFTER_LOSS_MS; Infinity: always); they do anyway
   * until REPEAT_STATUS_AFTER_COMM_UP_MS after comm up. Signs of loss: a
   * gap in a peer's seqs still open when we ask for a retransmission, a peer
   * asking us for one (a lost status always leaves such a gap; a late one
   * that arrives with no gap was held up, not lost, and a copy would be just
   * as late). On a link that loses nothing the copy would only double the
   * datagrams (and an idle daemon's wake-ups, issue 12); the first lost status
   * shows itself by the next packet, long before a run of lost statuses can
   * add up to a dead time.
   */
  readonly repeatStatusAfterLossMs?: Millis;
}

/** Where a received message came from: the medium (link) name and, for logs only, the sender address. */
export interface ReceiveOrigin {
  readonly link: string;
  readonly address?: string;
}

export type MembershipEvent =
  | { readonly type: 'start'; readonly now: Millis; readonly wallSeconds: number }
  | { readonly type: 'keepalive'; readonly now: Millis; readonly wallSeconds: number }
  /** Timers: dead checks, retransmission requests, reqnodes retries, the dt advertisement. */
  | { readonly type: 'tick'; readonly now: Millis; readonly wallSeconds: number }
  | {
      readonly type: 'receive';
      readonly message: HbMessage;
      readonly origin: ReceiveOrigin;
      readonly now: Millis;
      readonly wallSeconds: number;
    }
  /** A reply from a ping node (spec §8.6), i.e. an `NS_st st=ping` from it. */
  | { readonly type: 'pingReply'; readonly node: string; readonly now: Millis; readonly wallSeconds: number }
  /** A cluster message from the layer above (`t` and its own fields; `dest` optional). */
  | { readonly type: 'send'; readonly message: HbMessage; readonly now: Millis; readonly wallSeconds: number }
  /** Advertise `deadtime + extra` as our dt (extra 0 = back to normal), e.g. +30000 while restarting (spec §8.1). */
  | { readonly type: 'advertiseDeadtime'; readonly extra: Millis; readonly now: Millis; readonly wallSeconds: number }
  | { readonly type: 'setLocalStatus'; readonly status: string; readonly now: Millis; readonly wallSeconds: number }
  /** New /proc/loadavg text for the `ld` field (never read on the send path). */
  | { readonly type: 'loadAverage'; readonly text: string }
  /** New timer values (SIGHUP); nodes and media are not changed this way. */
  | { readonly type: 'timers'; readonly timers: Partial<Pick<MembershipConfig, 'keepalive' | 'deadtime' | 'warntime' | 'initdead' | 'deadping' | 'maxRexmitDelay' | 'hopfudge'>> };

export type MembershipAction =
  /** Send this (stamped) message on every medium. `retransmit` = an answer to NS_rexmit. */
  | { readonly type: 'transmit'; readonly message: HbMessage; readonly seq?: number; readonly retransmit: boolean }
  /** A cluster message for the layer above (membership-internal types are never delivered). */
  | {
      readonly type: 'deliver';
      readonly message: HbMessage;
      readonly messageType: string;
      readonly from: string;
      readonly fromSelf: boolean;
      readonly link?: string;
    }
  /**
   * A peer's fresh, in-sequence message addressed to another node: dropped
   * as Heartbeat drops it (never delivered), but offered to whoever can
   * learn from it (a legacy peer's self-addressed ip-request-resp, issue 9).
   */
  | { readonly type: 'overheard'; readonly message: HbMessage; readonly messageType: string; readonly from: string }
  | {
      readonly type: 'nodeStatus';
      readonly node: string;
      readonly nodeType: NodeType;
      readonly status: NodeStatus;
      readonly previous: NodeStatus;
    }
  | { readonly type: 'linkStatus'; readonly node: string; readonly link: string; readonly status: LinkStatus }
  | { readonly type: 'commUp' }
  | { readonly type: 'peerDead'; readonly node: string; readonly nodeType: NodeType }
  | { readonly type: 'peerRestarted'; readonly node: string; readonly generation: number; readonly previousGeneration: number }
  | { readonly type: 'peerReturnedAfterPartition'; readonly node: string }
  | { readonly type: 'lateHeartbeat'; readonly node: string; readonly intervalMs: number; readonly beyondDeadtime: boolean }
  /** Our own status messages stopped coming back (event loop stalled ≥ our dt): Heartbeat restarts here (spec §8.5). */
  | { readonly type: 'localHeartbeatLost' }
  | { readonly type: 'nodeListChanged'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly type: 'log'; readonly level: LogLevel; readonly text: string; readonly meta?: Readonly<Record<string, unknown>> };

export interface LinkView {
  readonly name: string;
  readonly status: LinkStatus;
  /** `now` of the last packet heard on this link, undefined if never. */
  readonly lastHeardAt?: Millis;
}

export interface NodeView {
  readonly name: string;
  readonly type: NodeType;
  readonly status: NodeStatus;
  readonly isLocal: boolean;
  /** The dead time applied to this node: the dt it advertised (normal), deadping (ping). */
  readonly deadtime: Millis;
  readonly generation: number;
  /** Last in-order sequence number seen from it (undefined: none since the last reset). */
  readonly lastSeq?: number;
  readonly uuid?: Uint8Array;
  /** `now` of its last accepted status (undefined: none yet). */
  readonly lastStatusAt?: Millis;
  readonly links: readonly LinkView[];
  /** Sequence numbers we are still asking it to retransmit. */
  readonly missing: readonly number[];
}

export interface MembershipSnapshot {
  readonly localNode: string;
  readonly localStatus: NodeStatus;
  readonly generation: number;
  /** The last seq we stamped (0 = none yet). */
  readonly lastSentSeq: number;
  /** The dt we advertise right now. */
  readonly advertisedDeadtime: Millis;
  readonly commUp: boolean;
  /** false once a peer's status lacked `protocol` (spec §5.1): no ACKs, no reqnodes. */
  readonly flowControl: boolean;
  /** Messages dropped because their generation is older than the sender's known one (replays). */
  readonly replaysRejected: number;
  readonly timers: {
    readonly keepalive: Millis;
    readonly deadtime: Millis;
    readonly warntime: Millis;
    readonly initdead: Millis;
    readonly deadping: Millis;
  };
  readonly nodes: readonly NodeView[];
}
