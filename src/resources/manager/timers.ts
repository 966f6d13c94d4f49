// Every deadline of the manager, listed once: when it is due (read from the
// state) and what fires it. nextDeadline() tells the shell when to send the
// next `tick`; fireDueTimers() runs at the start of every event, as Heartbeat
// checks its standby timer on every message it receives, so a late tick
// changes nothing.
//
// Three deadlines (hand-overs, the auto_failback pull, the shutdown settle
// limit) are fired by settle() in step.ts rather than here: it retries them
// after every event, because they also wait for conditions only events change
// (a peer ready, resource activity over). Their due time only schedules a
// tick; once overdue they need none (the next event retries them).
import { performAutoFailback, requestDelayExpired } from './negotiation.js';
import { partitionWaitExpired, reannounceKeptGroups } from './reconcile.js';
import { standbyTimerExpired } from './standby.js';
import type { Tx } from './tx.js';
import type { ManagerState, StateData } from './types.js';

type AnyState = StateData | ManagerState;

export interface Timer {
  readonly name: string;
  /** The spec section (or issue) the deadline comes from. */
  readonly spec: string;
  /** When it is due (monotonic ms), or null while it is not armed. */
  readonly due: (s: AnyState) => number | null;
  /** What runs at the start of a step once it is due; 'settle': settle() retries it after every event (see above). */
  readonly fire: ((tx: Tx) => void) | 'settle';
}

function earliest(times: readonly number[]): number | null {
  return times.length === 0 ? null : Math.min(...times);
}

/** In firing order: a timer fired may change what the next one sees. */
export const TIMERS: readonly Timer[] = [
  {
    name: 'RQSTDELAY (start-up fallback)',
    spec: '§9.3',
    due: (s) => (s.config.niceFailback && s.rstate === 'RSCRCVD' ? s.rqstDeadline : null),
    fire: requestDelayExpired,
  },
  { name: 'standby reply / resource timeout', spec: '§9.5', due: (s) => s.standby.deadline, fire: standbyTimerExpired },
  { name: 'auto_failback retry', spec: '§9.5', due: (s) => s.autoFailbackAt, fire: performAutoFailback },
  { name: 'partition heal: wait for the holdings of the peer', spec: '§7.1, §12.5', due: (s) => s.partition?.deadline ?? null, fire: partitionWaitExpired },
  {
    name: 'partition heal: announce kept groups again',
    spec: '§7.1, §12.5',
    due: (s) => earliest(Object.values(s.reannounce).map((r) => r.deadline)),
    fire: reannounceKeptGroups,
  },
  // attemptHandovers() in settle()
  { name: 'hand-over (failed start, application probe)', spec: '§9.1, issue 6', due: (s) => earliest(s.handovers.map((h) => h.dueAt).filter((at) => at > s.now)), fire: 'settle' },
  // attemptPull() in settle()
  { name: 'auto_failback pull (hb_takeover local)', spec: 'issue 6', due: (s) => (s.pull !== null && s.pull.dueAt > s.now ? s.pull.dueAt : null), fire: 'settle' },
  // tryShutdown() in settle()
  { name: 'shutdown settle limit', spec: '§9.7', due: (s) => (s.shutdown.phase === 'waiting' ? s.shutdown.forceAt : null), fire: 'settle' },
];

/** Fire, in order, every timer of TIMERS that is due and fired here. */
export function fireDueTimers(tx: Tx): void {
  for (const timer of TIMERS) {
    if (timer.fire === 'settle') continue;
    const at = timer.due(tx.s);
    if (at !== null && tx.now >= at) timer.fire(tx);
  }
}

/** When the daemon must send the next `tick` (monotonic ms), or undefined when no timer runs. */
export function nextDeadline(s: AnyState): number | undefined {
  return earliest(TIMERS.map((t) => t.due(s)).filter((at): at is number => at !== null)) ?? undefined;
}
