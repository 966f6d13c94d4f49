// nice_failback start-up negotiation (spec §9.3): `starting`, `resource`,
// the RQSTDELAY fallback, req_our_resources, and auto-failback's trigger
// (§9.5). Heartbeat's process_resources(), comm_up_resource_action() and
// PerformAutoFailback(), re-expressed over the transaction.
import { enqueue, busy } from './queue.js';
import { startingMessage, type ClusterMessage } from './cluster-message.js';
import { activePeers, groupData, readyPeers, groupsIn, heldBits, livePeers, localGroupsToAcquire, otherHoldsMine, wireHold } from './groups.js';
import { announce, armRequestDelay, sendHeld } from './holding.js';
import {
  adoptFoundRunning,
  noteReleaseAnnounced,
  reannounceKeptGroups,
  resolveFoundRunningConflicts,
  resolvePartition,
  settleUnseenSplit,
  standbyAbortedByPeer,
} from './reconcile.js';
import { isStable } from './queries.js';
import { FOREIGN, LOCAL, NONE, applyHolding, has, parseRsc, union, type RscBits } from './rsc.js';
import { beginOwnStandby } from './standby.js';
import { log, send, type Tx } from './tx.js';
import { RESOURCE_STATE_NUMBER, type ResourceStateName } from './types.js';

/** How the state answers a peer's `starting` (spec §9.3). `error` = log and ignore. */
export const ON_PEER_STARTING: Readonly<Record<ResourceStateName, ResourceStateName | 'error'>> = {
  INIT: 'error',
  STARTING: 'BOTHSTARTING',
  BOTHSTARTING: 'BOTHSTARTING',
  RSCRCVD: 'RSCRCVD',
  STABLE: 'STABLE',
  SHUTDOWN: 'SHUTDOWN',
};

/** How the state moves on any `resource` message, before the stability rules (spec §9.3). */
export const ON_RESOURCE_MESSAGE: Readonly<Record<ResourceStateName, ResourceStateName | 'error'>> = {
  INIT: 'error',
  STARTING: 'RSCRCVD',
  BOTHSTARTING: 'RSCRCVD',
  RSCRCVD: 'RSCRCVD',
  STABLE: 'STABLE',
  SHUTDOWN: 'SHUTDOWN',
};

/**
 * After a partition heal, once nothing moves any more: "Initial resource
 * acquisition complete", the line watchers wait for after a split (CTS's
 * Split_brain test waits for it from both nodes, because Heartbeat restarts
 * both). heartbeat-ts does not restart, but this milestone is as true here:
 * every group is on exactly one node again, and this node is stable.
 */
export function announceHealSettled(tx: Tx): void {
  const s = tx.s;
  if (s.healPending === null) return;
  if (s.shutdown.phase !== 'none') {
    s.healPending = null;
    return;
  }
  // Kept groups still waiting for the peer to release its copy: not settled yet.
  if (!isStable(s) || (s.config.niceFailback && s.rstate !== 'STABLE') || Object.keys(s.reannounce).length > 0) return;
  log(tx, 'info', `Initial resource acquisition complete (partition with ${s.healPending} healed; no restart)`);
  s.healPending = null;
}

/** A peer came back after a partition: its heal is announced once it has settled. */
export function notePartitionHeal(tx: Tx, peer: string): void {
  if (tx.s.peers[peer] !== undefined && tx.s.shutdown.phase === 'none') tx.s.healPending = peer;
}

/** comm_up_resource_action (spec §8.3 step 4, §9.3, §9.4). */
export function onCommUp(tx: Tx, active: readonly string[]): void {
  const s = tx.s;
  if (s.commUp) {
    log(tx, 'debug', 'comm-up received twice: ignored');
    return;
  }
  s.commUp = true;
  for (const p of active) {
    const peer = s.peers[p];
    if (peer === undefined) {
      log(tx, 'warn', `comm-up lists ${p} as active, but it is not a node of ha.cf: ignored`);
      continue;
    }
    peer.status = 'active';
    peer.anyPackets = true;
  }
  if (s.config.peers.every((p) => s.peers[p]?.status !== 'dead')) s.foreignWorkDone = true;
  if (!s.config.niceFailback) {
    reqOurResources(tx, false, 'start-up (auto_failback legacy: the home node always takes its own groups)');
    return;
  }
  send(tx, startingMessage());
  s.rstate = 'STARTING';
  if (livePeers(s).length === 0) {
    // Nobody can answer `starting`: Heartbeat gets here through its own
    // resource messages; the start-up fallback then makes this node stable.
    log(tx, 'info', `No other node is alive: start-up negotiation ends by the ${tx.s.config.timers.rqstDelay / 1000} s fallback`);
    s.rstate = 'RSCRCVD';
    armRequestDelay(tx);
    adoptFoundRunning(tx, 'no other node is alive');
  }
}

/** A peer's `t=starting` (spec §9.3, §6). */
export function onStarting(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  if (!s.config.niceFailback) {
    log(tx, 'debug', `t=starting from ${msg.src} ignored: auto_failback legacy does not negotiate`);
    return;
  }
  const starter = s.peers[msg.src];
  // Remembered even when the message itself is dropped below: that the peer
  // is starting is what lets both nodes skip the RQSTDELAY wait (bothStartingFastPath).
  if (starter !== undefined) starter.starting = true;
  const next = ON_PEER_STARTING[s.rstate];
  if (!s.commUp || next === 'error') {
    // Before our comm is up this is the normal race of two nodes starting
    // together (Heartbeat registers its handlers only at comm up and drops it
    // quietly); after, it is a protocol error.
    log(tx, s.commUp ? 'error' : 'info', `Received 'starting' message in state ${RESOURCE_STATE_NUMBER[s.rstate]}`);
    return;
  }
  if (s.rstate === 'STARTING') {
    s.foreignWorkDone = true;
    announce(tx, 'HB_R_BOTHSTARTING');
  }
  s.otherStable = false;
  const peer = s.peers[msg.src];
  if (peer !== undefined) peer.negotiated = false;
  if (s.takeoverInProgress) log(tx, 'warn', 'T_STARTING received during takeover.');
  sendHeld(tx, s.rstate === 'STABLE');
  s.rstate = next;
}

/** A peer's `t=resource` (spec §9.3; also the standby and mach_down messages, §9.5, §9.6). */
export function onResource(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  const from = msg.src;
  const peer = s.peers[from];
  if (peer === undefined) return;
  if (!s.config.niceFailback) {
    log(tx, 'debug', `t=resource from ${from} ignored: auto_failback legacy does not track holdings`);
    return;
  }
  if (!s.commUp) {
    log(tx, 'debug', `t=resource from ${from} before communication is up: ignored`);
    return;
  }
  if (msg.rsc_hold === undefined) {
    log(tx, 'error', 'resource message without rsc_hold field.');
    return;
  }
  let reported = parseRsc(msg.rsc_hold);
  if (reported === undefined) {
    log(tx, 'error', `encode_resources: bad resource type [${msg.rsc_hold}]`);
    reported = NONE;
  }
  const old = s.rstate;
  let next = ON_RESOURCE_MESSAGE[old];
  if (next === 'error') {
    log(tx, s.commUp ? 'error' : 'info', `resource message received in state ${RESOURCE_STATE_NUMBER[old]}`);
    return;
  }
  if ((old === 'STARTING' || old === 'BOTHSTARTING') && s.config.autoFailback === 'off') {
    s.foreignWorkDone = true;
    announce(tx, 'T_RESOURCES');
  }
  peer.holds = applyHolding(peer.holds, reported, msg.rtype === 'full');

  standbyAbortedByPeer(tx, from, reported, msg.info);
  if (s.partition !== null && s.partition.peer === from && msg.rtype === 'full') resolvePartition(tx, from, peer.holds);
  settleUnseenSplit(tx, from);
  noteReleaseAnnounced(tx, from, msg.info, false);
  reannounceKeptGroups(tx);
  resolveFoundRunningConflicts(tx);

  if (msg.isstable !== undefined) peer.negotiated = msg.isstable === '1';
  const fastPath = bothStartingFastPath(s, from, old, reported, msg);
  if (msg.isstable === '1') {
    peer.starting = false;
    if (!s.otherStable) {
      log(tx, 'info', 'remote resource transition completed.');
      s.otherStable = true;
      sendHeld(tx, old === 'STABLE');
      performAutoFailback(tx);
    }
  } else if (msg.isstable !== undefined) {
    s.otherStable = false;
  }

  if (old !== 'STABLE' && old !== 'SHUTDOWN' && s.otherStable) {
    log(tx, 'info', 'remote resource transition completed.');
    reqOurResources(tx, false, 'its home node is this node and the other node is stable (start-up negotiation)');
    next = 'STABLE';
    sendHeld(tx, true);
    performAutoFailback(tx);
    s.foreignWorkDone = true;
    if (s.config.autoFailback !== 'on' && has(otherHoldsMine(s), LOCAL)) s.localWorkDone = true;
    announce(tx, 'T_RESOURCES(them)');
  }
  if (fastPath && next !== 'STABLE') {
    log(tx, 'info', `Both nodes are starting and ${from} holds none of our resources: acquiring them now, without the ${s.config.timers.rqstDelay / 1000} s RQSTDELAY wait`);
    reqOurResources(tx, false, 'its home node is this node and both nodes are starting (start-up negotiation)');
    next = 'STABLE';
    sendHeld(tx, true);
    s.foreignWorkDone = true;
    announce(tx, 'T_RESOURCES(both starting)');
  }
  s.rstate = next;
  if (s.rstate === 'RSCRCVD') armRequestDelay(tx);
  if (s.rstate === 'STABLE') adoptFoundRunning(tx, 'negotiation finished and no other node holds it');
}

/**
 * Heartbeat waits RQSTDELAY (10 s) when both nodes start together, because
 * neither is stable (spec §9.3). The wait decides nothing when the peer's
 * answer shows it is starting too and holds none of our groups: a peer in
 * its start-up takes only its own groups (after its fallback, or at once
 * when it sees us stable, which a real 3.0.6 peer also does), never ours.
 * So this node takes its own groups at once and says isstable=1; the peer
 * then takes its own on that message instead of after 10 s. Kept to Heartbeat's
 * timing: more than two nodes (another may hold ours), and any group found
 * running at start-up (its owner is settled by the full negotiation).
 */
export function bothStartingFastPath(s: Tx['s'], from: string, old: ResourceStateName, reported: RscBits, msg: ClusterMessage): boolean {
  const peer = s.peers[from];
  return (
    s.config.peers.length === 1 &&
    peer !== undefined &&
    peer.starting &&
    (old === 'STARTING' || old === 'BOTHSTARTING' || old === 'RSCRCVD') &&
    msg.isstable === '0' &&
    msg.rtype === 'full' &&
    msg.info === undefined &&
    !has(reported, FOREIGN) &&
    s.standby.phase === 'NOT' &&
    s.shutdown.phase === 'none' &&
    !s.config.groups.some((g) => groupData(s, g.key).foundAtStartup)
  );
}

/** req_our_resources(getthemanyway) (spec §9.3, §9.4). */
export function reqOurResources(tx: Tx, getAnyway: boolean, reason: string): void {
  const s = tx.s;
  if (s.shutdown.phase !== 'none') return;
  if (s.config.niceFailback) {
    if (!getAnyway && s.standby.phase === 'NOT') {
      if (has(otherHoldsMine(s), LOCAL) || (has(s.claim, LOCAL) && localGroupsToAcquire(s, false).length === 0)) {
        log(tx, 'info', 'Local Resource acquisition completed. (none)');
        return;
      }
    }
    s.claim = union(s.claim, LOCAL);
  }
  // Heartbeat counts itself as active (its status update is often not done yet).
  const ask = !s.config.niceFailback && activePeers(s).length + 1 >= 2;
  enqueue(tx, { kind: 'acquire-local', getAnyway, reason, ask });
}

/** The RQSTDELAY fallback (heartbeat.c's poll loop, spec §9.3). */
export function requestDelayExpired(tx: Tx): void {
  const s = tx.s;
  s.rstate = 'STABLE';
  reqOurResources(tx, false, 'its home node is this node (start-up fallback: nobody became stable within 10 s)');
  log(tx, 'info', 'local resource transition completed.');
  sendHeld(tx, true);
  adoptFoundRunning(tx, 'no other node claimed it before the start-up fallback');
}

/** PerformAutoFailback (spec §9.5): give the foreign groups back to their home once it is stable. */
export function performAutoFailback(tx: Tx): void {
  const s = tx.s;
  s.autoFailbackAt = null;
  // With more than two nodes "foreign" spans several nodes' groups: offer them
  // back only when this node really runs one (another survivor may hold them).
  const holdsNoForeign = s.config.nodes.length > 2 && !has(heldBits(s), FOREIGN);
  if (s.shutdown.phase !== 'none' || !has(s.claim, FOREIGN) || holdsNoForeign || !s.needsFailback || s.config.autoFailback !== 'on') {
    s.needsFailback = false;
    return;
  }
  // Also while resource work is queued or running: after a partition heal the
  // foreign groups may be on their way out already (the release), and a
  // standby offered now would only time out (10 s) on a peer in flux.
  if (s.partition !== null || s.standby.phase !== 'NOT' || !s.otherStable || s.rstate !== 'STABLE' || busy(s)) {
    log(tx, 'debug', 'Auto failback delayed.');
    s.autoFailbackAt = tx.now + s.config.timers.retryInterval;
    return;
  }
  // The home node must be there to take them; its next `resource` message triggers us again.
  if (readyPeers(s).length === 0) return;
  log(tx, 'debug', 'Auto failback triggered.');
  s.needsFailback = false;
  beginOwnStandby(tx, FOREIGN, 'auto_failback');
}

/** AuditResources: duplicated or orphaned categories, each finding logged once when it appears. */
export function audit(tx: Tx): void {
  const s = tx.s;
  if (!s.config.niceFailback || !s.commUp) return;
  const mine = wireHold(s);
  const theirs = otherHoldsMine(s);
  // "Both machines own" only where this node really runs a group of the
  // category: a claim over a category it holds nothing of (an empty one, or
  // one it gave up) doubles nothing, and is no ERROR.
  const heldHere = heldBits(s);
  const findings: string[] = [];
  if (has(mine, LOCAL) && has(heldHere, LOCAL) && has(theirs, LOCAL)) findings.push('Both machines own our resources!');
  if (has(mine, FOREIGN) && has(heldHere, FOREIGN) && has(theirs, FOREIGN)) findings.push('Both machines own foreign resources!');
  // With more than two nodes "foreign" is other nodes' groups, which another
  // survivor may be taking over right now (its mach_down not announced yet):
  // an orphan seen from a bystander is worth a warning, not an ERROR.
  const orphanedForeign = 'No one owns foreign resources!';
  if (isStable(s) && s.shutdown.phase === 'none' && s.rstate !== 'SHUTDOWN' && !busy(s)) {
    const held = union(mine, theirs);
    if (groupsIn(s, LOCAL).length > 0 && !has(held, LOCAL)) findings.push('No one owns our local resources!');
    if (groupsIn(s, FOREIGN).length > 0 && !has(held, FOREIGN)) findings.push(orphanedForeign);
  }
  const bystander = s.config.nodes.length > 2;
  for (const f of findings) if (!s.audit.includes(f)) log(tx, bystander && f === orphanedForeign ? 'warn' : 'error', f);
  s.audit = findings;
}

/** The end of req_our_resources (an acquire-local activity). */
export function acquireLocalDone(tx: Tx): void {
  const s = tx.s;
  if (s.config.niceFailback) log(tx, 'info', 'Local Resource acquisition completed.');
  // Asked groups are acquired when their ip-request-resp comes (legacy-take).
  if (Object.keys(s.legacyAsks).length === 0) {
    s.localWorkDone = true;
    announce(tx, 'req_our_resources');
  }
  sendHeld(tx, true, 'req_our_resources()', true);
}
