// Builds the DaemonStatus (the control socket's `status` answer, read by
// cl_status, heartbeat -s and cl_status --json) from the heartbeat layer's
// snapshot, the resource manager's state and the probe supervisor.
import type { ClusterConfig } from '../config/index.js';
import { STATUS_SCHEMA_VERSION, type DaemonStatus, type NodeView, type StatusEvent } from '../control/index.js';
import type { HeartbeatSnapshot } from '../heartbeat/index.js';
import { describeOutcome, type ProbeSupervisor } from '../monitor/index.js';
import { groupViews, isStable, rscStatus, type ManagerState } from '../resources/index.js';

export const HEARTBEAT_TS_VERSION = '0.1.0';
/** What `cl_status hbstatus -v` prints as the version: the protocol level we speak, then who we are. */
export const VERSION_TEXT = `3.0.6 (heartbeat-ts ${HEARTBEAT_TS_VERSION})`;

export interface StatusInputs {
  readonly config: ClusterConfig;
  readonly snapshot: HeartbeatSnapshot;
  readonly manager: ManagerState;
  readonly probes: ProbeSupervisor | undefined;
  readonly pid: number;
  readonly startedAt: number;
  readonly now: number;
  readonly eventLoopLag: { readonly p99: number; readonly max: number };
  /** The recent-events timeline, oldest first. */
  readonly events?: readonly StatusEvent[];
}

function msAgo(now: number, at: number | undefined): number | null {
  return at === undefined ? null : Math.max(0, now - at);
}

export function buildDaemonStatus(inputs: StatusInputs): DaemonStatus {
  const { config, snapshot, manager, now } = inputs;
  const nodes: NodeView[] = snapshot.nodes.map((n) => ({
    name: n.name,
    type: n.type === 'ping' ? 'ping' : 'normal',
    status: n.status,
    isLocal: n.isLocal,
    weight: 100,
    site: '',
    deadtimeMs: n.deadtime ?? null,
    generation: n.generation > 0 ? n.generation : null,
    lastSeq: n.lastSeq ?? null,
    uuid: n.uuid ?? null,
    lastHeardMsAgo: msAgo(now, n.lastStatus),
    links: n.links.map((l) => ({ name: l.name, status: l.status, lastHeardMsAgo: msAgo(now, l.lastHeard) })),
  }));
  const probeStatus = inputs.probes?.status() ?? [];
  const timers = snapshot.timers;
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    version: VERSION_TEXT,
    node: config.localNode,
    pid: inputs.pid,
    uuid: snapshot.uuid,
    generation: snapshot.generation,
    status: snapshot.status,
    managedBy: 'haresources',
    startedAt: new Date(inputs.startedAt).toISOString(),
    configDir: config.configDir,
    nodes,
    resources: {
      rscstatus: rscStatus(manager),
      autoFailback: config.haCf.autoFailback,
      stable: isStable(manager),
      groups: groupViews(manager).map((g) => ({
        key: g.key,
        home: g.home,
        resources: g.resources,
        holder: g.holder,
        state: g.state,
        why: g.why,
        eligible: g.eligible,
      })),
    },
    timers: {
      keepaliveMs: timers.keepalive,
      deadtimeMs: timers.deadtime,
      warntimeMs: timers.warntime,
      initdeadMs: timers.initdead,
      deadpingMs: timers.deadping,
    },
    parameters: config.haCf.directives,
    probes: probeStatus.map((p) => ({
      name: p.name,
      group: p.group ?? null,
      state: p.phase,
      lastOutcome: p.lastOutcome ? describeOutcome(p.lastOutcome) : null,
      runs: p.runs,
      failures: p.failures,
      successes: p.successes,
      lastResultAt: p.lastResultAt ?? null,
    })),
    badPackets: snapshot.badPackets,
    eventLoopLagMs: inputs.eventLoopLag,
    events: inputs.events ?? [],
  };
}
