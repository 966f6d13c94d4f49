// auto_failback legacy (spec §9.4): no holdings are exchanged; a node that
// comes up asks for each of its groups with `ip-request`, the holder gives
// the group up and answers `ip-request-resp`, and the asker takes it.
import type { Finished } from './activities.js';
import { ipRequestRespMessage, type ClusterMessage } from './cluster-message.js';
import { groupConfig, groupData, isHeld } from './groups.js';
import { announce } from './holding.js';
import { enqueue } from './queue.js';
import { log, send, type Tx } from './tx.js';

const MIXED_MODE = 'mixed auto_failback settings (legacy and on/off) cannot share a cluster';

/** rc.d/ip-request on this node: give the group up if we have it, then answer. */
export function onIpRequest(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  const key = msg.ipaddr;
  if (key === undefined || key === '') {
    log(tx, 'error', `ip-request from ${msg.src} without ipaddr: ignored`);
    return;
  }
  if (s.config.niceFailback) {
    log(tx, 'warn', `ip-request for ${key} from ${msg.src} ignored: this node runs auto_failback ${s.config.autoFailback}; ${MIXED_MODE}`);
    return;
  }
  if (groupConfig(s, key) === undefined) {
    log(tx, 'warn', `ip-request from ${msg.src} for ${key}, which is not a resource group here: answering weown=no`);
    send(tx, ipRequestRespMessage(msg.src, key, false));
    return;
  }
  enqueue(tx, { kind: 'legacy-give', key, asker: msg.src });
}

/** rc.d/ip-request-resp: the holder let go of the group we asked for; take it. */
export function onIpRequestResp(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  const key = msg.ipaddr;
  if (key === undefined || key === '') {
    log(tx, 'error', `ip-request-resp from ${msg.src} without ipaddr: ignored`);
    return;
  }
  if (s.config.niceFailback) {
    log(tx, 'warn', `ip-request-resp for ${key} from ${msg.src} ignored: this node runs auto_failback ${s.config.autoFailback}; ${MIXED_MODE}`);
    return;
  }
  log(tx, 'info', `received ip-request-resp ${key} ${msg.ok ?? ''} ${msg.weown ?? ''}`.trimEnd());
  if (msg.ok !== 'OK') return;
  if (groupConfig(s, key) === undefined) {
    log(tx, 'warn', `ip-request-resp from ${msg.src} for ${key}, which is not a resource group here: ignored`);
    return;
  }
  delete s.legacyAsks[key];
  const peer = s.peers[msg.src];
  if (peer !== undefined) peer.legacyHolds = peer.legacyHolds.filter((k) => k !== key);
  enqueue(tx, { kind: 'legacy-take', key, from: msg.src });
}

/** The end of rc.d/ip-request: answer the asker, unless the group would not stop. */
export function legacyGiveDone(tx: Tx, run: Finished<'legacy-give'>): void {
  const s = tx.s;
  const a = run.activity;
  if (run.stopFailures.length > 0) {
    log(tx, 'crit', `Not answering ${a.asker}'s ip-request for ${a.key}: the group would not stop here`);
    return;
  }
  send(tx, ipRequestRespMessage(a.asker, a.key, run.heldAtStart));
  const peer = s.peers[a.asker];
  if (peer !== undefined && !peer.legacyHolds.includes(a.key)) peer.legacyHolds.push(a.key);
}

/** The end of rc.d/ip-request-resp: once nothing is asked for any more, the local work is done. */
export function legacyTakeDone(tx: Tx): void {
  const s = tx.s;
  if (Object.keys(s.legacyAsks).length === 0) {
    s.localWorkDone = true;
    announce(tx, 'ip-request-resp');
  }
}

/**
 * A peer's message for another node (Heartbeat drops these). One matters: a
 * legacy peer's `ip-request-resp` to itself is req_resource's "don't ask"
 * (spec §9.4): it counted no other active node at its comm up and takes its
 * own group without asking. Two real nodes end up both holding the group
 * then; the home node gets its groups in legacy mode anyway, so if we hold
 * (or are starting) that group we give it up (after the activity running
 * now) and do not start it again.
 */
export function onOverheard(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  if (s.config.niceFailback || msg.t !== 'ip-request-resp' || msg.dest !== msg.src || msg.ok !== 'OK') return;
  const key = msg.ipaddr;
  const g = key === undefined ? undefined : groupConfig(s, key);
  if (key === undefined || g === undefined || g.node !== msg.src) return;
  const peer = s.peers[msg.src];
  if (peer !== undefined && !peer.legacyHolds.includes(key)) peer.legacyHolds.push(key);
  // A start of it not begun yet is skipped now that the peer is believed to hold it (activities' stillRight).
  if (!isHeld(groupData(s, key))) return;
  log(tx, 'warn', `${msg.src} takes resource group ${key} without asking (it saw no other active node, spec §9.4) while this node holds it: giving it up to its home node`);
  enqueue(tx, { kind: 'release', keys: [key], reason: `${msg.src} took its group ${key} without asking (legacy)` });
}
