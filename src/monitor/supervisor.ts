// Runs the configured probes and turns their fall/rise effects into requests
// to the daemon: release a group (action standby), stop (action shutdown),
// or "this node is eligible for the group again".
//
// Where a probe runs:
// - without `group` it guards the node as a whole and always runs;
// - with `group` it runs while this node holds the group and the group is
//   stable, AND while this node is ineligible for the group because of this
//   probe (after a release the group's services are stopped here, so the
//   probe measures rise against the local URL: it passes only once the admin,
//   or something else, makes the local service healthy again);
// - while the group is starting or stopping it does not run, and a result
//   that arrives after the group changed state is discarded.
//
// Ineligibility: after a release, the node is ineligible for the group until
// every probe that released it has passed `rise` times (then `onEligible`).
// `clearIneligibility` ends it early without a callback: the daemon calls it
// on hb_takeover; a daemon restart starts with a fresh supervisor, so it is
// cleared then too. With action `shutdown`, `onShutdown` is called once per
// supervisor, however many probes fail.
//
// Nothing here blocks: triggers only mark a probe due, probes are async HTTP
// requests or child processes (command probes), at most `maxConcurrent` at once, and a probe never overlaps
// itself (a run due while the previous one is still queued or in flight is
// skipped and counted).
import type { ProbeAction, ProbeConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { initialFallRise, stepFallRise, type FallRiseEvent, type FallRisePhase, type FallRiseState } from './fall-rise.js';
import { runCommandProbe } from './command-probe.js';
import { describeOutcome, runHttpProbe, type ProbeOutcome } from './http-probe.js';
import { createLimiter } from './limiter.js';
import { startCronTrigger, startIntervalTrigger, type ProbeTrigger } from './trigger.js';

/** What the daemon tells the supervisor about one haresources group on this node. */
export interface GroupRunState {
  /** This node holds the group (its resources are, or are being, started here). */
  readonly held: boolean;
  /** The group is starting or stopping here. */
  readonly transitioning: boolean;
}

export interface ProbeRunReport {
  readonly probe: string;
  readonly group?: string;
  readonly outcome: ProbeOutcome;
  /** false when the result was discarded (the group changed state meanwhile, or the supervisor stopped). */
  readonly counted: boolean;
}

export interface ProbeFallRise {
  readonly probe: string;
  readonly group?: string;
  readonly phase: FallRisePhase;
  readonly reason: string;
}

export interface ProbeStatus {
  readonly name: string;
  readonly group?: string;
  readonly action: ProbeAction;
  readonly phase: FallRisePhase;
  readonly failures: number;
  readonly successes: number;
  /** Runs started / skipped because the previous one was still running / results discarded. */
  readonly runs: number;
  readonly skippedOverlap: number;
  readonly discarded: number;
  readonly running: boolean;
  readonly lastOutcome?: ProbeOutcome;
  /** Wall-clock time (ms since the epoch) the last result arrived. */
  readonly lastResultAt?: number;
}

export interface ProbeSupervisorOptions {
  readonly probes: readonly ProbeConfig[];
  readonly logger: Logger;
  /** Action standby reached: release `group` (undefined: every group this node holds). */
  readonly onRelease: (group: string | undefined, reason: string) => void;
  /** Every probe that released `group` (undefined: the node-wide release) has passed `rise` times. */
  readonly onEligible: (group: string | undefined, reason: string) => void;
  /** Action shutdown reached: stop the daemon gracefully. Called at most once. */
  readonly onShutdown: (reason: string) => void;
  /** Every finished run, for status and metrics. */
  readonly onResult?: (report: ProbeRunReport) => void;
  /** A probe fell (`fall` failures in a row) or rose (`rise` successes), before what it causes (notifications). */
  readonly onFallRise?: (change: ProbeFallRise) => void;
  /** Probes running at once (default 4). */
  readonly maxConcurrent?: number;
  /** Largest body a probe reads (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Clock for fall/rise bookkeeping (default Date.now). */
  readonly now?: () => number;
}

export interface ProbeSupervisor {
  /** Starts every probe's schedule. Idempotent. */
  start(): void;
  /** Stops schedules, aborts runs in flight and waits for them to end. A stopped supervisor stays stopped: make a new one. */
  stop(): Promise<void>;
  /** Tell the supervisor the state of a group on this node; unknown groups count as not held. */
  setGroupState(key: string, state: GroupRunState): void;
  /** Makes the node eligible again without waiting for rise (hb_takeover); undefined = every group and the node. */
  clearIneligibility(group?: string, reason?: string): void;
  /** false while a probe of this group, or a node-wide standby probe, keeps this node ineligible. */
  isEligible(group: string): boolean;
  /** Groups this node is ineligible for, and whether a node-wide probe made the whole node ineligible. */
  ineligibility(): { readonly node: boolean; readonly groups: readonly string[] };
  status(): readonly ProbeStatus[];
}

interface ProbeRuntime {
  readonly config: ProbeConfig;
  fr: FallRiseState;
  running: boolean;
  runs: number;
  skippedOverlap: number;
  discarded: number;
  lastOutcome?: ProbeOutcome;
  lastResultAt?: number;
  trigger?: ProbeTrigger;
}

interface GroupRuntime {
  state: GroupRunState;
  /** Bumped on every change, so a result started under an older state is recognised. */
  epoch: number;
}

const NOT_HELD: GroupRunState = { held: false, transitioning: false };
/** Key of the node-wide release in `releasedBy`. */
const NODE = '\0node';

export function createProbeSupervisor(options: ProbeSupervisorOptions): ProbeSupervisor {
  const log = options.logger.child('monitor');
  const now = options.now ?? Date.now;
  const limiter = createLimiter(options.maxConcurrent ?? 4);
  const abort = new AbortController();
  const groups = new Map<string, GroupRuntime>();
  /** Release key (group or NODE) → names of the probes keeping the node ineligible for it. */
  const releasedBy = new Map<string, Set<string>>();
  const inFlight = new Set<Promise<void>>();
  let started = false;
  let stopped = false;
  let shutdownRequested = false;

  const probes: ProbeRuntime[] = options.probes.map((config) => ({
    config,
    fr: initialFallRise(now()),
    running: false,
    runs: 0,
    skippedOverlap: 0,
    discarded: 0,
  }));

  const groupOf = (key: string): GroupRuntime => {
    let g = groups.get(key);
    if (!g) {
      g = { state: NOT_HELD, epoch: 0 };
      groups.set(key, g);
    }
    return g;
  };
  const epochOf = (p: ProbeRuntime): number => (p.config.group === undefined ? 0 : groupOf(p.config.group).epoch);

  const shouldRun = (p: ProbeRuntime): boolean => {
    if (stopped) return false;
    if (p.config.group === undefined) return true;
    const { held, transitioning } = groupOf(p.config.group).state;
    return !transitioning && (held || p.fr.phase === 'down');
  };

  const call = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.error(`the daemon's ${what} handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const apply = (p: ProbeRuntime, event: FallRiseEvent): void => {
    const step = stepFallRise(p.fr, event, p.config);
    p.fr = step.state;
    const meta = p.config.group === undefined ? { probe: p.config.name } : { probe: p.config.name, group: p.config.group };
    for (const note of step.notes) log[note.level](note.message, meta);
    if (!step.effect) return;
    if (options.onFallRise) {
      const change: ProbeFallRise = { ...meta, phase: step.effect.type === 'act' ? 'down' : 'up', reason: step.effect.reason };
      call('fall-rise', () => options.onFallRise!(change));
    }
    if (step.effect.type === 'act') act(p, step.effect.reason);
    else recovered(p, step.effect.reason);
  };

  const act = (p: ProbeRuntime, reason: string): void => {
    if (p.config.action === 'shutdown') {
      if (shutdownRequested) return;
      shutdownRequested = true;
      log.error(`stopping heartbeat: ${reason}`, { probe: p.config.name });
      call('shutdown', () => options.onShutdown(reason));
      return;
    }
    const key = p.config.group ?? NODE;
    let set = releasedBy.get(key);
    if (!set) {
      set = new Set();
      releasedBy.set(key, set);
    }
    const first = set.size === 0;
    set.add(p.config.name);
    if (!first) return;
    const what = p.config.group === undefined ? 'every group' : `group ${p.config.group}`;
    log.warn(`releasing ${what}; this node stays ineligible until the probe passes ${p.config.rise} time(s): ${reason}`, {
      probe: p.config.name,
    });
    call('release', () => options.onRelease(p.config.group, reason));
  };

  const recovered = (p: ProbeRuntime, reason: string): void => {
    const key = p.config.group ?? NODE;
    const set = releasedBy.get(key);
    if (!set?.delete(p.config.name)) return;
    if (set.size > 0) {
      log.info(`probe ${p.config.name} recovered; still ineligible because of ${[...set].join(', ')}`);
      return;
    }
    releasedBy.delete(key);
    const what = p.config.group === undefined ? 'this node' : `group ${p.config.group}`;
    log.info(`this node is eligible again for ${what}: ${reason}`, { probe: p.config.name });
    call('eligible', () => options.onEligible(p.config.group, reason));
  };

  const due = (p: ProbeRuntime): void => {
    if (!shouldRun(p)) return;
    if (p.running) {
      p.skippedOverlap++;
      log.debug(`probe ${p.config.name} is still running; skipped this run (${p.skippedOverlap} skipped so far)`);
      return;
    }
    p.running = true;
    p.runs++;
    const epoch = epochOf(p);
    const { command, url } = p.config;
    const run = limiter
      .run(() =>
        command !== undefined
          ? runCommandProbe({ command, timeout: p.config.timeout })
          : runHttpProbe(
              { ...p.config, url: url ?? '' },
              { signal: abort.signal, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) },
            ),
      )
      .then(
        (outcome) => finish(p, outcome, epoch),
        (err: unknown) => {
          // Neither probe kind rejects; this is a bug guard, so the probe is not stuck "running".
          p.running = false;
          log.error(`probe ${p.config.name} crashed: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  const finish = (p: ProbeRuntime, outcome: ProbeOutcome, epoch: number): void => {
    p.running = false;
    p.lastOutcome = outcome;
    p.lastResultAt = Date.now();
    const counted = !stopped && outcome.kind !== 'aborted' && epoch === epochOf(p) && shouldRun(p);
    if (!counted) {
      p.discarded++;
      if (!stopped) log.debug(`probe ${p.config.name}: result discarded, group ${p.config.group ?? '-'} changed state meanwhile (${describeOutcome(outcome)})`);
    }
    const report: ProbeRunReport =
      p.config.group === undefined
        ? { probe: p.config.name, outcome, counted }
        : { probe: p.config.name, group: p.config.group, outcome, counted };
    if (options.onResult) call('result', () => options.onResult!(report));
    if (!counted) return;
    apply(p, { type: 'result', ok: outcome.kind === 'ok', reason: describeOutcome(outcome), at: now() });
  };

  return {
    start(): void {
      if (started || stopped) return;
      started = true;
      for (const p of probes) {
        const { schedule, interval, name } = p.config;
        const onDue = (): void => due(p);
        if (schedule !== undefined) p.trigger = startCronTrigger(schedule, onDue, log);
        else if (interval !== undefined) p.trigger = startIntervalTrigger(interval, onDue, log);
        else log.error(`probe ${name} has neither schedule nor interval; it will not run`);
      }
      log.info(`monitoring ${probes.length} probe(s)`);
    },

    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const p of probes) p.trigger?.stop();
      abort.abort();
      await Promise.allSettled([...inFlight]);
    },

    setGroupState(key: string, state: GroupRunState): void {
      const g = groupOf(key);
      if (g.state.held === state.held && g.state.transitioning === state.transitioning) return;
      g.state = { held: state.held, transitioning: state.transitioning };
      g.epoch++;
      const reason = `group ${key} is now ${state.transitioning ? (state.held ? 'starting' : 'stopping') : state.held ? 'held here' : 'not held here'}`;
      for (const p of probes) if (p.config.group === key) apply(p, { type: 'reset', reason, at: now() });
    },

    clearIneligibility(group?: string, reason = 'ineligibility cleared by the admin'): void {
      for (const p of probes) {
        if (group !== undefined && p.config.group !== group) continue;
        apply(p, { type: 'clear', reason, at: now() });
      }
      if (group === undefined) releasedBy.clear();
      else releasedBy.delete(group);
    },

    isEligible(group: string): boolean {
      return !releasedBy.get(group)?.size && !releasedBy.get(NODE)?.size;
    },

    ineligibility() {
      return {
        node: (releasedBy.get(NODE)?.size ?? 0) > 0,
        groups: [...releasedBy.entries()].filter(([k, s]) => k !== NODE && s.size > 0).map(([k]) => k),
      };
    },

    status(): readonly ProbeStatus[] {
      return probes.map((p) => ({
        name: p.config.name,
        ...(p.config.group === undefined ? {} : { group: p.config.group }),
        action: p.config.action,
        phase: p.fr.phase,
        failures: p.fr.failures,
        successes: p.fr.successes,
        runs: p.runs,
        skippedOverlap: p.skippedOverlap,
        discarded: p.discarded,
        running: p.running,
        ...(p.lastOutcome ? { lastOutcome: p.lastOutcome } : {}),
        ...(p.lastResultAt !== undefined ? { lastResultAt: p.lastResultAt } : {}),
      }));
    },
  };
}
