// A peer that dies or leaves (spec §9.6, §9.7): STONITH bookkeeping,
// takeover_from_node (req_our_resources + mach_down), and the immediate
// takeover on `shutdone`.
import type { Finished } from './activities.js';
import { machDownMessage, stonithMessage, type ClusterMessage } from './cluster-message.js';
import { successorOf } from './groups.js';
import { announce, processOwnResource } from './holding.js';
import { reqOurResources } from './negotiation.js';
import { enqueue } from './queue.js';
import { adoptFoundRunning, forgetSplitSeenBy, noteReleaseAnnounced, onDeclaredDeadBy, reannounceKeptGroups } from './reconcile.js';
import { ALL, FOREIGN, LOCAL, NONE, has, mirror, union, type RscBits } from './rsc.js';
import { cancelStandby } from './standby.js';
import { log, send, type Tx } from './tx.js';
import type { Activity } from './types.js';

/** hb_rsc_recover_dead_resources (spec §9.6). */
export function onPeerDead(tx: Tx, name: string): void {
  const s = tx.s;
  const peer = s.peers[name];
  if (peer === undefined) {
    log(tx, 'warn', `peer-dead for ${name}, which is not a node of ha.cf: ignored`);
    return;
  }
  if (peer.status === 'dead') return;
  peer.status = 'dead';
  peer.negotiated = false;
  peer.starting = false;
  if (s.standby.phase !== 'NOT') {
    cancelStandby(tx, `${name} is dead`);
    if (!s.otherStable && s.claim === ALL) s.otherStable = true;
  }
  if (s.partition !== null && s.partition.peer === name) s.partition = null;
  forgetSplitSeenBy(tx, name);
  const heldNothing = peer.anyPackets && (s.config.niceFailback ? peer.holds === NONE : !peer.hasResources);
  peer.holds = NONE;
  peer.legacyHolds = [];
  if (s.shutdown.phase !== 'none') {
    log(tx, 'info', 'Resource takeover cancelled - shutdown in progress.');
    return;
  }
  s.needsFailback = true;
  if (!heldNothing) {
    send(tx, stonithMessage(name, 'n_stnth'));
    log(tx, 'warn', 'No STONITH device configured.');
    log(tx, 'warn', 'Shared disks are not protected.');
    takeoverFromNode(tx, name, `${name} is dead`);
  } else {
    log(tx, 'info', `Dead node ${name} gave up resources.`);
    send(tx, stonithMessage(name, 'unneeded'));
    if (!s.config.niceFailback) {
      takeoverFromNode(tx, name, `${name} is dead`);
    } else if (s.claim === ALL) {
      s.otherStable = true;
    } else {
      if (!has(s.claim, LOCAL)) reqOurResources(tx, true, `its home node is this node and ${name} is dead`);
      if (!has(s.claim, FOREIGN)) takeoverFromNode(tx, name, `${name} is dead`);
    }
  }
  adoptFoundRunning(tx, `${name} is dead`);
  reannounceKeptGroups(tx);
}

/**
 * takeover_from_node: own groups (req_our_resources, getthemanyway) first,
 * then the dead node's (mach_down), as Heartbeat's process queue runs them.
 * `between` runs after the first (the shutdone path's standby acquisition).
 */
export function takeoverFromNode(tx: Tx, name: string, reason: string, between?: Activity): void {
  const s = tx.s;
  if (s.shutdown.phase !== 'none') {
    log(tx, 'info', 'Resource takeover cancelled - shutdown in progress.');
    return;
  }
  log(tx, 'info', `Resources being acquired from ${name}.`);
  const successor = successorOf(s, name);
  if (s.config.niceFailback) {
    // With more than two nodes only the successor takes the dead node's groups,
    // so only it claims them: a node that claimed groups it never ran would later
    // offer them back (auto_failback) and race the real holder's standby.
    if (successor === s.config.localNode) s.claim = union(s.claim, FOREIGN);
    const peer = s.peers[name];
    if (peer !== undefined) peer.holds = NONE;
    s.otherStable = true;
    s.takeoverInProgress = successor === s.config.localNode;
  }
  reqOurResources(tx, true, `its home node is this node (${reason})`);
  if (between !== undefined) enqueue(tx, between);
  if (successor === s.config.localNode) {
    enqueue(tx, { kind: 'mach-down', peer: name, reason: `taken over from ${name} (${reason})` });
  } else {
    log(tx, 'info', `Resource groups of ${name} are left to ${successor}, the first live node in ha.cf order`);
  }
}

/** A peer's `t=shutdone st=dead` (spec §9.7): it released everything; take over at once. */
export function onShutdone(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  const name = msg.src;
  const peer = s.peers[name];
  if (peer === undefined) return;
  log(tx, 'info', `Received shutdown notice from '${name}'.`);
  peer.hasResources = false;
  peer.holds = NONE;
  peer.legacyHolds = [];
  let acquire: Activity | undefined;
  if (s.config.niceFailback) {
    s.otherStable = true;
    if (s.commUp && s.claim !== ALL && s.shutdown.phase === 'none') {
      if (s.standby.phase !== 'NOT') cancelStandby(tx, `${name} shut down`);
      // Heartbeat's internal standby "done" path: acquire what this node lacks.
      const lacking = (ALL & ~s.claim) as RscBits;
      s.standby.phase = 'DONE';
      s.standby.role = 'responder';
      s.standby.partner = name;
      s.standby.rsc = mirror(lacking);
      s.standby.origin = `shutdone from ${name}`;
      s.standby.deadline = tx.now + s.config.timers.standbyResourceTimeout;
      acquire = { kind: 'standby-acquire', rsc: mirror(lacking), acquire: lacking, reason: `${name} shut down` };
    }
  }
  takeoverFromNode(tx, name, `${name} shut down`, acquire);
  noteReleaseAnnounced(tx, name, undefined, true);
  reannounceKeptGroups(tx);
}

/** A `t=stonith` report from a peer: informational (spec §6). */
export function onStonith(tx: Tx, msg: ClusterMessage): void {
  const target = msg.node ?? '?';
  const level = target === tx.s.config.localNode ? 'warn' : 'info';
  log(tx, level, `${msg.src} reports STONITH of ${target}: ${msg.result ?? '?'}`);
  if (target === tx.s.config.localNode) onDeclaredDeadBy(tx, msg.src);
}

/** The end of mach_down: the dead node's groups run here. */
export function machDownDone(tx: Tx, run: Finished<'mach-down'>): void {
  const s = tx.s;
  if (s.config.niceFailback) {
    processOwnResource(tx, 'mach_down', true);
    send(tx, machDownMessage());
  } else {
    log(tx, 'info', `mach_down takeover complete for node ${run.activity.peer}.`);
    s.foreignWorkDone = true;
    announce(tx, 'status');
  }
}
