// The daemon's view of the cluster, as answered to `status` on the control
// socket. cl_status, heartbeat -s and cl_status --json read it; it is the
// machine form (stable field names; add fields, never rename).
//
// `schemaVersion` versions this shape (schema/status.schema.json describes
// it): an added field bumps the minor version, a changed or removed one the
// major version.

export const STATUS_SCHEMA_VERSION = '1.0.0';

/** What `cl_status --json` prints and `/status.json` serves: the same bytes for the same status. */
export function formatStatusJson(status: DaemonStatus): string {
  return `${JSON.stringify(status, null, 2)}\n`;
}

export type StatusEventKind =
  | 'daemon-start'
  | 'takeover'
  | 'failback'
  | 'standby'
  | 'release'
  | 'acquire'
  | 'group-failed'
  | 'node-dead'
  | 'node-up'
  | 'link-dead'
  | 'link-up'
  | 'partition'
  | 'peer-restart'
  | 'probe-failed'
  | 'probe-recovered'
  | 'probe-release'
  | 'probe-eligible'
  | 'shutdown';

/** One entry of the recent-events timeline (a bounded ring buffer in the daemon). */
export interface StatusEvent {
  /** ISO 8601 time the event ended (for a move: when its last group operation finished). */
  readonly at: string;
  readonly kind: StatusEventKind;
  /** A sentence for a person. */
  readonly text: string;
  /** The node the event is about (a peer that died, the node groups came from or went to). */
  readonly node?: string;
  readonly groups?: readonly string[];
  /** A fixed word (the metrics' `reason` label), for moves. */
  readonly reason?: string;
  /** How long a move took (first group operation started → last one finished), ms. */
  readonly durationMs?: number;
}

/** Heartbeat's node states (spec §8.2); a peer may report other words, kept as sent. */
export type NodeStatusValue = 'init' | 'up' | 'active' | 'dead' | 'ping' | (string & {});

export interface LinkView {
  /** Medium name as Heartbeat names links: the interface (eth0) for bcast/mcast/ucast. */
  readonly name: string;
  readonly status: 'up' | 'dead';
  /** Milliseconds since a packet from this node arrived on this link; null = never. */
  readonly lastHeardMsAgo: number | null;
}

export interface NodeView {
  readonly name: string;
  readonly type: 'normal' | 'ping';
  readonly status: NodeStatusValue;
  readonly isLocal: boolean;
  readonly weight: number;
  readonly site: string;
  /** Dead time this node asked us to apply to it (its advertised dt), ms. */
  readonly deadtimeMs: number | null;
  readonly generation: number | null;
  readonly lastSeq: number | null;
  readonly uuid: string | null;
  /** Milliseconds since a status from this node was accepted; null = never. */
  readonly lastHeardMsAgo: number | null;
  readonly links: readonly LinkView[];
}

export interface GroupView {
  readonly key: string;
  readonly home: string;
  readonly resources: readonly string[];
  /** Who this node believes holds the group: a node name, 'none', or 'unknown'. */
  readonly holder: string;
  /** Local state of the group on this node. */
  readonly state: string;
  /** Why this node holds the group, or why not (a sentence). */
  readonly why: string;
  /** False while an application probe keeps this node from taking the group back. */
  readonly eligible: boolean;
}

export interface DaemonStatus {
  /** The version of this shape (STATUS_SCHEMA_VERSION), semver. */
  readonly schemaVersion: string;
  readonly version: string;
  readonly node: string;
  readonly pid: number;
  readonly uuid: string;
  readonly generation: number;
  readonly status: NodeStatusValue;
  readonly managedBy: 'haresources';
  readonly startedAt: string;
  readonly configDir: string;
  readonly nodes: readonly NodeView[];
  readonly resources: {
    /** Heartbeat's rscstatus: none | local | foreign | all | transition. */
    readonly rscstatus: 'none' | 'local' | 'foreign' | 'all' | 'transition';
    readonly autoFailback: 'on' | 'off' | 'legacy';
    readonly stable: boolean;
    readonly groups: readonly GroupView[];
  };
  readonly timers: {
    readonly keepaliveMs: number;
    readonly deadtimeMs: number;
    readonly warntimeMs: number;
    readonly initdeadMs: number;
    readonly deadpingMs: number;
  };
  /** ha.cf directives with their effective values as written (cl_status hbparameter). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly probes: readonly {
    readonly name: string;
    readonly group: string | null;
    readonly state: string;
    readonly lastOutcome: string | null;
    readonly runs: number;
    readonly failures: number;
    readonly successes: number;
    /** Epoch ms of the last result; null = no result yet. */
    readonly lastResultAt: number | null;
  }[];
  /** Datagrams dropped as malformed or unauthenticated since start (rate-limited in the log). */
  readonly badPackets: number;
  /** Event-loop lag figures, ms (p99 over the last minute, and max). */
  readonly eventLoopLagMs: { readonly p99: number; readonly max: number };
  /** Recent events, oldest first (takeovers with their durations, standbys, dead nodes, partitions, probe failures). */
  readonly events: readonly StatusEvent[];
}
