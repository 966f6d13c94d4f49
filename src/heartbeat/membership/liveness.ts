// Liveness (spec §5.1 "For t=status", §8.1, §8.5, §8.6): the status each node
// last reported and when, late heartbeats (warntime, deadtime), nodes and
// links declared dead when silent longer than their dead time, our own
// status stopping to come back, and ping nodes' replies.
import { getString, type HbMessage } from '../wire/message.js';
import type { MembershipCore } from './core.js';
import { isAlive, resetSeqTrack, type NodeRecord } from './node-table.js';
import { parseDecimal, parseHex } from './numbers.js';
import type { Millis } from './types.js';

export class Liveness {
  /** Our own statuses stopped coming back and that was reported (cleared when one does). */
  private localLostReported = false;

  constructor(private readonly core: MembershipCore) {}

  /** The earliest instant a node or link of a node may time out. */
  nextDeadline(): Millis | undefined {
    const core = this.core;
    let next = Infinity;
    for (const node of core.nodes.values()) {
      const dead = core.deadTimeOf(node);
      if (node.isLocal ? !this.localLostReported : isAlive(node)) next = Math.min(next, (node.lastStatusAt ?? core.now) + dead);
      if (node.isLocal) continue;
      for (const link of node.links.values()) {
        if (link.status === 'up') next = Math.min(next, (link.lastHeardAt ?? core.now) + dead);
      }
    }
    return next === Infinity ? undefined : next;
  }

  /** Spec §8.1: a node is dead when now − last accepted status > its dead time; a link likewise. */
  checkForTimeouts(): void {
    const core = this.core;
    for (const node of [...core.nodes.values()]) {
      if (node.status === 'dead' || (node.isLocal && this.localLostReported)) continue;
      const last = node.lastStatusAt ?? core.now;
      if (core.now - last > core.deadTimeOf(node)) this.markNodeDead(node);
    }
    for (const node of core.nodes.values()) {
      if (node.isLocal) continue;
      // Heartbeat compares every link against the last node's limit (a slip
      // in check_for_timeouts); each node's own dead time is what it means.
      const dead = core.deadTimeOf(node);
      for (const link of node.links.values()) {
        if (link.status === 'dead') continue;
        if (core.now - (link.lastHeardAt ?? core.now) > dead) this.changeLinkStatus(node, link.name, 'dead');
      }
    }
  }

  /** A packet from `node` came in on this link. */
  refreshLink(node: NodeRecord, linkName: string): void {
    const link = node.links.get(linkName);
    if (!link) return;
    link.lastHeardAt = this.core.now;
    if (link.status !== 'up') this.changeLinkStatus(node, linkName, 'up');
  }

  /** Heartbeat's HBDoMsg_T_STATUS (spec §5.1 "For t=status"). */
  handleStatus(node: NodeRecord, msgtime: number, seq: number, msg: HbMessage): void {
    const status = getString(msg, 'st');
    if (status === undefined) {
      this.core.log('error', 'HBDoMsg_T_STATUS: status update without st field');
      return;
    }
    this.applyStatus(node, status, msgtime, seq, getString(msg, 'dt'), getString(msg, 'protocol'));
  }

  /** A ping node answered: processed as `NS_st st=ping` from it over its own link (spec §8.6). */
  pingReply(node: NodeRecord): void {
    node.anyPacketsYet = true;
    this.refreshLink(node, node.name);
    this.applyStatus(node, 'ping', this.core.wallSeconds, 0, undefined, undefined);
  }

  private applyStatus(
    node: NodeRecord,
    status: string,
    msgtime: number,
    seq: number,
    dt: string | undefined,
    protocol: string | undefined,
  ): void {
    const core = this.core;
    if (msgtime < node.remoteTs && seq < node.statusSeq) return; // stale
    if (node.type === 'normal' && core.flowControl && parseDecimal(protocol) === undefined) {
      core.log('info', 'flow control disabled due to different version heartbeat');
      core.flowControl = false;
    }
    // A node coming back from dead (returning after a partition) is not late: it was dead.
    if (node.lastStatusAt !== undefined && node.status !== 'dead') {
      const interval = Math.round(core.now - node.lastStatusAt);
      if (interval > core.timers.deadtime) {
        core.log('crit', `Late heartbeat: Node ${node.name}: interval ${interval} ms (> deadtime)`);
        core.emit({ type: 'lateHeartbeat', node: node.name, intervalMs: interval, beyondDeadtime: true });
        // Something held us up so long that the dead check never ran; it was dead, now it is back.
        if (!node.isLocal) this.markNodeDead(node);
      } else if (interval > core.timers.warntime) {
        core.log('warn', `Late heartbeat: Node ${node.name}: interval ${interval} ms`);
        core.emit({ type: 'lateHeartbeat', node: node.name, intervalMs: interval, beyondDeadtime: false });
      }
    }
    if (!node.isLocal && status.toLowerCase() !== node.status.toLowerCase()) {
      core.log('info', `Status update for node ${node.name}: status ${status}`);
      const previous = node.status;
      node.status = status;
      core.emit({ type: 'nodeStatus', node: node.name, nodeType: node.type, status, previous });
    }
    const deadtime = parseHex(dt);
    if (deadtime !== undefined && deadtime > 0 && !node.isLocal) node.deadtime = deadtime;
    if (node.isLocal) this.localLostReported = false;
    node.remoteTs = msgtime;
    node.lastStatusAt = core.now;
    node.statusSeq = seq;
  }

  private markNodeDead(node: NodeRecord): void {
    const core = this.core;
    core.log('warn', `node ${node.name}: is dead`);
    if (node.isLocal) {
      core.log('error', 'No local heartbeat. Forcing restart.');
      if (!this.localLostReported) {
        this.localLostReported = true;
        core.emit({ type: 'localHeartbeatLost' });
      }
      return;
    }
    const previous = node.status;
    node.status = 'dead';
    node.remoteTs = 0;
    node.anyPacketsYet = false;
    resetSeqTrack(node);
    if (previous !== 'dead') {
      core.emit({ type: 'nodeStatus', node: node.name, nodeType: node.type, status: 'dead', previous });
      core.emit({ type: 'peerDead', node: node.name, nodeType: node.type });
    }
  }

  private changeLinkStatus(node: NodeRecord, linkName: string, status: 'up' | 'dead'): void {
    const link = node.links.get(linkName);
    if (!link) return;
    link.status = status;
    this.core.log('info', `Link ${node.name}:${linkName} ${status}.`);
    this.core.emit({ type: 'linkStatus', node: node.name, link: linkName, status });
  }
}
