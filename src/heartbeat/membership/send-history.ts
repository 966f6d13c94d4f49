// Our own sequenced messages, kept so that a peer that missed one can ask for
// it again (spec §7.2): the last MAX_HISTORY messages, looked up by seq.
import type { HbMessage } from '../wire/message.js';
import type { Millis } from './types.js';

/** Heartbeat's MAXMSGHIST. */
export const MAX_HISTORY = 500;

interface Slot {
  readonly seq: number;
  readonly message: HbMessage;
  lastRetransmitAt?: Millis;
}

export type HistoryLookup =
  | { readonly kind: 'found'; readonly message: HbMessage; readonly lastRetransmitAt?: Millis }
  /** Older than anything still held ("seqno too low"). */
  | { readonly kind: 'tooLow' }
  /** Newer than anything we sent (a peer confused by our restart). */
  | { readonly kind: 'tooHigh' }
  /** In range but not held (should not happen: seqs are consecutive). */
  | { readonly kind: 'notFound' };

export class SendHistory {
  private readonly slots: Array<Slot | undefined> = new Array<Slot | undefined>(MAX_HISTORY);
  private highSeq = 0;

  /** Remember a message we just stamped with `seq` (seqs arrive in increasing order). */
  add(seq: number, message: HbMessage): void {
    this.slots[seq % MAX_HISTORY] = { seq, message };
    if (seq > this.highSeq) this.highSeq = seq;
  }

  get hiseq(): number {
    return this.highSeq;
  }

  /** Highest seq no longer held: everything ≤ lowseq is gone. */
  get lowseq(): number {
    return Math.max(0, this.highSeq - MAX_HISTORY);
  }

  lookup(seq: number): HistoryLookup {
    if (seq <= this.lowseq) return { kind: 'tooLow' };
    if (seq > this.highSeq) return { kind: 'tooHigh' };
    const slot = this.slots[seq % MAX_HISTORY];
    if (!slot || slot.seq !== seq) return { kind: 'notFound' };
    return slot.lastRetransmitAt === undefined
      ? { kind: 'found', message: slot.message }
      : { kind: 'found', message: slot.message, lastRetransmitAt: slot.lastRetransmitAt };
  }

  markRetransmitted(seq: number, now: Millis): void {
    const slot = this.slots[seq % MAX_HISTORY];
    if (slot && slot.seq === seq) slot.lastRetransmitAt = now;
  }

  get size(): number {
    return Math.min(this.highSeq, MAX_HISTORY);
  }
}
