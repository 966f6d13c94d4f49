// One event in the three shapes its targets take: the arguments and the
// environment of a notify.d script, and the line written to the FIFO and the
// line file. Pure.
import { subjectOf, type StampedEvent } from './events.js';

/** PIPE_BUF: a write to a FIFO up to this size is atomic, so readers never see half lines. */
export const MAX_LINE_BYTES = 4096;

/** `EVENT SUBJECT [REASON]`: the reason only for group events. */
export function eventArgs(stamped: StampedEvent, configDir: string): string[] {
  const e = stamped.event;
  const args = [e.kind, subjectOf(e, configDir)];
  if ('reason' in e) args.push(e.reason);
  return args;
}

function detailOf(stamped: StampedEvent): string {
  const e = stamped.event;
  switch (e.kind) {
    case 'node-up':
      return `${e.nodeType === 'ping' ? 'ping node' : 'node'} ${e.node} is ${e.status}`;
    case 'node-dead':
      return `${e.nodeType === 'ping' ? 'ping node' : 'node'} ${e.node} is dead`;
    default:
      return e.detail;
  }
}

/** The event's HA_NOTIFY_* variables (the daemon adds its usual HA_* environment). */
export function eventEnvironment(stamped: StampedEvent, configDir: string): Record<string, string> {
  const e = stamped.event;
  const env: Record<string, string> = {
    HA_NOTIFY_EVENT: e.kind,
    HA_NOTIFY_SEQ: String(stamped.seq),
    HA_NOTIFY_TIME: stamped.at,
    HA_NOTIFY_SUBJECT: subjectOf(e, configDir),
    HA_NOTIFY_DETAIL: oneLine(detailOf(stamped)),
    HA_NOTIFY_DROPPED: String(stamped.dropped),
  };
  switch (e.kind) {
    case 'node-up':
      env.HA_NOTIFY_STATUS = e.status;
      env.HA_NOTIFY_NODE = e.node;
      env.HA_NOTIFY_NODE_TYPE = e.nodeType;
      break;
    case 'node-dead':
      env.HA_NOTIFY_STATUS = 'dead';
      env.HA_NOTIFY_NODE = e.node;
      env.HA_NOTIFY_NODE_TYPE = e.nodeType;
      break;
    case 'probe-fall':
    case 'probe-rise':
      env.HA_NOTIFY_PROBE = e.probe;
      if (e.group !== undefined) env.HA_NOTIFY_GROUP = e.group;
      break;
    case 'config-reloaded':
      break;
    case 'group-failed':
      env.HA_NOTIFY_OP = e.op;
      env.HA_NOTIFY_GROUP = e.group;
      env.HA_NOTIFY_REASON = e.reason;
      break;
    default:
      env.HA_NOTIFY_GROUP = e.group;
      env.HA_NOTIFY_REASON = e.reason;
  }
  return env;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
}

/** A field of the line: never empty, never with white space (a `read` splits on it). */
function field(text: string): string {
  const cleaned = oneLine(text).replace(/\s+/g, '_');
  return cleaned === '' ? '-' : cleaned;
}

/**
 * `TIME SEQ EVENT SUBJECT REASON DETAIL...`: five fields without white
 * space (REASON `-` when the event has none), then the free text to the end
 * of the line; at most MAX_LINE_BYTES with its newline.
 */
export function eventLine(stamped: StampedEvent, configDir: string): string {
  const e = stamped.event;
  const fixed = [stamped.at, String(stamped.seq), e.kind, field(subjectOf(e, configDir)), 'reason' in e ? e.reason : '-'].join(' ');
  const dropped = stamped.dropped > 0 ? ` (${stamped.dropped} earlier event(s) dropped)` : '';
  let line = `${fixed} ${oneLine(detailOf(stamped))}${dropped}`;
  while (Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES - 1) line = line.slice(0, -Math.max(1, Math.ceil((Buffer.byteLength(line, 'utf8') - MAX_LINE_BYTES + 1) / 4)));
  return `${line}\n`;
}
