// Types of the resource manager: its configuration, its state (a plain,
// JSON-friendly value the reducer never mutates), the events it consumes and
// the commands it returns. See docs/resource-manager.md.
import type { AutoFailback, Millis, ResourceGroupConfig } from '../../config/index.js';
import type { LogLevel } from '../../log/index.js';
import type { ClusterMessage, OutgoingMessage } from './cluster-message.js';
import type { RscBits } from './rsc.js';

// ───────────────────────────── configuration ─────────────────────────────

/** Heartbeat's fixed delays, overridable for tests and tuning. */
export interface ManagerTimers {
  /** RQSTDELAY: the start-up fallback after the first `resource` exchange (spec §9.3). */
  readonly rqstDelay: Millis;
  /** STANDBY_INIT_TO_MS: how long an `ask_resources info=me` waits for `other` (spec §9.5). */
  readonly standbyReplyTimeout: Millis;
  /** HB_STANDBY_RSC_TO_MS: how long a started standby may take (1 h in Heartbeat). */
  readonly standbyResourceTimeout: Millis;
  /** "Auto failback delayed" retry interval (1 s in Heartbeat). */
  readonly retryInterval: Millis;
  /** After "returning after partition", how long to wait for the peer to say what it holds. */
  readonly partitionHealWait: Millis;
  /** How long a graceful shutdown waits for the cluster to become stable before going ahead anyway. */
  readonly shutdownSettleLimit: Millis;
}

export const DEFAULT_TIMERS: ManagerTimers = {
  rqstDelay: 10_000,
  standbyReplyTimeout: 10_000,
  standbyResourceTimeout: 3_600_000,
  retryInterval: 1_000,
  partitionHealWait: 5_000,
  shutdownSettleLimit: 15_000,
};

export interface ManagerInit {
  /** This node's name, lower-cased. */
  readonly localNode: string;
  /** The normal cluster nodes (ha.cf `node`), lower-cased, in ha.cf order, this node included. */
  readonly nodes: readonly string[];
  /** haresources groups in file order (group.node = home node, group.key = key). */
  readonly groups: readonly ResourceGroupConfig[];
  readonly autoFailback: AutoFailback;
  /** ExtensionOptions.resources.failedStartStandbyDelay (Heartbeat: `sleep 30; hb_standby`). */
  readonly failedStartStandbyDelay: Millis;
  readonly timers?: Partial<ManagerTimers>;
  /**
   * How many groups of one activity may start (or stop) at once (heartbeat-ts.ini
   * `[resources] parallel_groups`). Default 1: Heartbeat's ResourceManager, one
   * group after the other.
   */
  readonly parallelGroups?: number;
  /**
   * Keys of the groups made only of built-in address agents (IPaddr, IPaddr2
   * not overridden by a script): their starts and stops are batched (one `ip`
   * for every address changing at once, address-batch.ts) and run no process
   * of their own, so with parallelGroups > 1 they do not take one of its
   * slots (parallel.ts). Default none.
   */
  readonly batchedGroups?: readonly string[];
}

export interface ManagerConfig {
  readonly localNode: string;
  readonly nodes: readonly string[];
  readonly peers: readonly string[];
  readonly groups: readonly ResourceGroupConfig[];
  readonly autoFailback: AutoFailback;
  /** auto_failback on|off: Heartbeat's nice_failback protocol; legacy: the ip-request protocol. */
  readonly niceFailback: boolean;
  readonly failedStartStandbyDelay: Millis;
  readonly timers: ManagerTimers;
  /** At most this many group operations of one activity run at once (see parallel.ts). */
  readonly parallelGroups: number;
  /** Groups whose operations are batched and take no slot of parallelGroups (ManagerInit.batchedGroups). */
  readonly batchedGroups: readonly string[];
}

// ───────────────────────────────── state ─────────────────────────────────

/** Heartbeat's `resourcestate` (hb_resource.h order: the numbers appear in its log lines). */
export type ResourceStateName = 'INIT' | 'STARTING' | 'BOTHSTARTING' | 'RSCRCVD' | 'STABLE' | 'SHUTDOWN';
export const RESOURCE_STATE_NUMBER: Readonly<Record<ResourceStateName, number>> = {
  INIT: 0,
  STARTING: 1,
  BOTHSTARTING: 2,
  RSCRCVD: 3,
  STABLE: 4,
  SHUTDOWN: 5,
};

/** Heartbeat's `going_standby`. */
export type StandbyPhase = 'NOT' | 'ME' | 'OTHER' | 'DONE';
export const STANDBY_PHASE_NUMBER: Readonly<Record<StandbyPhase, number>> = { NOT: 0, ME: 1, OTHER: 2, DONE: 3 };

/**
 * What a group is doing on this node. `failed` = a start failed and was
 * rolled back: NOT held. `partial` = found at start-up with some of its
 * resources running and some not: held (what runs must not run twice), not
 * up; it is completed (started: start is idempotent) or stopped once the
 * negotiation says who keeps it.
 */
export type GroupRunState = 'stopped' | 'starting' | 'running' | 'partial' | 'stopping' | 'failed' | 'stop-failed';

export type PeerStatus = 'init' | 'up' | 'active' | 'dead';

export interface PeerData {
  status: PeerStatus;
  /** Heartbeat's anypacketsyet: anything received from it since we started. */
  anyPackets: boolean;
  /** Its last reported holding, from ITS point of view (nice_failback). */
  holds: RscBits;
  /** Heartbeat's has_resources (legacy): false once it said shutdone. */
  hasResources: boolean;
  /** Legacy mode: groups this peer asked us for (it takes them), as far as we know. */
  legacyHolds: string[];
  /** It said isstable=1 since it (re)started: it can take part in a standby. */
  negotiated: boolean;
  /**
   * It sent `starting` (even before our comm was up) and has not said
   * isstable=1 since: it is in its own start-up negotiation.
   */
  starting: boolean;
}

export interface GroupFailure {
  readonly op: 'start' | 'stop';
  readonly resource: string;
  readonly reason: string;
  readonly at: number;
  /** An admin asked for the group since (hb_takeover): offers of it are accepted again. */
  readonly retryAllowed?: boolean;
}

export interface GroupData {
  state: GroupRunState;
  /** Found running by the start-up probe and not yet adopted or released. */
  foundAtStartup: boolean;
  /** Why an application probe keeps this node from pulling the group back; null = eligible. */
  ineligible: string | null;
  failure: GroupFailure | null;
  /** The last thing that happened to the group here, as a sentence fragment (for `why`). */
  note: string;
  noteAt: number;
}

/** Heartbeat's resource-management children, serialised (see docs: "activities"). */
export type Activity =
  /** req_our_resources(getthemanyway): acquire this node's local groups. */
  | { kind: 'acquire-local'; getAnyway: boolean; reason: string; ask: boolean }
  /** mach_down X: take the dead node's groups. */
  | { kind: 'mach-down'; peer: string; reason: string }
  /**
   * go_standby(ME, R): release R (this node's view), then say `done`.
   * `claimed`: the part of R this node claimed when it began (restored if a stop fails).
   */
  | { kind: 'standby-release'; rsc: RscBits; reason: string; claimed?: RscBits }
  /** go_standby(OTHER, R): acquire `acquire` (this node's view), then say `done` for `rsc` (initiator's view). */
  | { kind: 'standby-acquire'; rsc: RscBits; acquire: RscBits; reason: string }
  /** hb_giveup_resources: release everything, then `shutdone`. */
  | { kind: 'giveup-all'; reason: string }
  /** rc.d/ip-request: release one group for the asker, then answer it (legacy). */
  | { kind: 'legacy-give'; key: string; asker: string }
  /** rc.d/ip-request-resp: take one group (legacy). */
  | { kind: 'legacy-take'; key: string; from: string }
  /** Release chosen groups (start-up probe conflict, partition heal), then announce the holding. */
  | { kind: 'release'; keys: string[]; reason: string }
  /** Start chosen groups again (a standby aborted by a failed stop). */
  | { kind: 'reacquire'; keys: string[]; reason: string }
  /** Start groups found partially running at start-up that this node keeps (their running resources are left alone). */
  | { kind: 'complete'; keys: string[]; reason: string };

export interface GroupOp {
  readonly op: 'start' | 'stop';
  readonly key: string;
}

export interface CurrentActivity {
  activity: Activity;
  ops: GroupOp[];
  /** Index of the next op to launch (== ops.length once all are launched). */
  next: number;
  /** The ops launched and not answered yet, in launch order (at most config.parallelGroups, see parallel.ts). */
  inFlight: GroupOp[];
  /** Keys whose stop failed critically during this activity. */
  stopFailures: string[];
  /** Legacy give: did we hold the group when the request came. */
  heldAtStart: boolean;
}

export interface StandbyData {
  phase: StandbyPhase;
  /** Heartbeat's standby_rsctype: R as the initiator wrote it. */
  rsc: RscBits;
  /** standby_running: when the standby is cancelled ("No reply to standby request"). */
  deadline: number | null;
  /** The node on the other side of the exchange, once known. */
  partner: string | null;
  /** Who or what started it (hb_standby, hb_takeover from X, auto_failback, probe, failed start). */
  origin: string;
  /**
   * The hb_standby request (its id) waiting for the outcome of this standby:
   * answered when the other node says `other` (accepted) or when the standby
   * is cancelled or times out (refused, with Heartbeat's sentence).
   */
  adminId: number | null;
  /** This node gives resources up (initiator) or takes them (responder). */
  role: 'initiator' | 'responder' | null;
}

export type ShutdownPhase = 'none' | 'waiting' | 'releasing' | 'done';

export interface ShutdownData {
  phase: ShutdownPhase;
  /** What this node claimed before releasing, restored if a group will not stop. */
  claimBefore: RscBits;
  reason: string;
  /** When a graceful stop stops waiting for the cluster to settle. */
  forceAt: number | null;
  /** The settle limit passed: only the operation in flight is awaited. */
  forced: boolean;
  delayLogged: boolean;
}

/** A pending "give these resources to the peer" (failed start, probe release). */
export interface Handover {
  /** Why: a start that failed here, or an application probe. */
  readonly cause: 'failed-start' | 'probe';
  readonly rsc: RscBits;
  readonly keys: readonly string[];
  readonly reason: string;
  dueAt: number;
  noPeerLogged: boolean;
}

export interface StateData {
  readonly config: ManagerConfig;
  /** Time of the last event (monotonic ms). */
  now: number;
  started: boolean;
  commUp: boolean;
  rstate: ResourceStateName;
  /** Heartbeat's i_hold_resources: what this node claims (intent), this node's view. */
  claim: RscBits;
  otherStable: boolean;
  takeoverInProgress: boolean;
  needsFailback: boolean;
  autoFailbackAt: number | null;
  /** local_takeover_time: set once, when RSCRCVD is first entered. */
  rqstDeadline: number | null;
  localWorkDone: boolean;
  foreignWorkDone: boolean;
  announced: boolean;
  /** Why the announcement is due, while it waits for resource activity to end. */
  announceReason: string | null;
  standby: StandbyData;
  peers: Record<string, PeerData>;
  groups: Record<string, GroupData>;
  /** The activity under way (Heartbeat: the helper child running), or null. */
  currentActivity: CurrentActivity | null;
  queue: Activity[];
  shutdown: ShutdownData;
  handovers: Handover[];
  /** auto_failback on and eligible again: ask the peer (hb_takeover local) to return our groups. */
  pull: { dueAt: number; reason: string; attempts: number } | null;
  /**
   * A peer returned after a partition (its name): once the heal has settled,
   * the milestone Heartbeat's restart would log is written (it restarts both
   * nodes; heartbeat-ts does not).
   */
  healPending: string | null;
  /** A peer returned after a partition: waiting for it to say what it holds. */
  partition: { peer: string; deadline: number } | null;
  /**
   * Groups this node kept at a partition heal that the peer held too: their
   * addresses are announced again once the peer has released its copy (or
   * is dead, or by the deadline), since the peer may have announced them last.
   * `watched`: the peer's holdings claimed the group, so its release shows there.
   * `awaitShutdone`: it said `rsc_hold=none info=shutdown`, which Heartbeat
   * sends before it releases (spec §9.7): its copy is gone at `shutdone`.
   */
  reannounce: Record<string, { peer: string; watched: boolean; deadline: number; awaitShutdone?: boolean }>;
  /**
   * Peers that reported this node dead (`t=stonith node=<me>`) while this node
   * kept hearing them: a split only they saw. Their claims on groups held here
   * are settled by the partition rule without waiting for a "returning" signal
   * this node never gets (docs/resource-manager.md §7).
   */
  splitSeenBy: string[];
  /** Legacy: our outstanding ip-requests, key → when asked. */
  legacyAsks: Record<string, number>;
  /** A node-wide application probe released everything: reason, or null. */
  nodeIneligible: string | null;
  /** Last audit findings, so each is logged once when it appears. */
  audit: string[];
}

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The manager's state. Immutable: every step returns a new, frozen value. */
export type ManagerState = DeepReadonly<StateData>;

// ──────────────────────────────── events ────────────────────────────────

export type StandbyRequest = 'all' | 'local' | 'foreign' | 'failback';

/** Who asks for a probe-release / probe-eligible: an application probe (default) or the network watch (ipfail, track_interface). */
export type ReleaseSource = 'probe' | 'ipfail';

export type ManagerEvent =
  /** The daemon starts the manager (logs the configuration it runs with). */
  | { readonly type: 'start'; readonly now: number }
  /**
   * The status of every resource before any negotiation: `running` = groups
   * whose every resource runs, `partial` = groups with some running and some
   * not (a crash left them half up).
   */
  | { readonly type: 'startup-probe'; readonly now: number; readonly running: readonly string[]; readonly partial?: readonly string[] }
  /** The local comm is up (spec §8.3); `activePeers` = peers whose status is active now. */
  | { readonly type: 'comm-up'; readonly now: number; readonly activePeers: readonly string[] }
  | { readonly type: 'peer-status'; readonly now: number; readonly peer: string; readonly status: 'init' | 'up' | 'active' }
  /** The peer's dead time (or initdead) expired (spec §8.1). */
  | { readonly type: 'peer-dead'; readonly now: number; readonly peer: string }
  /** A status with a higher generation: "Heartbeat restart on node X" (spec §7.1). */
  | { readonly type: 'peer-restarted'; readonly now: number; readonly peer: string }
  /** Same generation from a node marked dead: "returning after partition" (spec §7.1, §12.5). */
  | { readonly type: 'peer-returned'; readonly now: number; readonly peer: string }
  | { readonly type: 'message'; readonly now: number; readonly message: ClusterMessage }
  /**
   * hb_standby [all|local|foreign|failback]. `id` comes back on the
   * admin-result; `retry` = the daemon asks again once the cluster settled
   * (its refusal was already logged once).
   */
  | { readonly type: 'admin-standby'; readonly now: number; readonly rsc: StandbyRequest; readonly id?: number; readonly retry?: boolean }
  /** hb_takeover [all|local|foreign|failback]. */
  | { readonly type: 'admin-takeover'; readonly now: number; readonly rsc: StandbyRequest; readonly id?: number; readonly retry?: boolean }
  /** SIGTERM / heartbeat -k / probe action shutdown. */
  | { readonly type: 'shutdown'; readonly now: number; readonly reason?: string }
  /** Application probe (issue 6): release `group` (undefined = every group here) and stay ineligible. */
  | { readonly type: 'probe-release'; readonly now: number; readonly group?: string; readonly reason: string; readonly by?: ReleaseSource }
  /** Application probe: this node is eligible for `group` (undefined = node-wide) again. */
  | { readonly type: 'probe-eligible'; readonly now: number; readonly group?: string; readonly reason: string }
  | GroupResultEvent
  /**
   * Several group results that came back together (one batch of address
   * changes answers a hundred groups at once, issue 12): reduced in one step,
   * in this order, as if each were its own group-result event.
   */
  | { readonly type: 'group-results'; readonly now: number; readonly results: readonly GroupResultEvent[] }
  | { readonly type: 'tick'; readonly now: number };

export type GroupResultEvent =
  | { readonly type: 'group-result'; readonly now: number; readonly key: string; readonly op: 'start' | 'stop'; readonly ok: true }
  | {
      readonly type: 'group-result';
      readonly now: number;
      readonly key: string;
      readonly op: 'start' | 'stop';
      readonly ok: false;
      /** The resource that failed (token as written in haresources). */
      readonly resource: string;
      readonly reason: string;
    };

// ─────────────────────────────── commands ───────────────────────────────

export type ManagerCommand =
  | { readonly kind: 'start-group'; readonly key: string }
  | { readonly kind: 'stop-group'; readonly key: string }
  /** Announce the group's addresses again (gratuitous ARP); nothing starts or stops. */
  | { readonly kind: 'reannounce-group'; readonly key: string; readonly reason: string }
  | ({ readonly kind: 'send' } & OutgoingMessage)
  | { readonly kind: 'log'; readonly level: LogLevel; readonly text: string }
  /** A stop failed for good: the daemon applies its on_stop_failure policy. The group stays held. */
  | { readonly kind: 'stop-failed'; readonly key: string; readonly resource: string; readonly reason: string }
  /** Everything is released and `shutdone` was sent: the daemon may exit after its last heartbeats. */
  | { readonly kind: 'shutdown-complete' }
  /** A graceful stop cannot finish: these groups would not stop (no shutdone was sent). */
  | { readonly kind: 'shutdown-blocked'; readonly keys: readonly string[] }
  /** The answer to an admin-standby / admin-takeover (for the control socket). */
  | {
      readonly kind: 'admin-result';
      readonly request: 'standby' | 'takeover';
      readonly accepted: boolean;
      readonly text: string;
      /** Why it was refused, for programs (the text is for people). */
      readonly code?: AdminRefusalCode;
      readonly id?: number;
    };

/**
 * Why an hb_standby / hb_takeover was refused: `nice-failback-off`,
 * `shutting-down`, `no-reply` (the standby was sent; nobody answered in
 * time) and `cancelled` (it was sent, then cancelled) are final; `comm-down`,
 * `no-peer`, `busy` (resources or a standby in flux) and `ineligible` may
 * pass once the cluster settles.
 */
export type AdminRefusalCode = 'nice-failback-off' | 'shutting-down' | 'comm-down' | 'no-peer' | 'busy' | 'ineligible' | 'no-reply' | 'cancelled';

/** An admin request's answer as the manager gives it. */
export interface AdminAnswer {
  readonly accepted: boolean;
  readonly text: string;
  readonly code?: AdminRefusalCode;
}

export interface StepResult {
  readonly state: ManagerState;
  readonly commands: readonly ManagerCommand[];
}
