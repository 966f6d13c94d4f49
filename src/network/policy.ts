// Network-aware failover, the decision (ipfail built in, plus keepalived's
// track_interface). Pure: (state, event) → (state, actions), time passed in.
//
// Each node knows its own reach — how many ping nodes / ping groups answer
// (ipfail's ping_node_status: nodes whose status is `ping`) and whether every
// tracked interface has its link — and tells its peer (ipfail's
// `num_ping_nodes` message, network/message.ts). A node is worse off when
//   - a tracked interface is down and the peer's are not (or unknown), or
//   - (ipfail on) its links are as good as the peer's and it reaches fewer
//     ping nodes than the peer does.
// Worse off continuously for `giveupDelay` (ipfail's delay_giveup, 2 ×
// keepalive: both nodes losing the same uplink see their ping nodes die a
// keepalive or so apart, and must not move anything meanwhile) → release:
// the daemon hands the groups over through the standby protocol and the node
// stays ineligible. As well off again continuously for `returnDelay` →
// eligible: with auto_failback on the manager asks for its groups back. The
// return delay is the hysteresis against a flapping link: a link that comes
// back for less than it never brings the groups home.
//
// Nothing is decided without a live peer: there is nobody to hand over to,
// and a peer that died cannot have told us anything current.

export interface Reach {
  /** Ping nodes / ping groups that answer (status `ping`). */
  readonly pings: number;
  /** Every tracked interface has carrier and is up (true when none are tracked). */
  readonly linksUp: boolean;
  /**
   * When this node last heard a ping node (the caller's clock), or null. On
   * the wire it travels as an age (`hbts_fresh`), set when the message leaves.
   */
  readonly lastReplyAt?: number | null;
  /** Since when the count has had its current value (the caller's clock), or null. Wire: `hbts_steady` (an age). */
  readonly steadySince?: number | null;
}

export interface PolicyConfig {
  /** Compare ping counts (ipfail); off = only tracked interfaces count. */
  readonly ipfail: boolean;
  readonly trackInterfaces: readonly string[];
  readonly giveupDelay: number;
  readonly returnDelay: number;
  /**
   * No verdict before this time (ms, the caller's clock): at start-up the
   * ping nodes' statuses settle only within initdead (spec §8.1), and the
   * two nodes see their first replies at different moments.
   */
  readonly judgeFrom: number;
  /**
   * The ping interval (keepalive). When the peer heard a ping node more than
   * two intervals after our last reply, its uplink demonstrably outlived
   * ours: no need to wait giveupDelay for it to lose it too. 0 = never.
   */
  readonly pingIntervalMs?: number;
}

export interface PolicyState {
  readonly config: PolicyConfig;
  readonly pings: number;
  /** When we last heard a ping node, or null. */
  readonly lastReplyAt: number | null;
  /** When `pings` took its current value, or null (never reported). */
  readonly pingsSince: number | null;
  /** Tracked interfaces that are down now. */
  readonly linksDown: readonly string[];
  readonly peerAlive: boolean;
  /** What the peer last said (null: nothing since it came up). */
  readonly peer: Reach | null;
  /** What we last told the peer since it came up (null: nothing yet). */
  readonly told: Reach | null;
  /** We asked for our groups to be handed over and stay ineligible. */
  readonly released: boolean;
  /** Since when the current verdict (worse / not worse) differs from `released`; null = it agrees. */
  readonly pendingSince: number | null;
  /** judgeFrom has passed. */
  readonly judging: boolean;
}

export type PolicyEvent =
  | { readonly type: 'pings'; readonly now: number; readonly count: number; readonly lastReplyAt?: number | null }
  | { readonly type: 'link'; readonly now: number; readonly iface: string; readonly up: boolean }
  | { readonly type: 'peer-up'; readonly now: number }
  | { readonly type: 'peer-dead'; readonly now: number }
  | { readonly type: 'peer-reach'; readonly now: number; readonly reach: Reach }
  /** ipfail's `you_are_dead`: the peer sees more ping nodes than we told it we do. */
  | { readonly type: 'peer-says-more'; readonly now: number }
  | { readonly type: 'tick'; readonly now: number };

export type PolicyAction =
  | { readonly kind: 'tell-peer'; readonly reach: Reach }
  | { readonly kind: 'release'; readonly reason: string }
  | { readonly kind: 'eligible'; readonly reason: string }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn'; readonly text: string };

export interface PolicyResult {
  readonly state: PolicyState;
  readonly actions: readonly PolicyAction[];
}

export function createPolicy(config: PolicyConfig, initialPings = 0): PolicyState {
  return { config, pings: initialPings, lastReplyAt: null, pingsSince: null, linksDown: [], peerAlive: false, peer: null, told: null, released: false, pendingSince: null, judging: config.judgeFrom <= 0 };
}

export function localReach(s: PolicyState): Reach {
  return { pings: s.pings, linksUp: s.linksDown.length === 0, lastReplyAt: s.lastReplyAt, steadySince: s.pingsSince };
}

function sameReach(a: Reach | null, b: Reach): boolean {
  return a !== null && a.pings === b.pings && a.linksUp === b.linksUp;
}

/** Why this node is worse off than its peer, or null when it is not. */
/** Who asks (notifications and logs tell a tracked link from ipfail's ping count). */
function releaseReason(why: string): string {
  return `${why.startsWith('link ') ? 'track_interface' : 'ipfail'}: ${why}`;
}

export function worseOff(s: PolicyState): string | null {
  if (!s.peerAlive) return null;
  const peerLinksUp = s.peer?.linksUp ?? true;
  if (s.linksDown.length > 0 && peerLinksUp) {
    return `link ${s.linksDown.join(', ')} down${s.peer === null ? '' : ' and the peer\'s tracked links are up'}`;
  }
  if (!s.config.ipfail || s.peer === null) return null;
  if (s.linksDown.length > 0 !== !peerLinksUp) return null;
  if (s.pings < s.peer.pings) return `we have less visible ping nodes (${s.pings}) than the other node (${s.peer.pings})`;
  return null;
}

/**
 * Why waiting for the peer to lose its ping nodes too is pointless, or null:
 * the peer has seen its count since before our last reply, and its freshest
 * reply came more than two ping intervals after ours — its uplink outlived
 * ours. (When both uplinks fail together, the two last replies are within an
 * interval; when both come back, the peer's count is new.)
 */
function peerOutlivedUs(s: PolicyState): string | null {
  const interval = s.config.pingIntervalMs ?? 0;
  const peerAt = s.peer?.lastReplyAt;
  const peerSteady = s.peer?.steadySince;
  if (interval <= 0 || s.lastReplyAt === null || peerAt === undefined || peerAt === null) return null;
  if (peerSteady === undefined || peerSteady === null || peerSteady > s.lastReplyAt) return null;
  if (s.peer === null || s.pings >= s.peer.pings || s.linksDown.length > 0) return null;
  const lead = peerAt - s.lastReplyAt;
  if (lead <= 2 * interval) return null;
  return `the other node heard a ping node ${Math.round(lead)} ms after our last reply`;
}

/** When the pending verdict takes effect (for the caller's timer), or null. */
export function nextDeadline(s: PolicyState): number | null {
  if (!s.judging) return s.config.judgeFrom;
  if (s.pendingSince === null) return null;
  return s.pendingSince + (s.released ? s.config.returnDelay : s.config.giveupDelay);
}

export function stepPolicy(state: PolicyState, event: PolicyEvent): PolicyResult {
  const actions: PolicyAction[] = [];
  let s: PolicyState = state;
  const log = (level: 'info' | 'warn', text: string): void => void actions.push({ kind: 'log', level, text });

  switch (event.type) {
    case 'pings':
      if (event.lastReplyAt !== undefined) s = { ...s, lastReplyAt: event.lastReplyAt };
      if (s.pingsSince === null) s = { ...s, pingsSince: event.now };
      if (event.count === s.pings) break;
      log('info', event.count < s.pings ? `A ping node is no longer reachable: ${event.count} visible now` : `A ping node just came up: ${event.count} visible now`);
      s = { ...s, pings: Math.max(0, event.count), pingsSince: event.now };
      break;
    case 'link': {
      const down = s.linksDown.includes(event.iface);
      if (!s.config.trackInterfaces.includes(event.iface) || down === !event.up) break;
      log(event.up ? 'info' : 'warn', `Link status update: tracked interface ${event.iface} is now ${event.up ? 'up' : 'down'}`);
      s = { ...s, linksDown: event.up ? s.linksDown.filter((i) => i !== event.iface) : [...s.linksDown, event.iface].sort() };
      break;
    }
    case 'peer-up':
      if (s.peerAlive) break;
      s = { ...s, peerAlive: true, peer: null, told: null };
      break;
    case 'peer-dead':
      if (!s.peerAlive) break;
      s = { ...s, peerAlive: false, peer: null, told: null };
      break;
    case 'peer-reach':
      if (!s.peerAlive) s = { ...s, peerAlive: true, told: null };
      s = { ...s, peer: event.reach };
      // The peer sees fewer than we do: answer with our fresh view, as
      // ipfail answers with you_are_dead (it may give up at once on it).
      if (event.reach.pings < s.pings) s = { ...s, told: null };
      break;
    case 'peer-says-more':
      if (!s.peerAlive) s = { ...s, peerAlive: true, told: null };
      s = { ...s, peer: { pings: Math.max(s.peer?.pings ?? 0, s.pings + 1), linksUp: s.peer?.linksUp ?? true } };
      break;
    case 'tick':
      break;
  }

  // The peer always knows our current reach (ipfail asks on every change;
  // a peer that just came up, or spoke first, gets it too).
  const reach = localReach(s);
  if (s.peerAlive && !sameReach(s.told, reach)) {
    actions.push({ kind: 'tell-peer', reach });
    s = { ...s, told: reach };
  }

  if (!s.judging) {
    if (event.now < s.config.judgeFrom) return { state: s, actions };
    s = { ...s, judging: true };
  }
  const why = worseOff(s);
  const wantReleased = why !== null;
  if (wantReleased === s.released) {
    if (s.pendingSince !== null) {
      log('info', s.released ? 'Worse off than the other node again: the groups stay where they are' : 'No longer worse off than the other node: aborted delayed giveup');
      s = { ...s, pendingSince: null };
    }
    return { state: s, actions };
  }
  const evidence = wantReleased ? peerOutlivedUs(s) : null;
  if (evidence !== null) {
    log('warn', `Giving up all resources at once: ${why}; ${evidence}`);
    actions.push({ kind: 'release', reason: releaseReason(why ?? '') });
    return { state: { ...s, released: true, pendingSince: null }, actions };
  }
  if (s.pendingSince === null) {
    s = { ...s, pendingSince: event.now };
    if (wantReleased) log('info', `Delayed giveup in ${formatSeconds(s.config.giveupDelay)}: ${why}`);
    else log('info', `As well off as the other node again: groups may come back in ${formatSeconds(s.config.returnDelay)} unless that changes`);
  }
  if (event.now < (nextDeadline(s) ?? Infinity)) return { state: s, actions };
  if (wantReleased) {
    log('warn', `Giving up all resources: ${why}`);
    actions.push({ kind: 'release', reason: releaseReason(why) });
  } else {
    const reason = s.config.trackInterfaces.length > 0 && !s.config.ipfail ? 'tracked links are up again' : 'ping node count is balanced again';
    log('info', `This node may hold its resources again: ${reason}`);
    actions.push({ kind: 'eligible', reason: `ipfail: ${reason}` });
  }
  s = { ...s, released: wantReleased, pendingSince: null };
  return { state: s, actions };
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
