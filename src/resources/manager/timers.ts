// Deadlines live in the state; the shell sends `tick` at nextDeadline(). They
// are also checked at the start of every event, as Heartbeat checks its
// standby timer on every message it receives, so a late tick changes nothing.
import { performAutoFailback, requestDelayExpired } from './negotiation.js';
import { partitionWaitExpired, reannounceKeptGroups } from './reconcile.js';
import { standbyTimerExpired } from './standby.js';
import type { Tx } from './tx.js';

export function fireDueTimers(tx: Tx): void {
  const s = tx.s;
  if (s.config.niceFailback && s.rstate === 'RSCRCVD' && s.rqstDeadline !== null && tx.now >= s.rqstDeadline) {
    requestDelayExpired(tx);
  }
  if (s.standby.deadline !== null && tx.now >= s.standby.deadline) standbyTimerExpired(tx);
  if (s.autoFailbackAt !== null && tx.now >= s.autoFailbackAt) performAutoFailback(tx);
  if (s.partition !== null && tx.now >= s.partition.deadline) partitionWaitExpired(tx);
  if (Object.values(s.reannounce).some((r) => tx.now >= r.deadline)) reannounceKeptGroups(tx);
}
