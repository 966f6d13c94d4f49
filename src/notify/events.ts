// The events of the ordered notification stream (docs/notifications.md) and
// the reason a group moves, derived from the resource manager's running
// activity. Pure.
import { classifyActivity, type Activity } from '../observe/index.js';

export const NOTIFY_EVENT_NAMES = [
  'node-up',
  'node-dead',
  'group-acquiring',
  'group-held',
  'group-releasing',
  'group-released',
  'group-failed',
  'probe-fall',
  'probe-rise',
  'config-reloaded',
] as const;
export type NotifyEventName = (typeof NOTIFY_EVENT_NAMES)[number];

/**
 * Why a group moves. `ipfail` and `link` are hand-overs asked by ipfail and
 * track_interface; `failed-start` a hand-over after a start failed here.
 */
export const NOTIFY_REASONS = [
  'startup',
  'takeover',
  'failback',
  'standby',
  'probe',
  'ipfail',
  'link',
  'failed-start',
  'shutdown',
  'ip-request',
  'partition',
  'other',
] as const;
export type NotifyReason = (typeof NOTIFY_REASONS)[number];

export type GroupPhase = 'acquiring' | 'held' | 'releasing' | 'released';

export type NotifyEvent =
  | { readonly kind: 'node-up'; readonly node: string; readonly nodeType: string; readonly status: string }
  | { readonly kind: 'node-dead'; readonly node: string; readonly nodeType: string }
  | { readonly kind: `group-${GroupPhase}`; readonly group: string; readonly reason: NotifyReason; readonly detail: string }
  | { readonly kind: 'group-failed'; readonly group: string; readonly reason: NotifyReason; readonly op: 'start' | 'stop'; readonly detail: string }
  | { readonly kind: 'probe-fall' | 'probe-rise'; readonly probe: string; readonly group?: string; readonly detail: string }
  | { readonly kind: 'config-reloaded'; readonly detail: string };

/** An event as delivered: numbered from 1 in the order it happened, with its time. */
export interface StampedEvent {
  readonly seq: number;
  readonly at: string;
  readonly event: NotifyEvent;
  /** Events dropped (queue full) since the previous one delivered to this target. */
  readonly dropped: number;
}

/** The words of a hand-over's text (the manager's `reason`) that name who asked for it. */
function handoverAsker(text: string): NotifyReason | undefined {
  if (/application probe/i.test(text)) return 'probe';
  if (/\bipfail\b/i.test(text)) return 'ipfail';
  if (/\btrack_interface\b|\blink\b/i.test(text)) return 'link';
  if (/failed to start|failure of|failed-start/i.test(text)) return 'failed-start';
  return undefined;
}

/**
 * Why the manager's running activity starts or stops `key` here. No activity
 * (an operation outside any) is `other`.
 */
export function groupReason(activity: Activity | undefined, localNode: string, homeOf: (key: string) => string | undefined, key: string): NotifyReason {
  if (activity === undefined) return 'other';
  const text = 'reason' in activity ? activity.reason : '';
  const asker = /hand-over|application probe/i.test(text) ? handoverAsker(text) : undefined;
  if (asker) return asker;
  const cls = classifyActivity(activity, localNode, homeOf, [key]);
  switch (cls.kind) {
    case 'takeover':
      if (cls.reason === 'standby') return 'standby';
      if (cls.reason === 'ip_request') return 'ip-request';
      return 'takeover';
    case 'failback':
      // Groups coming home: the giver knows whether an admin or auto_failback asked; the taker does not.
      return cls.reason === 'ip_request' ? 'ip-request' : 'failback';
    case 'standby':
      return cls.reason === 'auto_failback' ? 'failback' : 'standby';
    case 'release':
      if (cls.reason === 'shutdown') return 'shutdown';
      if (cls.reason === 'partition_heal') return 'partition';
      if (cls.reason === 'startup_conflict') return 'startup';
      if (cls.reason === 'ip_request') return 'ip-request';
      return 'other';
    case 'acquire':
      return cls.reason === 'reacquire' ? 'standby' : 'startup';
  }
}

/** The event's subject: a node, a group, a probe; the config directory for a reload. */
export function subjectOf(event: NotifyEvent, configDir: string): string {
  switch (event.kind) {
    case 'node-up':
    case 'node-dead':
      return event.node;
    case 'probe-fall':
    case 'probe-rise':
      return event.probe;
    case 'config-reloaded':
      return configDir;
    default:
      return event.group;
  }
}
