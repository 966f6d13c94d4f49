// Sequencing, retransmission and ACKs (spec §7.1–§7.3): every received
// message goes through the sequence filter, whose effects are carried out
// here; missing seqs are asked for (NS_rexmit) until they come; peers' asks
// are answered from our send history or NAKed; their ACKs are recorded.
import { getString, messageOf, type HbMessage } from '../wire/message.js';
import type { MembershipCore } from './core.js';
import type { LocalStatus } from './local-status.js';
import type { NodeRecord } from './node-table.js';
import { hex, parseDecimal, parseHex } from './numbers.js';
import { MAX_HISTORY, type SendHistory } from './send-history.js';
import { filterMessage, type FilterEffect, type Verdict } from './sequence-filter.js';
import type { Millis } from './types.js';

/** At most this many retransmissions per NS_rexmit (MAX_REXMIT_BATCH). */
export const MAX_REXMIT_BATCH = 50;

export class Sequencing {
  constructor(
    private readonly core: MembershipCore,
    private readonly history: SendHistory,
    private readonly localStatus: LocalStatus,
  ) {}

  /** Judge a message of type `t` (seq 0 when it has none) from `node`, carry out what the filter says, return its verdict. */
  filter(node: NodeRecord, msg: HbMessage, t: string, seq: number): Verdict {
    const core = this.core;
    const input = { localName: core.local.name, localUuid: core.config.uuid, flowControl: core.flowControl, now: core.now };
    const { verdict, track, effects } = filterMessage(input, node, msg, t, seq);
    node.track = track;
    for (const effect of effects) this.carryOut(node, effect);
    return verdict;
  }

  /** The earliest instant a retransmission request is due. */
  nextDeadline(): Millis | undefined {
    let next: Millis | undefined;
    for (const node of this.core.nodes.values()) {
      for (const due of node.rexmitDue.values()) if (next === undefined || due < next) next = due;
    }
    return next;
  }

  /** Ask again for every missing seq whose time has come (spec §7.2). */
  checkRexmitRequests(): void {
    const core = this.core;
    for (const node of core.nodes.values()) {
      if (node.rexmitDue.size === 0) continue;
      for (const [seq, due] of [...node.rexmitDue]) {
        if (due > core.now) continue;
        if (node.status !== 'up' && node.status !== 'active') {
          // No point asking a node that is not up (hb_rexmit.c); the seq stays recorded as missing.
          node.rexmitDue.delete(seq);
          continue;
        }
        core.log('warn', `packet ${seq} from ${node.name} is still missing: asking for a retransmission`);
        core.noteLoss(); // still missing after the delay: lost, not just overtaken
        core.send(
          messageOf([
            ['t', 'NS_rexmit'],
            ['dest', node.name],
            ['firstseq', String(seq)],
            ['lastseq', String(seq)],
          ]),
        );
        node.rexmitDue.set(seq, core.now + core.timers.maxRexmitDelay);
      }
    }
  }

  /** Heartbeat's HBDoMsg_T_ACK: the highest of our seqs this peer has. */
  handleAck(node: NodeRecord, msg: HbMessage): void {
    const core = this.core;
    const dest = getString(msg, 'dest');
    if (dest === undefined || dest.toLowerCase() !== core.local.name) return;
    const ackseq = parseHex(getString(msg, 'ackseq'));
    if (ackseq === undefined || ackseq === node.track.ackseq) return;
    if (ackseq > this.history.hiseq) {
      core.log('error', `HBDoMsg_T_ACK: corrupted ackseq current hiseq = ${this.history.hiseq} ackseq =${ackseq} in this message`);
      return;
    }
    if (ackseq < node.track.ackseq) return;
    node.track.ackseq = ackseq;
  }

  /** Heartbeat's process_rexmit (spec §7.2): resend from history, NAK what we no longer hold. */
  processRexmit(node: NodeRecord, msg: HbMessage): void {
    const core = this.core;
    const first = parseDecimal(getString(msg, 'firstseq'));
    const last = parseDecimal(getString(msg, 'lastseq'));
    if (first === undefined || last === undefined || first <= 0 || last <= 0 || first > last) {
      core.log('error', 'Invalid rexmit seqnos', { from: node.name });
      return;
    }
    core.noteLoss(); // what we sent did not all arrive
    // Bounded: nothing beyond one history's worth can be answered anyway.
    const end = Math.min(last, first + MAX_HISTORY);
    let sent = 0;
    for (let seq = first; seq <= end; seq++) {
      if (seq <= node.track.ackseq) continue; // that node already has it
      const found = this.history.lookup(seq);
      if (found.kind === 'tooLow') {
        this.nakRexmit(node, seq, 'seqno too low');
        continue;
      }
      if (found.kind === 'tooHigh') {
        core.log('warn', `Rexmit of seq ${seq} requested. ${this.history.hiseq} is max.`);
        continue;
      }
      if (found.kind === 'notFound') {
        this.nakRexmit(node, seq, 'seqno not found');
        continue;
      }
      if (found.lastRetransmitAt !== undefined && core.now - found.lastRetransmitAt < core.timers.maxRexmitDelay - 10) {
        continue;
      }
      if (++sent > MAX_REXMIT_BATCH) return;
      this.history.markRetransmitted(seq, core.now);
      core.emit({ type: 'transmit', message: found.message, seq, retransmit: true });
    }
  }

  private carryOut(node: NodeRecord, effect: FilterEffect): void {
    const core = this.core;
    switch (effect.type) {
      case 'log':
        core.log(effect.level, effect.text);
        return;
      case 'ack':
        // Spec §7.3: the filter judged it due (flow control on, this peer's trigger, nothing older missing).
        core.send(
          messageOf([
            ['t', 'NS_ackmsg'],
            ['dest', node.name],
            ['ackseq', hex(effect.seq)],
          ]),
        );
        return;
      case 'requestLater':
        node.rexmitDue.set(effect.seq, core.now + this.rexmitDelay());
        return;
      case 'cancelRequest':
        node.rexmitDue.delete(effect.seq);
        return;
      case 'cancelAllRequests':
        node.rexmitDue.clear();
        return;
      case 'restarted':
        if (effect.previousGeneration > 0) {
          core.emit({
            type: 'peerRestarted',
            node: node.name,
            generation: effect.generation,
            previousGeneration: effect.previousGeneration,
          });
        }
        node.remoteTs = 0;
        node.lastStatusAt = undefined;
        node.statusSeq = 0;
        // Heartbeat's comm up counts any packet (spec §8.3) and legacy
        // req_our_resources then counts the peers whose status is active
        // (§9.4): a peer that starts and hears our NS_ackmsg of its first seqs
        // before any status of ours comes up seeing nobody active and takes its
        // groups without asking, while we hold them. So our status goes out
        // first (the ACK this filter run may owe comes after this effect).
        if (!node.isLocal) this.localStatus.send();
        return;
      case 'returnedAfterPartition':
        core.emit({ type: 'peerReturnedAfterPartition', node: node.name });
        this.localStatus.send();
        return;
      case 'replayRejected':
        core.replaysRejected++;
        return;
      case 'remoteTs':
        node.remoteTs = effect.ts;
        return;
    }
  }

  /** First request after a random 50…max_rexmit_delay ms: reordering usually fills the gap first (spec §7.2). */
  private rexmitDelay(): Millis {
    const max = this.core.timers.maxRexmitDelay;
    const min = max < 100 ? 0 : 50;
    return min + Math.round(this.core.random() * (max - min));
  }

  private nakRexmit(node: NodeRecord, seq: number, reason: string): void {
    this.core.log('error', `Cannot rexmit pkt ${seq} for ${node.name}: ${reason}`);
    this.core.send(
      messageOf([
        ['t', 'NS_nak_rexmit'],
        ['firstseq', hex(seq)],
        ['dest', node.name],
        ['info', reason],
      ]),
    );
  }
}
