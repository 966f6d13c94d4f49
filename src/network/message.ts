// ipfail's messages between the two nodes (Heartbeat 3.0.6 contrib/ipfail):
//   t=num_ping_nodes num_ping=N   "I see N ping nodes" (ask_ping_nodes)
//   t=you_are_dead                "I see more than you said" (you_are_dead)
//   t=abort_giveup                "we are balanced" (send_abort_giveup)
// sent node-to-node (`dest=` the peer). heartbeat-ts adds `hbts_links=up|down`
// (and, for the fast giveup, hbts_fresh / hbts_steady) to num_ping_nodes;
// ipfail reads only num_ping. A Heartbeat 3.0.6 node hands a message of any
// other type to its API clients (and runs rc.d/<t> if such a file exists,
// spec §6), so one without ipfail is not disturbed; one that runs ipfail
// compares counts with us.
import { getString, messageOf, type HbMessage } from '../heartbeat/index.js';

export const T_NUM_PING_NODES = 'num_ping_nodes';
export const T_YOU_ARE_DEAD = 'you_are_dead';
export const T_ABORT_GIVEUP = 'abort_giveup';
/** ipfail's F_NUMPING. */
export const F_NUMPING = 'num_ping';
export const F_HBTS_LINKS = 'hbts_links';
/** ms since the sender last heard a ping node, when it has. */
export const F_HBTS_FRESH = 'hbts_fresh';
/** ms since the sender's count took its current value. */
export const F_HBTS_STEADY = 'hbts_steady';

export interface WireReach {
  readonly pings: number;
  readonly linksUp: boolean;
  readonly lastReplyAgeMs?: number;
  readonly steadyAgeMs?: number;
}

export function reachMessage(reach: WireReach): HbMessage {
  return messageOf([
    ['t', T_NUM_PING_NODES],
    [F_NUMPING, String(reach.pings)],
    [F_HBTS_LINKS, reach.linksUp ? 'up' : 'down'],
    ...(reach.lastReplyAgeMs === undefined ? [] : [[F_HBTS_FRESH, String(Math.max(0, Math.round(reach.lastReplyAgeMs)))] as const]),
    ...(reach.steadyAgeMs === undefined ? [] : [[F_HBTS_STEADY, String(Math.max(0, Math.round(reach.steadyAgeMs)))] as const]),
  ]);
}

export type PeerSays =
  | { readonly kind: 'reach'; readonly reach: WireReach }
  | { readonly kind: 'more' }
  | { readonly kind: 'balanced' }
  | { readonly kind: 'bad'; readonly why: string };

/** What an ipfail message from the peer says; undefined for any other message. */
export function readPeerMessage(type: string, message: HbMessage): PeerSays | undefined {
  if (type === T_YOU_ARE_DEAD) return { kind: 'more' };
  if (type === T_ABORT_GIVEUP) return { kind: 'balanced' };
  if (type !== T_NUM_PING_NODES) return undefined;
  const text = getString(message, F_NUMPING);
  if (text === undefined || !/^\d{1,4}$/.test(text)) return { kind: 'bad', why: `${F_NUMPING}=${text ?? '(missing)'} is not a count` };
  const links = getString(message, F_HBTS_LINKS);
  const fresh = getString(message, F_HBTS_FRESH);
  const steady = getString(message, F_HBTS_STEADY);
  const age = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined);
  const [freshAge, steadyAge] = [age(fresh), age(steady)];
  return {
    kind: 'reach',
    reach: {
      pings: Number(text),
      linksUp: links !== 'down',
      ...(freshAge === undefined ? {} : { lastReplyAgeMs: freshAge }),
      ...(steadyAge === undefined ? {} : { steadyAgeMs: steadyAge }),
    },
  };
}
