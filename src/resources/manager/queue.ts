// The activity queue's two primitives every protocol module needs: add an
// activity, and ask whether any resource work is queued or under way. The
// runner that plans and carries activities out is activities.ts.
import type { Tx } from './tx.js';
import type { Activity } from './types.js';

export function enqueue(tx: Tx, activity: Activity): void {
  tx.s.queue.push(activity);
}

export function busy(s: { readonly currentActivity: unknown; readonly queue: readonly unknown[] }): boolean {
  return s.currentActivity !== null || s.queue.length > 0;
}
