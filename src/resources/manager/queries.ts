// Read-only questions the daemon asks for status (cl_status rscstatus, the
// --json view): pure functions of the state.
import { busy } from './queue.js';
import { believedHolders, categoryFrom, groupConfig, heldBits, isHeld, wireHold } from './groups.js';
import { rscName, type RscName } from './rsc.js';
import { seconds } from './tx.js';
import type { GroupData, ManagerState, ResourceStateName, StateData } from './types.js';

type AnyState = StateData | ManagerState;

/** hb_rsc_isstable(): no resource activity here, none announced by the peer, no standby running. */
export function isStable(s: AnyState): boolean {
  if (!s.config.niceFailback) return !busy(s) && !s.config.groups.some((g) => (s.groups[g.key] as GroupData).state === 'partial');
  if (busy(s)) return false;
  // Everything released and shutdone sent: nothing here can move any more.
  if (s.shutdown.phase === 'done') return true;
  // Heartbeat's special case for a shutdown requested before negotiation began.
  if (s.shutdown.phase !== 'none' && s.rstate === 'INIT') return true;
  // A group found half up is neither held nor released until it is completed or stopped.
  if (s.config.groups.some((g) => (s.groups[g.key] as GroupData).state === 'partial')) return false;
  return (
    s.otherStable &&
    !s.takeoverInProgress &&
    s.standby.phase === 'NOT' &&
    s.standby.deadline === null &&
    s.partition === null &&
    (s.rstate === 'STABLE' || s.rstate === 'SHUTDOWN' || s.rstate === 'INIT')
  );
}

/**
 * cl_status rscstatus (spec §11, §9.2): what this node holds when stable,
 * else `transition`. In legacy mode Heartbeat always says `none` (it tracks
 * nothing); heartbeat-ts reports the groups it actually runs.
 */
export function rscStatus(s: AnyState): RscName | 'transition' {
  if (!isStable(s)) return 'transition';
  return rscName(s.config.niceFailback ? wireHold(s) : heldBits(s));
}

export function resourceState(s: AnyState): ResourceStateName {
  return s.rstate;
}

export interface ManagerGroupView {
  readonly key: string;
  /** The group's home node (haresources). */
  readonly home: string;
  readonly resources: readonly string[];
  /** Who this node believes holds it: a node name (this node's own name when it holds it), 'none' or 'unknown'. */
  readonly holder: string;
  readonly heldHere: boolean;
  readonly state: GroupData['state'];
  /** Why this node holds it or not, as a sentence. */
  readonly why: string;
  /** False while an application probe keeps this node from pulling the group back. */
  readonly eligible: boolean;
}

function holderOf(s: AnyState, key: string, home: string): string {
  const g = s.groups[key] as GroupData;
  if (isHeld(g)) return s.config.localNode;
  const holders = believedHolders(s, key);
  if (holders[0] !== undefined) return holders[0];
  if (!s.commUp) return 'unknown';
  if (!s.config.niceFailback) {
    // Legacy mode exchanges no holdings; an active home node takes its own groups.
    return home !== s.config.localNode && s.peers[home]?.status === 'active' ? home : 'unknown';
  }
  return s.rstate === 'STARTING' || s.rstate === 'BOTHSTARTING' ? 'unknown' : 'none';
}

function inFlightReason(s: AnyState, key: string): string {
  const run = s.currentActivity;
  if (run === null || !run.inFlight.some((op) => op.key === key)) return 'resource activity';
  const a = run.activity;
  if (a.kind === 'legacy-give') return `given to ${a.asker} (its ip-request)`;
  if (a.kind === 'legacy-take') return `taken from ${a.from} (ip-request-resp)`;
  return a.reason;
}

function explain(s: AnyState, key: string, home: string, holder: string): string {
  const g = s.groups[key] as GroupData;
  const me = s.config.localNode;
  const parts: string[] = [];
  const last = g.note === '' ? '' : ` Last change here: ${g.note}.`;
  switch (g.state) {
    case 'running':
      parts.push(`This node holds it: ${g.note === '' ? 'it is running here' : g.note}.`);
      break;
    case 'partial':
      parts.push(
        'This node runs only part of it: some of its resources were found running at start-up and others not. It is not reported as held: it is completed (started) if this node keeps it, stopped if another node holds it.',
      );
      break;
    case 'starting':
      parts.push(`This node is starting it: ${inFlightReason(s, key)}.`);
      break;
    case 'stopping':
      parts.push(`This node is stopping it: ${inFlightReason(s, key)}.`);
      break;
    case 'stop-failed':
      parts.push(
        `This node still holds it: it could not be stopped (${g.failure?.resource ?? '?'}: ${g.failure?.reason ?? '?'}), so no node may start it on this node's word.`,
      );
      break;
    case 'failed': {
      parts.push(`This node does not hold it: it failed to start here (${g.failure?.resource ?? '?'}: ${g.failure?.reason ?? '?'}) and was stopped again.`);
      const h = s.handovers.find((x) => x.keys.includes(key));
      if (h !== undefined) parts.push(`It is handed to the other node in ${seconds(Math.max(0, h.dueAt - s.now))} (standby).`);
      if (holder !== 'none' && holder !== 'unknown') parts.push(`${holder} holds it now.`);
      break;
    }
    case 'stopped':
      if (holder === 'unknown') {
        parts.push(
          s.commUp
            ? 'Not held here; which node holds it is not known (start-up negotiation in progress, or auto_failback legacy, which reports no holdings).'
            : 'Not held here; communication is not up yet, so nothing has been negotiated.',
        );
      } else if (holder === 'none') {
        parts.push('Not held here, and as far as this node knows no other node holds it.');
      } else if (s.config.niceFailback) {
        const peer = s.peers[holder];
        const cfg = groupConfig(s, key);
        const kind = cfg !== undefined && categoryFrom(cfg, holder) === 1 ? 'local (its home node)' : 'foreign';
        parts.push(`${holder} holds it: it reported rsc_hold=${peer === undefined ? '?' : rscName(peer.holds)}, and for ${holder} this group is ${kind}.`);
      } else {
        parts.push(
          s.peers[holder]?.legacyHolds.includes(key) === true
            ? `${holder} holds it: it asked for it (ip-request) and this node let it go, or it took it without asking (its own ip-request-resp).`
            : `${holder} presumably holds it: it is the home node and active, and auto_failback legacy gives every group to its home node.`,
        );
      }
      parts.push(last.trim());
      break;
  }
  if (home === me && g.state === 'stopped' && holder !== me && s.config.autoFailback === 'off' && s.config.niceFailback && holder !== 'none' && holder !== 'unknown') {
    parts.push('auto_failback off: it stays there until an admin moves it.');
  }
  if (s.nodeIneligible !== null) parts.push(`This node is ineligible for every group: ${s.nodeIneligible}.`);
  else if (g.ineligible !== null) parts.push(`This node is ineligible for it: ${g.ineligible}.`);
  if (g.foundAtStartup) parts.push('It was found running at start-up and is not adopted or released yet.');
  return parts.filter((p) => p !== '').join(' ');
}

export function groupViews(s: AnyState): ManagerGroupView[] {
  return s.config.groups.map((cfg) => {
    const g = s.groups[cfg.key] as GroupData;
    const holder = holderOf(s, cfg.key, cfg.node);
    return {
      key: cfg.key,
      home: cfg.node,
      resources: cfg.resources.map((r) => r.token),
      holder,
      heldHere: isHeld(g),
      state: g.state,
      why: explain(s, cfg.key, cfg.node, holder),
      eligible: s.nodeIneligible === null && g.ineligible === null,
    };
  });
}
