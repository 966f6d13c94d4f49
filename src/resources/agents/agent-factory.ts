// Builds the agent for a haresources resource. Resolution happens on every
// call, as Heartbeat's ResourceManager looked the script up on every
// operation: a script installed or fixed while the daemon runs is used.
import { performance } from 'node:perf_hooks';
import type { ResourceRef } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { createAddressAgent, InterfaceLocks } from './address-agent.js';
import { ArpAnnouncer } from './arp-announcer.js';
import { resolveResource, type ResolveOptions } from './resolve.js';
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
  /** Where script output capture files go (default the OS temp directory; the daemon passes its run dir). */
  readonly scratchDir?: string;
}

export const DEFAULT_KILL_GRACE_MS = 2000;

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
  private readonly locks = new InterfaceLocks();

  constructor(private readonly options: AgentFactoryOptions) {
    this.announcer = new ArpAnnouncer({
      logger: options.logger,
      ...(options.execPrefix ? { execPrefix: options.execPrefix } : {}),
      ...(options.arpingCommand ? { arpingCommand: options.arpingCommand } : {}),
    });
  }

  agentFor(ref: ResourceRef): ResourceAgent {
    const o = this.options;
    const resolved = resolveResource(ref, o);
    const prefix = o.execPrefix ? { execPrefix: o.execPrefix } : {};
    switch (resolved.kind) {
      case 'script':
        return createScriptAgent(ref.token, resolved.path, ref.args, {
          logger: o.logger,
          timeouts: o.timeouts,
          killGraceMs: o.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
          ...(o.env ? { env: o.env } : {}),
          ...(o.scratchDir ? { scratchDir: o.scratchDir } : {}),
          ...prefix,
        });
      case 'builtin':
        return createAddressAgent(resolved.name, ref.token, ref.args, {
          logger: o.logger,
          arp: o.arp,
          announcer: this.announcer,
          locks: this.locks,
          timeouts: o.timeouts,
          ...prefix,
        });
      case 'unresolved':
        return unresolvedAgent(ref, resolved.reason, o.logger);
    }
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
