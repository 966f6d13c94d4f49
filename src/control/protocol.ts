// The admin control protocol: a Unix socket in the run dir (mode 0600, so
// only root reaches it), one JSON request per connection, one JSON answer.
// Requests and answers are single lines of JSON terminated by "\n".
import { join } from 'node:path';

export const CONTROL_SOCKET_NAME = 'control.sock';

export function controlSocketPath(runDir: string): string {
  return join(runDir, CONTROL_SOCKET_NAME);
}

/** Heartbeat's resource scopes (spec §9.2, §9.5). */
export type ResourceScope = 'all' | 'local' | 'foreign' | 'failback';
export const RESOURCE_SCOPES: readonly ResourceScope[] = ['all', 'local', 'foreign', 'failback'];

export type ControlRequest =
  | { readonly command: 'status' }
  | { readonly command: 'standby'; readonly scope: ResourceScope }
  | { readonly command: 'takeover'; readonly scope: ResourceScope }
  /** Graceful shutdown (what SIGTERM / heartbeat -k do). */
  | { readonly command: 'shutdown'; readonly reason?: string }
  /** Re-read the configuration (what SIGHUP / heartbeat -r do). */
  | { readonly command: 'reload' }
  /** An application probe outside the daemon (hb_probe --then standby) asks to release a group, or all groups. */
  | { readonly command: 'probe-release'; readonly group?: string; readonly reason: string };

export type ControlResponse =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: string };

/**
 * The longest the daemon takes to answer hb_standby / hb_takeover: it waits
 * for the cluster to settle, then for the outcome of the standby (the other
 * node's answer, or Heartbeat's 10 s "No reply to standby request").
 * Clients wait longer than this (ADMIN_CLIENT_WAIT_MS), so they always get
 * the daemon's answer.
 */
export const ADMIN_ANSWER_LIMIT_MS = 30_000;
export const ADMIN_CLIENT_WAIT_MS = ADMIN_ANSWER_LIMIT_MS + 10_000;

/** Largest request or answer accepted, so a confused client cannot make the daemon buffer without bound. */
export const MAX_CONTROL_MESSAGE_BYTES = 1 << 20;

/** Validates an untrusted request; returns a sentence describing what is wrong otherwise. */
export function parseControlRequest(text: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the request is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the request must be a JSON object';
  const r = value as Record<string, unknown>;
  switch (r.command) {
    case 'status':
    case 'reload':
      return { command: r.command };
    case 'standby':
    case 'takeover': {
      const scope = r.scope ?? 'all';
      if (typeof scope !== 'string' || !RESOURCE_SCOPES.includes(scope as ResourceScope)) {
        return `scope must be one of ${RESOURCE_SCOPES.join(', ')}`;
      }
      return { command: r.command, scope: scope as ResourceScope };
    }
    case 'shutdown':
      if (r.reason !== undefined && typeof r.reason !== 'string') return 'reason must be a string';
      return r.reason === undefined ? { command: 'shutdown' } : { command: 'shutdown', reason: r.reason };
    case 'probe-release':
      if (r.group !== undefined && typeof r.group !== 'string') return 'group must be a string';
      if (typeof r.reason !== 'string' || r.reason === '') return 'probe-release needs a reason';
      return r.group === undefined
        ? { command: 'probe-release', reason: r.reason }
        : { command: 'probe-release', group: r.group, reason: r.reason };
    default:
      return `unknown command ${JSON.stringify(r.command)}; known: status, standby, takeover, shutdown, reload, probe-release`;
  }
}
