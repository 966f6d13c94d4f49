// The receive-side sequence filter (Heartbeat's should_drop_message and
// is_lost_packet, spec §7.1, §7.2): generation checks, in-order / duplicate /
// gap / late-arrival classification of every sequenced message — including
// those addressed to other nodes, which are tracked and then dropped — and
// the bookkeeping of missing seqs. Pure apart from the node record it
// updates; what it wants done goes through the context.
import { getBinary, getString, type HbMessage } from '../wire/message.js';
import { ACK_DIVISOR, resetSeqTrack, type NodeRecord } from './node-table.js';
import { parseHex } from './numbers.js';
import { MAX_HISTORY } from './send-history.js';
import { isUnsequencedType } from './stamp.js';
import type { LogLevel, Millis } from './types.js';

/** Heartbeat's MAXMISSING: missing seqs remembered per peer. */
export const MAX_MISSING = MAX_HISTORY;
/**
 * A flood of packets from an older generation (a replay, or a restarted
 * peer's stale retransmissions) is logged once per peer, then at most once
 * per this interval with the count of those not logged: Heartbeat logs an
 * ERROR for each one (~200 lines in 30 s of flood).
 */
export const REPLAY_LOG_INTERVAL_MS = 60_000;

/** More lost than this in one gap: start tracking afresh (FLOWCONTROL_LIMIT, spec §7.2). */
export const MAX_GAP = MAX_HISTORY / 2;

/** keep = process it; duplicate = only refresh the link; drop = ignore it. */
export type Verdict = 'keep' | 'duplicate' | 'drop';

export interface FilterContext {
  readonly localName: string;
  readonly localUuid: Uint8Array;
  readonly flowControl: boolean;
  readonly now: Millis;
  log(level: LogLevel, text: string): void;
  /** An in-order seq arrived: ACK it if it is this peer's turn (spec §7.3). */
  sendAck(node: NodeRecord, seq: number): void;
  /** Delay before the first NS_rexmit for a newly missing seq. */
  rexmitDelay(): Millis;
  returnedAfterPartition(node: NodeRecord): void;
  /** A message from an older generation than the one we know: Heartbeat's "attempted replay attack". */
  replayRejected(node: NodeRecord): void;
  restarted(node: NodeRecord, generation: number, previousGeneration: number): void;
  /**
   * The first status of a peer's new generation (it just started, or
   * restarted), before this packet is ACKed: it decides from the first
   * packet it hears from us whether anybody is active (spec §8.3, §9.4).
   */
  peerStarted(node: NodeRecord): void;
}

export function uuidEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Missing, wrongly sized or all zero: Heartbeat's cl_uuid_is_null after cl_get_uuid. */
export function isNullUuid(u: Uint8Array | undefined): boolean {
  return !u || u.length !== 16 || u.every((b) => b === 0);
}

/** `destuuid`, when present, decides; else `dest`; neither = broadcast (spec §5). */
export function isToUs(msg: HbMessage, localName: string, localUuid: Uint8Array): boolean {
  const destUuid = getBinary(msg, 'destuuid');
  if (!isNullUuid(destUuid)) return uuidEqual(destUuid!, localUuid);
  const dest = getString(msg, 'dest');
  return dest === undefined || dest === localName;
}

/** Whether an in-order `seq` from this peer is one we ACK (spec §7.3). */
export function ackDue(node: NodeRecord, seq: number): boolean {
  const { firstMissing, ackTrigger } = node.track;
  return !(firstMissing !== 0 && seq > firstMissing) && seq % ACK_DIVISOR === ackTrigger;
}

export function shouldDropMessage(ctx: FilterContext, node: NodeRecord, msg: HbMessage, t: string, seq: number): Verdict {
  const track = node.track;
  const dest = getString(msg, 'dest');
  if (isUnsequencedType(t)) {
    if (t.toLowerCase() === 'ns_nak_rexmit') {
      const nseq = parseHex(getString(msg, 'firstseq'));
      if (!nseq) {
        ctx.log('error', 'should_drop_message: bad nak seq number');
        return 'drop';
      }
      if (dest === undefined) ctx.log('warn', 'should_drop_message: tonodename not found heartbeat version not matching?');
      if (dest === undefined || dest === ctx.localName) {
        ctx.log('error', `Irretrievably lost packet: node ${node.name} seq ${nseq}`);
      }
      isLostPacket(ctx, node, nseq);
      return 'drop';
    }
    return dest === undefined || dest === ctx.localName ? 'keep' : 'drop';
  }
  if (seq <= 0) {
    ctx.log('error', 'should_drop_message: bad sequence number');
    return 'drop';
  }
  let gen = 0;
  const cgen = getString(msg, 'hg');
  if (cgen !== undefined) {
    const parsed = parseHex(cgen);
    if (parsed === undefined) {
      ctx.log('error', 'should_drop_message: bad generation number');
      return 'drop';
    }
    gen = parsed;
  }
  const keepIfToUs: Verdict = isToUs(msg, ctx.localName, ctx.localUuid) ? 'keep' : 'drop';
  let healed = false;
  let restart = false;

  if (gen < track.generation) {
    ctx.replayRejected(node);
    // Dropped, and nothing is wrong here: a WARN, once per peer and interval.
    if (track.replayLoggedAt === undefined || ctx.now - track.replayLoggedAt >= REPLAY_LOG_INTERVAL_MS) {
      const more = track.replaysNotLogged ? ` (${track.replaysNotLogged} more since the last one not logged)` : '';
      ctx.log('warn', `should_drop_message: attempted replay attack [${node.name}]? [gen = ${gen}, curgen = ${track.generation}]${more}`);
      track.replayLoggedAt = ctx.now;
      track.replaysNotLogged = 0;
    } else {
      track.replaysNotLogged = (track.replaysNotLogged ?? 0) + 1;
    }
    return 'drop';
  }
  if (t.toLowerCase() === 'status') {
    if (gen === track.generation && gen > 0) {
      if (node.status === 'dead') {
        if (seq <= node.statusSeq) return 'drop'; // stale
        ctx.log('crit', `Cluster node ${node.name} returning after partition.`);
        ctx.log('info', 'For information on cluster partitions, See URL: http://linux-ha.org/wiki/Split_Brain');
        ctx.log('warn', 'Deadtime value may be too small.');
        ctx.log('info', 'See FAQ for information on tuning deadtime.');
        ctx.returnedAfterPartition(node);
        healed = true;
      }
    } else if (gen > track.generation) {
      restart = true;
      if (track.generation > 0) {
        ctx.log('info', `Heartbeat restart on node ${node.name}`);
        ctx.restarted(node, gen, track.generation);
      }
      if (!node.isLocal) ctx.peerStarted(node);
      resetSeqTrack(node);
      node.remoteTs = 0;
      node.lastStatusAt = undefined;
      node.statusSeq = 0;
    }
    track.generation = gen;
  }

  if (track.lastSeq === undefined || seq === track.lastSeq + 1) {
    track.lastSeq = seq;
    ctx.sendAck(node, seq);
    return keepIfToUs;
  }
  if (seq === track.lastSeq) return 'duplicate';

  if (seq > track.lastSeq) {
    const nlost = seq - (track.lastSeq + 1);
    // Usually just reordering (the sender processes its own message first, so
    // seq N+1 can leave before N, spec §7.2): the WARN comes only if the gap
    // is still open when the retransmission request goes out.
    ctx.log('info', `${nlost} lost packet(s) for [${node.name}] [${track.lastSeq}:${seq}]`);
    if (nlost > MAX_GAP) {
      resetSeqTrack(node);
      track.lastSeq = seq;
      ctx.log('error', 'lost a lot of packets!');
      return keepIfToUs;
    }
    if (track.firstMissing === 0 || track.firstMissing > track.lastSeq + 1) track.firstMissing = track.lastSeq + 1;
    for (let k = track.lastSeq + 1; k < seq; k++) recordMissing(ctx, node, k);
    track.lastSeq = seq;
    return keepIfToUs;
  }

  // Older than the last one: a retransmission, or a reordered packet we recorded as missing?
  if (isLostPacket(ctx, node, seq)) return keepIfToUs;

  if (healed || restart) {
    ctx.sendAck(node, seq);
    node.remoteTs = parseHex(getString(msg, 'ts')) ?? 0;
    resetSeqTrack(node);
    track.lastSeq = seq;
    return keepIfToUs;
  }
  return 'drop';
}

function recordMissing(ctx: FilterContext, node: NodeRecord, seq: number): void {
  const track = node.track;
  if (track.missing.length >= MAX_MISSING - 1) {
    // Full: the oldest missing seq gives way (Heartbeat replaces the lowest).
    let lowestIndex = 0;
    for (let i = 1; i < track.missing.length; i++) {
      if (track.missing[i]! < track.missing[lowestIndex]!) lowestIndex = i;
    }
    node.rexmitDue.delete(track.missing[lowestIndex]!);
    track.missing.splice(lowestIndex, 1);
  }
  track.missing.push(seq);
  node.rexmitDue.set(seq, ctx.now + ctx.rexmitDelay());
}

/**
 * Heartbeat's is_lost_packet: a missing seq arrived (or was NAKed). When the
 * oldest missing one is filled while others remain, the ACK that was held
 * back for it is sent (the daemon does not do this when the last one fills,
 * and neither do we).
 */
export function isLostPacket(ctx: FilterContext, node: NodeRecord, seq: number): boolean {
  const track = node.track;
  const index = track.missing.indexOf(seq);
  if (index < 0) return false;
  track.missing.splice(index, 1);
  node.rexmitDue.delete(seq);
  if (track.missing.length === 0) {
    ctx.log('info', `No pkts missing from ${node.name}!`);
    track.firstMissing = 0;
  }
  if (!ctx.flowControl) return true;
  if (seq === track.firstMissing) {
    const oldFirstMissing = track.firstMissing;
    track.firstMissing = track.missing.length === 0 ? 0 : Math.min(...track.missing);
    const lastToAck = track.firstMissing === 0 ? (track.lastSeq ?? 0) : track.firstMissing - 1;
    const base = Math.floor(lastToAck / ACK_DIVISOR);
    const ackSeq =
      lastToAck % ACK_DIVISOR >= track.ackTrigger ? base * ACK_DIVISOR + track.ackTrigger : (base - 1) * ACK_DIVISOR + track.ackTrigger;
    if (ackSeq >= oldFirstMissing) ctx.sendAck(node, ackSeq);
  }
  return true;
}
