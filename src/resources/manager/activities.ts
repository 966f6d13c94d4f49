// Heartbeat runs its resource work in helper children (req_our_resources,
// go_standby, mach_down, hb_giveup_resources, the rc.d scripts) and waits for
// them before it calls itself stable. Here each such job is an Activity in a
// FIFO queue: one runs at a time; its group operations are launched in order,
// up to config.parallelGroups at once (1, Heartbeat's one-by-one, unless
// heartbeat-ts.ini says otherwise; parallel.ts says which may overlap), and
// its last step (a message, a state change) runs when the last result comes
// back. One activity at a time means a group is never started while a stop
// of it is outstanding, and the "is it still right to do this?" checks run
// against the state at the moment each operation is launched.
//
// What an activity does once its last operation is done, and what a failed
// start leads to, belong to the protocol that queued it: step.ts hands them
// in as ActivityHooks, so this runner imports no protocol module.
import { ipRequestMessage, ipRequestRespMessage } from './cluster-message.js';
import { believedHolders, groupData, groupsIn, isHeld, localGroupsToAcquire } from './groups.js';
import { mayLaunch } from './parallel.js';
import { LOCAL, rscName } from './rsc.js';
import { log, send, type Tx } from './tx.js';
import type { Activity, GroupOp, GroupResultEvent, CurrentActivity, StateData } from './types.js';

/** An activity whose operations are all done, as its completion handler sees it. */
export type Finished<K extends Activity['kind']> = Omit<CurrentActivity, 'activity'> & { readonly activity: Extract<Activity, { kind: K }> };

export interface Completion<K extends Activity['kind']> {
  /** The spec section the handler implements. */
  readonly spec: string;
  readonly handle: (tx: Tx, run: Finished<K>) => void;
}

/** The protocol steps the runner calls back into. */
export interface ActivityHooks {
  /** What Heartbeat's helper does when its work is done, by activity kind. */
  readonly completed: { readonly [K in Activity['kind']]: Completion<K> };
  /** A group start failed; the group runner already stopped what it had started. */
  readonly startFailed: (tx: Tx, key: string, resource: string, reason: string) => void;
}

/** More activities than this in one step means a bug looping; the rest waits for the next event. */
const MAX_ACTIVITIES_PER_STEP = 256;

function activityReason(a: Activity): string {
  switch (a.kind) {
    case 'legacy-give':
      return `given to ${a.asker} (its ip-request)`;
    case 'legacy-take':
      return `taken from ${a.from} (ip-request-resp)`;
    default:
      return a.reason;
  }
}

function startsIn(s: StateData, keys: readonly string[]): GroupOp[] {
  return s.config.groups.filter((g) => keys.includes(g.key)).map((g) => ({ op: 'start', key: g.key }));
}

function stopsIn(s: StateData, keys: readonly string[]): GroupOp[] {
  return s.config.groups
    .filter((g) => keys.includes(g.key) && isHeld(groupData(s, g.key)))
    .reverse()
    .map((g) => ({ op: 'stop', key: g.key }));
}

function notHeld(s: StateData, keys: readonly string[]): string[] {
  return keys.filter((key) => !isHeld(groupData(s, key)));
}

/** The operations of an activity, decided when it starts, plus what Heartbeat's child does first. */
function plan(tx: Tx, a: Activity): CurrentActivity {
  const s = tx.s;
  const me = s.config.localNode;
  const run: CurrentActivity = { activity: a, ops: [], next: 0, inFlight: [], stopFailures: [], heldAtStart: false };
  switch (a.kind) {
    case 'acquire-local': {
      const local = groupsIn(s, LOCAL).map((g) => g.key);
      if (local.length === 0) log(tx, 'info', `No local resources [ResourceManager listkeys ${me}] to acquire.`);
      if (a.ask) {
        // req_resource asking nicely (legacy, peer active): copies found running are asked for too.
        for (const key of local) {
          const g = groupData(s, key);
          if (isHeld(g) && !g.foundAtStartup) continue;
          send(tx, ipRequestMessage(key));
          s.legacyAsks[key] = tx.now;
        }
        return run;
      }
      const keys = localGroupsToAcquire(s, a.getAnyway);
      // req_resource's "pretend the owner gave it up" answer to itself (spec §9.3).
      for (const key of keys) send(tx, ipRequestRespMessage(me, key, true));
      run.ops = startsIn(s, keys);
      return run;
    }
    case 'mach-down':
      run.ops = startsIn(s, notHeld(s, s.config.groups.filter((g) => g.node === a.peer).map((g) => g.key)));
      return run;
    case 'standby-release':
      log(tx, 'info', `give up ${rscName(a.rsc)} HA resources (standby).`);
      run.ops = stopsIn(s, groupsIn(s, a.rsc).map((g) => g.key));
      return run;
    case 'standby-acquire':
      log(tx, 'info', `acquire ${rscName(a.acquire)} HA resources (standby).`);
      run.ops = startsIn(s, notHeld(s, groupsIn(s, a.acquire).map((g) => g.key)));
      return run;
    case 'giveup-all':
      log(tx, 'info', 'Giving up all HA resources.');
      run.ops = stopsIn(s, s.config.groups.map((g) => g.key));
      return run;
    case 'legacy-give':
      run.heldAtStart = isHeld(groupData(s, a.key));
      run.ops = stopsIn(s, [a.key]);
      return run;
    case 'legacy-take': {
      const g = groupData(s, a.key);
      if (isHeld(g) && g.foundAtStartup) {
        g.foundAtStartup = false;
        log(
          tx,
          'warn',
          g.state === 'partial'
            ? `Completing resource group ${a.key} found partially running at start-up: ${a.from} gave it up (its resources that run are left alone)`
            : `Adopting resource group ${a.key} found running at start-up: ${a.from} gave it up`,
        );
      }
      run.ops = startsIn(s, [a.key].filter((key) => !isHeld(groupData(s, key)) || groupData(s, key).state === 'partial'));
      return run;
    }
    case 'release':
      run.ops = stopsIn(s, a.keys);
      return run;
    case 'reacquire':
      run.ops = startsIn(s, notHeld(s, a.keys));
      return run;
    case 'complete':
      run.ops = startsIn(s, a.keys);
      return run;
  }
}

/** Whether the next operation is still right now; says why when it is skipped. */
function stillRight(tx: Tx, run: CurrentActivity, op: GroupOp): boolean {
  const s = tx.s;
  const g = groupData(s, op.key);
  if (op.op === 'stop') return isHeld(g);
  // A partially running group is completed by a start (start is idempotent); anything else held is not started again.
  if (isHeld(g) && g.state !== 'partial') return false;
  if (s.shutdown.phase !== 'none') {
    log(tx, 'info', `Not starting resource group ${op.key}: shutdown in progress`);
    return false;
  }
  const holders = believedHolders(s, op.key);
  if (holders.length > 0) {
    log(tx, 'warn', `Not starting resource group ${op.key}: ${holders.join(', ')} holds it`);
    return false;
  }
  const ineligible = s.nodeIneligible ?? g.ineligible;
  if (ineligible !== null) {
    log(tx, 'warn', `Starting resource group ${op.key} although this node is ineligible for it (${ineligible}): no other node holds it (availability first)`);
  }
  if (run.activity.kind === 'mach-down') log(tx, 'info', `Taking over resource group ${op.key}`);
  return true;
}

/** Launch the next operations of the running activity (in order, as many as parallel.ts allows), or finish it. */
function advance(tx: Tx, hooks: ActivityHooks): void {
  const s = tx.s;
  for (;;) {
    const run = s.currentActivity;
    if (run === null) return;
    const op = run.ops[run.next];
    if (op === undefined) {
      if (run.inFlight.length > 0) return;
      s.currentActivity = null;
      (hooks.completed[run.activity.kind] as Completion<Activity['kind']>).handle(tx, run);
      return;
    }
    if (!mayLaunch(s.config.groups, s.config.parallelGroups, run.inFlight, op, s.config.batchedGroups)) return;
    run.next++;
    if (!stillRight(tx, run, op)) continue;
    run.inFlight.push(op);
    groupData(s, op.key).state = op.op === 'start' ? 'starting' : 'stopping';
    tx.out.push({ kind: op.op === 'start' ? 'start-group' : 'stop-group', key: op.key });
  }
}

/** Start queued activities while nothing runs. True when anything happened. */
export function pump(tx: Tx, hooks: ActivityHooks): boolean {
  const s = tx.s;
  let progressed = false;
  for (let i = 0; i < MAX_ACTIVITIES_PER_STEP && s.currentActivity === null; i++) {
    const next = s.queue.shift();
    if (next === undefined) break;
    s.currentActivity = plan(tx, next);
    advance(tx, hooks);
    progressed = true;
  }
  return progressed;
}

function note(tx: Tx, key: string, text: string): void {
  const g = groupData(tx.s, key);
  g.note = text;
  g.noteAt = tx.now;
}

/** The group runner's answer to the operation in flight. */
export function onGroupResult(tx: Tx, ev: GroupResultEvent, hooks: ActivityHooks): void {
  const s = tx.s;
  const run = s.currentActivity;
  const index = run?.inFlight.findIndex((f) => f.key === ev.key && f.op === ev.op) ?? -1;
  if (run === null || run === undefined || index < 0) {
    log(tx, 'warn', `Ignoring a ${ev.op} result for resource group ${ev.key}: no such operation is outstanding`);
    return;
  }
  run.inFlight.splice(index, 1);
  const g = groupData(s, ev.key);
  const reason = activityReason(run.activity);
  if (ev.op === 'start') {
    if (ev.ok) {
      g.state = 'running';
      g.failure = null;
      g.foundAtStartup = false;
      note(tx, ev.key, `started here: ${reason}`);
    } else {
      hooks.startFailed(tx, ev.key, ev.resource, ev.reason);
    }
  } else if (ev.ok) {
    g.state = 'stopped';
    g.foundAtStartup = false;
    note(tx, ev.key, `stopped here: ${reason}`);
  } else {
    g.state = 'stop-failed';
    g.failure = { op: 'stop', resource: ev.resource, reason: ev.reason, at: tx.now };
    note(tx, ev.key, `could not be stopped (${ev.resource}: ${ev.reason}) while ${reason}`);
    run.stopFailures.push(ev.key);
    log(tx, 'crit', `Resource group ${ev.key} failed to stop (${ev.resource}: ${ev.reason}); it stays held by this node`);
    tx.out.push({ kind: 'stop-failed', key: ev.key, resource: ev.resource, reason: ev.reason });
    // Half a standby or half a shutdown is worse than none: stop releasing, keep the rest.
    if (run.activity.kind === 'standby-release' || run.activity.kind === 'giveup-all') run.next = run.ops.length;
  }
  advance(tx, hooks);
}
