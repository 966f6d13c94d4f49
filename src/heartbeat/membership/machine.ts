// The membership state machine of a Heartbeat 3.0.6 node (spec §5.1, §6–§8):
// node table, liveness, comm up and reqnodes/repnodes, generations,
// sequence tracking with retransmission, ACKs, and the stamping and loopback
// of our own messages.
//
// It does no I/O and reads no clock: every event carries the time, and
// everything it wants done comes back as actions, in order. Randomness (ACK
// triggers, retransmission delays) comes from config.random. The state is
// held in mutable records for O(1) work per packet (a 500-slot history is not
// copied per message); nothing outside this class can reach it, and
// snapshot() hands out copies.
import { getBinary, getString, messageOf, type HbMessage } from '../wire/message.js';
import { createNode, isAlive, resetSeqTrack, viewOf, type NodeRecord } from './node-table.js';
import { hex, parseDecimal, parseHex } from './numbers.js';
import { MAX_HISTORY, SendHistory } from './send-history.js';
import { ackDue, isNullUuid, isToUs, shouldDropMessage, uuidEqual, type FilterContext } from './sequence-filter.js';
import { isUnsequencedType, stampOutgoing } from './stamp.js';
import type {
  LogLevel,
  MembershipAction,
  MembershipConfig,
  MembershipEvent,
  MembershipSnapshot,
  Millis,
  NodeType,
  ReceiveOrigin,
} from './types.js';

/** At most this many retransmissions per NS_rexmit (MAX_REXMIT_BATCH). */
export const MAX_REXMIT_BATCH = 50;
/** Extra dt advertised during the first seconds after start (spec §8.1). */
export const STARTUP_DEADTIME_EXTRA = 2000;
export const STARTUP_DEADTIME_PERIOD = 5000;
/** reqnodes is repeated this often while unanswered (spec §8.3). */
export const REQNODES_RETRY = 1000;
/** Bound on messages one event may cause us to send (loopback processing can chain). */
const MAX_OUTBOX_PER_EVENT = 10_000;

/** Types the membership layer consumes itself; everything else is delivered upwards. */
const INTERNAL_TYPES = new Set(['status', 'ns_st', 'ns_rexmit', 'ns_ackmsg', 'ns_nak_rexmit', 'reqnodes', 'repnodes']);

interface Timers {
  keepalive: Millis;
  deadtime: Millis;
  warntime: Millis;
  initdead: Millis;
  deadping: Millis;
  maxRexmitDelay: Millis;
  hopfudge: number;
}

export class Membership {
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly history = new SendHistory();
  private readonly local: NodeRecord;
  private actions: MembershipAction[] = [];
  private readonly outbox: HbMessage[] = [];
  private draining = false;
  private now: Millis = 0;
  private wallSeconds = 0;
  private started = false;
  private lastSeq = 0;
  private replaysRejected = 0;
  private loadAverage = 'n/a';
  private linksUp = false;
  private commUp = false;
  private flowControl = true;
  private reqnodesAnswered = false;
  private reqnodesRetry?: { at: Millis; startIndex: number };
  private startupExtraUntil?: Millis;
  private requestedExtra = 0;
  private advertised: Millis;
  private localLostReported = false;
  /** The repeat of our last status (see MembershipConfig.repeatStatus): its seq and when it goes. */
  private statusRepeat?: { at: Millis; seq: number };

  constructor(private readonly config: MembershipConfig) {
    this.timers = {
      keepalive: config.keepalive,
      deadtime: config.deadtime,
      warntime: config.warntime,
      initdead: config.initdead,
      deadping: config.deadping,
      maxRexmitDelay: config.maxRexmitDelay,
      hopfudge: config.hopfudge,
    };
    this.random = config.random ?? Math.random;
    if (!config.nodes.includes(config.localNode)) {
      throw new Error(`local node ${config.localNode} is not among the nodes (${config.nodes.join(' ')})`);
    }
    for (const name of config.nodes) this.addNode(name, 'normal', 0);
    for (const name of config.pingNodes) this.addNode(name, 'ping', 0);
    this.local = this.nodes.get(config.localNode)!;
    this.local.uuid = Uint8Array.from(config.uuid);
    this.advertised = config.deadtime;
  }

  /** Feed one event; returns what to do, in order. Never throws for any message content. */
  handle(event: MembershipEvent): MembershipAction[] {
    this.actions = [];
    if ('now' in event) this.now = event.now;
    if ('wallSeconds' in event) this.wallSeconds = event.wallSeconds;
    switch (event.type) {
      case 'start':
        this.start();
        break;
      case 'keepalive':
        if (this.started) this.sendLocalStatus();
        break;
      case 'tick':
        if (this.started) this.tick();
        break;
      case 'receive':
        if (this.started) this.receive(event.message, event.origin);
        break;
      case 'pingReply':
        if (this.started) this.pingReply(event.node);
        break;
      case 'send':
        if (this.started) this.sendCluster(event.message);
        break;
      case 'advertiseDeadtime':
        this.requestedExtra = Math.max(0, event.extra);
        if (this.started) this.updateAdvertisedDeadtime();
        break;
      case 'setLocalStatus':
        if (this.started) this.setLocalStatus(event.status);
        break;
      case 'loadAverage':
        this.loadAverage = event.text.replace(/\n.*$/s, '') || 'n/a';
        break;
      case 'timers':
        this.applyTimers(event.timers);
        break;
    }
    const out = this.actions;
    this.actions = [];
    return out;
  }

  /**
   * The earliest `now` at which a 'tick' has something to do (a node or link
   * may time out, a retransmission request or reqnodes retry is due, the
   * start-up dt ends), or undefined when nothing is pending.
   */
  /**
   * True once every check of a tick has its instant in nextDeadline(): after
   * comm up (before it, checkCommIsUp has none). The shell then needs no
   * periodic wake-up besides the deadlines.
   */
  get deadlinesCoverTicks(): boolean {
    return this.linksUp;
  }

  nextDeadline(): Millis | undefined {
    if (!this.started) return undefined;
    let next = Infinity;
    const consider = (t: Millis | undefined): void => {
      if (t !== undefined && t < next) next = t;
    };
    consider(this.startupExtraUntil);
    consider(this.reqnodesRetry?.at);
    consider(this.statusRepeat?.at);
    for (const node of this.nodes.values()) {
      const dead = this.deadTimeOf(node);
      if (node.isLocal ? !this.localLostReported : isAlive(node)) consider((node.lastStatusAt ?? this.now) + dead);
      if (!node.isLocal) {
        for (const link of node.links.values()) {
          if (link.status === 'up') consider((link.lastHeardAt ?? this.now) + dead);
        }
      }
      for (const due of node.rexmitDue.values()) consider(due);
    }
    return next === Infinity ? undefined : next;
  }

  snapshot(): MembershipSnapshot {
    return {
      localNode: this.local.name,
      localStatus: this.local.status,
      generation: this.config.generation,
      lastSentSeq: this.lastSeq,
      advertisedDeadtime: this.advertised,
      commUp: this.commUp,
      flowControl: this.flowControl,
      replaysRejected: this.replaysRejected,
      timers: {
        keepalive: this.timers.keepalive,
        deadtime: this.timers.deadtime,
        warntime: this.timers.warntime,
        initdead: this.timers.initdead,
        deadping: this.timers.deadping,
      },
      nodes: [...this.nodes.values()].map(viewOf),
    };
  }

  // ---------------------------------------------------------------- set-up

  private addNode(name: string, type: NodeType, now: Millis): NodeRecord {
    const node = createNode(
      name,
      type,
      name === this.config.localNode,
      this.config.links,
      type === 'ping' ? this.timers.deadping : this.timers.deadtime,
      now,
      this.random,
    );
    this.nodes.set(name, node);
    return node;
  }

  private applyTimers(t: Partial<Timers>): void {
    const oldDeadtime = this.timers.deadtime;
    const oldDeadping = this.timers.deadping;
    for (const [k, v] of Object.entries(t) as Array<[keyof Timers, number | undefined]>) {
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this.timers[k] = v;
    }
    for (const node of this.nodes.values()) {
      if (node.type === 'ping' && node.deadtime === oldDeadping) node.deadtime = this.timers.deadping;
    }
    if (this.timers.deadtime !== oldDeadtime && this.started) this.updateAdvertisedDeadtime();
  }

  /** Spec §8.3 step 1: send `init` (with the start-up dt), then `up`. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    for (const node of this.nodes.values()) node.lastStatusAt = this.now;
    this.startupExtraUntil = this.now + STARTUP_DEADTIME_PERIOD;
    this.advertised = this.computeAdvertised();
    this.local.deadtime = this.advertised;
    this.log('info', `Heartbeat generation: ${this.config.generation}`);
    this.sendLocalStatus();
    this.setLocalStatus('up');
  }

  // ---------------------------------------------------------------- timers

  private tick(): void {
    if (this.startupExtraUntil !== undefined && this.now >= this.startupExtraUntil) {
      this.startupExtraUntil = undefined;
      this.updateAdvertisedDeadtime(true);
    }
    this.repeatStatusIfDue();
    this.checkForTimeouts();
    this.checkRexmitRequests();
    if (this.reqnodesRetry && this.now >= this.reqnodesRetry.at) {
      const { startIndex } = this.reqnodesRetry;
      this.reqnodesRetry = undefined;
      this.sendReqnodes(startIndex);
    }
    if (!this.linksUp) this.checkCommIsUp();
  }

  /** Before comm up every node gets initdead (spec §8.1); after, its own dt (normal) or deadping (ping). */
  private deadTimeOf(node: NodeRecord): Millis {
    return this.linksUp ? node.deadtime : this.timers.initdead;
  }

  /** Spec §8.1: a node is dead when now − last accepted status > its dead time. */
  private checkForTimeouts(): void {
    for (const node of [...this.nodes.values()]) {
      if (node.status === 'dead' || (node.isLocal && this.localLostReported)) continue;
      const last = node.lastStatusAt ?? this.now;
      if (this.now - last > this.deadTimeOf(node)) this.markNodeDead(node);
    }
    for (const node of this.nodes.values()) {
      if (node.isLocal) continue;
      // Heartbeat compares every link against the last node's limit (a slip
      // in check_for_timeouts); each node's own dead time is what it means.
      const dead = this.deadTimeOf(node);
      for (const link of node.links.values()) {
        if (link.status === 'dead') continue;
        if (this.now - (link.lastHeardAt ?? this.now) > dead) this.changeLinkStatus(node, link.name, 'dead');
      }
    }
  }

  private checkRexmitRequests(): void {
    for (const node of this.nodes.values()) {
      if (node.rexmitDue.size === 0) continue;
      for (const [seq, due] of [...node.rexmitDue]) {
        if (due > this.now) continue;
        if (node.status !== 'up' && node.status !== 'active') {
          // No point asking a node that is not up (hb_rexmit.c); the seq stays recorded as missing.
          node.rexmitDue.delete(seq);
          continue;
        }
        this.log('warn', `packet ${seq} from ${node.name} is still missing: asking for a retransmission`);
        this.sendCluster(
          messageOf([
            ['t', 'NS_rexmit'],
            ['dest', node.name],
            ['firstseq', String(seq)],
            ['lastseq', String(seq)],
          ]),
        );
        node.rexmitDue.set(seq, this.now + this.timers.maxRexmitDelay);
      }
    }
  }

  /** Send the copy of our last status (the identical datagram, as a retransmission is). */
  private repeatStatusIfDue(): void {
    const repeat = this.statusRepeat;
    if (repeat === undefined || this.now < repeat.at) return;
    this.statusRepeat = undefined;
    // Only while it is still our latest sequenced message: a receiver then sees
    // it as `seq == last` (a plain duplicate, spec §7.2). Behind a newer seq, the
    // real daemon took an old one for a reset of our stream and then logged the
    // next as "1 lost packet(s)" (seen in the interop tests).
    if (this.lastSeq !== repeat.seq) return;
    const found = this.history.lookup(repeat.seq);
    if (found.kind === 'found') this.emit({ type: 'transmit', message: found.message, seq: repeat.seq, retransmit: true });
  }

  /** First request after a random 50…max_rexmit_delay ms: reordering usually fills the gap first (spec §7.2). */
  private rexmitDelay(): Millis {
    const max = this.timers.maxRexmitDelay;
    const min = max < 100 ? 0 : 50;
    return min + Math.round(this.random() * (max - min));
  }

  // ---------------------------------------------------------------- local status and sending

  private computeAdvertised(): Millis {
    const startup = this.startupExtraUntil !== undefined ? STARTUP_DEADTIME_EXTRA : 0;
    return this.timers.deadtime + Math.max(startup, this.requestedExtra);
  }

  private updateAdvertisedDeadtime(alwaysSend = false): void {
    const next = this.computeAdvertised();
    const changed = next !== this.advertised;
    this.advertised = next;
    this.local.deadtime = next;
    if (changed || alwaysSend) this.sendLocalStatus();
  }

  private sendLocalStatus(): void {
    const fields: Array<[string, string]> = [
      ['t', 'status'],
      ['st', this.local.status],
      ['dt', hex(this.advertised)],
    ];
    if (this.flowControl) fields.push(['protocol', '1']);
    this.sendCluster(messageOf(fields));
  }

  private setLocalStatus(status: string): void {
    if (status !== this.local.status && status.length > 1 && status.length < 32) {
      const previous = this.local.status;
      this.local.status = status;
      this.sendLocalStatus();
      this.log('info', `Local status now set to: '${status}'`);
      this.emit({ type: 'nodeStatus', node: this.local.name, nodeType: 'normal', status, previous });
      return;
    }
    this.log('info', `Unable to set local status to: ${status}`);
  }

  /**
   * Heartbeat's send_cluster_msg: stamp, remember (sequenced only), feed to
   * our own receive path (loopback, spec §1) and transmit. Messages that the
   * loopback causes (ACKs of our own seqs, …) queue behind it.
   */
  private sendCluster(msg: HbMessage): void {
    this.outbox.push(msg);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let n = 0; this.outbox.length > 0; n++) {
        const next = this.outbox.shift()!;
        if (n >= MAX_OUTBOX_PER_EVENT) {
          this.log('error', `send loop exceeded ${MAX_OUTBOX_PER_EVENT} messages; dropping ${this.outbox.length + 1}`);
          this.outbox.length = 0;
          break;
        }
        this.transmitOwn(next);
      }
    } finally {
      this.draining = false;
    }
  }

  private transmitOwn(msg: HbMessage): void {
    const t = getString(msg, 't');
    if (t === undefined) {
      this.log('error', 'Invalid message in send_cluster_msg: no t field');
      return;
    }
    const dest = getString(msg, 'dest');
    const destUuid = dest !== undefined ? this.nodes.get(dest.toLowerCase())?.uuid : undefined;
    const sequenced = !isUnsequencedType(t);
    const stamped = stampOutgoing(msg, t, {
      localNode: this.local.name,
      uuid: this.config.uuid,
      generation: this.config.generation,
      wallSeconds: this.wallSeconds,
      loadAverage: this.loadAverage,
      ttl: this.timers.hopfudge + this.nodes.size,
      ...(destUuid ? { destUuid } : {}),
      seq: sequenced ? this.lastSeq + 1 : 0,
    });
    if (stamped.seq !== undefined) {
      this.lastSeq = stamped.seq;
      this.history.add(stamped.seq, stamped.message);
      if (t === 'status' && this.config.repeatStatus !== false) {
        this.statusRepeat = { at: this.now + Math.max(1, Math.floor(this.timers.keepalive / 2)), seq: stamped.seq };
      }
      this.emit({ type: 'transmit', message: stamped.message, seq: stamped.seq, retransmit: false });
    } else {
      this.emit({ type: 'transmit', message: stamped.message, retransmit: false });
    }
    this.receive(stamped.message, undefined);
  }

  // ---------------------------------------------------------------- receiving

  /** Spec §5.1 receive pipeline, steps 3–6 (auth and decompression are the codec's). */
  private receive(msg: HbMessage, origin: ReceiveOrigin | undefined): void {
    const iface = origin?.link ?? '?';
    const t = getString(msg, 't');
    const src = getString(msg, 'src');
    const ts = getString(msg, 'ts');
    const cseq = getString(msg, 'seq');
    const meta = origin?.address ? { iface, address: origin.address } : { iface };
    if (t === undefined || src === undefined || ts === undefined) {
      this.log('error', `process_clustermsg: missing from/ts/type: iface ${iface}, from ${src ?? '<?>'}`, meta);
      return;
    }
    let seq = 0;
    if (cseq !== undefined) {
      const parsed = parseHex(cseq);
      if (parsed === undefined) {
        this.log('error', `process_clustermsg: has bad cseq: iface ${iface}, from ${src}`, meta);
        return;
      }
      seq = parsed;
    } else if (!isUnsequencedType(t)) {
      this.log('error', `process_clustermsg: missing seqno: iface ${iface}, from ${src}`, meta);
      return;
    }
    const msgtime = parseHex(ts);
    if (!msgtime) return;

    const node = this.nodes.get(src.toLowerCase());
    if (!node) {
      this.log('error', `process_status_message: bad node [${src}] in message`, meta);
      return;
    }
    this.learnUuid(node, getBinary(msg, 'srcuuid'));
    node.anyPacketsYet = true;

    const verdict = shouldDropMessage(this.filterContext(), node, msg, t, seq);
    if (verdict === 'drop') {
      if (this.isOverheard(node, msg, seq)) this.emit({ type: 'overheard', message: msg, messageType: t, from: node.name });
      return;
    }
    if (origin) this.refreshLink(node, origin.link);
    if (verdict === 'duplicate') return;

    this.dispatch(t, node, msgtime, seq, msg, origin);
    if (!this.linksUp) this.checkCommIsUp();
  }

  /** Dropped only because it is for another node: a peer's current generation, accepted in sequence. */
  private isOverheard(node: NodeRecord, msg: HbMessage, seq: number): boolean {
    if (node.isLocal || seq === 0 || node.track.lastSeq !== seq) return false;
    if (parseHex(getString(msg, 'hg') ?? '') !== node.track.generation) return false;
    return !isToUs(msg, this.local.name, this.config.uuid);
  }

  private learnUuid(node: NodeRecord, uuid: Uint8Array | undefined): void {
    if (isNullUuid(uuid) || node.isLocal) return;
    if (node.uuid && !uuidEqual(node.uuid, uuid!)) {
      this.log('error', `node ${node.name} changed its uuid`);
    }
    node.uuid = Uint8Array.from(uuid!);
  }

  private refreshLink(node: NodeRecord, linkName: string): void {
    const link = node.links.get(linkName);
    if (!link) return;
    link.lastHeardAt = this.now;
    if (link.status !== 'up') this.changeLinkStatus(node, linkName, 'up');
  }

  private changeLinkStatus(node: NodeRecord, linkName: string, status: 'up' | 'dead'): void {
    const link = node.links.get(linkName);
    if (!link) return;
    link.status = status;
    this.log('info', `Link ${node.name}:${linkName} ${status}.`);
    this.emit({ type: 'linkStatus', node: node.name, link: linkName, status });
  }

  /** Spec §7.3: ACK every in-order seq with seq % 10 == this peer's trigger, unless older ones are missing. */
  private sendAckIfNeeded(node: NodeRecord, seq: number): void {
    if (!this.flowControl) return;
    if (!ackDue(node, seq)) return;
    this.sendCluster(
      messageOf([
        ['t', 'NS_ackmsg'],
        ['dest', node.name],
        ['ackseq', hex(seq)],
      ]),
    );
  }

  /** The sequence filter's view of this machine. */
  private filterContext(): FilterContext {
    return {
      localName: this.local.name,
      localUuid: this.config.uuid,
      flowControl: this.flowControl,
      now: this.now,
      log: (level, text) => this.log(level, text),
      sendAck: (node, seq) => this.sendAckIfNeeded(node, seq),
      rexmitDelay: () => this.rexmitDelay(),
      returnedAfterPartition: (node) => {
        this.emit({ type: 'peerReturnedAfterPartition', node: node.name });
        this.sendLocalStatus();
      },
      replayRejected: () => void this.replaysRejected++,
      restarted: (node, generation, previousGeneration) =>
        this.emit({ type: 'peerRestarted', node: node.name, generation, previousGeneration }),
      // Heartbeat's comm up counts any packet (spec §8.3) and legacy
      // req_our_resources then counts the peers whose status is active
      // (§9.4): a starting peer that hears our NS_ackmsg of its first seqs
      // before any status of ours comes up seeing nobody active and takes its
      // groups without asking, while we hold them. So our status goes out
      // first (the ACK, if due, queues behind it).
      peerStarted: () => this.sendLocalStatus(),
    };
  }

  // ---------------------------------------------------------------- dispatch

  private dispatch(
    t: string,
    node: NodeRecord,
    msgtime: number,
    seq: number,
    msg: HbMessage,
    origin: ReceiveOrigin | undefined,
  ): void {
    switch (t.toLowerCase()) {
      case 'status':
      case 'ns_st':
        this.handleStatus(node, msgtime, seq, msg);
        return;
      case 'ns_rexmit':
        if (!node.isLocal) this.processRexmit(node, msg);
        return;
      case 'ns_ackmsg':
        if (this.flowControl) this.handleAck(node, msg);
        return;
      case 'reqnodes':
        this.handleReqnodes(node);
        return;
      case 'repnodes':
        this.handleRepnodes(node, msg);
        return;
    }
    if (INTERNAL_TYPES.has(t.toLowerCase())) return;
    this.emit({
      type: 'deliver',
      message: msg,
      messageType: t,
      from: node.name,
      fromSelf: node.isLocal,
      ...(origin ? { link: origin.link } : {}),
    });
  }

  /** Heartbeat's HBDoMsg_T_STATUS (spec §5.1 "For t=status"). */
  private handleStatus(node: NodeRecord, msgtime: number, seq: number, msg: HbMessage): void {
    const status = getString(msg, 'st');
    if (status === undefined) {
      this.log('error', 'HBDoMsg_T_STATUS: status update without st field');
      return;
    }
    this.applyStatus(node, status, msgtime, seq, getString(msg, 'dt'), getString(msg, 'protocol'));
  }

  private applyStatus(
    node: NodeRecord,
    status: string,
    msgtime: number,
    seq: number,
    dt: string | undefined,
    protocol: string | undefined,
  ): void {
    if (msgtime < node.remoteTs && seq < node.statusSeq) return; // stale
    if (node.type === 'normal' && this.flowControl && parseDecimal(protocol) === undefined) {
      this.log('info', 'flow control disabled due to different version heartbeat');
      this.flowControl = false;
    }
    // A node coming back from dead (returning after a partition) is not late: it was dead.
    if (node.lastStatusAt !== undefined && node.status !== 'dead') {
      const interval = Math.round(this.now - node.lastStatusAt);
      if (interval > this.timers.deadtime) {
        this.log('crit', `Late heartbeat: Node ${node.name}: interval ${interval} ms (> deadtime)`);
        this.emit({ type: 'lateHeartbeat', node: node.name, intervalMs: interval, beyondDeadtime: true });
        // Something held us up so long that the dead check never ran; it was dead, now it is back.
        if (!node.isLocal) this.markNodeDead(node);
      } else if (interval > this.timers.warntime) {
        this.log('warn', `Late heartbeat: Node ${node.name}: interval ${interval} ms`);
        this.emit({ type: 'lateHeartbeat', node: node.name, intervalMs: interval, beyondDeadtime: false });
      }
    }
    if (!node.isLocal && status.toLowerCase() !== node.status.toLowerCase()) {
      this.log('info', `Status update for node ${node.name}: status ${status}`);
      const previous = node.status;
      node.status = status;
      this.emit({ type: 'nodeStatus', node: node.name, nodeType: node.type, status, previous });
    }
    const deadtime = parseHex(dt);
    if (deadtime !== undefined && deadtime > 0 && !node.isLocal) node.deadtime = deadtime;
    if (node.isLocal) this.localLostReported = false;
    node.remoteTs = msgtime;
    node.lastStatusAt = this.now;
    node.statusSeq = seq;
  }

  /** A ping node answered: processed as `NS_st st=ping` from it over its own link (spec §8.6). */
  private pingReply(name: string): void {
    const node = this.nodes.get(name);
    if (!node || node.type !== 'ping') return;
    node.anyPacketsYet = true;
    this.refreshLink(node, node.name);
    this.applyStatus(node, 'ping', this.wallSeconds, 0, undefined, undefined);
    if (!this.linksUp) this.checkCommIsUp();
  }

  private markNodeDead(node: NodeRecord): void {
    this.log('warn', `node ${node.name}: is dead`);
    if (node.isLocal) {
      this.log('error', 'No local heartbeat. Forcing restart.');
      if (!this.localLostReported) {
        this.localLostReported = true;
        this.emit({ type: 'localHeartbeatLost' });
      }
      return;
    }
    const previous = node.status;
    node.status = 'dead';
    node.remoteTs = 0;
    node.anyPacketsYet = false;
    resetSeqTrack(node);
    if (previous !== 'dead') {
      this.emit({ type: 'nodeStatus', node: node.name, nodeType: node.type, status: 'dead', previous });
      this.emit({ type: 'peerDead', node: node.name, nodeType: node.type });
    }
  }

  private handleAck(node: NodeRecord, msg: HbMessage): void {
    const dest = getString(msg, 'dest');
    if (dest === undefined || dest.toLowerCase() !== this.local.name) return;
    const ackseq = parseHex(getString(msg, 'ackseq'));
    if (ackseq === undefined || ackseq === node.track.ackseq) return;
    if (ackseq > this.history.hiseq) {
      this.log(
        'error',
        `HBDoMsg_T_ACK: corrupted ackseq current hiseq = ${this.history.hiseq} ackseq =${ackseq} in this message`,
      );
      return;
    }
    if (ackseq < node.track.ackseq) return;
    node.track.ackseq = ackseq;
  }

  /** Heartbeat's process_rexmit (spec §7.2): resend from history, NAK what we no longer hold. */
  private processRexmit(node: NodeRecord, msg: HbMessage): void {
    const first = parseDecimal(getString(msg, 'firstseq'));
    const last = parseDecimal(getString(msg, 'lastseq'));
    if (first === undefined || last === undefined || first <= 0 || last <= 0 || first > last) {
      this.log('error', 'Invalid rexmit seqnos', { from: node.name });
      return;
    }
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
        this.log('warn', `Rexmit of seq ${seq} requested. ${this.history.hiseq} is max.`);
        continue;
      }
      if (found.kind === 'notFound') {
        this.nakRexmit(node, seq, 'seqno not found');
        continue;
      }
      if (found.lastRetransmitAt !== undefined && this.now - found.lastRetransmitAt < this.timers.maxRexmitDelay - 10) {
        continue;
      }
      if (++sent > MAX_REXMIT_BATCH) return;
      this.history.markRetransmitted(seq, this.now);
      this.emit({ type: 'transmit', message: found.message, seq, retransmit: true });
    }
  }

  private nakRexmit(node: NodeRecord, seq: number, reason: string): void {
    this.log('error', `Cannot rexmit pkt ${seq} for ${node.name}: ${reason}`);
    this.sendCluster(
      messageOf([
        ['t', 'NS_nak_rexmit'],
        ['firstseq', hex(seq)],
        ['dest', node.name],
        ['info', reason],
      ]),
    );
  }

  // ---------------------------------------------------------------- comm up, reqnodes/repnodes

  /**
   * Spec §8.3 step 2: every node has been heard from or declared dead.
   * Stricter than Heartbeat: a peer counts once its status is known, not on
   * any packet. A restarted node can hear the survivor's NS_ackmsg before
   * its first status; counting that peer as "heard" let comm up run while its
   * status was still unknown, and legacy req_our_resources then took the
   * groups the active survivor held instead of asking for them (spec §9.4).
   */
  private checkCommIsUp(): void {
    if (this.linksUp) return;
    let heard = 0;
    for (const node of this.nodes.values()) if (this.heardForCommUp(node) || node.status === 'dead') heard++;
    if (heard < this.nodes.size) return;
    this.linksUp = true;
    if (this.flowControl) this.sendReqnodes(0);
    else this.commNowUp();
  }

  private heardForCommUp(node: NodeRecord): boolean {
    return node.anyPacketsYet && (node.isLocal || node.remoteTs !== 0);
  }

  /** Spec §8.3 step 3: ask the first live normal peer for the node list; no peer → comm up now. */
  private sendReqnodes(startIndex: number): void {
    if (this.reqnodesAnswered) return;
    const list = [...this.nodes.values()];
    let index = startIndex >= list.length ? 0 : startIndex;
    let dest: NodeRecord | undefined;
    for (; index < list.length; index++) {
      const n = list[index]!;
      if (n.status !== 'dead' && !n.isLocal && n.type === 'normal') {
        dest = n;
        break;
      }
    }
    if (!dest) {
      this.reqnodesAnswered = true;
      this.commNowUp();
      return;
    }
    this.sendCluster(
      messageOf([
        ['t', 'reqnodes'],
        ['dest', dest.name],
      ]),
    );
    this.reqnodesRetry = { at: this.now + REQNODES_RETRY, startIndex: index };
  }

  private commNowUp(): void {
    if (this.commUp) return;
    this.commUp = true;
    this.reqnodesRetry = undefined;
    this.log('info', 'Comm_now_up(): updating status to active');
    this.setLocalStatus('active');
    this.emit({ type: 'commUp' });
  }

  /** Answer with our normal nodes, each followed by a space, and an empty deleted list " " (spec §5). */
  private handleReqnodes(node: NodeRecord): void {
    if (node.isLocal) {
      this.log('error', 'HBDoMsg_T_REQNODES: get reqnodes msg from myself!');
      return;
    }
    const nodelist = [...this.nodes.values()]
      .filter((n) => n.type === 'normal')
      .map((n) => `${n.name} `)
      .join('');
    this.sendCluster(
      messageOf([
        ['dest', node.name],
        ['t', 'repnodes'],
        ['nodelist', nodelist],
        ['delnodelist', ' '],
      ]),
    );
  }

  /** The peer's node list replaces ours (spec §8.3): unknown names are added, missing ones removed. */
  private handleRepnodes(node: NodeRecord, msg: HbMessage): void {
    if (node.isLocal) return;
    const nodelist = getString(msg, 'nodelist');
    const delnodelist = getString(msg, 'delnodelist');
    if (nodelist !== undefined) {
      const names = nodelist
        .split(/[ \t]+/)
        .filter((s) => s.length > 0)
        .map((s) => s.toLowerCase());
      const wanted = new Set(names);
      const added: string[] = [];
      const removed: string[] = [];
      for (const name of wanted) {
        const existing = this.nodes.get(name);
        if (!existing) {
          this.log('info', `hb_add_one_node: Adding new node[${name}] to configuration.`);
          this.addNode(name, 'normal', this.now);
          added.push(name);
        } else if (existing.type !== 'normal') {
          this.log('error', `HBDoMsg_T_REPNODES: Incoming repnodes node list contains ${name}`);
        }
      }
      for (const existing of [...this.nodes.values()]) {
        if (existing.type !== 'normal' || wanted.has(existing.name)) continue;
        if (existing.isLocal) {
          this.log('error', `HBDoMsg_T_REPNODES: ${node.name}'s node list does not contain this node; keeping it`);
          continue;
        }
        this.log('info', `Removing node [${existing.name}] from configuration.`);
        this.nodes.delete(existing.name);
        removed.push(existing.name);
      }
      if (added.length > 0 || removed.length > 0) this.emit({ type: 'nodeListChanged', added, removed });
      this.reqnodesAnswered = true;
    }
    if (delnodelist !== undefined) this.reqnodesAnswered = true;
    this.commNowUp();
  }

  // ---------------------------------------------------------------- output

  private emit(action: MembershipAction): void {
    this.actions.push(action);
  }

  private log(level: LogLevel, text: string, meta?: Readonly<Record<string, unknown>>): void {
    this.actions.push(meta ? { type: 'log', level, text, meta } : { type: 'log', level, text });
  }
}
