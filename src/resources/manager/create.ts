// The initial state, from a checked configuration.
import { ALL, NONE } from './rsc.js';
import { freezeState } from './tx.js';
import { DEFAULT_TIMERS, type ManagerConfig, type ManagerInit, type ManagerState, type ManagerTimers, type StateData } from './types.js';

export class ManagerConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`resource manager configuration: ${problems.join('; ')}`);
    this.name = 'ManagerConfigError';
  }
}

function checkConfig(init: ManagerInit): { config: ManagerConfig; problems: string[] } {
  const problems: string[] = [];
  const nodes = [...init.nodes];
  const me = init.localNode;
  for (const n of nodes) if (n !== n.toLowerCase() || n === '') problems.push(`node name "${n}" must be non-empty and lower-case`);
  if (new Set(nodes).size !== nodes.length) problems.push(`duplicate node names in [${nodes.join(' ')}]`);
  if (!nodes.includes(me)) problems.push(`this node "${me}" is not one of the nodes [${nodes.join(' ')}]`);
  const keys = new Set<string>();
  for (const g of init.groups) {
    if (!nodes.includes(g.node)) problems.push(`haresources line ${g.line}: group ${g.key} has home node "${g.node}", which is not a node`);
    if (keys.has(g.key)) problems.push(`haresources line ${g.line}: group key ${g.key} is not unique`);
    keys.add(g.key);
  }
  if (!['on', 'off', 'legacy'].includes(init.autoFailback)) problems.push(`auto_failback must be on, off or legacy, not "${String(init.autoFailback)}"`);
  if (!Number.isFinite(init.failedStartStandbyDelay) || init.failedStartStandbyDelay < 0) {
    problems.push(`failedStartStandbyDelay must be a number of milliseconds >= 0, not ${String(init.failedStartStandbyDelay)}`);
  }
  const parallelGroups = init.parallelGroups ?? 1;
  if (!Number.isInteger(parallelGroups) || parallelGroups < 1) problems.push(`parallelGroups must be an integer >= 1, not ${String(init.parallelGroups)}`);
  const timers: ManagerTimers = { ...DEFAULT_TIMERS, ...(init.timers ?? {}) };
  for (const [name, value] of Object.entries(timers)) {
    if (!Number.isFinite(value) || value <= 0) problems.push(`timer ${name} must be a positive number of milliseconds, not ${String(value)}`);
  }
  const config: ManagerConfig = {
    localNode: me,
    nodes,
    peers: nodes.filter((n) => n !== me),
    groups: [...init.groups],
    autoFailback: init.autoFailback,
    niceFailback: init.autoFailback !== 'legacy',
    failedStartStandbyDelay: init.failedStartStandbyDelay,
    timers,
    parallelGroups,
    batchedGroups: (init.batchedGroups ?? []).filter((key) => keys.has(key)),
  };
  return { config, problems };
}

/** The manager before any event. Throws ManagerConfigError listing every problem of `init`. */
export function createManager(init: ManagerInit): ManagerState {
  const { config, problems } = checkConfig(init);
  if (problems.length > 0) throw new ManagerConfigError(problems);
  const s: StateData = {
    config,
    now: 0,
    started: false,
    commUp: false,
    rstate: 'INIT',
    claim: NONE,
    otherStable: false,
    takeoverInProgress: false,
    needsFailback: false,
    autoFailbackAt: null,
    rqstDeadline: null,
    localWorkDone: false,
    foreignWorkDone: false,
    announced: false,
    announceReason: null,
    standby: { phase: 'NOT', rsc: ALL, deadline: null, partner: null, origin: '', role: null, adminId: null },
    peers: Object.fromEntries(
      config.peers.map((p) => [p, { status: 'init' as const, anyPackets: false, holds: NONE, hasResources: true, legacyHolds: [], negotiated: false, starting: false }]),
    ),
    groups: Object.fromEntries(
      config.groups.map((g) => [g.key, { state: 'stopped' as const, foundAtStartup: false, ineligible: null, failure: null, note: '', noteAt: 0 }]),
    ),
    currentActivity: null,
    queue: [],
    shutdown: { phase: 'none', claimBefore: NONE, reason: '', forceAt: null, forced: false, delayLogged: false },
    handovers: [],
    pull: null,
    partition: null,
    healPending: null,
    reannounce: {},
    splitSeenBy: [],
    legacyAsks: {},
    nodeIneligible: null,
    audit: [],
  };
  return freezeState(s);
}
