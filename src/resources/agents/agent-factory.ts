// Builds the agent for a resolved resource (resource-spec.ts). The spec was
// made once, when the configuration was loaded: building an agent looks
// nothing up and parses nothing. A plain haresources reference (tests, tools)
// is resolved here, once, when its agent is built.
import { performance } from 'node:perf_hooks';
import type { ResourceRef } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { createAddressAgent } from './address-agent.js';
import { AddressBatcher } from './address-batch.js';
import { ArpAnnouncer } from './arp-announcer.js';
import type { ResolveOptions } from './resolve.js';
import { isResourceSpec, resourceSpec, type ResourceSpec } from './resource-spec.js';
import { createScriptAgent } from './script-agent.js';
import type { AgentOperation, ArpSettings, OperationResult, OperationTimeouts, ResourceAgent } from './types.js';

export interface AgentFactoryOptions extends ResolveOptions {
  readonly logger: Logger;
  readonly timeouts: OperationTimeouts;
  readonly arp: ArpSettings;
  /** Environment every script gets (the daemon's HA_* variables, spec §9.8). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Words put before every external command (scripts, ip, arping), e.g.
   * `['ip', 'netns', 'exec', 'NS']`. Empty in production; the prefix must exec, not fork.
   */
  readonly execPrefix?: readonly string[];
  /** SIGTERM → SIGKILL delay for a timed-out script's process group (default 2000 ms). */
  readonly killGraceMs?: number;
  /** The iputils arping command (default `arping`). */
  readonly arpingCommand?: string;
  /** python3 for many gratuitous ARP packets from one process (default `python3`; null: arping only). */
  readonly python3Command?: string | null;
  /** Where script output capture files go (default the OS temp directory; the daemon passes its run dir). */
  readonly scratchDir?: string;
}

export const DEFAULT_KILL_GRACE_MS = 2000;

/** From this many addresses in one batch on, the one-process ARP sender is started ahead (python3 takes tens of ms to start). */
const WARM_SENDER_FROM = 8;

/**
 * A resource whose script cannot be found: start and stop fail; status says
 * "not running", as Heartbeat's we_own_resource did (no script, no output).
 */
function unresolvedAgent(ref: ResourceRef, reason: string, logger: Logger): ResourceAgent {
  const fail = async (operation: AgentOperation): Promise<OperationResult> => {
    const started = performance.now();
    const durationMs = (): number => performance.now() - started;
    if (operation === 'status') {
      return { resource: ref.token, operation, outcome: 'stopped', durationMs: durationMs(), stdout: '', stderr: reason };
    }
    logger.error(reason, { resource: ref.token });
    return { resource: ref.token, operation, outcome: 'failed', reason, durationMs: durationMs(), stdout: '', stderr: reason };
  };
  return {
    resource: ref.token,
    description: `${ref.script} (unresolved)`,
    start: () => fail('start'),
    stop: () => fail('stop'),
    status: () => fail('status'),
  };
}

export class AgentFactory {
  private readonly announcer: ArpAnnouncer;
  private readonly batcher: AddressBatcher;
  private addressAgents = 0;

  constructor(private readonly options: AgentFactoryOptions) {
    this.announcer = new ArpAnnouncer({
      logger: options.logger,
      ...(options.execPrefix ? { execPrefix: options.execPrefix } : {}),
      ...(options.arpingCommand ? { arpingCommand: options.arpingCommand } : {}),
      ...(options.python3Command !== undefined ? { python3Command: options.python3Command } : {}),
    });
    // Several addresses coming up at once: their gratuitous ARP goes out from one python3
    // process, started while `ip` adds them (a few addresses keep their arpings: no wait for python).
    this.batcher = new AddressBatcher(options.execPrefix, (count) => {
      if (count >= WARM_SENDER_FROM) this.announcer.warm();
    });
  }

  /** The agent that runs SPEC; a plain reference is resolved first (an unresolvable one gets an agent that says why). */
  agentFor(ref: ResourceSpec | ResourceRef): ResourceAgent {
    if (isResourceSpec(ref)) return this.agentForSpec(ref);
    const resolved = resourceSpec(ref, this.options);
    return resolved.ok ? this.agentForSpec(resolved.spec) : unresolvedAgent(ref, resolved.reason, this.options.logger);
  }

  private agentForSpec(spec: ResourceSpec): ResourceAgent {
    const o = this.options;
    const prefix = o.execPrefix ? { execPrefix: o.execPrefix } : {};
    switch (spec.kind) {
      case 'script':
        return createScriptAgent(spec.token, spec.path, spec.args, {
          logger: o.logger,
          timeouts: o.timeouts,
          killGraceMs: o.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
          ...(o.env ? { env: o.env } : {}),
          ...(o.scratchDir ? { scratchDir: o.scratchDir } : {}),
          ...prefix,
        });
      case 'IPaddr':
      case 'IPaddr2':
        this.addressAgents++;
        return createAddressAgent(spec, {
          logger: o.logger,
          arp: o.arp,
          announcer: this.announcer,
          batcher: this.batcher,
          timeouts: o.timeouts,
          ...prefix,
        });
    }
  }

  /**
   * The daemon starts: with many service addresses, the one-process ARP
   * sender is started now and kept (a takeover does not wait for python3 to
   * start); with few, their arpings need nothing ahead.
   */
  prepare(): void {
    if (this.addressAgents >= WARM_SENDER_FROM) this.announcer.keepWarm();
  }

  /** Gratuitous ARP still pending for ADDRESS (observability, tests). */
  pendingArp(address: string): { readonly processes: number; readonly scheduled: number } {
    return this.announcer.pending(address);
  }

  /** End every background activity (gratuitous ARP series). */
  dispose(): void {
    this.announcer.cancelAll();
  }
}
