// The membership state machine of a Heartbeat 3.0.6 node (spec §5.1, §6–§8).
// This file is the frame: it takes events, runs the receive pipeline and
// hands each message to the part that owns its concern, over the shared node
// table (core.ts):
//   liveness.ts      node and link status, late heartbeats, dead times
//   sequencing.ts    the sequence filter's verdicts, retransmission, ACKs
//   join.ts          comm up, reqnodes/repnodes
//   local-status.ts  our own status and advertised dt
//   outgoing.ts      stamping, send history, loopback of our own messages
//
// It does no I/O and reads no clock: every event carries the time, and
// everything it wants done comes back as actions, in order. Randomness (ACK
// triggers, retransmission delays) comes from config.random. The state is
// held in mutable records for O(1) work per packet (a 500-slot history is not
// copied per message); nothing outside this class can reach it, and
// snapshot() hands out copies.
import { getBinary, getString, type HbMessage } from '../wire/message.js';
import { MembershipCore } from './core.js';
import { Join } from './join.js';
import { Liveness } from './liveness.js';
import { LocalStatus } from './local-status.js';
import { viewOf, type NodeRecord } from './node-table.js';
import { parseHex } from './numbers.js';
import { Outgoing } from './outgoing.js';
import { isNullUuid, isToUs, uuidEqual } from './sequence-filter.js';
import { Sequencing } from './sequencing.js';
import { isUnsequencedType } from './stamp.js';
import type { MembershipAction, MembershipConfig, MembershipEvent, MembershipSnapshot, Millis, ReceiveOrigin } from './types.js';

/** Types the membership layer consumes itself; everything else is delivered upwards. */
const INTERNAL_TYPES = new Set(['status', 'ns_st', 'ns_rexmit', 'ns_ackmsg', 'ns_nak_rexmit', 'reqnodes', 'repnodes']);

function earlier(a: Millis | undefined, b: Millis | undefined): Millis | undefined {
  if (a === undefined) return b;
  return b === undefined || a <= b ? a : b;
}

export class Membership {
  private readonly core: MembershipCore;
  private readonly outgoing: Outgoing;
  private readonly localStatus: LocalStatus;
  private readonly liveness: Liveness;
  private readonly sequencing: Sequencing;
  private readonly join: Join;

  constructor(config: MembershipConfig) {
    this.core = new MembershipCore(config, (msg) => this.outgoing.send(msg));
    this.outgoing = new Outgoing(this.core, (stamped) => this.receive(stamped, undefined));
    this.localStatus = new LocalStatus(this.core);
    this.liveness = new Liveness(this.core);
    this.sequencing = new Sequencing(this.core, this.outgoing.history, this.localStatus);
    this.join = new Join(this.core, this.localStatus);
  }

  /** Feed one event; returns what to do, in order. Never throws for any message content. */
  handle(event: MembershipEvent): MembershipAction[] {
    const core = this.core;
    core.actions = [];
    if ('now' in event) core.now = event.now;
    if ('wallSeconds' in event) core.wallSeconds = event.wallSeconds;
    switch (event.type) {
      case 'start':
        this.start();
        break;
      case 'keepalive':
        if (core.started) this.localStatus.send();
        break;
      case 'tick':
        if (core.started) this.tick();
        break;
      case 'receive':
        if (core.started) this.receive(event.message, event.origin);
        break;
      case 'pingReply':
        if (core.started) this.pingReply(event.node);
        break;
      case 'send':
        if (core.started) core.send(event.message);
        break;
      case 'advertiseDeadtime':
        this.localStatus.requestExtra(event.extra);
        if (core.started) this.localStatus.updateAdvertised();
        break;
      case 'setLocalStatus':
        if (core.started) this.localStatus.set(event.status);
        break;
      case 'loadAverage':
        this.outgoing.loadAverage = event.text.replace(/\n.*$/s, '') || 'n/a';
        break;
      case 'timers':
        if (core.applyTimers(event.timers) && core.started) this.localStatus.updateAdvertised();
        break;
    }
    const out = core.actions;
    core.actions = [];
    return out;
  }

  /**
   * True once every check of a tick has its instant in nextDeadline(): after
   * comm up (before it, checkCommIsUp has none). The shell then needs no
   * periodic wake-up besides the deadlines.
   */
  get deadlinesCoverTicks(): boolean {
    return this.core.linksUp;
  }

  /**
   * The earliest `now` at which a 'tick' has something to do (a node or link
   * may time out, a retransmission request or reqnodes retry is due, the
   * start-up dt ends), or undefined when nothing is pending.
   */
  nextDeadline(): Millis | undefined {
    if (!this.core.started) return undefined;
    // Asked after every event: no array, no closure (an idle daemon's CPU is a sum of such small costs).
    let next = earlier(this.localStatus.startupExtraUntil, this.join.retryAt);
    next = earlier(next, this.outgoing.repeatDueAt);
    next = earlier(next, this.liveness.nextDeadline());
    return earlier(next, this.sequencing.nextDeadline());
  }

  snapshot(): MembershipSnapshot {
    const core = this.core;
    return {
      localNode: core.local.name,
      localStatus: core.local.status,
      generation: core.config.generation,
      lastSentSeq: this.outgoing.lastSeq,
      advertisedDeadtime: this.localStatus.advertised,
      commUp: core.commUp,
      flowControl: core.flowControl,
      replaysRejected: core.replaysRejected,
      timers: {
        keepalive: core.timers.keepalive,
        deadtime: core.timers.deadtime,
        warntime: core.timers.warntime,
        initdead: core.timers.initdead,
        deadping: core.timers.deadping,
      },
      nodes: [...core.nodes.values()].map(viewOf),
    };
  }

  private start(): void {
    const core = this.core;
    if (core.started) return;
    core.started = true;
    for (const node of core.nodes.values()) node.lastStatusAt = core.now;
    this.localStatus.start();
  }

  private tick(): void {
    this.localStatus.endStartupIfDue();
    this.outgoing.repeatStatusIfDue();
    this.liveness.checkForTimeouts();
    this.sequencing.checkRexmitRequests();
    this.join.retryIfDue();
    if (!this.core.linksUp) this.join.checkCommIsUp();
  }

  private pingReply(name: string): void {
    const node = this.core.nodes.get(name);
    if (!node || node.type !== 'ping') return;
    this.liveness.pingReply(node);
    if (!this.core.linksUp) this.join.checkCommIsUp();
  }

  /** Spec §5.1 receive pipeline, steps 3–6 (auth and decompression are the codec's); origin undefined = our own (loopback). */
  private receive(msg: HbMessage, origin: ReceiveOrigin | undefined): void {
    const core = this.core;
    const iface = origin?.link ?? '?';
    const t = getString(msg, 't');
    const src = getString(msg, 'src');
    const ts = getString(msg, 'ts');
    const cseq = getString(msg, 'seq');
    const meta = origin?.address ? { iface, address: origin.address } : { iface };
    if (t === undefined || src === undefined || ts === undefined) {
      core.log('error', `process_clustermsg: missing from/ts/type: iface ${iface}, from ${src ?? '<?>'}`, meta);
      return;
    }
    let seq = 0;
    if (cseq !== undefined) {
      const parsed = parseHex(cseq);
      if (parsed === undefined) {
        core.log('error', `process_clustermsg: has bad cseq: iface ${iface}, from ${src}`, meta);
        return;
      }
      seq = parsed;
    } else if (!isUnsequencedType(t)) {
      core.log('error', `process_clustermsg: missing seqno: iface ${iface}, from ${src}`, meta);
      return;
    }
    const msgtime = parseHex(ts);
    if (!msgtime) return;

    const node = core.nodes.get(src.toLowerCase());
    if (!node) {
      core.log('error', `process_status_message: bad node [${src}] in message`, meta);
      return;
    }
    this.learnUuid(node, getBinary(msg, 'srcuuid'));
    node.anyPacketsYet = true;

    const verdict = this.sequencing.filter(node, msg, t, seq);
    if (verdict === 'drop') {
      if (this.isOverheard(node, msg, seq)) core.emit({ type: 'overheard', message: msg, messageType: t, from: node.name });
      return;
    }
    if (origin) this.liveness.refreshLink(node, origin.link);
    if (verdict === 'duplicate') return;

    this.dispatch(t, node, msgtime, seq, msg, origin);
    if (!core.linksUp) this.join.checkCommIsUp();
  }

  /** Dropped only because it is for another node: a peer's current generation, accepted in sequence. */
  private isOverheard(node: NodeRecord, msg: HbMessage, seq: number): boolean {
    if (node.isLocal || seq === 0 || node.track.lastSeq !== seq) return false;
    if (parseHex(getString(msg, 'hg') ?? '') !== node.track.generation) return false;
    return !isToUs(msg, this.core.local.name, this.core.config.uuid);
  }

  private learnUuid(node: NodeRecord, uuid: Uint8Array | undefined): void {
    if (isNullUuid(uuid) || node.isLocal) return;
    if (node.uuid && uuidEqual(node.uuid, uuid!)) return; // every packet carries it: no copy for the same one
    if (node.uuid) this.core.log('error', `node ${node.name} changed its uuid`);
    node.uuid = Uint8Array.from(uuid!);
  }

  private dispatch(t: string, node: NodeRecord, msgtime: number, seq: number, msg: HbMessage, origin: ReceiveOrigin | undefined): void {
    switch (t.toLowerCase()) {
      case 'status':
      case 'ns_st':
        this.liveness.handleStatus(node, msgtime, seq, msg);
        return;
      case 'ns_rexmit':
        if (!node.isLocal) this.sequencing.processRexmit(node, msg);
        return;
      case 'ns_ackmsg':
        if (this.core.flowControl) this.sequencing.handleAck(node, msg);
        return;
      case 'reqnodes':
        this.join.handleReqnodes(node);
        return;
      case 'repnodes':
        this.join.handleRepnodes(node, msg);
        return;
    }
    if (INTERNAL_TYPES.has(t.toLowerCase())) return;
    this.core.emit({
      type: 'deliver',
      message: msg,
      messageType: t,
      from: node.name,
      fromSelf: node.isLocal,
      ...(origin ? { link: origin.link } : {}),
    });
  }
}
