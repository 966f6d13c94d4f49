// Our own messages on their way out (Heartbeat's send_cluster_msg, spec §1,
// §3.4): stamp them with the control fields and the next seq, remember the
// sequenced ones for retransmission, hand them back to our own receive path
// (loopback) and transmit them. Also the repeat of our last status (see
// MembershipConfig.repeatStatus).
import { getString, type HbMessage } from '../wire/message.js';
import type { MembershipCore } from './core.js';
import { SendHistory } from './send-history.js';
import { isUnsequencedType, stampOutgoing } from './stamp.js';
import type { Millis } from './types.js';

/** Statuses leave twice for this long after the last sign of packet loss (MembershipConfig.repeatStatusAfterLossMs). */
export const REPEAT_STATUS_AFTER_LOSS_MS = 10 * 60_000;
/**
 * ... and until this long after comm up: a link that loses from the start
 * shows it in that time, and a run of lost statuses at the very start (before
 * the first gap could be seen) finds the copies on.
 */
export const REPEAT_STATUS_AFTER_COMM_UP_MS = 30_000;

/** Bound on messages one event may cause us to send (loopback processing can chain). */
const MAX_OUTBOX_PER_EVENT = 10_000;

export class Outgoing {
  readonly history = new SendHistory();
  /** The last seq we stamped (0 = none yet). */
  lastSeq = 0;
  loadAverage = 'n/a';
  private readonly outbox: HbMessage[] = [];
  private draining = false;
  /** The repeat of our last status: its seq and when it goes. */
  private statusRepeat?: { at: Millis; seq: number };

  constructor(
    private readonly core: MembershipCore,
    /** Our own receive path: every stamped message goes through it, as in Heartbeat. */
    private readonly loopback: (stamped: HbMessage) => void,
  ) {}

  get repeatDueAt(): Millis | undefined {
    return this.statusRepeat?.at;
  }

  /**
   * Stamp, remember (sequenced only), loop back and transmit. Messages that
   * the loopback causes (ACKs of our own seqs, …) queue behind it.
   */
  send(msg: HbMessage): void {
    this.outbox.push(msg);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let n = 0; this.outbox.length > 0; n++) {
        const next = this.outbox.shift()!;
        if (n >= MAX_OUTBOX_PER_EVENT) {
          this.core.log('error', `send loop exceeded ${MAX_OUTBOX_PER_EVENT} messages; dropping ${this.outbox.length + 1}`);
          this.outbox.length = 0;
          break;
        }
        this.transmitOwn(next);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Send the copy of our last status (the identical datagram, as a retransmission is). */
  repeatStatusIfDue(): void {
    const repeat = this.statusRepeat;
    if (repeat === undefined || this.core.now < repeat.at) return;
    this.statusRepeat = undefined;
    // Only while it is still our latest sequenced message: a receiver then sees
    // it as `seq == last` (a plain duplicate, spec §7.2). Behind a newer seq, the
    // real daemon took an old one for a reset of our stream and then logged the
    // next as "1 lost packet(s)" (seen in the interop tests).
    if (this.lastSeq !== repeat.seq) return;
    const found = this.history.lookup(repeat.seq);
    if (found.kind === 'found') this.core.emit({ type: 'transmit', message: found.message, seq: repeat.seq, retransmit: true });
  }

  /** Whether a status leaves twice now: unless turned off, during start-up and while loss was seen lately. */
  private repeatingStatus(): boolean {
    const core = this.core;
    if (core.config.repeatStatus === false) return false;
    if (core.commUpAt === undefined || core.now - core.commUpAt <= REPEAT_STATUS_AFTER_COMM_UP_MS) return true;
    const memory = core.config.repeatStatusAfterLossMs ?? REPEAT_STATUS_AFTER_LOSS_MS;
    return core.lossSeenAt !== undefined && core.now - core.lossSeenAt <= memory;
  }

  private transmitOwn(msg: HbMessage): void {
    const core = this.core;
    const t = getString(msg, 't');
    if (t === undefined) {
      core.log('error', 'Invalid message in send_cluster_msg: no t field');
      return;
    }
    const dest = getString(msg, 'dest');
    const destUuid = dest !== undefined ? core.nodes.get(dest.toLowerCase())?.uuid : undefined;
    const sequenced = !isUnsequencedType(t);
    const stamped = stampOutgoing(msg, t, {
      localNode: core.local.name,
      uuid: core.config.uuid,
      generation: core.config.generation,
      wallSeconds: core.wallSeconds,
      loadAverage: this.loadAverage,
      ttl: core.timers.hopfudge + core.nodes.size,
      ...(destUuid ? { destUuid } : {}),
      seq: sequenced ? this.lastSeq + 1 : 0,
    });
    if (stamped.seq !== undefined) {
      this.lastSeq = stamped.seq;
      this.history.add(stamped.seq, stamped.message);
      if (t === 'status' && this.repeatingStatus()) {
        this.statusRepeat = { at: core.now + Math.max(1, Math.floor(core.timers.keepalive / 2)), seq: stamped.seq };
      }
      core.emit({ type: 'transmit', message: stamped.message, seq: stamped.seq, retransmit: false });
    } else {
      core.emit({ type: 'transmit', message: stamped.message, retransmit: false });
    }
    this.loopback(stamped.message);
  }
}
