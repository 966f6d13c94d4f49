// The one event a HeartbeatNode emits: the membership machine's actions for
// the layer above, passed through as they are (`type` renamed `kind`, since a
// cluster message has a `type` of its own), plus what only the shell sees
// (bad packets). A new membership action reaches listeners without an edit
// here; only `deliver` (named `message` for the layer above) and
// `nodeStatus` (which says whether it is ours) are shaped.
import type { MembershipAction } from '../membership/index.js';
import type { HeartbeatEvent } from './types.js';

/** The event for the layer above, or undefined for what the shell performs itself. */
export function toHeartbeatEvent(action: MembershipAction, localNode: string): HeartbeatEvent | undefined {
  switch (action.type) {
    case 'transmit':
    case 'log':
      return undefined;
    case 'deliver': {
      const { type: _t, messageType, ...rest } = action;
      return { kind: 'message', ...rest, type: messageType };
    }
    case 'nodeStatus': {
      const { type: _t, ...rest } = action;
      return { kind: 'nodeStatus', ...rest, isLocal: action.node === localNode };
    }
    default: {
      const { type, ...rest } = action;
      return { kind: type, ...rest } as HeartbeatEvent;
    }
  }
}
