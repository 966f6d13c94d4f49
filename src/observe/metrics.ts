// /metrics: the Prometheus exposition, built with prom-client on a registry
// of its own (no default process metrics, no global state). Gauges and the
// heartbeat layer's counters are read at scrape time from the daemon's
// status (what `cl_status --json` prints) and the heartbeat counters; moves,
// group operations and probe results are counted as they happen.
// Names: heartbeat_ts_*, counters end in _total, times in _seconds.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DaemonStatus } from '../control/index.js';
import type { HeartbeatCounters } from '../heartbeat/index.js';
import type { ProbeRunReport } from '../monitor/index.js';
import { MOVE_REASONS, type GroupOpResult, type Move } from './moves.js';

export const METRIC_PREFIX = 'heartbeat_ts_';
const P = METRIC_PREFIX;

/** What a scrape reads. Called once per scrape. */
export interface MetricsSource {
  status(): DaemonStatus;
  heartbeatCounters(): HeartbeatCounters;
}

export interface BuildInfo {
  readonly version: string;
  /** The Heartbeat protocol level spoken. */
  readonly protocol: string;
}

const NORMAL_STATUSES = ['init', 'up', 'active', 'dead'] as const;
const PING_STATUSES = ['ping', 'dead'] as const;
const ROLES = ['none', 'local', 'foreign', 'all', 'transition'] as const;

/** Group operation times: a VIP takes ~0.1 s, an LSB service seconds, a stuck one up to the 120 s timeout. */
const GROUP_OP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const PROBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class DaemonMetrics {
  readonly registry = new Registry();
  private scrape: { status: DaemonStatus; counters: HeartbeatCounters } | undefined;
  private readonly moves: Record<Move['kind'], Counter<'reason'> | undefined>;
  private readonly groupOpDuration: Histogram<'op'>;
  private readonly groupOpLast: Gauge<'group' | 'op'>;
  private readonly groupOpFailures: Counter<'group' | 'op'>;
  private readonly probeResults: Counter<'probe' | 'result'>;
  private readonly probeDuration: Histogram<'probe'>;
  private readonly probeUp: Gauge<'probe' | 'group'>;

  constructor(source: MetricsSource, build: BuildInfo) {
    const registers = [this.registry];
    const self = this;
    const current = (): { status: DaemonStatus; counters: HeartbeatCounters } => {
      if (!self.scrape) self.scrape = { status: source.status(), counters: source.heartbeatCounters() };
      return self.scrape;
    };

    new Gauge({
      name: `${P}build_info`,
      help: 'Always 1; the labels say which heartbeat-ts runs and which Heartbeat protocol level it speaks',
      labelNames: ['version', 'protocol', 'nodejs'],
      registers,
    }).set({ version: build.version, protocol: build.protocol, nodejs: process.version }, 1);

    new Gauge({
      name: `${P}start_time_seconds`,
      help: 'When this daemon started, seconds since the epoch',
      registers,
      collect() {
        this.set(Date.parse(current().status.startedAt) / 1000);
      },
    });

    new Gauge({
      name: `${P}node_status`,
      help: "Each node's status as this node sees it, one-hot: 1 for the current status (init, up, active, dead; ping nodes: ping, dead; other: a word a peer sent)",
      labelNames: ['node', 'type', 'status'],
      registers,
      collect() {
        this.reset();
        for (const n of current().status.nodes) {
          const words: readonly string[] = n.type === 'ping' ? PING_STATUSES : NORMAL_STATUSES;
          for (const w of words) this.set({ node: n.name, type: n.type, status: w }, n.status === w ? 1 : 0);
          this.set({ node: n.name, type: n.type, status: 'other' }, words.includes(n.status) ? 0 : 1);
        }
      },
    });

    new Gauge({
      name: `${P}link_up`,
      help: 'Whether packets from a peer arrive on a link within its dead time (1) or not (0)',
      labelNames: ['node', 'link'],
      registers,
      collect() {
        this.reset();
        for (const n of current().status.nodes) {
          if (n.isLocal) continue;
          for (const l of n.links) this.set({ node: n.name, link: l.name }, l.status === 'up' ? 1 : 0);
        }
      },
    });

    new Gauge({
      name: `${P}group_held`,
      help: 'Which node holds each resource group, as this node believes: 1 for the holder; all 0 while no node (or an unknown one) holds it',
      labelNames: ['group', 'node'],
      registers,
      collect() {
        this.reset();
        const st = current().status;
        const normal = st.nodes.filter((n) => n.type === 'normal').map((n) => n.name);
        for (const g of st.resources.groups) for (const node of normal) this.set({ group: g.key, node }, g.holder === node ? 1 : 0);
      },
    });

    new Gauge({
      name: `${P}group_eligible`,
      help: 'Whether this node may take the group (0 while an application probe keeps it away)',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const g of current().status.resources.groups) this.set({ group: g.key }, g.eligible ? 1 : 0);
      },
    });

    new Gauge({
      name: `${P}role`,
      help: "This node's role, one-hot: which resource categories it holds (Heartbeat's rscstatus: none, local, foreign, all, transition)",
      labelNames: ['role'],
      registers,
      collect() {
        const role = current().status.resources.rscstatus;
        for (const r of ROLES) this.set({ role: r }, r === role ? 1 : 0);
      },
    });

    new Gauge({
      name: `${P}cluster_stable`,
      help: 'Whether resource negotiation is settled here (1) or resources are moving (0)',
      registers,
      collect() {
        this.set(current().status.resources.stable ? 1 : 0);
      },
    });

    new Gauge({
      name: `${P}event_loop_lag_seconds`,
      help: "The daemon's event-loop delay: p99 over the sampling window and the maximum seen",
      labelNames: ['stat'],
      registers,
      collect() {
        const lag = current().status.eventLoopLagMs;
        this.set({ stat: 'p99' }, lag.p99 / 1000);
        this.set({ stat: 'max' }, lag.max / 1000);
      },
    });

    new Counter({
      name: `${P}heartbeats_sent_total`,
      help: 'Status messages (heartbeats) this node sent, per link',
      labelNames: ['link'],
      registers,
      collect() {
        this.reset();
        for (const [link, n] of Object.entries(current().counters.heartbeatsSent)) this.inc({ link }, n);
      },
    });

    new Counter({
      name: `${P}heartbeats_received_total`,
      help: 'Authenticated status messages (heartbeats) received from each peer, per link',
      labelNames: ['node', 'link'],
      registers,
      collect() {
        this.reset();
        for (const [node, links] of Object.entries(current().counters.heartbeatsReceived)) {
          for (const [link, n] of Object.entries(links)) this.inc({ node, link }, n);
        }
      },
    });

    new Counter({
      name: `${P}late_heartbeats_total`,
      help: "Heartbeats from a peer that came later than warntime (Heartbeat's \"Late heartbeat\" log line)",
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const [node, n] of Object.entries(current().counters.lateHeartbeats)) this.inc({ node }, n);
      },
    });

    new Counter({
      name: `${P}retransmissions_total`,
      help: 'Retransmission traffic: packets sent again at a peer\'s request (direction="sent"), NS_rexmit requests for packets missing from a peer (direction="requested")',
      labelNames: ['direction'],
      registers,
      collect() {
        this.reset();
        const c = current().counters;
        this.inc({ direction: 'sent' }, c.retransmissionsSent);
        this.inc({ direction: 'requested' }, c.retransmitRequestsSent);
      },
    });

    new Counter({
      name: `${P}packets_rejected_total`,
      help: 'Datagrams dropped, by reason: auth (failed authentication), malformed (not decodable), replay (older generation than known)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        const r = current().counters.packetsRejected;
        this.inc({ reason: 'auth' }, r.auth);
        this.inc({ reason: 'malformed' }, r.malformed);
        this.inc({ reason: 'replay' }, r.replay);
      },
    });

    // Every reason starts at 0, so that rate() and increase() see the first move.
    const moveCounter = (family: string, kind: Move['kind'], help: string): Counter<'reason'> => {
      const c = new Counter({ name: `${P}${family}_total`, help, labelNames: ['reason'], registers });
      for (const reason of MOVE_REASONS[kind]) c.inc({ reason }, 0);
      return c;
    };
    this.moves = {
      takeover: moveCounter('takeovers', 'takeover', 'Takeovers: this node started groups another node held, by reason (peer_dead, peer_shutdown, standby, ip_request)'),
      failback: moveCounter('failbacks', 'failback', 'Failbacks: groups came back to this node, their home, by reason (standby, ip_request)'),
      standby: moveCounter('standbys', 'standby', 'Standbys: this node gave groups to the other node, by reason (hb_standby, hb_takeover, auto_failback, handover, other)'),
      release: moveCounter('releases', 'release', 'Releases: this node stopped groups without handing them over, by reason (shutdown, partition_heal, startup_conflict, ip_request, other)'),
      acquire: undefined,
    };
    new Gauge({
      name: `${P}last_move_duration_seconds`,
      help: 'How long the last takeover, failback, standby or release took here (first group operation started to last one finished)',
      labelNames: ['kind'],
      registers,
    });

    this.groupOpDuration = new Histogram({
      name: `${P}group_operation_duration_seconds`,
      help: 'Time to start or stop a resource group here (every resource of it, in order)',
      labelNames: ['op'],
      buckets: GROUP_OP_BUCKETS,
      registers,
    });
    for (const op of ['start', 'stop']) this.groupOpDuration.zero({ op });
    this.groupOpLast = new Gauge({
      name: `${P}group_last_operation_duration_seconds`,
      help: 'Duration of the last start and the last stop of each group here',
      labelNames: ['group', 'op'],
      registers,
    });
    this.groupOpFailures = new Counter({
      name: `${P}group_operation_failures_total`,
      help: 'Group starts or stops that failed here',
      labelNames: ['group', 'op'],
      registers,
    });

    this.probeUp = new Gauge({
      name: `${P}probe_up`,
      help: 'Whether the last result of each application probe was a success (1) or not (0)',
      labelNames: ['probe', 'group'],
      registers,
    });
    this.probeResults = new Counter({
      name: `${P}probe_results_total`,
      help: 'Application probe results by outcome (ok, refused, timeout, bad-status, ...)',
      labelNames: ['probe', 'result'],
      registers,
    });
    this.probeDuration = new Histogram({
      name: `${P}probe_duration_seconds`,
      help: 'How long application probes took, whatever their outcome',
      labelNames: ['probe'],
      buckets: PROBE_BUCKETS,
      registers,
    });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async render(): Promise<string> {
    this.scrape = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.scrape = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  recordMove(move: Move): void {
    const counter = this.moves[move.kind];
    if (!counter) return;
    counter.inc({ reason: move.reason });
    (this.registry.getSingleMetric(`${P}last_move_duration_seconds`) as Gauge<'kind'>).set({ kind: move.kind }, move.durationMs / 1000);
  }

  recordGroupOperation(r: GroupOpResult): void {
    this.groupOpDuration.observe({ op: r.op }, r.durationMs / 1000);
    this.groupOpLast.set({ group: r.key, op: r.op }, r.durationMs / 1000);
    if (!r.ok) this.groupOpFailures.inc({ group: r.key, op: r.op });
  }

  recordProbe(report: ProbeRunReport): void {
    if (report.outcome.kind === 'aborted') return;
    this.probeResults.inc({ probe: report.probe, result: report.outcome.kind });
    this.probeDuration.observe({ probe: report.probe }, report.outcome.durationMs / 1000);
    this.probeUp.set({ probe: report.probe, group: report.group ?? '' }, report.outcome.kind === 'ok' ? 1 : 0);
  }
}
