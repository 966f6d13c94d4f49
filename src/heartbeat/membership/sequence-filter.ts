// The receive-side sequence filter (Heartbeat's should_drop_message and
// is_lost_packet, spec §7.1, §7.2): generation checks, in-order / duplicate /
// gap / late-arrival classification of every sequenced message — including
// those addressed to other nodes, which are tracked and then dropped — and
// the bookkeeping of missing seqs.
//
// A pure function: it reads the peer's stream state and the message, and
// returns the verdict, the peer's next sequence track (a fresh object; the
// one given is not touched) and the effects for the caller to carry out, in
// order (logs, ACKs, retransmission requests to plan or cancel, restart and
// partition news). It sends nothing and reads no clock or randomness.
import { getBinary, getString, type HbMessage } from '../wire/message.js';
import { ACK_DIVISOR, freshTrack, type SeqTrack } from './node-table.js';
import { parseHex } from './numbers.js';
import { MAX_HISTORY } from './send-history.js';
import { isUnsequencedType } from './stamp.js';
import type { LogLevel, Millis, NodeStatus } from './types.js';

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

/** What the filter knows of the receiving node. */
export interface FilterInput {
  readonly localName: string;
  readonly localUuid: Uint8Array;
  /** ACKs are sent only while flow control is on (spec §7.3). */
  readonly flowControl: boolean;
  readonly now: Millis;
}

/** The sender's stream as the filter reads it (a NodeRecord fits). */
export interface PeerStream {
  readonly name: string;
  readonly status: NodeStatus;
  /** Seq of its last accepted status (stale status check after a partition). */
  readonly statusSeq: number;
  readonly track: Readonly<SeqTrack>;
}

/** What the caller must do, in this order. */
export type FilterEffect =
  | { readonly type: 'log'; readonly level: LogLevel; readonly text: string }
  /** Send NS_ackmsg for this seq of the peer's (already judged due, spec §7.3). */
  | { readonly type: 'ack'; readonly seq: number }
  /** Newly missing: ask for it after a random delay (spec §7.2). */
  | { readonly type: 'requestLater'; readonly seq: number }
  /** No longer to be asked for (arrived, NAKed or pushed out of the missing list). */
  | { readonly type: 'cancelRequest'; readonly seq: number }
  /** The stream restarts: every planned request is void. */
  | { readonly type: 'cancelAllRequests' }
  /** A status from a newer generation: forget the peer's last status (and report a restart if it had one). */
  | { readonly type: 'restarted'; readonly generation: number; readonly previousGeneration: number }
  /** A dead peer's status in its current generation (spec §8.4). */
  | { readonly type: 'returnedAfterPartition' }
  /** A message from an older generation than the one we know: Heartbeat's "attempted replay attack". */
  | { readonly type: 'replayRejected' }
  /** A late message that restarts the stream after a partition: its `ts` is the peer's last one. */
  | { readonly type: 'remoteTs'; readonly ts: number };

export interface FilterResult {
  readonly verdict: Verdict;
  /** The peer's sequence track after this message. */
  readonly track: SeqTrack;
  readonly effects: readonly FilterEffect[];
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
export function ackDue(track: Readonly<SeqTrack>, seq: number): boolean {
  const { firstMissing, ackTrigger } = track;
  return !(firstMissing !== 0 && seq > firstMissing) && seq % ACK_DIVISOR === ackTrigger;
}

/** Collects the effects and works on a private copy of the track. */
class Run {
  track: SeqTrack;
  readonly effects: FilterEffect[] = [];
  constructor(
    readonly input: FilterInput,
    readonly peer: PeerStream,
  ) {
    this.track = { ...peer.track, missing: [...peer.track.missing] };
  }
  log(level: LogLevel, text: string): void {
    this.effects.push({ type: 'log', level, text });
  }
  /** An in-order seq arrived: ACK it if it is this peer's turn (spec §7.3). */
  ackIfDue(seq: number): void {
    if (this.input.flowControl && ackDue(this.track, seq)) this.effects.push({ type: 'ack', seq });
  }
  reset(): void {
    this.track = freshTrack(this.track);
    this.effects.push({ type: 'cancelAllRequests' });
  }
  result(verdict: Verdict): FilterResult {
    return { verdict, track: this.track, effects: this.effects };
  }
}

/** Judge one message of type `t` with sequence number `seq` (0 when it has none) from `peer`. */
export function filterMessage(input: FilterInput, peer: PeerStream, msg: HbMessage, t: string, seq: number): FilterResult {
  const run = new Run(input, peer);
  return run.result(judge(run, msg, t, seq));
}

function judge(run: Run, msg: HbMessage, t: string, seq: number): Verdict {
  const { input, peer } = run;
  const dest = getString(msg, 'dest');
  if (isUnsequencedType(t)) {
    if (t.toLowerCase() === 'ns_nak_rexmit') {
      const nseq = parseHex(getString(msg, 'firstseq'));
      if (!nseq) {
        run.log('error', 'should_drop_message: bad nak seq number');
        return 'drop';
      }
      if (dest === undefined) run.log('warn', 'should_drop_message: tonodename not found heartbeat version not matching?');
      if (dest === undefined || dest === input.localName) {
        run.log('error', `Irretrievably lost packet: node ${peer.name} seq ${nseq}`);
      }
      lostPacketArrived(run, nseq);
      return 'drop';
    }
    return dest === undefined || dest === input.localName ? 'keep' : 'drop';
  }
  if (seq <= 0) {
    run.log('error', 'should_drop_message: bad sequence number');
    return 'drop';
  }
  let gen = 0;
  const cgen = getString(msg, 'hg');
  if (cgen !== undefined) {
    const parsed = parseHex(cgen);
    if (parsed === undefined) {
      run.log('error', 'should_drop_message: bad generation number');
      return 'drop';
    }
    gen = parsed;
  }
  const keepIfToUs: Verdict = isToUs(msg, input.localName, input.localUuid) ? 'keep' : 'drop';
  let healed = false;
  let restart = false;

  if (gen < run.track.generation) {
    const track = run.track;
    run.effects.push({ type: 'replayRejected' });
    // Dropped, and nothing is wrong here: a WARN, once per peer and interval.
    if (track.replayLoggedAt === undefined || input.now - track.replayLoggedAt >= REPLAY_LOG_INTERVAL_MS) {
      const more = track.replaysNotLogged ? ` (${track.replaysNotLogged} more since the last one not logged)` : '';
      run.log('warn', `should_drop_message: attempted replay attack [${peer.name}]? [gen = ${gen}, curgen = ${track.generation}]${more}`);
      track.replayLoggedAt = input.now;
      track.replaysNotLogged = 0;
    } else {
      track.replaysNotLogged = (track.replaysNotLogged ?? 0) + 1;
    }
    return 'drop';
  }
  if (t.toLowerCase() === 'status') {
    if (gen === run.track.generation && gen > 0) {
      if (peer.status === 'dead') {
        if (seq <= peer.statusSeq) return 'drop'; // stale
        run.log('crit', `Cluster node ${peer.name} returning after partition.`);
        run.log('info', 'For information on cluster partitions, See URL: http://linux-ha.org/wiki/Split_Brain');
        run.log('warn', 'Deadtime value may be too small.');
        run.log('info', 'See FAQ for information on tuning deadtime.');
        run.effects.push({ type: 'returnedAfterPartition' });
        healed = true;
      }
    } else if (gen > run.track.generation) {
      restart = true;
      const previousGeneration = run.track.generation;
      if (previousGeneration > 0) run.log('info', `Heartbeat restart on node ${peer.name}`);
      run.effects.push({ type: 'restarted', generation: gen, previousGeneration });
      run.reset();
    }
    run.track.generation = gen;
  }

  const track = run.track;
  if (track.lastSeq === undefined || seq === track.lastSeq + 1) {
    track.lastSeq = seq;
    run.ackIfDue(seq);
    return keepIfToUs;
  }
  if (seq === track.lastSeq) return 'duplicate';

  if (seq > track.lastSeq) {
    const nlost = seq - (track.lastSeq + 1);
    // Usually just reordering (the sender processes its own message first, so
    // seq N+1 can leave before N, spec §7.2): the WARN comes only if the gap
    // is still open when the retransmission request goes out.
    run.log('info', `${nlost} lost packet(s) for [${peer.name}] [${track.lastSeq}:${seq}]`);
    if (nlost > MAX_GAP) {
      run.reset();
      run.track.lastSeq = seq;
      run.log('error', 'lost a lot of packets!');
      return keepIfToUs;
    }
    if (track.firstMissing === 0 || track.firstMissing > track.lastSeq + 1) track.firstMissing = track.lastSeq + 1;
    for (let k = track.lastSeq + 1; k < seq; k++) recordMissing(run, k);
    track.lastSeq = seq;
    return keepIfToUs;
  }

  // Older than the last one: a retransmission, or a reordered packet we recorded as missing?
  if (lostPacketArrived(run, seq)) return keepIfToUs;

  if (healed || restart) {
    run.ackIfDue(seq);
    run.effects.push({ type: 'remoteTs', ts: parseHex(getString(msg, 'ts')) ?? 0 });
    run.reset();
    run.track.lastSeq = seq;
    return keepIfToUs;
  }
  return 'drop';
}

function recordMissing(run: Run, seq: number): void {
  const track = run.track;
  if (track.missing.length >= MAX_MISSING - 1) {
    // Full: the oldest missing seq gives way (Heartbeat replaces the lowest).
    let lowestIndex = 0;
    for (let i = 1; i < track.missing.length; i++) {
      if (track.missing[i]! < track.missing[lowestIndex]!) lowestIndex = i;
    }
    run.effects.push({ type: 'cancelRequest', seq: track.missing[lowestIndex]! });
    track.missing.splice(lowestIndex, 1);
  }
  track.missing.push(seq);
  run.effects.push({ type: 'requestLater', seq });
}

/**
 * Heartbeat's is_lost_packet: a missing seq arrived (or was NAKed). When the
 * oldest missing one is filled while others remain, the ACK that was held
 * back for it is sent (the daemon does not do this when the last one fills,
 * and neither do we).
 */
function lostPacketArrived(run: Run, seq: number): boolean {
  const track = run.track;
  const index = track.missing.indexOf(seq);
  if (index < 0) return false;
  track.missing.splice(index, 1);
  run.effects.push({ type: 'cancelRequest', seq });
  if (track.missing.length === 0) {
    run.log('info', `No pkts missing from ${run.peer.name}!`);
    track.firstMissing = 0;
  }
  if (!run.input.flowControl) return true;
  if (seq === track.firstMissing) {
    const oldFirstMissing = track.firstMissing;
    track.firstMissing = track.missing.length === 0 ? 0 : Math.min(...track.missing);
    const lastToAck = track.firstMissing === 0 ? (track.lastSeq ?? 0) : track.firstMissing - 1;
    const base = Math.floor(lastToAck / ACK_DIVISOR);
    const ackSeq =
      lastToAck % ACK_DIVISOR >= track.ackTrigger ? base * ACK_DIVISOR + track.ackTrigger : (base - 1) * ACK_DIVISOR + track.ackTrigger;
    if (ackSeq >= oldFirstMissing) run.ackIfDue(ackSeq);
  }
  return true;
}
