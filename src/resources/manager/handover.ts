// Giving groups to the peer on this node's initiative: after a failed start
// (Heartbeat: `sleep 30; hb_standby local|foreign`, spec §9.1) and when an
// application probe says the service is broken here (issue 6). Both use the
// standby protocol, which moves whole categories (local / foreign), never a
// single group. Also the way back: once eligible again with auto_failback on,
// ask the peer to return our groups (hb_takeover local).
import { busy } from './queue.js';
import { hbTakeoverMessage } from './cluster-message.js';
import { believedHolders, groupConfig, groupData, groupsIn, isHeld, myCategory, readyPeers } from './groups.js';
import { LOCAL, NONE, rscName, union, type RscBits } from './rsc.js';
import { requestStandby } from './standby.js';
import { log, send, seconds, type Tx } from './tx.js';
import type { Handover, ReleaseSource } from './types.js';

function ready(tx: Tx): boolean {
  const s = tx.s;
  return s.standby.phase === 'NOT' && s.standby.deadline === null && s.otherStable && s.rstate === 'STABLE' && !busy(s) && s.partition === null;
}

function addHandover(tx: Tx, cause: Handover['cause'], rsc: RscBits, keys: readonly string[], reason: string, dueAt: number): void {
  tx.s.handovers.push({ cause, rsc, keys: [...keys], reason, dueAt, noPeerLogged: false });
}

/** A hand-over still makes sense: its group still failed (and nobody else runs it), or is still ineligible and held here. */
function stillWanted(tx: Tx, h: Handover): boolean {
  const s = tx.s;
  return h.keys.some((key) => {
    const g = groupData(s, key);
    if (h.cause === 'failed-start') return g.state === 'failed' && believedHolders(s, key).length === 0;
    return isHeld(g) && (g.ineligible !== null || s.nodeIneligible !== null);
  });
}

/** A group start failed; the group runner already stopped what it had started. */
export function startFailed(tx: Tx, key: string, resource: string, reason: string): void {
  const s = tx.s;
  const g = groupData(s, key);
  g.state = 'failed';
  g.foundAtStartup = false;
  g.failure = { op: 'start', resource, reason, at: tx.now };
  g.note = `failed to start here (${resource}: ${reason}) and was stopped again`;
  g.noteAt = tx.now;
  log(tx, 'crit', `Giving up resources due to failure of ${resource}`);
  log(tx, 'error', `Resource group ${key} failed to start (${resource}: ${reason}); it was stopped again and this node does not hold it`);
  if (s.shutdown.phase !== 'none') return;
  if (!s.config.niceFailback) {
    log(tx, 'warn', `Standby mode only implemented when nice_failback on: resource group ${key} stays stopped`);
    return;
  }
  const rsc = myCategory(s, key);
  const delay = s.config.failedStartStandbyDelay;
  addHandover(tx, 'failed-start', rsc, [key], `start failure of ${resource} in ${key}`, tx.now + delay);
  log(tx, 'info', `Handing the [${rscName(rsc)}] resources to the other node in ${seconds(delay)} (standby after a failed start)`);
}

/** Hand-overs that are due: one standby for all of them, when the protocol allows it. True when sent. */
export function attemptHandovers(tx: Tx): boolean {
  const s = tx.s;
  if (s.shutdown.phase !== 'none') {
    s.handovers = [];
    return false;
  }
  const moot = s.handovers.filter((h) => !stillWanted(tx, h));
  for (const h of moot) log(tx, 'info', `Hand-over of ${h.keys.join(', ')} no longer needed (${h.reason})`);
  if (moot.length > 0) s.handovers = s.handovers.filter((h) => !moot.includes(h));
  const due = s.handovers.filter((h) => h.dueAt <= tx.now);
  if (due.length === 0) return false;
  const keys = [...new Set(due.flatMap((h) => h.keys))];
  const rsc = due.reduce<RscBits>((acc, h) => union(acc, h.rsc), NONE);
  // Not possible yet: stay due. Only events change the conditions, and every
  // event tries again, so no timer is needed while waiting.
  if (readyPeers(s).length === 0) {
    for (const h of due) {
      if (!h.noPeerLogged) {
        log(tx, 'warn', `Cannot hand the [${rscName(h.rsc)}] resources over (${h.reason}): no other node is active and done with its start-up; waiting for one`);
        h.noPeerLogged = true;
      }
    }
    return false;
  }
  if (!ready(tx)) return false;
  s.handovers = s.handovers.filter((h) => !due.includes(h));
  const reasons = [...new Set(due.map((h) => h.reason))].join('; ');
  requestStandby(tx, rsc, `hand-over of ${keys.join(', ')}: ${reasons}`);
  return true;
}

function targets(tx: Tx, group: string | undefined, event: string): string[] | undefined {
  const s = tx.s;
  if (group === undefined) return s.config.groups.map((g) => g.key);
  if (groupConfig(s, group) === undefined) {
    log(tx, 'error', `${event} names ${group}, which is not a resource group of haresources: ignored`);
    return undefined;
  }
  return [group];
}

/** Application probe, action standby: release the group (its category) and stay ineligible for it. */
export function onProbeRelease(tx: Tx, group: string | undefined, reason: string, by: ReleaseSource = 'probe'): void {
  const s = tx.s;
  // ipfail / track_interface use the same path; only the words differ.
  const who = by === 'probe' ? 'Application probe' : 'ipfail';
  const until = by === 'probe' ? 'the probe recovers' : 'its network recovers';
  const keys = targets(tx, group, 'probe-release');
  if (keys === undefined) return;
  const what = group === undefined ? 'every resource group' : `resource group ${group}`;
  if (group === undefined) s.nodeIneligible = reason;
  else groupData(s, group).ineligible = reason;
  if (s.shutdown.phase !== 'none') return;
  const held = keys.filter((key) => isHeld(groupData(s, key)));
  if (held.length === 0) {
    log(tx, 'info', `${who}: ${what} is not held here; this node stays ineligible for it until ${until} (${reason})`);
    return;
  }
  if (!s.config.niceFailback) {
    log(tx, 'warn', `${who} wants ${what} released (${reason}), but auto_failback legacy has no way to hand a group to a live node: it keeps running here`);
    return;
  }
  const rsc = held.reduce<RscBits>((acc, key) => union(acc, myCategory(s, key)), NONE);
  const alsoMoved = groupsIn(s, rsc)
    .map((g) => g.key)
    .filter((key) => !keys.includes(key) && isHeld(groupData(s, key)));
  log(tx, 'warn', `${who}: releasing ${what} (${reason}); this node stays ineligible for it until ${until}`);
  if (alsoMoved.length > 0) {
    log(tx, 'warn', `The standby protocol moves whole categories: releasing [${rscName(rsc)}] also moves ${alsoMoved.join(', ')}`);
  }
  addHandover(tx, 'probe', rsc, held, by === 'probe' ? `application probe: ${reason}` : reason, tx.now);
}

/** Application probe recovered: eligible again; with auto_failback on, our groups come home. */
export function onProbeEligible(tx: Tx, group: string | undefined, reason: string): void {
  const s = tx.s;
  const keys = targets(tx, group, 'probe-eligible');
  if (keys === undefined) return;
  if (group === undefined) s.nodeIneligible = null;
  else groupData(s, group).ineligible = null;
  log(tx, 'info', `This node is eligible again for ${group === undefined ? 'every resource group' : `resource group ${group}`} (${reason})`);
  // Hand-overs the probe asked for and that have not happened yet are moot now.
  s.handovers = s.handovers.filter((h) => h.cause !== 'probe' || !h.keys.some((k) => keys.includes(k)));
  if (s.config.autoFailback === 'on' && s.shutdown.phase === 'none') s.pull = { dueAt: tx.now, reason, attempts: 0 };
}

/** hb_takeover requests sent for one return to eligibility before giving up. */
const MAX_PULL_ATTEMPTS = 5;

/** Our local groups the peer holds and we could take back now. */
function pullable(tx: Tx): string[] {
  const s = tx.s;
  return groupsIn(s, LOCAL)
    .map((g) => g.key)
    .filter((key) => !isHeld(groupData(s, key)) && believedHolders(s, key).length > 0);
}

/** auto_failback on, eligible again: `hb_takeover local` so the peer gives our groups back. True when sent. */
export function attemptPull(tx: Tx): boolean {
  const s = tx.s;
  const pull = s.pull;
  if (pull === null) return false;
  const keys = pullable(tx);
  const blocked = s.nodeIneligible !== null || groupsIn(s, LOCAL).some((g) => groupData(s, g.key).ineligible !== null);
  if (keys.length === 0 || blocked || s.shutdown.phase !== 'none' || !s.config.niceFailback) {
    s.pull = null;
    return false;
  }
  if (pull.dueAt > tx.now || !ready(tx) || readyPeers(s).length === 0) return false;
  if (pull.attempts >= MAX_PULL_ATTEMPTS) {
    log(tx, 'warn', `auto_failback: ${keys.join(', ')} did not come back after ${pull.attempts} hb_takeover requests; giving up (hb_takeover local retries by hand)`);
    s.pull = null;
    return false;
  }
  const holders = [...new Set(keys.flatMap((key) => believedHolders(s, key)))];
  log(tx, 'info', `auto_failback: this node is eligible again for ${keys.join(', ')}; asking ${holders.join(', ')} to give them back (hb_takeover local)`);
  send(tx, hbTakeoverMessage('local'));
  // The peer may refuse (in flux, or a standby of its own running): ask again after its standby timer.
  pull.attempts++;
  pull.dueAt = tx.now + s.config.timers.standbyReplyTimeout + s.config.timers.retryInterval;
  return true;
}
