// Making what runs here agree with what the cluster says, where Heartbeat
// has no answer or a blunt one: groups found running at start-up (adopt them
// or stop them), a partition that heals with both sides holding a group
// (each group stays on its home node; Heartbeat restarts both nodes, §7.1,
// §12.5), and a standby the initiator had to abandon.
import {
  believedHolders,
  categoryFrom,
  groupConfig,
  groupData,
  groupsIn,
  isHeld,
  keeperOf,
  myCategory,
} from './groups.js';
import { startingMessage } from './cluster-message.js';
import { sendHeld } from './holding.js';
import { busy, enqueue } from './queue.js';
import { ALL, FOREIGN, NONE, has, rscName, union, without, type RscBits } from './rsc.js';
import { STANDBY_ABORTED_INFO, cancelStandby } from './standby.js';
import { log, send, seconds, type Tx } from './tx.js';
import type { StateData } from './types.js';

/**
 * The start-up probe: groups whose resources all run (`running`) or only
 * some (`partial`: a crash without reboot left the address up and the
 * service down) before any negotiation. Both are held (nothing that runs may
 * run twice); only a complete group is ever adopted as it is.
 */
export function onStartupProbe(tx: Tx, running: readonly string[], partial: readonly string[] = []): void {
  const s = tx.s;
  // It describes the node before any negotiation; later, this node's own
  // operations have changed what runs, and the result is stale.
  const late = s.commUp || s.shutdown.phase !== 'none' || busy(s) || s.config.groups.some((g) => groupData(s, g.key).state !== 'stopped');
  if (late) {
    const what = [...running, ...partial.map((k) => `${k} (partly)`)];
    log(tx, 'warn', `start-up probe result arrived after resource activity began: ignored (running: ${what.join(', ') || 'none'})`);
    return;
  }
  const partly = new Set(partial);
  const reported = new Set([...running, ...partial]);
  for (const key of reported) {
    if (groupConfig(s, key) === undefined) log(tx, 'error', `start-up probe reports an unknown resource group ${key}: ignored`);
  }
  let found = 0;
  for (const key of s.config.groups.map((g) => g.key).filter((k) => reported.has(k))) {
    const g = groupData(s, key);
    if (isHeld(g) || s.currentActivity?.inFlight.some((op) => op.key === key) === true) continue;
    const isPartial = partly.has(key);
    g.state = isPartial ? 'partial' : 'running';
    g.foundAtStartup = true;
    g.note = isPartial ? 'found partially running at start-up, before any negotiation' : 'found running at start-up, before any negotiation';
    g.noteAt = tx.now;
    if (s.config.niceFailback) s.claim = union(s.claim, myCategory(s, key));
    found++;
    log(
      tx,
      'warn',
      isPartial
        ? `Resource group ${key} is partially running on this node before any negotiation (start-up status check: some of its resources are not running); it is completed if this node keeps it, stopped if another node holds it`
        : `Resource group ${key} is already running on this node before any negotiation (start-up status check)`,
    );
  }
  if (found === 0) log(tx, 'info', 'Start-up status check: no resource group is running on this node');
}

/**
 * Found-running groups nobody else holds become ours (with a loud line
 * each); a partially running one is completed first (its start leaves the
 * running resources alone, as Heartbeat's takegroup does), in haresources order.
 */
export function adoptFoundRunning(tx: Tx, why: string): void {
  const s = tx.s;
  const complete: string[] = [];
  for (const cfg of s.config.groups) {
    const g = groupData(s, cfg.key);
    if (!g.foundAtStartup || believedHolders(s, cfg.key).length > 0) continue;
    g.foundAtStartup = false;
    if (g.state === 'partial') {
      g.note = `found partially running at start-up and kept: ${why}; completing it`;
      log(tx, 'warn', `Completing resource group ${cfg.key} found partially running at start-up: ${why} (its resources that run are left alone)`);
      complete.push(cfg.key);
    } else {
      g.note = `found running at start-up and adopted: ${why}`;
      log(tx, 'warn', `Adopting resource group ${cfg.key} found running at start-up: ${why}`);
    }
    g.noteAt = tx.now;
    // A foreign group adopted here goes home like one taken over from a dead node.
    if (s.config.niceFailback && categoryFrom(cfg, s.config.localNode) === FOREIGN) s.needsFailback = true;
  }
  if (complete.length > 0) enqueue(tx, { kind: 'complete', keys: complete, reason: `found partially running at start-up and kept: ${why}` });
}

/** Found-running groups another node holds are stopped here (nice_failback: its `resource` message says so). */
export function resolveFoundRunningConflicts(tx: Tx): void {
  const s = tx.s;
  const release: string[] = [];
  for (const cfg of s.config.groups) {
    const g = groupData(s, cfg.key);
    if (!g.foundAtStartup) continue;
    const holders = believedHolders(s, cfg.key);
    if (holders.length === 0) continue;
    g.foundAtStartup = false;
    release.push(cfg.key);
    log(tx, 'crit', `Resource group ${cfg.key} is running here but ${holders.join(', ')} holds it: stopping the local copy`);
  }
  if (release.length > 0) enqueue(tx, { kind: 'release', keys: release, reason: 'found running at start-up while another node holds it' });
}

/** Legacy mode at comm up: with the home node active, foreign copies go; alone, everything is adopted. */
export function legacyResolveFoundRunning(tx: Tx, peerActive: boolean): void {
  const s = tx.s;
  if (!peerActive) {
    adoptFoundRunning(tx, 'no other node is active');
    return;
  }
  const release: string[] = [];
  for (const cfg of s.config.groups) {
    const g = groupData(s, cfg.key);
    if (!g.foundAtStartup || cfg.node === s.config.localNode) continue;
    if (s.peers[cfg.node]?.status !== 'active') continue;
    g.foundAtStartup = false;
    release.push(cfg.key);
    log(tx, 'crit', `Resource group ${cfg.key} is running here but its home node ${cfg.node} is active (auto_failback legacy gives every group to its home node): stopping the local copy`);
  }
  if (release.length > 0) enqueue(tx, { kind: 'release', keys: release, reason: 'found running at start-up; its home node is active' });
  // Local copies stay up while we ask for them (ip-request), so the peer gives up any copy it has.
}

/** "Cluster node X returning after partition" (spec §7.1, §12.5). */
export function onPeerReturned(tx: Tx, peerName: string): void {
  const s = tx.s;
  const peer = s.peers[peerName];
  if (peer === undefined) {
    log(tx, 'warn', `peer-returned for ${peerName}, which is not a node of ha.cf: ignored`);
    return;
  }
  log(tx, 'crit', `Cluster node ${peerName} returning after partition.`);
  peer.status = 'active';
  peer.anyPackets = true;
  if (s.shutdown.phase !== 'none') return;
  if (s.standby.phase !== 'NOT') cancelStandby(tx, `${peerName} returned after a partition`);
  if (!s.config.niceFailback) {
    // Legacy nodes report no holdings: apply the rule to everything we hold.
    resolvePartition(tx, peerName, ALL);
    return;
  }
  s.partition = { peer: peerName, deadline: tx.now + s.config.timers.partitionHealWait };
  forgetSplitSeenBy(tx, peerName);
  log(
    tx,
    'info',
    `Partition with ${peerName} healed: this node does not restart itself (Heartbeat would); it tells ${peerName} what it holds and waits up to ${seconds(s.config.timers.partitionHealWait)} for its answer, then every group held on both sides stays on its home node`,
  );
  // `starting` asks for that answer: every Heartbeat node answers it with
  // `resource rtype=full` (spec §9.3, §13), also one that never saw the split
  // and so has no reason of its own to report its holdings.
  send(tx, startingMessage());
  sendHeld(tx, s.rstate === 'STABLE' && !busy(s));
}

/** A release of `key` is queued or under way. */
function releasing(s: StateData, key: string): boolean {
  if (groupData(s, key).state === 'stopping') return true;
  const isRelease = (a: { kind: string; keys?: readonly string[] }): boolean => a.kind === 'release' && (a.keys ?? []).includes(key);
  return s.queue.some(isRelease) || (s.currentActivity !== null && isRelease(s.currentActivity.activity));
}

export function forgetSplitSeenBy(tx: Tx, peerName: string): void {
  tx.s.splitSeenBy = tx.s.splitSeenBy.filter((p) => p !== peerName);
}

/**
 * `t=stonith node=<this node>` from a peer this node still hears: the peer
 * declared this node dead (one-way loss, a frozen daemon) and takes over its
 * groups; this node never gets "returning after partition" for it. Settle
 * what both hold by the partition rule now and whenever its holdings change.
 */
export function onDeclaredDeadBy(tx: Tx, peerName: string): void {
  const s = tx.s;
  if (!s.config.niceFailback || s.peers[peerName] === undefined || s.peers[peerName]?.status === 'dead') return;
  if (!s.splitSeenBy.includes(peerName)) {
    s.splitSeenBy = [...s.splitSeenBy, peerName];
    log(tx, 'warn', `${peerName} declared this node dead although this node hears it (a one-sided partition): groups both hold stay on their home node`);
  }
  settleUnseenSplit(tx, peerName);
}

/** The partition rule for a split only the peer saw, against its latest holdings. */
export function settleUnseenSplit(tx: Tx, peerName: string): void {
  const s = tx.s;
  const peer = s.peers[peerName];
  if (!s.splitSeenBy.includes(peerName) || peer === undefined || peer.status === 'dead') return;
  if (!s.commUp || s.shutdown.phase !== 'none' || (s.partition !== null && s.partition.peer === peerName)) return;
  const me = s.config.localNode;
  const release: string[] = [];
  for (const cfg of s.config.groups) {
    const g = groupData(s, cfg.key);
    if (!isHeld(g) || g.foundAtStartup || releasing(s, cfg.key) || !has(peer.holds, categoryFrom(cfg, peerName))) continue;
    const keeper = keeperOf(cfg, me, peerName);
    const rule = cfg.node === keeper ? 'its home node' : 'neither is its home node; the name that sorts first keeps it';
    if (keeper === me) {
      if (s.reannounce[cfg.key] === undefined) {
        log(tx, 'warn', `Partition heal: resource group ${cfg.key} is held by this node and by ${peerName}; this node keeps it (${rule}) and announces it again once ${peerName} has released it`);
      }
      s.reannounce[cfg.key] = { peer: peerName, watched: true, deadline: tx.now + s.config.timers.partitionHealWait };
    } else if (s.config.peers.length === 1) {
      // With more nodes a peer's category claim over-approximates what it holds: never stop on it.
      log(tx, 'warn', `Partition heal: resource group ${cfg.key} is held by this node and by ${peerName}; ${peerName} keeps it (${rule}): stopping it here`);
      release.push(cfg.key);
    }
  }
  if (release.length > 0) enqueue(tx, { kind: 'release', keys: release, reason: `partition heal: ${peerName} keeps it` });
}

/** Every group both sides hold stays with keeperOf(); this node stops the others. `theirs` is the peer's view. */
export function resolvePartition(tx: Tx, peerName: string, theirs: RscBits): void {
  const s = tx.s;
  s.partition = null;
  const me = s.config.localNode;
  const release: string[] = [];
  for (const cfg of s.config.groups) {
    if (!isHeld(groupData(s, cfg.key)) || !has(theirs, categoryFrom(cfg, peerName))) continue;
    const keeper = keeperOf(cfg, me, peerName);
    const rule = cfg.node === keeper ? 'its home node' : 'neither is its home node; the name that sorts first keeps it';
    if (keeper === me) {
      log(tx, 'warn', `Partition heal: resource group ${cfg.key} is held by this node and by ${peerName}; this node keeps it (${rule})`);
      // Its release shows in its holdings only if they say it holds the group now (not legacy, not assumed).
      const watched = believedHolders(s, cfg.key).includes(peerName);
      s.reannounce[cfg.key] = { peer: peerName, watched, deadline: tx.now + s.config.timers.partitionHealWait };
      if (!s.config.niceFailback) {
        // Its release will not show (legacy peers report no holdings): clients
        // must not wait for the deadline on the MAC it announced during the
        // split. It announces nothing when it releases, so announcing now is
        // safe; the deadline announces once more.
        log(tx, 'info', `Partition heal: announcing the addresses of resource group ${cfg.key} now (auto_failback legacy: ${peerName} does not report its holdings) and again in ${seconds(s.config.timers.partitionHealWait)}`);
        tx.out.push({ kind: 'reannounce-group', key: cfg.key, reason: `partition heal: kept here, ${peerName} reports no holdings` });
      }
    } else {
      log(tx, 'warn', `Partition heal: resource group ${cfg.key} is held by this node and by ${peerName}; ${peerName} keeps it (${rule}): stopping it here`);
      release.push(cfg.key);
    }
  }
  if (release.length === 0) {
    log(tx, 'info', `Partition heal with ${peerName}: nothing to stop on this node`);
    return;
  }
  if (!s.config.niceFailback) {
    const peer = s.peers[peerName];
    if (peer !== undefined) peer.legacyHolds = [...new Set([...peer.legacyHolds, ...release])];
  }
  enqueue(tx, { kind: 'release', keys: release, reason: `partition heal: ${peerName} keeps it` });
}

export function partitionWaitExpired(tx: Tx): void {
  const s = tx.s;
  if (s.partition === null) return;
  const peerName = s.partition.peer;
  log(tx, 'info', `${peerName} did not report its holdings within ${seconds(s.config.timers.partitionHealWait)}: assuming it holds every group it could have taken over`);
  resolvePartition(tx, peerName, ALL);
}

/**
 * Announce the addresses of groups kept at a partition heal once the peer's
 * copy is gone: its `resource` message no longer claims the group, it is
 * dead, or (a peer that reports nothing: legacy) the deadline passed.
 * Until then the peer may still answer, or announce, the address itself.
 */
export function reannounceKeptGroups(tx: Tx): void {
  const s = tx.s;
  for (const [key, pending] of Object.entries(s.reannounce)) {
    const peer = s.peers[pending.peer];
    let why: string | undefined;
    if (peer === undefined || peer.status === 'dead') why = `${pending.peer} is dead`;
    else if (pending.watched && !pending.awaitShutdone && !believedHolders(s, key).includes(pending.peer)) why = `${pending.peer} released its copy`;
    else if (tx.now >= pending.deadline) {
      if (pending.watched && believedHolders(s, key).includes(pending.peer)) {
        // It still says it holds the group: announcing now would only race its
        // own announcements. Its release (or death) triggers it; look again later.
        pending.deadline = tx.now + s.config.timers.partitionHealWait;
        continue;
      }
      why = `${pending.peer} did not say it released its copy within ${seconds(s.config.timers.partitionHealWait)}`;
    }
    if (why === undefined) continue;
    delete s.reannounce[key];
    if (!isHeld(groupData(s, key))) continue;
    log(tx, 'info', `Partition heal: announcing the addresses of resource group ${key} again (${why})`);
    tx.out.push({ kind: 'reannounce-group', key, reason: `partition heal: ${why}` });
  }
}

/** A responder waiting for `done` learns that the initiator kept the resources. */
export function standbyAbortedByPeer(tx: Tx, from: string, reported: RscBits, info: string | undefined): void {
  const st = tx.s.standby;
  if (info !== STANDBY_ABORTED_INFO || st.phase !== 'OTHER' || st.partner !== from || st.rsc === NONE) return;
  log(tx, 'warn', `${from} abandoned its standby [${rscName(st.rsc)}] (it still holds ${rscName(reported)}): nothing to acquire`);
  cancelStandby(tx, `${from} abandoned the standby`);
}

/** A peer's holdings message: `info=shutdown` comes before its release, so its copies are gone only at `shutdone`. */
export function noteReleaseAnnounced(tx: Tx, peerName: string, info: string | undefined, shutdone: boolean): void {
  for (const pending of Object.values(tx.s.reannounce)) {
    if (pending.peer !== peerName) continue;
    if (shutdone) pending.awaitShutdone = false;
    else if (info === 'shutdown') pending.awaitShutdone = true;
  }
}

/** After a release, a category none of whose groups runs here any more is no longer claimed. */
function dropEmptyClaims(tx: Tx): void {
  const s = tx.s;
  if (busy(s)) return;
  for (const category of [1, 2] as const) {
    if (!has(s.claim, category)) continue;
    const members = groupsIn(s, category);
    if (members.length > 0 && members.every((g) => !isHeld(groupData(s, g.key)))) s.claim = without(s.claim, category);
  }
}

/** The end of a release (start-up conflict, partition heal): say what this node holds now. */
export function releaseDone(tx: Tx): void {
  const s = tx.s;
  dropEmptyClaims(tx);
  if (s.commUp) sendHeld(tx, s.rstate === 'STABLE');
}

/** The end of a reacquire (a standby or shutdown abandoned after a failed stop). */
export function reacquireDone(tx: Tx): void {
  const s = tx.s;
  if (s.commUp) sendHeld(tx, s.rstate === 'STABLE');
}

/** The end of completing groups found partially running: the claim was made at start-up and announced; nothing changes on the wire. */
export function completeDone(): void {}
