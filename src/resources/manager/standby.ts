// The standby protocol (spec §9.5): hb_standby, hb_takeover, auto-failback,
// and heartbeat-ts's own hand-overs (failed start, application probe) all
// run the same three-phase `ask_resources info=me → other → done (+done)`
// exchange. Heartbeat's ask_for_resources() is the table below.
import type { Finished } from './activities.js';
import { askResourcesMessage, hbTakeoverMessage, type ClusterMessage } from './cluster-message.js';
import { activePeers, believedHolders, groupData, groupsIn, isHeld, readyPeers } from './groups.js';
import { announce, sendHeld } from './holding.js';
import { busy, enqueue } from './queue.js';
import { ALL, FOREIGN, LOCAL, NONE, mirror, parseRsc, rscName, union, without, type RscBits } from './rsc.js';
import { log, send, type Tx } from './tx.js';
import { STANDBY_PHASE_NUMBER, type AdminAnswer, type AdminRefusalCode, type StandbyPhase, type StandbyRequest } from './types.js';

type Info = 'me' | 'other' | 'done';
type Origin = 'self' | 'peer';

/**
 * What an `ask_resources` message does, by standby phase × info × who sent it.
 * `ignore` logs "Ignored standby message …" (Heartbeat's ERROR).
 */
export type StandbyAction =
  | 'begin-as-initiator' // our own `me`: wait up to 10 s for `other`
  | 'begin-as-responder' // the peer's `me`: answer `other`
  | 'release' // the responder's `other`: give R up, then say `done`
  | 'released' // our own `done` after releasing: wait for the responder's `done`
  | 'acquire' // the initiator's `done`: take the complement, then say `done`
  | 'acquired' // our own `done` after acquiring: finished
  | 'peer-acquired' // the responder's `done`: finished
  | 'own-echo' // our own `other`: nothing to do
  | 'ignore';

export const STANDBY_TABLE: Readonly<Record<StandbyPhase, Readonly<Record<Info, Readonly<Record<Origin, StandbyAction>>>>>> = {
  NOT: {
    me: { self: 'begin-as-initiator', peer: 'begin-as-responder' },
    other: { self: 'ignore', peer: 'ignore' },
    done: { self: 'ignore', peer: 'ignore' },
  },
  ME: {
    me: { self: 'ignore', peer: 'ignore' },
    other: { self: 'ignore', peer: 'release' },
    done: { self: 'released', peer: 'ignore' },
  },
  OTHER: {
    me: { self: 'ignore', peer: 'ignore' },
    other: { self: 'own-echo', peer: 'ignore' },
    done: { self: 'ignore', peer: 'acquire' },
  },
  DONE: {
    me: { self: 'ignore', peer: 'ignore' },
    other: { self: 'ignore', peer: 'ignore' },
    done: { self: 'acquired', peer: 'peer-acquired' },
  },
};

/** The info a heartbeat-ts initiator puts on its holding when a failed stop forced it to abandon a standby. */
export const STANDBY_ABORTED_INFO = 'standby_aborted';

/** The hb_standby request waiting for this standby's outcome gets its answer (once). */
function answerWaitingAdmin(tx: Tx, accepted: boolean, text: string, code?: AdminRefusalCode): void {
  const st = tx.s.standby;
  if (st.adminId === null) return;
  const id = st.adminId;
  st.adminId = null;
  tx.out.push({ kind: 'admin-result', request: 'standby', accepted, text, ...(code === undefined ? {} : { code }), ...(id === 0 ? {} : { id }) });
}

export function cancelStandby(tx: Tx, why: string): void {
  const st = tx.s.standby;
  if (st.phase === 'NOT' && st.deadline === null) return;
  answerWaitingAdmin(tx, false, `Standby request cancelled: ${why}`, 'cancelled');
  log(tx, 'info', `Cancelling pending standby operation (${why})`);
  st.phase = 'NOT';
  st.deadline = null;
  st.role = null;
  st.partner = null;
}

/** standby_running expired (checked on every event in Heartbeat). */
export function standbyTimerExpired(tx: Tx): void {
  const s = tx.s;
  log(tx, 'warn', 'No reply to standby request.  Standby request cancelled.');
  answerWaitingAdmin(tx, false, 'No reply to standby request.  Standby request cancelled.', 'no-reply');
  s.standby.deadline = null;
  s.otherStable = true;
  s.standby.phase = 'NOT';
  s.standby.role = null;
  s.standby.partner = null;
}

/** Send our own ask_resources: handled here first (as Heartbeat does with its own messages), then sent. */
function emitOwnAsk(tx: Tx, rsc: RscBits, info: Info): void {
  const name = rscName(rsc);
  processAsk(tx, { t: 'ask_resources', src: tx.s.config.localNode, rsc_hold: name, info }, 'self');
  send(tx, askResourcesMessage(name, info));
}

/** Groups this node would take if a peer gave up R (R in the peer's view). */
function groupsToReceive(tx: Tx, rsc: RscBits): string[] {
  const s = tx.s;
  return groupsIn(s, mirror(rsc)).map((g) => g.key).filter((key) => !isHeld(groupData(s, key)));
}

/** Why an application probe keeps this node from pulling any of these groups back, or undefined. */
function ineligibility(tx: Tx, keys: readonly string[]): string | undefined {
  const s = tx.s;
  if (keys.length > 0 && s.nodeIneligible !== null) return `this node is ineligible for every group (${s.nodeIneligible})`;
  for (const key of keys) {
    const g = groupData(s, key);
    if (g.ineligible !== null) return `this node is ineligible for ${key} (${g.ineligible})`;
  }
  return undefined;
}

/**
 * Why this node will not take groups a peer offers, or undefined: probe
 * ineligibility, or a start that failed here (so two nodes that both fail a
 * group do not hand it back and forth every failed_start_delay).
 */
function refusalToReceive(tx: Tx, keys: readonly string[]): string | undefined {
  const probe = ineligibility(tx, keys);
  if (probe !== undefined) return probe;
  for (const key of keys) {
    const f = groupData(tx.s, key).failure;
    if (f !== null && f.op === 'start' && f.retryAllowed !== true) return `${key} failed to start here (${f.resource}: ${f.reason}); hb_takeover on this node retries it`;
  }
  return undefined;
}

/** Heartbeat's ask_for_resources(): an `ask_resources` message, ours or a peer's. */
export function processAsk(tx: Tx, msg: ClusterMessage, origin: Origin): void {
  const s = tx.s;
  if (!s.config.niceFailback) {
    log(tx, 'info', 'Standby mode only implemented when nice_failback on');
    return;
  }
  if (s.rstate === 'SHUTDOWN') {
    log(tx, 'debug', 'standby message ignored during shutdown');
    return;
  }
  const from = msg.src;
  const info = msg.info;
  if (info === undefined) {
    log(tx, 'error', 'Received standby message without info/from');
    return;
  }
  let rsc: RscBits = ALL;
  if (msg.rsc_hold !== undefined) {
    const parsed = parseRsc(msg.rsc_hold);
    if (parsed === undefined) log(tx, 'error', `encode_resources: bad resource type [${msg.rsc_hold}]`);
    rsc = parsed ?? NONE;
  }
  const st = s.standby;
  if (st.deadline !== null && tx.now < st.deadline && info === 'me') {
    const left = Math.ceil((st.deadline - tx.now) / 1000);
    log(tx, 'warn', `Standby in progress- new request from ${from} ignored [${left} seconds left]`);
    return;
  }
  if (st.phase === 'NOT') {
    if (!s.otherStable) {
      log(tx, 'warn', `standby message [${info}] from ${from} ignored.  Other side is in flux.`);
      return;
    }
    if (s.rstate !== 'STABLE') {
      log(tx, 'warn', `standby message [${info}] from ${from} ignored.  local resources in flux.`);
      return;
    }
  }
  const action = info === 'me' || info === 'other' || info === 'done' ? STANDBY_TABLE[st.phase][info][origin] : 'ignore';
  switch (action) {
    case 'begin-as-initiator':
      st.rsc = rsc;
      s.otherStable = false;
      log(tx, 'info', `${from} wants to go standby [${rscName(rsc)}]`);
      st.deadline = tx.now + s.config.timers.standbyReplyTimeout;
      st.phase = 'ME';
      st.role = 'initiator';
      st.partner = null;
      return;
    case 'begin-as-responder': {
      const refusal = refusalToReceive(tx, groupsToReceive(tx, rsc));
      if (refusal !== undefined) {
        log(tx, 'warn', `standby message [me] from ${from} refused: ${refusal}; ${from} keeps its resources (its request times out)`);
        return;
      }
      st.rsc = rsc;
      s.otherStable = false;
      log(tx, 'info', `${from} wants to go standby [${rscName(rsc)}]`);
      st.phase = 'OTHER';
      st.role = 'responder';
      st.partner = from;
      st.origin = `standby request from ${from}`;
      emitOwnAsk(tx, rsc, 'other');
      st.deadline = tx.now + s.config.timers.standbyResourceTimeout;
      return;
    }
    case 'release':
      st.rsc = rsc;
      st.deadline = tx.now + s.config.timers.standbyResourceTimeout;
      st.partner = from;
      log(tx, 'info', `standby: ${from} can take our ${rscName(rsc)} resources`);
      answerWaitingAdmin(tx, true, `standby: ${from} can take our ${rscName(rsc)} resources`);
      goStandbyMe(tx, rsc);
      return;
    case 'released':
      log(tx, 'info', `Local standby process completed [${rscName(rsc)}].`);
      st.phase = 'DONE';
      s.claim = without(s.claim, st.rsc);
      st.deadline = tx.now + s.config.timers.standbyResourceTimeout;
      return;
    case 'acquire': {
      st.rsc = rsc;
      st.deadline = tx.now + s.config.timers.standbyResourceTimeout;
      log(tx, 'info', `standby: acquire [${rscName(rsc)}] resources from ${from}`);
      // `done` means the initiator has released R: believe it even if its `resource` message is late.
      const peer = s.peers[from];
      if (peer !== undefined) peer.holds = without(peer.holds, rsc);
      goStandbyOther(tx, rsc, `given by ${from} (standby [${rscName(rsc)}])`);
      st.phase = 'DONE';
      return;
    }
    case 'acquired':
      st.rsc = rsc;
      st.deadline = null;
      st.phase = 'NOT';
      log(tx, 'info', `Standby resource acquisition done [${rscName(rsc)}].`);
      if (s.config.autoFailback === 'on') {
        s.localWorkDone = true;
        announce(tx, 'auto_failback');
      }
      s.claim = union(s.claim, mirror(rsc));
      finishStandby(tx);
      return;
    case 'peer-acquired':
      st.rsc = rsc;
      st.deadline = null;
      st.phase = 'NOT';
      log(tx, 'info', `Other node completed standby takeover of ${rscName(rsc)} resources.`);
      finishStandby(tx);
      return;
    case 'own-echo':
      return;
    case 'ignore':
      log(tx, 'error', `Ignored standby message '${info}' from ${from} in state ${STANDBY_PHASE_NUMBER[st.phase]}`);
      return;
  }
}

function finishStandby(tx: Tx): void {
  const st = tx.s.standby;
  st.role = null;
  st.partner = null;
  sendHeld(tx, true);
}

/** go_standby(ME, R): claim less, say so (isstable=0 info=standby), release, then `done`. */
function goStandbyMe(tx: Tx, rsc: RscBits): void {
  const s = tx.s;
  s.otherStable = false;
  const claimed = without(s.claim, without(s.claim, rsc));
  s.claim = without(s.claim, rsc);
  sendHeld(tx, false, 'standby');
  enqueue(tx, { kind: 'standby-release', rsc, claimed, reason: `given to the other node (${s.standby.origin})` });
}

/** go_standby(OTHER, R): take what the initiator gave up (R in its view), then `done`. */
function goStandbyOther(tx: Tx, rsc: RscBits, reason: string): void {
  enqueue(tx, { kind: 'standby-acquire', rsc, acquire: mirror(rsc), reason });
}

/** The end of a standby-release activity. */
export function standbyReleaseFinished(tx: Tx): void {
  const st = tx.s.standby;
  if (st.phase !== 'ME' || st.role !== 'initiator') {
    log(tx, 'info', 'The standby was cancelled while its resources were being released: not sending done');
    return;
  }
  emitOwnAsk(tx, st.rsc, 'done');
}

/** The end of a standby-acquire activity (also the shutdone path). */
export function standbyAcquireFinished(tx: Tx): void {
  const st = tx.s.standby;
  if (st.phase !== 'DONE' || st.role !== 'responder') {
    log(tx, 'info', 'The standby was cancelled while its resources were being acquired: not sending done');
    return;
  }
  emitOwnAsk(tx, st.rsc, 'done');
}

/**
 * A failed stop ends a release half-way: keep what this node claimed of R
 * (never more: claiming a category it did not hold made both nodes log "Both
 * machines own … resources!"), restart what this release stopped, tell the peer.
 */
export function abandonStandby(tx: Tx, rsc: RscBits, stopFailed: readonly string[], claimed: RscBits = rsc, stoppedHere?: readonly string[]): void {
  const s = tx.s;
  log(tx, 'error', `Standby abandoned: resource group(s) ${stopFailed.join(', ')} would not stop; keeping the [${rscName(claimed)}] resources on this node`);
  s.standby.phase = 'NOT';
  s.standby.deadline = null;
  s.standby.role = null;
  s.standby.partner = null;
  s.otherStable = true;
  s.claim = union(s.claim, claimed);
  // Heartbeat responders ignore this info value; a heartbeat-ts responder stops waiting for `done`.
  sendHeld(tx, true, STANDBY_ABORTED_INFO);
  const stopped = stoppedHere ?? groupsIn(s, rsc).map((g) => g.key).filter((key) => !isHeld(groupData(s, key)));
  enqueue(tx, { kind: 'reacquire', keys: [...stopped], reason: 'a standby was abandoned after a failed stop' });
}

/**
 * Start a standby as initiator (hb_standby, hb_takeover from the peer,
 * auto-failback, hand-overs). Checked first, so that a request Heartbeat
 * would ignore on arrival is never sent (a refused `me` that still reaches the
 * peer can leave the peer waiting an hour in OTHER).
 */
export function requestStandby(
  tx: Tx,
  rsc: RscBits,
  origin: string,
  opts: { readonly alone?: 'refuse' | 'ask-anyway'; readonly quiet?: boolean } = {},
): AdminAnswer {
  const s = tx.s;
  const me = s.config.localNode;
  const refuse = (level: 'info' | 'warn', text: string, code: AdminRefusalCode): AdminAnswer => {
    log(tx, opts.quiet === true ? 'debug' : level, text);
    return { accepted: false, text, code };
  };
  if (!s.config.niceFailback) return refuse('warn', 'Standby mode only implemented when nice_failback on', 'nice-failback-off');
  if (s.shutdown.phase !== 'none' || s.rstate === 'SHUTDOWN') return refuse('info', 'standby message ignored during shutdown', 'shutting-down');
  if (!s.commUp) return refuse('warn', `standby [${rscName(rsc)}] refused: communication is not up yet`, 'comm-down');
  const st = s.standby;
  if (st.deadline !== null && tx.now < st.deadline) {
    return refuse('warn', `Standby in progress- new request from ${me} ignored [${Math.ceil((st.deadline - tx.now) / 1000)} seconds left]`, 'busy');
  }
  if (st.phase !== 'NOT') return refuse('warn', `Ignored standby message 'me' from ${me} in state ${STANDBY_PHASE_NUMBER[st.phase]}`, 'busy');
  if (!s.otherStable) return refuse('warn', `standby message [me] from ${me} ignored.  Other side is in flux.`, 'busy');
  if (s.rstate !== 'STABLE') return refuse('warn', `standby message [me] from ${me} ignored.  local resources in flux.`, 'busy');
  // hb_standby asks even with nobody to answer, and the request times out
  // ("No reply to standby request", Heartbeat's semantics); heartbeat-ts's
  // own hand-overs wait for a peer instead.
  if (readyPeers(s).length === 0 && opts.alone !== 'ask-anyway') {
    return refuse('warn', `standby [${rscName(rsc)}] refused: no other node is active and done with its start-up to take the resources`, 'no-peer');
  }
  log(tx, 'info', `Going standby [${rscName(rsc)}].`);
  beginOwnStandby(tx, rsc, origin);
  return { accepted: true, text: `Going standby [${rscName(rsc)}].` };
}

/** send_standby_msg(ME) without hb_standby's checks (PerformAutoFailback calls it once they hold). */
export function beginOwnStandby(tx: Tx, rsc: RscBits, origin: string): void {
  tx.s.standby.origin = origin;
  emitOwnAsk(tx, rsc, 'me');
}

/** rc.d/hb_takeover on the other node: hb_standby with R mapped; `failback` is not mapped (spec §9.5 quirk). */
export const HB_TAKEOVER_MAPPING: Readonly<Record<string, RscBits>> = { all: ALL, local: FOREIGN, foreign: LOCAL };

export function onHbTakeover(tx: Tx, msg: ClusterMessage): void {
  const s = tx.s;
  if (!s.config.niceFailback) {
    log(tx, 'info', 'Standby mode only implemented when nice_failback on');
    return;
  }
  const asked = msg.rsc_hold ?? '';
  const mapped = HB_TAKEOVER_MAPPING[asked];
  if (mapped === undefined) {
    log(tx, 'info', `hb_takeover [${asked}] from ${msg.src}: Heartbeat's rc.d/hb_takeover does not map '${asked}', so hb_standby runs without an argument: all`);
  }
  const rsc = mapped ?? ALL;
  requestStandby(tx, rsc, `hb_takeover ${asked} from ${msg.src}`);
}

function standbyRequestBits(request: StandbyRequest): RscBits {
  switch (request) {
    case 'all':
      return ALL;
    case 'local':
      return LOCAL;
    case 'foreign':
    case 'failback':
      return FOREIGN;
  }
}

/**
 * hb_standby [all|local|foreign|failback] (failback = foreign, as the script
 * maps it). A request that is sent is answered by its outcome: accepted when
 * the other node says `other`, refused when it times out (Heartbeat's "No
 * reply to standby request.  Standby request cancelled.") or is cancelled.
 */
export function onAdminStandby(tx: Tx, request: StandbyRequest, id?: number, retry = false): void {
  const result = requestStandby(tx, standbyRequestBits(request), `hb_standby ${request}`, { alone: 'ask-anyway', quiet: retry });
  if (result.accepted && tx.s.standby.phase === 'ME') {
    tx.s.standby.adminId = id ?? 0;
    return;
  }
  tx.out.push({ kind: 'admin-result', request: 'standby', ...result, ...(id === undefined ? {} : { id }) });
}

/** Groups the peer would give us for `hb_takeover R` (its standby; failback → all, spec §9.5). */
function groupsAskedFor(tx: Tx, request: StandbyRequest): string[] {
  const s = tx.s;
  const bits = request === 'local' ? LOCAL : request === 'foreign' ? FOREIGN : ALL;
  return groupsIn(s, bits).map((g) => g.key).filter((key) => !isHeld(groupData(s, key)));
}

/** hb_takeover [all|local|foreign|failback]: ask the other node(s) to go standby. */
export function onAdminTakeover(tx: Tx, request: StandbyRequest, id?: number, retry = false): void {
  const s = tx.s;
  const reply = (accepted: boolean, level: 'info' | 'warn', text: string, code?: AdminRefusalCode): void => {
    log(tx, retry && !accepted ? 'debug' : level, text);
    tx.out.push({ kind: 'admin-result', request: 'takeover', accepted, text, ...(code === undefined ? {} : { code }), ...(id === undefined ? {} : { id }) });
  };
  if (!s.config.niceFailback) return reply(false, 'warn', 'hb_takeover refused: Standby mode only implemented when nice_failback on', 'nice-failback-off');
  if (s.shutdown.phase !== 'none') return reply(false, 'warn', 'hb_takeover refused: shutdown in progress', 'shutting-down');
  if (!s.commUp) return reply(false, 'warn', 'hb_takeover refused: communication is not up yet', 'comm-down');
  if (activePeers(s).length === 0) return reply(false, 'warn', 'hb_takeover refused: no other node is active', 'no-peer');
  const wanted = groupsAskedFor(tx, request).filter((key) => believedHolders(s, key).length > 0);
  const refusal = ineligibility(tx, wanted);
  if (refusal !== undefined) return reply(false, 'warn', `hb_takeover [${request}] refused: ${refusal}`, 'ineligible');
  // An admin asking for a group again is how a failed start is retried here.
  for (const key of wanted) {
    const g = groupData(s, key);
    if (g.failure !== null && g.failure.op === 'start') g.failure = { ...g.failure, retryAllowed: true };
  }
  send(tx, hbTakeoverMessage(request));
  reply(true, 'info', `hb_takeover [${request}] sent: asking the other node(s) to go standby${busy(s) ? ' (resource activity is still running here)' : ''}`);
}

/** The end of go_standby(ME): `done`, or the standby abandoned when a group would not stop. */
export function standbyReleaseDone(tx: Tx, run: Finished<'standby-release'>): void {
  const s = tx.s;
  const a = run.activity;
  if (run.stopFailures.length > 0) {
    const stoppedHere = run.ops.filter((op) => op.op === 'stop' && groupData(s, op.key).state === 'stopped').map((op) => op.key);
    abandonStandby(tx, a.rsc, run.stopFailures, a.claimed ?? a.rsc, stoppedHere);
    return;
  }
  log(tx, 'info', `${rscName(a.rsc)} HA resource release completed (standby).`);
  standbyReleaseFinished(tx);
}

/** The end of go_standby(OTHER): `done`. */
export function standbyAcquireDone(tx: Tx, run: Finished<'standby-acquire'>): void {
  log(tx, 'info', `${rscName(run.activity.acquire)} HA resource acquisition completed (standby).`);
  standbyAcquireFinished(tx);
}
