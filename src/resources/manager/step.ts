// The reducer: step(state, event) → { state, commands }. The two tables
// below are the entry points, each with the spec section it implements, and
// a third says how each activity ends (the runner calls it back); the
// per-state transitions are tables too (ON_PEER_STARTING, ON_RESOURCE_MESSAGE
// in negotiation.ts, STANDBY_TABLE in standby.ts). docs/resource-manager.md
// lays the whole state × event → commands matrix out.
import { onGroupResult, pump, type ActivityHooks } from './activities.js';
import { ipRequestMessage, type ClusterMessage } from './cluster-message.js';
import { attemptHandovers, attemptPull, onProbeEligible, onProbeRelease, startFailed } from './handover.js';
import { legacyGiveDone, legacyTakeDone, onIpRequest, onIpRequestResp, onOverheard } from './legacy.js';
import { announce } from './holding.js';
import { acquireLocalDone, announceHealSettled, audit, notePartitionHeal, onCommUp, onResource, onStarting } from './negotiation.js';
import { completeDone, forgetSplitSeenBy, onPeerReturned, onStartupProbe, reacquireDone, releaseDone } from './reconcile.js';
import { cancelStandby, onAdminStandby, onAdminTakeover, onHbTakeover, processAsk, standbyAcquireDone, standbyReleaseDone } from './standby.js';
import { giveupDone, onShutdown, tryShutdown } from './shutdown.js';
import { machDownDone, onPeerDead, onShutdone, onStonith } from './takeover.js';
import { fireDueTimers } from './timers.js';
import { begin, finish, log, send, type Tx } from './tx.js';
import { ALL } from './rsc.js';
import type { ManagerEvent, ManagerState, StepResult } from './types.js';

interface Entry<A> {
  /** The spec section the handler implements. */
  readonly spec: string;
  readonly handle: (tx: Tx, arg: A) => void;
}

type EventOf<T extends ManagerEvent['type']> = Extract<ManagerEvent, { type: T }>;

/** Cluster messages by type (spec §6). Types not listed are not resource messages. */
export const MESSAGE_TABLE: Readonly<Record<string, Entry<ClusterMessage>>> = {
  starting: { spec: '§9.3', handle: onStarting },
  resource: { spec: '§9.3, §9.5, §9.6, §9.7', handle: onResource },
  ask_resources: { spec: '§9.5', handle: (tx, m) => processAsk(tx, m, 'peer') },
  hb_takeover: { spec: '§9.5', handle: onHbTakeover },
  'ip-request': { spec: '§9.4', handle: onIpRequest },
  'ip-request-resp': { spec: '§9.4', handle: onIpRequestResp },
  shutdone: { spec: '§9.7', handle: onShutdone },
  stonith: { spec: '§9.6', handle: onStonith },
};

function onMessage(tx: Tx, m: ClusterMessage): void {
  const s = tx.s;
  if (typeof m.t !== 'string' || typeof m.src !== 'string') {
    log(tx, 'error', 'message event without t/src: ignored');
    return;
  }
  if (m.src === s.config.localNode) {
    log(tx, 'debug', `own t=${m.t} ignored: the manager acted on it when it sent it`);
    return;
  }
  const peer = s.peers[m.src];
  if (peer === undefined) {
    log(tx, 'warn', `t=${m.t} from ${m.src}, which is not a node of ha.cf: ignored`);
    return;
  }
  if (m.dest !== undefined && m.dest !== s.config.localNode) {
    onOverheard(tx, m);
    return;
  }
  peer.anyPackets = true;
  const entry = MESSAGE_TABLE[m.t];
  if (entry === undefined) {
    log(tx, 'debug', `t=${m.t} from ${m.src}: not a resource message`);
    return;
  }
  entry.handle(tx, m);
}

function onStart(tx: Tx): void {
  const s = tx.s;
  if (s.started) return;
  s.started = true;
  const me = s.config.localNode;
  const local = s.config.groups.filter((g) => g.node === me).map((g) => g.key);
  const foreign = s.config.groups.filter((g) => g.node !== me).map((g) => g.key);
  log(
    tx,
    'info',
    `Resource manager starting on ${me}: auto_failback ${s.config.autoFailback}; local groups [${local.join(' ')}], foreign groups [${foreign.join(' ')}]`,
  );
  if (s.config.autoFailback === 'legacy') {
    log(tx, 'warn', "Deprecated 'legacy' auto_failback option selected.");
    log(tx, 'warn', "Please convert to 'auto_failback on'.");
    log(tx, 'warn', 'When you do, then you can use ipfail, and hb_standby');
  }
  if (s.config.nodes.length > 2) {
    log(tx, 'warn', `${s.config.nodes.length} normal nodes: v1 resource negotiation is a two-node protocol; see docs/resource-manager.md for how heartbeat-ts extends it`);
  }
}

function onPeerStatus(tx: Tx, ev: EventOf<'peer-status'>): void {
  const peer = tx.s.peers[ev.peer];
  if (peer === undefined) {
    log(tx, 'warn', `peer-status for ${ev.peer}, which is not a node of ha.cf: ignored`);
    return;
  }
  peer.anyPackets = true;
  const was = peer.status;
  peer.status = ev.status;
  // Legacy: an ip-request the peer's previous incarnation never answered is lost; ask the new one.
  const asked = Object.keys(tx.s.legacyAsks);
  if (!tx.s.config.niceFailback && ev.status === 'active' && was !== 'active' && asked.length > 0) {
    log(tx, 'info', `${ev.peer} is active again: asking it again for ${asked.join(', ')} (ip-request)`);
    for (const key of asked) {
      send(tx, ipRequestMessage(key));
      tx.s.legacyAsks[key] = tx.now;
    }
  }
}

function onPeerRestarted(tx: Tx, ev: EventOf<'peer-restarted'>): void {
  const s = tx.s;
  const peer = s.peers[ev.peer];
  if (peer === undefined) {
    log(tx, 'warn', `peer-restarted for ${ev.peer}, which is not a node of ha.cf: ignored`);
    return;
  }
  log(tx, 'info', `${ev.peer} restarted (new generation): its resource negotiation starts over`);
  peer.hasResources = true;
  peer.anyPackets = true;
  peer.negotiated = false;
  peer.starting = false;
  // A new incarnation starts over: init, up, then active once its comm is up.
  peer.status = 'up';
  if (s.standby.phase !== 'NOT' && (s.standby.partner === null || s.standby.partner === ev.peer)) {
    cancelStandby(tx, `${ev.peer} restarted`);
    if (!s.otherStable && s.claim === ALL) s.otherStable = true;
  }
  if (s.partition !== null && s.partition.peer === ev.peer) s.partition = null;
  forgetSplitSeenBy(tx, ev.peer);
}

/** How each activity ends: what Heartbeat's helper child does once its resource work is done. */
export const COMPLETION_TABLE: ActivityHooks['completed'] = {
  'acquire-local': { spec: '§9.3, §9.4 (req_our_resources)', handle: (tx) => acquireLocalDone(tx) },
  'mach-down': { spec: '§9.6 (mach_down)', handle: machDownDone },
  'standby-release': { spec: '§9.5 (go_standby ME)', handle: standbyReleaseDone },
  'standby-acquire': { spec: '§9.5 (go_standby OTHER)', handle: standbyAcquireDone },
  'giveup-all': { spec: '§9.7 (hb_giveup_resources)', handle: giveupDone },
  'legacy-give': { spec: '§9.4 (rc.d/ip-request)', handle: legacyGiveDone },
  'legacy-take': { spec: '§9.4 (rc.d/ip-request-resp)', handle: (tx) => legacyTakeDone(tx) },
  release: { spec: 'start-up conflict, partition heal', handle: (tx) => releaseDone(tx) },
  reacquire: { spec: 'standby or shutdown abandoned', handle: (tx) => reacquireDone(tx) },
  complete: { spec: 'issue 5 (groups found partially running)', handle: () => completeDone() },
};

const ACTIVITY_HOOKS: ActivityHooks = { completed: COMPLETION_TABLE, startFailed };

/** Every event the manager takes, with the spec section it implements. */
export const EVENT_TABLE: { readonly [T in ManagerEvent['type']]: Entry<EventOf<T>> } = {
  start: { spec: '§9.2', handle: (tx) => onStart(tx) },
  'startup-probe': { spec: 'issue 5 (Heartbeat does not look)', handle: (tx, ev) => onStartupProbe(tx, ev.running, ev.partial ?? []) },
  'comm-up': { spec: '§8.3, §9.3, §9.4', handle: (tx, ev) => onCommUp(tx, ev.activePeers) },
  'peer-status': { spec: '§8.2', handle: onPeerStatus },
  'peer-dead': { spec: '§9.6', handle: (tx, ev) => onPeerDead(tx, ev.peer) },
  'peer-restarted': { spec: '§7.1', handle: onPeerRestarted },
  'peer-returned': {
    spec: '§7.1, §12.5',
    handle: (tx, ev) => {
      notePartitionHeal(tx, ev.peer);
      onPeerReturned(tx, ev.peer);
    },
  },
  message: { spec: '§6', handle: (tx, ev) => onMessage(tx, ev.message) },
  'admin-standby': { spec: '§9.5', handle: (tx, ev) => onAdminStandby(tx, ev.rsc, ev.id, ev.retry === true) },
  'admin-takeover': { spec: '§9.5', handle: (tx, ev) => onAdminTakeover(tx, ev.rsc, ev.id, ev.retry === true) },
  shutdown: { spec: '§9.7', handle: (tx, ev) => onShutdown(tx, ev.reason ?? 'shutdown requested') },
  'probe-release': { spec: 'issue 6', handle: (tx, ev) => onProbeRelease(tx, ev.group, ev.reason, ev.by) },
  'probe-eligible': { spec: 'issue 6', handle: (tx, ev) => onProbeEligible(tx, ev.group, ev.reason) },
  'group-result': { spec: '§9.1', handle: (tx, ev) => onGroupResult(tx, ev, ACTIVITY_HOOKS) },
  'group-results': {
    spec: '§9.1',
    handle: (tx, ev) => {
      const results = Array.isArray(ev.results) ? ev.results : [];
      for (const r of results) {
        if (r?.type !== 'group-result') {
          log(tx, 'error', 'group-results event with an entry that is not a group result: entry ignored');
          continue;
        }
        onGroupResult(tx, r, ACTIVITY_HOOKS);
      }
    },
  },
  tick: { spec: '§9.3, §9.5 (timers)', handle: () => undefined },
};

/** Bound on follow-up rounds in one step (activities, shutdown, hand-overs). */
const MAX_SETTLE_ROUNDS = 64;

function settle(tx: Tx): void {
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    let progressed = pump(tx, ACTIVITY_HOOKS);
    progressed = tryShutdown(tx) || progressed;
    if (!progressed) progressed = attemptHandovers(tx) || attemptPull(tx);
    if (!progressed) break;
  }
  if (tx.s.announceReason !== null && !tx.s.announced) announce(tx, tx.s.announceReason);
  announceHealSettled(tx);
  audit(tx);
}

/**
 * Apply one event. Never throws: a malformed event is logged and ignored; an
 * internal error leaves the state as it was and returns one CRIT line.
 */
export function step(state: ManagerState, event: ManagerEvent): StepResult {
  const type = (event as { type?: unknown } | null)?.type;
  const entry = typeof type === 'string' ? (EVENT_TABLE as Record<string, Entry<ManagerEvent>>)[type] : undefined;
  try {
    const now = (event as { now?: unknown } | null)?.now;
    const tx = begin(state, typeof now === 'number' ? now : state.now);
    if (entry === undefined) {
      log(tx, 'error', `resource manager: unknown event ${JSON.stringify(type)}: ignored`);
      return finish(tx);
    }
    fireDueTimers(tx);
    entry.handle(tx, event);
    settle(tx);
    return finish(tx);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { state, commands: [{ kind: 'log', level: 'crit', text: `resource manager internal error on event ${String(type)}: ${why}; event ignored` }] };
  }
}
