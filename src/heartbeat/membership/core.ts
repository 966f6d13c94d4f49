// What every part of the membership machine shares: the node table, the
// machine-wide flags (started, flow control, links up, comm up), the clock of
// the event being handled, the timers, and the output list of actions.
//
// The parts (liveness, sequencing, join, local status, outgoing) each own
// their own state and work on this one; sending goes through `send`, the
// machine's send_cluster_msg (outgoing.ts), which it wires in.
import type { HbMessage } from '../wire/message.js';
import { createNode, type NodeRecord } from './node-table.js';
import type { LogLevel, MembershipAction, MembershipConfig, Millis, NodeType } from './types.js';

export interface Timers {
  keepalive: Millis;
  deadtime: Millis;
  warntime: Millis;
  initdead: Millis;
  deadping: Millis;
  maxRexmitDelay: Millis;
  hopfudge: number;
}

export class MembershipCore {
  readonly timers: Timers;
  readonly random: () => number;
  readonly nodes = new Map<string, NodeRecord>();
  readonly local: NodeRecord;
  /** The actions of the event being handled, in order. */
  actions: MembershipAction[] = [];
  now: Millis = 0;
  wallSeconds = 0;
  started = false;
  /** false once a peer's status lacked `protocol` (spec §5.1): no ACKs, no reqnodes. */
  flowControl = true;
  /** Every node heard from or declared dead (spec §8.3 step 2): dead times are the nodes' own from now on. */
  linksUp = false;
  commUp = false;
  commUpAt: Millis | undefined;
  replaysRejected = 0;
  /** When a packet was last seen lost (a gap, a retransmission request, a late heartbeat). */
  lossSeenAt: Millis | undefined;

  constructor(
    readonly config: MembershipConfig,
    /** send_cluster_msg: stamp, remember, loop back, transmit (outgoing.ts). */
    readonly send: (msg: HbMessage) => void,
  ) {
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
  }

  addNode(name: string, type: NodeType, now: Millis): NodeRecord {
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

  /** New timer values (SIGHUP); ping nodes still on the old deadping follow. Returns whether deadtime changed. */
  applyTimers(t: Partial<Timers>): boolean {
    const oldDeadtime = this.timers.deadtime;
    const oldDeadping = this.timers.deadping;
    for (const [k, v] of Object.entries(t) as Array<[keyof Timers, number | undefined]>) {
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this.timers[k] = v;
    }
    for (const node of this.nodes.values()) {
      if (node.type === 'ping' && node.deadtime === oldDeadping) node.deadtime = this.timers.deadping;
    }
    return this.timers.deadtime !== oldDeadtime;
  }

  /** Before comm up every node gets initdead (spec §8.1); after, its own dt (normal) or deadping (ping). */
  deadTimeOf(node: NodeRecord): Millis {
    return this.linksUp ? node.deadtime : this.timers.initdead;
  }

  /** A sign that packets are being lost (the status copy goes on; outgoing.ts). */
  noteLoss(): void {
    this.lossSeenAt = this.now;
  }

  emit(action: MembershipAction): void {
    this.actions.push(action);
  }

  log(level: LogLevel, text: string, meta?: Readonly<Record<string, unknown>>): void {
    this.actions.push(meta ? { type: 'log', level, text, meta } : { type: 'log', level, text });
  }
}
