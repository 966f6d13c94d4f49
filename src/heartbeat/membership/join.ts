// Joining the cluster (spec §8.3): once every node has been heard from or
// declared dead, ask a live peer for the node list (reqnodes, retried every
// second), take its answer (repnodes) as our node list, then comm up: our
// status becomes `active`. Also our answer to a peer's reqnodes.
import { getString, messageOf, type HbMessage } from '../wire/message.js';
import type { MembershipCore } from './core.js';
import type { LocalStatus } from './local-status.js';
import type { NodeRecord } from './node-table.js';
import type { Millis } from './types.js';

/** reqnodes is repeated this often while unanswered (spec §8.3). */
export const REQNODES_RETRY = 1000;

export class Join {
  private reqnodesAnswered = false;
  private reqnodesRetry?: { at: Millis; startIndex: number };

  constructor(
    private readonly core: MembershipCore,
    private readonly localStatus: LocalStatus,
  ) {}

  get retryAt(): Millis | undefined {
    return this.reqnodesRetry?.at;
  }

  retryIfDue(): void {
    if (this.reqnodesRetry && this.core.now >= this.reqnodesRetry.at) {
      const { startIndex } = this.reqnodesRetry;
      this.reqnodesRetry = undefined;
      this.sendReqnodes(startIndex);
    }
  }

  /**
   * Spec §8.3 step 2: every node has been heard from or declared dead.
   * Stricter than Heartbeat: a peer counts once its status is known, not on
   * any packet. A restarted node can hear the survivor's NS_ackmsg before
   * its first status; counting that peer as "heard" let comm up run while its
   * status was still unknown, and legacy req_our_resources then took the
   * groups the active survivor held instead of asking for them (spec §9.4).
   */
  checkCommIsUp(): void {
    const core = this.core;
    if (core.linksUp) return;
    let heard = 0;
    for (const node of core.nodes.values()) if (heardForCommUp(node) || node.status === 'dead') heard++;
    if (heard < core.nodes.size) return;
    core.linksUp = true;
    if (core.flowControl) this.sendReqnodes(0);
    else this.commNowUp();
  }

  /** Answer with our normal nodes, each followed by a space, and an empty deleted list " " (spec §5). */
  handleReqnodes(node: NodeRecord): void {
    const core = this.core;
    if (node.isLocal) {
      core.log('error', 'HBDoMsg_T_REQNODES: get reqnodes msg from myself!');
      return;
    }
    const nodelist = [...core.nodes.values()]
      .filter((n) => n.type === 'normal')
      .map((n) => `${n.name} `)
      .join('');
    core.send(
      messageOf([
        ['dest', node.name],
        ['t', 'repnodes'],
        ['nodelist', nodelist],
        ['delnodelist', ' '],
      ]),
    );
  }

  /** The peer's node list replaces ours (spec §8.3): unknown names are added, missing ones removed. */
  handleRepnodes(node: NodeRecord, msg: HbMessage): void {
    const core = this.core;
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
        const existing = core.nodes.get(name);
        if (!existing) {
          core.log('info', `hb_add_one_node: Adding new node[${name}] to configuration.`);
          core.addNode(name, 'normal', core.now);
          added.push(name);
        } else if (existing.type !== 'normal') {
          core.log('error', `HBDoMsg_T_REPNODES: Incoming repnodes node list contains ${name}`);
        }
      }
      for (const existing of [...core.nodes.values()]) {
        if (existing.type !== 'normal' || wanted.has(existing.name)) continue;
        if (existing.isLocal) {
          core.log('error', `HBDoMsg_T_REPNODES: ${node.name}'s node list does not contain this node; keeping it`);
          continue;
        }
        core.log('info', `Removing node [${existing.name}] from configuration.`);
        core.nodes.delete(existing.name);
        removed.push(existing.name);
      }
      if (added.length > 0 || removed.length > 0) core.emit({ type: 'nodeListChanged', added, removed });
      this.reqnodesAnswered = true;
    }
    if (delnodelist !== undefined) this.reqnodesAnswered = true;
    this.commNowUp();
  }

  /** Spec §8.3 step 3: ask the first live normal peer for the node list; no peer → comm up now. */
  private sendReqnodes(startIndex: number): void {
    if (this.reqnodesAnswered) return;
    const list = [...this.core.nodes.values()];
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
    this.core.send(
      messageOf([
        ['t', 'reqnodes'],
        ['dest', dest.name],
      ]),
    );
    this.reqnodesRetry = { at: this.core.now + REQNODES_RETRY, startIndex: index };
  }

  private commNowUp(): void {
    const core = this.core;
    if (core.commUp) return;
    core.commUp = true;
    core.commUpAt = core.now;
    this.reqnodesRetry = undefined;
    core.log('info', 'Comm_now_up(): updating status to active');
    this.localStatus.set('active');
    core.emit({ type: 'commUp' });
  }
}

function heardForCommUp(node: NodeRecord): boolean {
  return node.anyPacketsYet && (node.isLocal || node.remoteTs !== 0);
}
