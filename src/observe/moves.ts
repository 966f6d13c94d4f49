// Resource moves as events with a kind, a reason and a duration, derived
// from what the resource manager already does: each of its activities (a
// takeover from a dead node, a standby, a release for shutdown...) runs its
// group operations one at a time, and the daemon tells the tracker when an
// operation starts and ends and what the manager is running after each step.
// Pure apart from the times it is given.
import type { ManagerState } from '../resources/index.js';

export type Activity = NonNullable<ManagerState['currentActivity']>['activity'];

/** Metric families: takeovers, failbacks, standbys, releases; `acquire` (start-up) is in the timeline only. */
export type MoveKind = 'takeover' | 'failback' | 'standby' | 'release' | 'acquire';

export interface MoveClass {
  readonly kind: MoveKind;
  /** A fixed word (a metrics label value), never free text. */
  readonly reason: string;
  /** The sentence the manager gave. */
  readonly detail: string;
}

/** Every reason word a move can carry, by kind (documented in the README). */
export const MOVE_REASONS: Readonly<Record<MoveKind, readonly string[]>> = {
  takeover: ['peer_dead', 'peer_shutdown', 'standby', 'ip_request'],
  failback: ['standby', 'ip_request'],
  standby: ['hb_standby', 'hb_takeover', 'auto_failback', 'handover', 'other'],
  release: ['shutdown', 'partition_heal', 'startup_conflict', 'ip_request', 'other'],
  acquire: ['startup', 'reacquire', 'startup_complete'],
};

function standbyOrigin(reason: string): string {
  if (/\(hb_standby/.test(reason)) return 'hb_standby';
  if (/\(hb_takeover/.test(reason)) return 'hb_takeover';
  if (/\(auto_failback/.test(reason)) return 'auto_failback';
  if (/\(hand-over/.test(reason)) return 'handover';
  return 'other';
}

/**
 * What an activity is, seen from this node. `homeOf` gives a group's home
 * node (haresources' first word); groups coming home are a failback.
 */
export function classifyActivity(a: Activity, localNode: string, homeOf: (key: string) => string | undefined, startedKeys: readonly string[]): MoveClass {
  const allHome = startedKeys.length > 0 && startedKeys.every((k) => homeOf(k) === localNode);
  switch (a.kind) {
    case 'mach-down':
      return { kind: 'takeover', reason: /shut down/.test(a.reason) ? 'peer_shutdown' : 'peer_dead', detail: a.reason };
    case 'acquire-local':
      if (/is dead/.test(a.reason)) return { kind: 'takeover', reason: 'peer_dead', detail: a.reason };
      if (/shut down/.test(a.reason)) return { kind: 'takeover', reason: 'peer_shutdown', detail: a.reason };
      return { kind: 'acquire', reason: 'startup', detail: a.reason };
    case 'standby-acquire':
      if (/shut down/.test(a.reason)) return { kind: 'takeover', reason: 'peer_shutdown', detail: a.reason };
      return { kind: allHome ? 'failback' : 'takeover', reason: 'standby', detail: a.reason };
    case 'legacy-take':
      return { kind: allHome ? 'failback' : 'takeover', reason: 'ip_request', detail: `taken from ${a.from} (ip-request-resp)` };
    case 'reacquire':
      return { kind: 'acquire', reason: 'reacquire', detail: a.reason };
    case 'complete':
      return { kind: 'acquire', reason: 'startup_complete', detail: a.reason };
    case 'standby-release':
      return { kind: 'standby', reason: standbyOrigin(a.reason), detail: a.reason };
    case 'giveup-all':
      return { kind: 'release', reason: 'shutdown', detail: a.reason };
    case 'release':
      if (/partition heal/.test(a.reason)) return { kind: 'release', reason: 'partition_heal', detail: a.reason };
      if (/found running at start-up/.test(a.reason)) return { kind: 'release', reason: 'startup_conflict', detail: a.reason };
      return { kind: 'release', reason: 'other', detail: a.reason };
    case 'legacy-give':
      return { kind: 'release', reason: 'ip_request', detail: `given to ${a.asker} (its ip-request)` };
  }
}

export interface GroupOpResult {
  readonly key: string;
  readonly op: 'start' | 'stop';
  readonly ok: boolean;
  readonly durationMs: number;
}

/** A finished activity that started or stopped at least one group. */
export interface Move extends MoveClass {
  /** The node the groups came from or went to, when the activity names one. */
  readonly peer?: string;
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  readonly failed: readonly GroupOpResult[];
  readonly durationMs: number;
}

function peerOf(a: Activity): string | undefined {
  switch (a.kind) {
    case 'mach-down':
      return a.peer;
    case 'legacy-take':
      return a.from;
    case 'legacy-give':
      return a.asker;
    default: {
      const m = /(?:from|by|to) ([\w.-]+)/.exec(a.reason);
      return m?.[1];
    }
  }
}

interface Tracked {
  readonly activity: Activity;
  readonly fingerprint: string;
  readonly startedAt: number;
  readonly results: GroupOpResult[];
}

/**
 * Follows the manager's running activity. The manager's state is a new value
 * after every step, so an activity is recognised by its content.
 */
export class MoveTracker {
  private tracked: Tracked | undefined;

  constructor(
    private readonly localNode: string,
    private readonly homeOf: (key: string) => string | undefined,
  ) {}

  /** The daemon starts a group operation the running activity asked for. */
  operationStarted(activity: Activity | undefined, now: number): void {
    if (activity === undefined) return;
    const fingerprint = JSON.stringify(activity);
    if (this.tracked?.fingerprint === fingerprint) return;
    this.tracked = { activity, fingerprint, startedAt: now, results: [] };
  }

  operationFinished(result: GroupOpResult): void {
    this.tracked?.results.push(result);
  }

  /**
   * After each manager step: when the tracked activity is no longer the one
   * running, it is over; returns it as a Move (undefined when nothing ended,
   * or when it ended without touching a group).
   */
  settle(running: Activity | undefined, now: number): Move | undefined {
    const t = this.tracked;
    if (t === undefined) return undefined;
    if (running !== undefined && JSON.stringify(running) === t.fingerprint) return undefined;
    this.tracked = undefined;
    if (t.results.length === 0) return undefined;
    const started = t.results.filter((r) => r.op === 'start' && r.ok).map((r) => r.key);
    const stopped = t.results.filter((r) => r.op === 'stop' && r.ok).map((r) => r.key);
    const failed = t.results.filter((r) => !r.ok);
    const cls = classifyActivity(t.activity, this.localNode, this.homeOf, started);
    const peer = peerOf(t.activity);
    return { ...cls, ...(peer === undefined ? {} : { peer }), started, stopped, failed, durationMs: Math.max(0, now - t.startedAt) };
  }
}
