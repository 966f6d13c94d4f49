// Graceful shutdown (spec §9.7): wait until the resource state is stable,
// say `resource rsc_hold=none … info=shutdown`, stop every held group in
// reverse haresources order, send `shutdone st=dead`, then tell the daemon.
import type { Finished } from './activities.js';
import { shutdoneMessage } from './cluster-message.js';
import { heldKeys, groupData } from './groups.js';
import { sendHeld } from './holding.js';
import { busy, enqueue } from './queue.js';
import { isStable } from './queries.js';
import { NONE } from './rsc.js';
import { log, send, seconds, type Tx } from './tx.js';

const ACQUISITIONS = new Set(['acquire-local', 'mach-down', 'standby-acquire', 'legacy-take', 'reacquire', 'complete']);

export function onShutdown(tx: Tx, reason: string): void {
  const sd = tx.s.shutdown;
  switch (sd.phase) {
    case 'done':
      log(tx, 'debug', 'shutdown requested again after it completed: nothing to do');
      return;
    case 'releasing':
    case 'waiting':
      log(tx, 'info', 'Heartbeat shutdown already underway.');
      return;
    case 'none':
      break;
  }
  sd.phase = 'waiting';
  sd.reason = reason;
  sd.forceAt = tx.now + tx.s.config.timers.shutdownSettleLimit;
  sd.delayLogged = false;
  sd.forced = false;
  // Nothing new may start moving resources now.
  tx.s.handovers = [];
  tx.s.pull = null;
  tx.s.autoFailbackAt = null;
}

/** hb_giveup_resources, re-tried after every event while a shutdown waits. True when it started. */
export function tryShutdown(tx: Tx): boolean {
  const s = tx.s;
  const sd = s.shutdown;
  if (sd.phase !== 'waiting') return false;
  const forced = sd.forceAt !== null && tx.now >= sd.forceAt;
  const ready = s.commUp ? isStable(s) : !busy(s);
  if (!ready && !sd.forced && !forced) {
    if (!sd.delayLogged) log(tx, 'warn', 'Shutdown delayed until current resource activity finishes.');
    sd.delayLogged = true;
    return false;
  }
  if (!ready && !sd.forced) {
    // Heartbeat would wait up to an hour; a stop must finish in bounded time.
    const dropped = s.queue.filter((a) => ACQUISITIONS.has(a.kind)).length;
    s.queue = s.queue.filter((a) => !ACQUISITIONS.has(a.kind));
    log(tx, 'warn', `Shutdown no longer delayed: the cluster did not settle within ${seconds(s.config.timers.shutdownSettleLimit)}${dropped > 0 ? ` (${dropped} queued acquisition(s) dropped)` : ''}`);
    sd.forced = true;
    sd.forceAt = null;
    s.standby.phase = 'NOT';
    s.standby.deadline = null;
    s.standby.role = null;
    s.takeoverInProgress = false;
  }
  // Forced: only the operation in flight is still awaited.
  if (!ready && s.currentActivity !== null) return false;
  sd.phase = 'releasing';
  sd.forceAt = null;
  sd.claimBefore = s.claim;
  s.claim = NONE;
  s.rstate = 'SHUTDOWN';
  s.partition = null;
  s.autoFailbackAt = null;
  if (s.commUp) sendHeld(tx, false, 'shutdown');
  log(tx, 'info', `Heartbeat shutdown in progress. (${sd.reason})`);
  enqueue(tx, { kind: 'giveup-all', reason: `released for shutdown (${sd.reason})` });
  return true;
}

/**
 * The end of giveup-all: shutdone and done — or, when a group would not stop,
 * the shutdown is abandoned: no shutdone (the peer would start the group
 * too), the groups already stopped are started again so nothing is left
 * orphaned, and the daemon applies its on_stop_failure policy.
 */
export function finishGiveup(tx: Tx, stopped: readonly string[]): void {
  const s = tx.s;
  const stuck = heldKeys(s).filter((key) => groupData(s, key).state === 'stop-failed');
  if (stuck.length > 0) {
    // Back in service: every check that refuses work during a shutdown must let it through again.
    s.shutdown.phase = 'none';
    log(tx, 'crit', `Shutdown abandoned: resource group(s) ${stuck.join(', ')} would not stop; not telling the cluster that this node is gone, restarting what was already stopped`);
    tx.out.push({ kind: 'shutdown-blocked', keys: stuck });
    s.rstate = 'STABLE';
    s.claim = s.shutdown.claimBefore;
    if (s.commUp) sendHeld(tx, true);
    enqueue(tx, { kind: 'reacquire', keys: [...stopped], reason: 'a shutdown was abandoned after a failed stop' });
    return;
  }
  log(tx, 'info', 'All HA resources relinquished.');
  if (s.commUp) send(tx, shutdoneMessage());
  s.shutdown.phase = 'done';
  tx.out.push({ kind: 'shutdown-complete' });
}

/** The end of hb_giveup_resources (a giveup-all activity). */
export function giveupDone(tx: Tx, run: Finished<'giveup-all'>): void {
  const s = tx.s;
  finishGiveup(
    tx,
    run.ops.filter((op) => groupData(s, op.key).state === 'stopped').map((op) => op.key),
  );
}
