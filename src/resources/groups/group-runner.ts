// Resource groups as Heartbeat's ResourceManager runs them (spec §9.1):
// - start left to right; a resource whose status already says running is
//   left alone (agents that can answer both at once, the built-in address
//   agents, do it in one step: startUnlessRunning); if a start fails: CRIT
//   "Giving up resources due to failure of X" and the whole group is stopped
//   right to left;
// - stop right to left; a failed stop is retried (stopRetries times,
//   stopRetryInterval apart); if it still fails and status does not say the
//   resource is stopped, that is critical: the stop ends there and the
//   caller gets `stopFailed` (then applies the stop-failure policy); if
//   status says stopped, it is only a warning (a non-LSB script).
// Operations on one group are queued and never overlap; different groups
// run in parallel.
// Each resource's agent is built once, here, from the resolved spec the
// configuration carries (see agents/resource-spec.ts): an operation looks no
// script up and parses no argument.
import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { ExtensionOptions, ResourceGroupConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import {
  AgentFactory,
  type AgentFactoryOptions,
  type OperationOptions,
  type OperationResult,
  type ResourceAgent,
  type ResourceGroupSpec,
} from '../agents/index.js';
import { KeyedSerialQueue } from './serial-queue.js';
import type {
  GroupStartResult,
  GroupStatusResult,
  GroupStopResult,
  ResourceStatus,
  ResourceStep,
} from './types.js';

export interface GroupRunnerOptions {
  /**
   * The groups as the loaded configuration resolved them. Plain haresources
   * groups (tests, tools) are resolved once, when the runner is built.
   */
  readonly groups: readonly (ResourceGroupSpec | ResourceGroupConfig)[];
  readonly configDir: string;
  /** Where LSB init scripts live (default /etc/init.d). */
  readonly initDir?: string;
  readonly resources: ExtensionOptions['resources'];
  readonly arp: ExtensionOptions['arp'];
  readonly logger: Logger;
  /** Environment every script gets (the daemon's HA_* variables, spec §9.8). */
  readonly env?: Readonly<Record<string, string>>;
  /** See AgentFactoryOptions.execPrefix (network namespaces in tests). */
  readonly execPrefix?: readonly string[];
  readonly killGraceMs?: number;
  readonly arpingCommand?: string;
  /** Where script output capture files go (default the OS temp directory; the daemon passes its run dir). */
  readonly scratchDir?: string;
}

/** Bound on stop attempts per resource whatever the configuration says. */
const MAX_STOP_ATTEMPTS = 1000;

export class UnknownGroupError extends Error {
  constructor(readonly group: string) {
    super(`no resource group with key ${group} in haresources`);
  }
}

/** A group with the agent of each of its resources, in haresources order. */
interface RunnableGroup {
  readonly config: ResourceGroupConfig;
  readonly agents: readonly ResourceAgent[];
}

export class GroupRunner {
  private readonly groups = new Map<string, RunnableGroup>();
  private readonly queue = new KeyedSerialQueue();
  private readonly agents: AgentFactory;
  private readonly log: Logger;

  constructor(private readonly options: GroupRunnerOptions) {
    this.log = options.logger;
    const factoryOptions: AgentFactoryOptions = {
      configDir: options.configDir,
      logger: options.logger,
      timeouts: options.resources,
      arp: options.arp,
      ...(options.initDir !== undefined ? { initDir: options.initDir } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.execPrefix ? { execPrefix: options.execPrefix } : {}),
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      ...(options.arpingCommand ? { arpingCommand: options.arpingCommand } : {}),
      ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
    };
    this.agents = new AgentFactory(factoryOptions);
    for (const g of options.groups) {
      if (this.groups.has(g.key)) continue;
      this.groups.set(g.key, { config: g, agents: g.resources.map((ref) => this.agents.agentFor(ref)) });
    }
  }

  /** Group keys in haresources order. */
  keys(): string[] {
    return [...this.groups.keys()];
  }

  /** The daemon starts: start what a takeover should not wait for (the ARP sender of a node with many addresses). */
  prepare(): void {
    this.agents.prepare();
  }

  /** Groups made only of agents that run in the node's shared batches (ResourceAgent.batched): the manager's batchedGroups. */
  batchedGroups(): string[] {
    return [...this.groups.values()].filter((g) => g.agents.length > 0 && g.agents.every((a) => a.batched === true)).map((g) => g.config.key);
  }

  /** Whether an operation on the group is running or queued. */
  busy(key: string): boolean {
    return this.queue.busy(key);
  }

  start(key: string, options?: OperationOptions): Promise<GroupStartResult> {
    const group = this.group(key);
    return this.queue.run(key, () => this.startGroup(group, options));
  }

  stop(key: string, options?: OperationOptions): Promise<GroupStopResult> {
    const group = this.group(key);
    return this.queue.run(key, () => this.stopGroup(group, options));
  }

  status(key: string, options?: OperationOptions): Promise<GroupStatusResult> {
    const group = this.group(key);
    return this.queue.run(key, () => this.statusGroup(group, options));
  }

  /**
   * Announce the group's addresses again (see ResourceAgent.reannounce), in
   * the group's queue so it never races a stop. What was announced; a
   * resource that could not say is logged and skipped.
   */
  reannounce(key: string): Promise<string[]> {
    const group = this.group(key);
    return this.queue.run(key, async () => {
      const announced: string[] = [];
      for (const agent of group.agents) {
        if (agent.reannounce === undefined) continue;
        try {
          const what = await agent.reannounce();
          if (what !== undefined) announced.push(what);
        } catch (err) {
          this.log.warn(`Could not announce ${agent.resource} again: ${(err as Error).message}`, { group: key, resource: agent.resource });
        }
      }
      return announced;
    });
  }

  /** Gratuitous ARP still pending for ADDRESS (observability, tests). */
  pendingArp(address: string): { readonly processes: number; readonly scheduled: number } {
    return this.agents.pendingArp(address);
  }

  /** End background activity (gratuitous ARP series). Queued operations still finish. */
  dispose(): void {
    this.agents.dispose();
  }

  private group(key: string): RunnableGroup {
    const group = this.groups.get(key);
    if (!group) throw new UnknownGroupError(key);
    return group;
  }

  private describe(group: RunnableGroup): string {
    return [group.config.node, ...group.config.resources.map((r) => r.token)].join(' ');
  }

  private async startGroup(group: RunnableGroup, options?: OperationOptions): Promise<GroupStartResult> {
    const started = performance.now();
    const meta = { group: group.config.key };
    this.log.info(`Acquiring resource group: ${this.describe(group)}`, meta);
    const steps: ResourceStep[] = [];
    const startedNow: string[] = [];
    for (const agent of group.agents) {
      let result: OperationResult;
      if (agent.startUnlessRunning) {
        const combined = await agent.startUnlessRunning(options);
        if (combined.alreadyRunning) {
          steps.push({ resource: agent.resource, action: 'skipped', result: combined.result, attempts: 1 });
          continue;
        }
        result = combined.result;
      } else {
        const status = await agent.status(options);
        if (status.outcome === 'running') {
          steps.push({ resource: agent.resource, action: 'skipped', result: status, attempts: 1 });
          continue;
        }
        result = await agent.start(options);
      }
      if (result.outcome === 'running') {
        steps.push({ resource: agent.resource, action: 'started', result, attempts: 1 });
        startedNow.push(agent.resource);
        continue;
      }
      steps.push({ resource: agent.resource, action: 'failed', result, attempts: 1 });
      const reason = result.reason ?? `start ended ${result.outcome}`;
      // Heartbeat's wording, kept greppable.
      this.log.crit(`Giving up resources due to failure of ${agent.resource}`, { ...meta, resource: agent.resource, reason });
      const rollback = await this.stopGroup(group, options);
      return {
        outcome: 'failed',
        group: group.config.key,
        resource: agent.resource,
        reason,
        steps,
        startedByThisAttempt: startedNow,
        rollback,
        durationMs: performance.now() - started,
      };
    }
    this.log.info(`Resource group ${group.config.key} started`, meta);
    return { outcome: 'started', group: group.config.key, steps, durationMs: performance.now() - started };
  }

  private async stopGroup(group: RunnableGroup, options?: OperationOptions): Promise<GroupStopResult> {
    const started = performance.now();
    const meta = { group: group.config.key };
    this.log.info(`Releasing resource group: ${this.describe(group)}`, meta);
    const steps: ResourceStep[] = [];
    const warnings: string[] = [];
    const agents = [...group.agents].reverse();
    const maxAttempts = Math.min(1 + Math.max(0, Math.trunc(this.options.resources.stopRetries)), MAX_STOP_ATTEMPTS);
    for (const [index, agent] of agents.entries()) {
      const resourceMeta = { ...meta, resource: agent.resource };
      let result = await agent.stop(options);
      let attempts = 1;
      while (result.outcome !== 'stopped' && attempts < maxAttempts) {
        await delay(this.options.resources.stopRetryInterval);
        this.log.info(`Retrying failed stop operation [${agent.resource}]`, resourceMeta);
        result = await agent.stop(options);
        attempts++;
      }
      if (result.outcome === 'stopped') {
        steps.push({ resource: agent.resource, action: 'stopped', result, attempts });
        continue;
      }
      steps.push({ resource: agent.resource, action: 'failed', result, attempts });
      const reason = result.reason ?? `stop ended ${result.outcome}`;
      const status = await agent.status(options);
      if (status.outcome === 'stopped') {
        const warning = `stop of ${agent.resource} failed (${reason}) but its status says it is not running`;
        // Heartbeat's wording: a stop of a stopped resource must succeed (LSB).
        this.log.warn(`Resource script for ${agent.resource} probably not LSB-compliant.`, resourceMeta);
        this.log.warn(`it (${agent.resource}) MUST succeed on a stop when already stopped`, resourceMeta);
        warnings.push(warning);
        continue;
      }
      const still =
        status.outcome === 'running' ? 'it is still running' : `its status is unknown (${status.reason ?? status.outcome})`;
      const fullReason = `${reason} after ${attempts} attempt(s); ${still}`;
      this.log.crit(`Resource STOP failure: ${agent.resource} of group ${group.config.key} will not stop: ${fullReason}`, resourceMeta);
      return {
        outcome: 'stopFailed',
        group: group.config.key,
        resource: agent.resource,
        reason: fullReason,
        steps,
        notStopped: agents.slice(index).map((a) => a.resource).reverse(),
        warnings,
        durationMs: performance.now() - started,
      };
    }
    this.log.info(`Resource group ${group.config.key} stopped`, meta);
    return { outcome: 'stopped', group: group.config.key, steps, warnings, durationMs: performance.now() - started };
  }

  private async statusGroup(group: RunnableGroup, options?: OperationOptions): Promise<GroupStatusResult> {
    const started = performance.now();
    const resources: ResourceStatus[] = [];
    for (const agent of group.agents) {
      const result = await agent.status(options);
      resources.push({ resource: agent.resource, state: result.outcome === 'running' ? 'running' : 'stopped', result });
    }
    const running = resources.filter((r) => r.state === 'running').length;
    const state = running === 0 ? 'stopped' : running === resources.length ? 'running' : 'partial';
    return { group: group.config.key, state, resources, durationMs: performance.now() - started };
  }
}
