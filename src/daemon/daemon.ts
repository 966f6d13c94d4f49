// The running daemon: wires the heartbeat layer (membership events and
// cluster messages), the resource manager (a pure reducer) and the group
// runner (agents), the control socket, application probes and signals.
//
// Everything the manager decides goes through the manager loop
// (manager-loop.ts): events are reduced one at a time, and the commands of
// each step come back here (execute) in order. Heartbeat events become
// manager events in membership-events.ts. Group operations run
// asynchronously and come back as events; nothing here blocks the heartbeat
// layer's timers.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffConfig, formatProblem, type ClusterConfig, type ConfigProblem } from '../config/index.js';
import { ADMIN_ANSWER_LIMIT_MS, startControlServer, type ControlRequest, type ControlResponse, type ControlServer } from '../control/index.js';
import type { DaemonStatus } from '../control/index.js';
import { HeartbeatNode, Lifecycle, messageOf, type HbMessage, type LifecycleTable } from '../heartbeat/index.js';
import type { Logger } from '../log/index.js';
import { createNetworkWatch, type NetworkWatch } from '../network/index.js';
import { createProbeSupervisor, describeOutcome, type ProbeRunReport, type ProbeSupervisor } from '../monitor/index.js';
import { DaemonNotifications, resolveTargets } from '../notify/index.js';
import { EventJournal, loadObserveHttp, MoveTracker, type DaemonMetrics, type GroupOpResult, type Move, type ObserveServer } from '../observe/index.js';
import {
  applyStopFailurePolicy,
  createManager,
  GroupRunner,
  groupViews,
  type GroupStartResult,
  type GroupStopResult,
  type GroupResultEvent,
  type ManagerState,
  type StandbyRequest,
} from '../resources/index.js';
import { loadAndResolveConfig } from './load-config.js';
import { currentActivity, ManagerLoop, type ExecutedCommand } from './manager-loop.js';
import { timelineEntryOf, toManagerEvent } from './membership-events.js';
import { baseScriptEnvironment, messageScriptEnvironment, type DaemonPaths } from './script-environment.js';
import { buildDaemonStatus, HEARTBEAT_TS_VERSION } from './status-view.js';
import { describeOverdue, OperationWatch } from './operation-watch.js';

export interface DaemonOptions {
  readonly paths: DaemonPaths;
  readonly config: ClusterConfig;
  readonly logger: Logger;
}

/**
 * How long a graceful stop keeps heartbeating after `shutdone` (spec §9.7:
 * Heartbeat waits 1 s for its final shutdown, ~1–2 s in all). The peer
 * takes the groups on `shutdone` and forgets that standby exchange when it
 * declares this node dead; a real Heartbeat peer whose takeover outlasts
 * linger + deadtime then logs "Ignored standby message 'done'" as an ERROR.
 */
const LINGER_AFTER_SHUTDONE_MS = 1_000;
/** A group operation unanswered this long is logged (a warning), then again every OPERATION_WARN_REPEAT_MS. */
const OPERATION_WARN_AFTER_MS = 60_000;
const OPERATION_WARN_REPEAT_MS = 300_000;

/**
 * An admin request refused because the cluster is busy is retried until it
 * settles, for at most this long: ADMIN_ANSWER_LIMIT_MS less the standby's own
 * 10 s answer timer, so a request sent at the end still gets its outcome.
 */
const ADMIN_SETTLE_WAIT_MS = 15_000;
/** How often a refused admin request looks whether the cluster settled. */
const ADMIN_RETRY_EVERY_MS = 250;

/**
 * The daemon's lifecycle. `lingering`: everything released and `shutdone`
 * sent; it heartbeats LINGER_AFTER_SHUTDONE_MS more, then stops. A start
 * that fails goes straight to `stopped` (close()).
 */
type DaemonPhase = 'created' | 'starting' | 'running' | 'stopping' | 'lingering' | 'stopped';
const DAEMON_LIFECYCLE: LifecycleTable<DaemonPhase> = {
  created: ['starting', 'stopping', 'stopped'],
  starting: ['running', 'stopping', 'stopped'],
  running: ['stopping', 'stopped'],
  stopping: ['lingering', 'stopped'],
  lingering: ['stopped'],
  stopped: [],
};

export class Daemon {
  private config: ClusterConfig;
  private readonly paths: DaemonPaths;
  private readonly log: Logger;
  private readonly rscLog: Logger;
  private readonly node: HeartbeatNode;
  private readonly runner: GroupRunner;
  private readonly loop: ManagerLoop;
  private probes: ProbeSupervisor | undefined;
  /** ipfail built in and track_interface (undefined when off). */
  private network: NetworkWatch | undefined;
  private control: ControlServer | undefined;
  private readonly startedAt = Date.now();
  private readonly lifecycle = new Lifecycle<DaemonPhase>('daemon', DAEMON_LIFECYCLE, 'created');
  private resolveExit!: (code: number) => void;
  /** Resolves with the exit code once the daemon has stopped. */
  readonly exited: Promise<number> = new Promise((resolve) => (this.resolveExit = resolve));
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  /** The recent-events timeline (cl_status --json `events`, the status page). */
  private readonly journal = new EventJournal();
  private readonly moves: MoveTracker;
  private metrics: DaemonMetrics | undefined;
  private http: ObserveServer | undefined;
  /** Probes whose last counted result failed: a failure is journaled once, not at every run. */
  private readonly failingProbes = new Set<string>();
  /** The ordered notification stream (notify.d, FIFO, line file) and rc.d message hooks. */
  private readonly notes: DaemonNotifications;
  /** Group results of this turn of the event loop, reduced together at its end (reportGroupResult). */
  private readonly pendingResults: GroupResultEvent[] = [];
  /** Group operations launched and not answered yet: one that stays unanswered is logged (operation-watch.ts). */
  private readonly operationWatch = new OperationWatch(OPERATION_WARN_AFTER_MS, OPERATION_WARN_REPEAT_MS);
  private operationWatchTimer: NodeJS.Timeout | undefined;
  private resultsFlush: NodeJS.Immediate | undefined;

  constructor(options: DaemonOptions) {
    this.config = options.config;
    this.paths = options.paths;
    this.log = options.logger;
    this.rscLog = options.logger.child('resources');
    const config = this.config;
    this.node = new HeartbeatNode({ config, stateDir: this.paths.stateDir, logger: options.logger.child('heartbeat') });
    this.runner = new GroupRunner({
      groups: config.haResources.groups,
      configDir: this.paths.configDir,
      resources: config.options.resources,
      arp: config.options.arp,
      logger: this.rscLog,
      env: baseScriptEnvironment(config, this.paths),
      scratchDir: join(this.paths.runDir, 'rsctmp'),
    });
    const manager = createManager({
      localNode: config.localNode,
      nodes: config.haCf.nodes,
      groups: config.haResources.groups,
      autoFailback: config.haCf.autoFailback,
      failedStartStandbyDelay: config.options.resources.failedStartStandbyDelay,
      timers: { rqstDelay: config.options.resources.startupFallbackDelay },
      parallelGroups: config.options.resources.parallelGroups,
      batchedGroups: this.runner.batchedGroups(),
    });
    this.loop = new ManagerLoop(manager, {
      now: () => this.now(),
      execute: (command, state, trigger) => this.execute(command, state, trigger),
      afterStep: (state) => {
        const move = this.moves.settle(currentActivity(state), this.now());
        if (move) this.recordMove(move);
      },
      afterDrain: () => this.publishGroupStates(),
      stopping: () => this.stopping,
      log: this.log,
    });
    const homes = new Map(config.haResources.groups.map((g) => [g.key, g.node]));
    this.moves = new MoveTracker(config.localNode, (key) => homes.get(key));
    this.notes = new DaemonNotifications({
      targets: resolveTargets(config.options.notify, this.paths.configDir),
      configDir: this.paths.configDir,
      localNode: config.localNode,
      homeOf: (key) => homes.get(key),
      env: baseScriptEnvironment(config, this.paths),
      messageEnv: (m) => messageScriptEnvironment(m, this.node.running ? this.node.snapshot().status : 'init', this.config.haCf.autoFailback),
      logger: options.logger.child('notify'),
      scratchDir: join(this.paths.runDir, 'rsctmp'),
    });
  }

  private now(): number {
    return Math.round(performance.now());
  }

  private get stopping(): boolean {
    return this.lifecycle.isOneOf('stopping', 'lingering', 'stopped');
  }

  async start(): Promise<void> {
    this.lifecycle.moveTo('starting');
    const cfg = this.config;
    await mkdir(this.paths.stateDir, { recursive: true, mode: 0o755 });
    await mkdir(join(this.paths.runDir, 'rsctmp'), { recursive: true, mode: 0o755 });
    this.log.info(
      `heartbeat-ts starting on node ${cfg.localNode}: config ${this.paths.configDir}, state ${this.paths.stateDir}, run ${this.paths.runDir}`,
    );
    for (const w of cfg.warnings) this.log.warn(formatProblem(w).replace(/\n/g, ' '));
    // Before any heartbeat goes out: a listen address that cannot be used stops the start here.
    await this.startHttp();
    await this.notes.start();
    this.journal.add({ kind: 'daemon-start', text: `heartbeat-ts started on ${cfg.localNode} (pid ${process.pid})`, node: cfg.localNode });
    this.wireHeartbeatEvents();
    this.loop.enqueue({ type: 'start', now: this.now() });

    // What a takeover should not wait for (the ARP sender of a node with many addresses).
    this.runner.prepare();

    // Heartbeat checks for resources already running before it negotiates:
    // the manager adopts or releases them once it knows what the peer holds.
    const { running, partial } = await this.startupProbe();
    this.loop.enqueue({ type: 'startup-probe', now: this.now(), running, partial });

    await this.node.start();
    this.network = createNetworkWatch({
      config: cfg,
      node: this.node,
      logger: this.log.child('ipfail'),
      now: () => this.now(),
      onRelease: (reason) => {
        this.journal.add({ kind: 'probe-release', text: `releasing every group: ${reason}` });
        this.loop.enqueue({ type: 'probe-release', now: this.now(), reason, by: 'ipfail' });
      },
      onEligible: (reason) => {
        this.journal.add({ kind: 'probe-eligible', text: `eligible again for every group: ${reason}` });
        this.loop.enqueue({ type: 'probe-eligible', now: this.now(), reason });
      },
    });
    this.network?.start();
    this.control = await startControlServer(this.paths.runDir, (request) => this.handleControl(request));
    this.startProbes();
    this.installSignalHandlers();
    if (this.lifecycle.is('starting')) this.lifecycle.moveTo('running');
    this.log.info(`heartbeat-ts running on node ${cfg.localNode} (pid ${process.pid})`);
  }

  // ───────────────────────────── heartbeat layer ─────────────────────────────

  private wireHeartbeatEvents(): void {
    const node = this.node;
    this.notes.watch(node);
    const activePeers = (): string[] =>
      node.snapshot().nodes.filter((n) => !n.isLocal && n.type === 'normal' && n.status === 'active').map((n) => n.name);
    node.subscribe((e) => {
      const entry = timelineEntryOf(e, this.config.localNode);
      if (entry !== undefined) this.journal.add(entry);
      if (e.kind === 'localHeartbeatLost') {
        this.log.crit('No local heartbeat: this process stalled longer than its dead time; the peer may have taken over');
      }
      const mapped = toManagerEvent(e, { now: this.now(), activePeers });
      if (mapped === undefined) return;
      if ('unusable' in mapped) {
        this.log.debug(mapped.unusable);
        return;
      }
      this.loop.enqueue(mapped.event, mapped.trigger);
    });
  }

  /**
   * Which groups run here before any negotiation. A group counts as running
   * only when every resource says so (the address agents ask the kernel);
   * some but not all is `partial` (a crash without reboot leaves the address
   * up and the service down), and the manager completes or stops it.
   */
  private async startupProbe(): Promise<{ running: string[]; partial: string[] }> {
    const keys = this.config.haResources.groups.map((g) => g.key);
    const running: string[] = [];
    const partial: string[] = [];
    await Promise.all(
      keys.map(async (key) => {
        try {
          const status = await this.runner.status(key);
          if (status.state === 'running') running.push(key);
          else if (status.state === 'partial') {
            const down = status.resources.filter((r) => r.state !== 'running').map((r) => r.resource);
            this.rscLog.warn(`Resource group ${key} is only partially running at start-up: not running: ${down.join(', ')}`);
            partial.push(key);
          }
        } catch (err) {
          // Unknown is treated as half up: it is stopped or completed, never adopted as it is.
          this.rscLog.error(`status of resource group ${key} at start-up failed: ${(err as Error).message}`);
          partial.push(key);
        }
      }),
    );
    return { running, partial };
  }

  // ──────────────────────────── the manager loop ────────────────────────────

  /** One manager command (the loop answers admin requests itself). */
  private execute(command: ExecutedCommand, state: ManagerState, trigger: HbMessage | undefined): void {
    switch (command.kind) {
      case 'send':
        this.send(command.fields, command.dest);
        return;
      case 'log':
        this.rscLog[command.level](command.text);
        return;
      case 'start-group':
        this.watchOperation(command.key, 'start');
        this.observe(() => {
          this.moves.operationStarted(currentActivity(state), this.now());
          this.notes.operationStarted('start', command.key, currentActivity(state));
        });
        void this.startGroup(command.key, trigger);
        return;
      case 'stop-group':
        this.watchOperation(command.key, 'stop');
        this.observe(() => {
          this.moves.operationStarted(currentActivity(state), this.now());
          this.notes.operationStarted('stop', command.key, currentActivity(state));
        });
        void this.stopGroup(command.key, trigger);
        return;
      case 'reannounce-group':
        void this.reannounceGroup(command.key, command.reason);
        return;
      case 'stop-failed':
        void this.applyStopFailure(command.key, command.resource, command.reason);
        return;
      case 'shutdown-complete':
        void this.finishShutdown();
        return;
      case 'shutdown-blocked':
        this.log.crit(
          `Shutdown cannot complete: resource group(s) ${command.keys.join(', ')} would not stop; they are still held here. ` +
            'Stop them by hand, then run heartbeat -k again',
        );
        return;
    }
  }

  private send(fields: ReadonlyArray<readonly [string, string]>, dest: string | undefined): void {
    if (!this.node.running) {
      this.log.debug(`not sending t=${fields[0]?.[1]}: the heartbeat layer is not running`);
      return;
    }
    try {
      this.node.send(messageOf(fields), dest === undefined ? {} : { dest });
    } catch (err) {
      this.log.error(`cannot send t=${fields[0]?.[1]}: ${(err as Error).message}`);
    }
  }

  /** Per-operation script environment: the triggering message's fields and this node's status. */
  private operationEnv(trigger: HbMessage | undefined): Record<string, string> {
    return messageScriptEnvironment(trigger, this.node.running ? this.node.snapshot().status : 'init', this.config.haCf.autoFailback);
  }

  /**
   * Group results that come back in the same turn of the event loop (a batch
   * of address changes answers many groups at once, issue 12) go to the
   * manager as one event at the end of the turn: one reduction instead of one
   * per group (each copies and freezes the whole state), and the gratuitous
   * ARP the addresses just scheduled leaves before it.
   */
  private reportGroupResult(result: GroupResultEvent): void {
    this.operationWatch.finished(result.key, result.op);
    this.pendingResults.push(result);
    if (this.resultsFlush !== undefined) return;
    this.resultsFlush = setImmediate(() => {
      this.resultsFlush = undefined;
      const results = this.pendingResults.splice(0);
      if (results.length === 1) this.loop.enqueue({ ...results[0]!, now: this.now() });
      else if (results.length > 1) this.loop.enqueue({ type: 'group-results', now: this.now(), results });
    });
  }

  private async startGroup(key: string, trigger: HbMessage | undefined): Promise<void> {
    let result: GroupStartResult;
    try {
      result = await this.runner.start(key, { env: this.operationEnv(trigger) });
    } catch (err) {
      this.recordGroupOperation({ key, op: 'start', ok: false, durationMs: 0 });
      this.rscLog.error(`Resource group ${key}: start could not run: ${(err as Error).message}`);
      this.reportGroupResult({ type: 'group-result', now: this.now(), key, op: 'start', ok: false, resource: key, reason: (err as Error).message });
      return;
    }
    this.recordGroupOperation({ key, op: 'start', ok: result.outcome === 'started', durationMs: result.durationMs });
    if (result.outcome === 'started') {
      this.rscLog.info(`Resource group ${key}: started in ${Math.round(result.durationMs)} ms`);
      this.reportGroupResult({ type: 'group-result', now: this.now(), key, op: 'start', ok: true });
      return;
    }
    this.rscLog.error(
      `Resource group ${key}: start FAILED in ${Math.round(result.durationMs)} ms: ${result.resource}: ${result.reason}; the group was stopped again`,
    );
    this.reportGroupResult({ type: 'group-result', now: this.now(), key, op: 'start', ok: false, resource: result.resource, reason: result.reason });
    if (result.rollback.outcome === 'stopFailed') {
      void this.applyStopFailure(key, result.rollback.resource, result.rollback.reason);
    }
  }

  private async stopGroup(key: string, trigger: HbMessage | undefined): Promise<void> {
    let result: GroupStopResult;
    try {
      result = await this.runner.stop(key, { env: this.operationEnv(trigger) });
    } catch (err) {
      this.recordGroupOperation({ key, op: 'stop', ok: false, durationMs: 0 });
      this.rscLog.error(`Resource group ${key}: stop could not run: ${(err as Error).message}`);
      this.reportGroupResult({ type: 'group-result', now: this.now(), key, op: 'stop', ok: false, resource: key, reason: (err as Error).message });
      return;
    }
    this.recordGroupOperation({ key, op: 'stop', ok: result.outcome === 'stopped', durationMs: result.durationMs });
    if (result.outcome === 'stopped') {
      this.rscLog.info(`Resource group ${key}: stopped in ${Math.round(result.durationMs)} ms`);
      this.reportGroupResult({ type: 'group-result', now: this.now(), key, op: 'stop', ok: true });
      return;
    }
    this.rscLog.crit(`Resource group ${key}: stop FAILED in ${Math.round(result.durationMs)} ms: ${result.resource}: ${result.reason}`);
    this.reportGroupResult({ type: 'group-result', now: this.now(), key, op: 'stop', ok: false, resource: result.resource, reason: result.reason });
  }

  private async reannounceGroup(key: string, reason: string): Promise<void> {
    try {
      const announced = await this.runner.reannounce(key);
      this.rscLog.info(`Resource group ${key}: ${announced.length ? `announced ${announced.join(', ')} again` : 'no address of it is up here to announce'} (${reason})`);
    } catch (err) {
      this.rscLog.error(`Resource group ${key}: could not announce its addresses again: ${(err as Error).message}`);
    }
  }

  private async applyStopFailure(key: string, resource: string, reason: string): Promise<void> {
    await applyStopFailurePolicy(this.config.options.resources.onStopFailure, { group: key, resource, reason }, {
      logger: this.rscLog,
      requestShutdown: () => this.requestShutdown(`resource ${resource} of group ${key} would not stop`),
    });
  }

  // ─────────────────────────── observability ───────────────────────────

  private recordGroupOperation(result: GroupOpResult): void {
    // Observability only: whatever it throws must never keep the result from the manager (its activity would wait forever).
    this.observe(() => {
      this.moves.operationFinished(result);
      this.notes.operationFinished(result);
      this.metrics?.recordGroupOperation(result);
    });
  }

  private observe(record: () => void): void {
    try {
      record();
    } catch (err) {
      this.rscLog.error(`internal error in the group operation records (a bug in heartbeat-ts; the operation itself goes on): ${(err as Error).stack ?? String(err)}`);
    }
  }

  private watchOperation(key: string, op: 'start' | 'stop'): void {
    this.operationWatch.started(key, op, this.now());
    this.armOperationWatch();
  }

  private armOperationWatch(): void {
    if (this.operationWatchTimer !== undefined) return;
    const at = this.operationWatch.nextCheckAt();
    if (at === undefined) return;
    this.operationWatchTimer = setTimeout(() => {
      this.operationWatchTimer = undefined;
      for (const line of describeOverdue(this.operationWatch.overdue(this.now()))) this.rscLog.warn(line);
      this.armOperationWatch();
    }, Math.max(0, at - this.now()));
    this.operationWatchTimer.unref();
  }

  private recordMove(move: Move): void {
    this.metrics?.recordMove(move);
    const seconds = `${(move.durationMs / 1000).toFixed(2)} s`;
    const groups = [...move.started, ...move.stopped];
    if (groups.length > 0) {
      const verb = move.started.length > 0 ? 'started' : 'stopped';
      const text = `${move.kind}: ${verb} ${groups.join(', ')} in ${seconds} — ${move.detail}`;
      this.journal.add({ kind: move.kind, text, groups, reason: move.reason, durationMs: move.durationMs, ...(move.peer === undefined ? {} : { node: move.peer }) });
    }
    for (const f of move.failed) {
      this.journal.add({ kind: 'group-failed', groups: [f.key], text: `resource group ${f.key} failed to ${f.op} here (${move.detail})` });
    }
  }

  private recordProbeResult(report: ProbeRunReport): void {
    this.metrics?.recordProbe(report);
    if (!report.counted) return;
    const failing = report.outcome.kind !== 'ok';
    if (failing === this.failingProbes.has(report.probe)) return;
    if (failing) this.failingProbes.add(report.probe);
    else this.failingProbes.delete(report.probe);
    const target = report.group === undefined ? '' : ` (group ${report.group})`;
    this.journal.add({
      kind: failing ? 'probe-failed' : 'probe-recovered',
      ...(report.group === undefined ? {} : { groups: [report.group] }),
      text: `probe ${report.probe}${target} ${failing ? 'failed' : 'passes again'}: ${describeOutcome(report.outcome)}`,
    });
  }

  private async startHttp(): Promise<void> {
    const listen = this.config.options.http.listen;
    if (!listen) return;
    const { DaemonMetrics, startObserveServer } = await loadObserveHttp();
    this.metrics = new DaemonMetrics(
      { status: () => this.status(), heartbeatCounters: () => this.node.counters() },
      { version: HEARTBEAT_TS_VERSION, protocol: '3.0.6' },
    );
    this.http = await startObserveServer({
      listen,
      metrics: this.metrics,
      status: () => this.status(),
      onError: (err) => this.log.error(`http listener: ${err.stack ?? err.message}`),
    });
    this.log.info(`http listener on ${this.http.address}: /metrics, /status.json and the status page at /`);
  }

  private publishGroupStates(): void {
    if (!this.probes) return;
    for (const g of groupViews(this.loop.state)) {
      this.probes.setGroupState(g.key, {
        held: g.heldHere && g.state === 'running',
        transitioning: g.state === 'starting' || g.state === 'stopping',
      });
    }
  }

  // ───────────────────────────── probes ─────────────────────────────

  private startProbes(): void {
    if (this.config.probes.length === 0) return;
    this.probes = createProbeSupervisor({
      probes: this.config.probes,
      logger: this.log.child('monitor'),
      onResult: (report) => this.recordProbeResult(report),
      onFallRise: (change) => this.notes.probeFallRise(change),
      onRelease: (group, reason) => {
        this.journal.add({ kind: 'probe-release', ...(group === undefined ? {} : { groups: [group] }), text: `releasing ${group ?? 'every group'}: ${reason}` });
        this.loop.enqueue({ type: 'probe-release', now: this.now(), reason, ...(group === undefined ? {} : { group }) });
      },
      onEligible: (group, reason) => {
        this.journal.add({ kind: 'probe-eligible', ...(group === undefined ? {} : { groups: [group] }), text: `eligible again for ${group ?? 'every group'}: ${reason}` });
        this.loop.enqueue({ type: 'probe-eligible', now: this.now(), reason, ...(group === undefined ? {} : { group }) });
      },
      onShutdown: (reason) => this.requestShutdown(`application probe: ${reason}`),
    });
    this.publishGroupStates();
    this.probes.start();
  }

  // ───────────────────────────── control ─────────────────────────────

  status(): DaemonStatus {
    const { p99, max } = this.node.loopLag();
    return buildDaemonStatus({
      config: this.config,
      snapshot: this.node.snapshot(),
      manager: this.loop.state,
      probes: this.probes,
      pid: process.pid,
      startedAt: this.startedAt,
      now: Date.now(),
      eventLoopLag: { p99: Math.round(p99 * 10) / 10, max: Math.round(max * 10) / 10 },
      events: this.journal.list(),
    });
  }

  private async handleControl(request: ControlRequest): Promise<ControlResponse> {
    switch (request.command) {
      case 'status':
        return { ok: true, result: this.status() };
      case 'standby':
      case 'takeover':
        return this.adminMove(request.command, request.scope);
      case 'shutdown':
        this.requestShutdown(request.reason ?? 'requested on the control socket');
        return { ok: true, result: { text: 'shutting down' } };
      case 'reload':
        return this.reload();
      case 'probe-release': {
        if (request.group !== undefined && !this.config.haResources.groups.some((g) => g.key === request.group)) {
          return { ok: false, error: `no resource group ${request.group} in haresources` };
        }
        this.loop.enqueue({ type: 'probe-release', now: this.now(), reason: request.reason, ...(request.group === undefined ? {} : { group: request.group }) });
        return { ok: true, result: { text: `releasing ${request.group ?? 'every group'}: ${request.reason}` } };
      }
    }
  }

  private async adminMove(command: 'standby' | 'takeover', scope: StandbyRequest): Promise<ControlResponse> {
    if (this.stopping) return { ok: false, error: 'heartbeat is shutting down' };
    if (command === 'takeover') this.clearIneligibility('hb_takeover by the admin');
    const answer = await this.loop.request(command, scope, {
      answerWithinMs: ADMIN_ANSWER_LIMIT_MS,
      settleWaitMs: ADMIN_SETTLE_WAIT_MS,
      retryEveryMs: ADMIN_RETRY_EVERY_MS,
    });
    return answer.accepted ? { ok: true, result: { text: answer.text } } : { ok: false, error: answer.text };
  }

  /**
   * An admin's hb_takeover overrides what application probes decided: the
   * node becomes eligible again for every group (monitor/README.md).
   */
  private clearIneligibility(reason: string): void {
    this.probes?.clearIneligibility(undefined, reason);
    const ineligible = groupViews(this.loop.state).filter((g) => !g.eligible);
    if (ineligible.length === 0) return;
    this.loop.enqueue({ type: 'probe-eligible', now: this.now(), reason });
    for (const g of ineligible) this.loop.enqueue({ type: 'probe-eligible', now: this.now(), group: g.key, reason });
  }

  /** SIGHUP / heartbeat -r: a bad new configuration is refused and the running one kept. */
  async reload(): Promise<ControlResponse> {
    const { config: next, problems } = loadAndResolveConfig({ configDir: this.paths.configDir, localNode: this.config.localNode });
    if (!next) {
      for (const p of problems) if (p.severity === 'error') this.log.error(formatProblem(p).replace(/\n/g, ' '));
      this.log.error('Config errors: the new configuration is NOT used; the running configuration is kept');
      const errors = problems.filter((p) => p.severity === 'error').map((p) => formatProblem(p).split('\n')[0]);
      return { ok: false, error: `configuration errors, nothing changed:\n${errors.join('\n')}` };
    }
    const diff = diffConfig(this.config, next);
    const restartNeeded: string[] = [...diff.daemonNeedsRestart];
    const applied = this.node.applyConfig(next);
    restartNeeded.push(...applied.needsRestart);
    if (restartNeeded.length === 0) this.config = next;
    if (diff.probesChanged && restartNeeded.length === 0) {
      await this.probes?.stop();
      this.probes = undefined;
      this.log.warn('probes.ini changed: probes restarted (their fall/rise counts and ineligibility start afresh)');
      this.startProbes();
    }
    const summary =
      `applied: ${applied.applied.length ? applied.applied.join(', ') : 'nothing changed in the heartbeat layer'}` +
      (restartNeeded.length ? `; needs a restart of heartbeat to take effect: ${restartNeeded.join(', ')}` : '');
    this.log.info(`Configuration re-read: ${summary}`);
    this.notes.configReloaded(summary);
    return { ok: true, result: { summary, applied: applied.applied, needsRestart: restartNeeded } };
  }

  // ───────────────────────────── shutdown ─────────────────────────────

  requestShutdown(reason: string): void {
    if (this.stopping) return;
    this.lifecycle.moveTo('stopping');
    this.log.info(`Graceful shutdown requested: ${reason}`);
    this.journal.add({ kind: 'shutdown', text: `graceful shutdown: ${reason}` });
    void this.probes?.stop();
    this.loop.enqueue({ type: 'shutdown', now: this.now(), reason });
  }

  private async finishShutdown(): Promise<void> {
    if (this.lifecycle.isOneOf('lingering', 'stopped')) return;
    this.lifecycle.moveTo('lingering');
    this.loop.stopTicking();
    const linger = LINGER_AFTER_SHUTDONE_MS;
    this.log.info(`All resources released; heartbeating ${linger} ms more so the peer hears it, then exiting`);
    await new Promise((r) => setTimeout(r, linger));
    await this.close();
    // Heartbeat's last line of a stop (heartbeat.c, "%s Heartbeat shutdown
    // complete." with the node name): every watcher of a stop waits for it
    // (CTS's CM_hb.py "Pat:We_stopped").
    this.log.info(`${this.config.localNode} Heartbeat shutdown complete.`);
    this.log.info('heartbeat-ts stopped');
    this.resolveExit(0);
  }

  /** Stops everything without touching resources (used after a completed shutdown, or when start fails). */
  async close(): Promise<void> {
    if (this.lifecycle.is('stopped')) return;
    this.lifecycle.moveTo('stopped');
    this.loop.close();
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    await this.probes?.stop();
    await this.network?.stop();
    await this.control?.close();
    await this.http?.close();
    await this.node.stop();
    await this.notes.close();
    this.runner.dispose();
    if (this.operationWatchTimer !== undefined) clearTimeout(this.operationWatchTimer);
    this.operationWatchTimer = undefined;
  }

  private installSignalHandlers(): void {
    const on = (signal: NodeJS.Signals, handler: () => void): void => {
      process.on(signal, handler);
      this.signalHandlers.push([signal, handler]);
    };
    on('SIGTERM', () => this.requestShutdown('SIGTERM'));
    on('SIGINT', () => this.requestShutdown('SIGINT'));
    on('SIGHUP', () => {
      this.log.info('SIGHUP: re-reading the configuration');
      void this.reload();
    });
  }
}

export function describeConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${formatProblem(p)}\n`).join('');
}
