// The daemon's recent history for people: a bounded ring buffer of typed
// events (takeovers with their durations, standbys, releases, nodes going
// dead or coming back, partitions, probe failures). `cl_status --json`
// carries it as `events`; the status page draws its timeline from it.
import type { StatusEvent, StatusEventKind } from '../control/index.js';

export type ClusterEvent = StatusEvent;
export type ClusterEventKind = StatusEventKind;

/** Default number of events kept: enough for a morning of trouble, small enough to poll every second. */
export const EVENT_JOURNAL_CAPACITY = 100;

export class EventJournal {
  private readonly ring: ClusterEvent[] = [];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number = EVENT_JOURNAL_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`event journal capacity must be a positive integer, not ${capacity}`);
  }

  add(event: Omit<ClusterEvent, 'at'> & { readonly at?: string }, now: number = Date.now()): ClusterEvent {
    const stored: ClusterEvent = { ...event, at: event.at ?? new Date(now).toISOString() };
    this.ring[this.next] = stored;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
    return stored;
  }

  /** Oldest first. */
  list(): ClusterEvent[] {
    if (this.count < this.capacity) return this.ring.slice(0, this.count);
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
