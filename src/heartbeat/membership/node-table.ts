// The node table: one record per configured node (normal and ping), with its
// links and the sequence tracking of its message stream (spec §7.2, §8).
import type { LinkStatus, LinkView, Millis, NodeStatus, NodeType, NodeView } from './types.js';

/** Heartbeat's ACK_MSG_DIV: a node ACKs every 10th message (spec §7.3). */
export const ACK_DIVISOR = 10;

export interface LinkRecord {
  readonly name: string;
  status: LinkStatus;
  lastHeardAt?: Millis;
}

/** Per-peer sequence tracking (Heartbeat's `struct seqtrack`). */
export interface SeqTrack {
  generation: number;
  /** undefined = NOSEQUENCE: the next seq is accepted as the start of the stream. */
  lastSeq?: number;
  /** Sequence numbers seen missing, oldest first (bounded by MAX_MISSING). */
  missing: number[];
  /** Smallest missing seq, 0 when none. */
  firstMissing: number;
  /** We ACK this peer's seqs with seq % 10 == ackTrigger. */
  readonly ackTrigger: number;
  /** Highest of OUR seqs this peer has ACKed. */
  ackseq: number;
  /** When a replay of an older generation was last logged, and how many since were not. */
  replayLoggedAt?: Millis;
  replaysNotLogged?: number;
}

export interface NodeRecord {
  readonly name: string;
  readonly type: NodeType;
  readonly isLocal: boolean;
  status: NodeStatus;
  uuid?: Uint8Array;
  /** The dead time applied to it: its advertised dt (normal nodes), deadping (ping nodes). */
  deadtime: Millis;
  /** When its last status was accepted (Heartbeat's local_lastupdate); undefined after a restart reset. */
  lastStatusAt?: Millis;
  /** Its `ts` in that status (rmt_lastupdate). */
  remoteTs: number;
  /** Its `seq` in that status (status_seqno). */
  statusSeq: number;
  /** Heard from since start or since it was last declared dead (counts for comm up). */
  anyPacketsYet: boolean;
  readonly links: Map<string, LinkRecord>;
  /** Replaced as a whole by the sequence filter's verdict (spec §7.2). */
  track: SeqTrack;
  /** Missing seq → when to ask for it (again). */
  readonly rexmitDue: Map<number, Millis>;
}

export function createNode(
  name: string,
  type: NodeType,
  isLocal: boolean,
  linkNames: readonly string[],
  deadtime: Millis,
  now: Millis,
  random: () => number,
): NodeRecord {
  const links = new Map<string, LinkRecord>();
  // Links start dead (Heartbeat's init_node_link_info); a ping node has one link named after it.
  for (const l of type === 'ping' ? [name] : linkNames) {
    if (!links.has(l)) links.set(l, { name: l, status: 'dead' });
  }
  return {
    name,
    type,
    isLocal,
    status: 'init',
    deadtime,
    lastStatusAt: now,
    remoteTs: 0,
    statusSeq: 0,
    anyPacketsYet: false,
    links,
    track: {
      generation: 0,
      missing: [],
      firstMissing: 0,
      ackTrigger: Math.min(ACK_DIVISOR - 1, Math.floor(random() * ACK_DIVISOR)),
      ackseq: 0,
    },
    rexmitDue: new Map(),
  };
}

/** Heartbeat's reset_seqtrack on a track value: the stream position goes, the generation stays. */
export function freshTrack(track: Readonly<SeqTrack>): SeqTrack {
  const { lastSeq: _forgotten, ...kept } = track;
  return { ...kept, missing: [], firstMissing: 0, ackseq: 0 };
}

/** Forget a node's stream position and the retransmissions asked of it; its generation is kept. */
export function resetSeqTrack(node: NodeRecord): void {
  node.track = freshTrack(node.track);
  node.rexmitDue.clear();
}

export function isAlive(node: NodeRecord): boolean {
  return node.status !== 'dead';
}

export function viewOf(node: NodeRecord): NodeView {
  const links: LinkView[] = [...node.links.values()].map((l) =>
    l.lastHeardAt === undefined
      ? { name: l.name, status: l.status }
      : { name: l.name, status: l.status, lastHeardAt: l.lastHeardAt },
  );
  return {
    name: node.name,
    type: node.type,
    status: node.status,
    isLocal: node.isLocal,
    deadtime: node.deadtime,
    generation: node.track.generation,
    ...(node.track.lastSeq === undefined ? {} : { lastSeq: node.track.lastSeq }),
    ...(node.uuid ? { uuid: Uint8Array.from(node.uuid) } : {}),
    ...(node.lastStatusAt === undefined ? {} : { lastStatusAt: node.lastStatusAt }),
    links,
    missing: [...node.track.missing],
  };
}
