// The built-in IPaddr and IPaddr2 agents: a service address added to an
// interface with `ip`, announced with gratuitous ARP, removed on stop.
//
// IPaddr gives each address an alias label IFACE:N (the first free N), like
// Heartbeat's alias interfaces; IPaddr2 adds a plain secondary address unless
// the resource names a label (IFACE:LABEL). Status is whether the address is
// on the interface, printed as Heartbeat's IPaddr printed it (`running` /
// `stopped`), so the ownership rule reads it the same way.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log/index.js';
import type { ArpAnnouncer } from './arp-announcer.js';
import { runCommand, type CommandResult } from './command.js';
import { parseIpAddrArguments, type BuiltinAddressAgent, type IpAddrSpec } from './ipaddr-args.js';
import { connectedRouteFor, firstFreeAliasLabel, parseAddrShow, parseConnectedRoutes, type InterfaceAddress } from './ip-output.js';
import { broadcastAddress, formatIpv4, parseIpv4 } from './ipv4.js';
import type { AgentOperation, ArpSettings, OperationOutcome, OperationResult, OperationTimeouts, ResourceAgent } from './types.js';

/** Serialises "pick a free alias label, then add" per interface, so two groups never pick the same label. */
export class InterfaceLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(iface: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(iface) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(iface, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(iface) === tail) this.tails.delete(iface);
    }
  }
}

export interface AddressAgentDeps {
  readonly logger: Logger;
  readonly arp: ArpSettings;
  readonly announcer: ArpAnnouncer;
  readonly locks: InterfaceLocks;
  readonly timeouts: OperationTimeouts;
  readonly execPrefix?: readonly string[];
}

class OperationFailure extends Error {}

export function createAddressAgent(
  kind: BuiltinAddressAgent,
  resource: string,
  args: readonly string[],
  deps: AddressAgentDeps,
): ResourceAgent {
  const description = `${kind} (built-in) ${args.join(' ')}`;
  const parsed = parseIpAddrArguments(kind, args);
  const log = deps.logger;

  async function ip(ipArgs: readonly string[], timeoutMs: number): Promise<CommandResult> {
    const r = await runCommand('ip', ipArgs, { timeoutMs, ...(deps.execPrefix ? { execPrefix: deps.execPrefix } : {}) });
    if (!r.ok) throw new OperationFailure(r.error ?? `ip ${ipArgs.join(' ')} failed`);
    return r;
  }

  async function addresses(timeoutMs: number): Promise<InterfaceAddress[]> {
    return parseAddrShow((await ip(['-o', '-4', 'addr', 'show'], timeoutMs)).stdout);
  }

  function ours(spec: IpAddrSpec, all: readonly InterfaceAddress[]): InterfaceAddress[] {
    return all.filter((a) => a.address === spec.address && (spec.iface === undefined || a.iface === spec.iface));
  }

  async function run(
    operation: AgentOperation,
    body: (spec: IpAddrSpec) => Promise<{ outcome: OperationOutcome; stdout: string }>,
  ): Promise<OperationResult> {
    const started = performance.now();
    const finish = (outcome: OperationOutcome, stdout: string, reason?: string): OperationResult => ({
      resource,
      operation,
      outcome,
      ...(reason !== undefined ? { reason } : {}),
      durationMs: performance.now() - started,
      stdout,
      stderr: reason ?? '',
    });
    if (!parsed.ok) return finish('failed', '', `bad ${kind} argument "${args.join('::')}": ${parsed.error}`);
    if (operation !== 'status') log.info(`Running ${description} ${operation}`, { resource });
    try {
      const { outcome, stdout } = await body(parsed.spec);
      return finish(outcome, stdout);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error(`${description} ${operation} failed: ${reason}`, { resource });
      return finish('failed', '', reason);
    }
  }

  async function place(spec: IpAddrSpec, timeoutMs: number): Promise<{ iface: string; prefixLength: number }> {
    if (spec.iface !== undefined && spec.prefixLength !== undefined) {
      return { iface: spec.iface, prefixLength: spec.prefixLength };
    }
    const routes = parseConnectedRoutes((await ip(['-o', '-4', 'route', 'show'], timeoutMs)).stdout);
    const route = connectedRouteFor(spec.address, routes, spec.iface);
    if (!route) {
      const where = spec.iface ? `interface ${spec.iface} has no` : 'no interface has a';
      throw new OperationFailure(
        `${where} connected subnet containing ${spec.address}; give it explicitly as ${kind}::${spec.address}/CIDR/IFACE`,
      );
    }
    return { iface: spec.iface ?? route.iface, prefixLength: spec.prefixLength ?? route.prefixLength };
  }

  return {
    resource,
    description,

    start: () =>
      run('start', async (spec) => {
        const timeout = deps.timeouts.startTimeout;
        if (ours(spec, await addresses(timeout)).length > 0) {
          return { outcome: 'running', stdout: `${spec.address} is already up\n` };
        }
        const { iface, prefixLength } = await place(spec, timeout);
        const broadcast =
          spec.broadcast ?? (() => {
            const b = broadcastAddress(parseIpv4(spec.address)!, prefixLength);
            return b === undefined ? undefined : formatIpv4(b);
          })();
        const label = await deps.locks.run(iface, async () => {
          let chosen = spec.label;
          if (kind === 'IPaddr') {
            chosen = firstFreeAliasLabel(iface, await addresses(timeout));
            if (chosen === undefined) throw new OperationFailure(`no free alias label left on ${iface}`);
          }
          await ip(
            [
              '-4', 'addr', 'add', `${spec.address}/${prefixLength}`,
              ...(broadcast !== undefined ? ['brd', broadcast] : []),
              'dev', iface,
              ...(chosen !== undefined ? ['label', chosen] : []),
            ],
            timeout,
          );
          return chosen;
        });
        await ip(['link', 'set', iface, 'up'], timeout);
        await deps.announcer.announce(iface, spec.address, deps.arp);
        const where = label ?? iface;
        log.info(`${kind}: added ${spec.address}/${prefixLength} on ${where}`, { resource });
        return { outcome: 'running', stdout: `added ${spec.address}/${prefixLength} on ${where}\n` };
      }),

    stop: () =>
      run('stop', async (spec) => {
        const timeout = deps.timeouts.stopTimeout;
        deps.announcer.cancel(spec.address);
        const present = ours(spec, await addresses(timeout));
        for (const a of present) {
          await ip(['-4', 'addr', 'del', `${a.address}/${a.prefixLength}`, 'dev', a.iface], timeout);
          log.info(`${kind}: removed ${a.address}/${a.prefixLength} from ${a.label}`, { resource });
        }
        return { outcome: 'stopped', stdout: present.length ? `removed ${spec.address}\n` : `${spec.address} was not up\n` };
      }),

    status: () =>
      run('status', async (spec) => {
        const up = ours(spec, await addresses(deps.timeouts.statusTimeout)).length > 0;
        return up ? { outcome: 'running', stdout: 'running\n' } : { outcome: 'stopped', stdout: 'stopped\n' };
      }),
  };
}
