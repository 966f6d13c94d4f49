// The built-in IPaddr and IPaddr2 agents: a service address added to an
// interface with `ip`, announced with gratuitous ARP, removed on stop.
//
// An address the resource names a label for (IFACE:LABEL, e.g. the tutorials'
// `IPaddr::10.10.10.100/24/eth0:0`) carries that label, with IPaddr and
// IPaddr2 alike. Otherwise IPaddr gives it an alias label IFACE:N (the first
// free N), like Heartbeat's alias interfaces, and IPaddr2 adds a plain
// secondary address. Status is whether the address is
// on the interface, printed as Heartbeat's IPaddr printed it (`running` /
// `stopped`), so the ownership rule reads it the same way.
//
// Each operation is as few `ip` processes as it can be, since they add up in
// every failover: status is one `ip -o -4 addr show`; start is one listing
// (addresses, plus routes when the interface or prefix must be found) and one
// `ip -batch` that adds the address and sets the link up; stop with a known
// interface and prefix is one `ip -force -batch` that deletes and lists what
// is left. The group runner calls `startUnlessRunning`, so a group start does
// not list twice. Starts and stops of the node's addresses that wait at the
// same time share those processes (address-batch.ts): a takeover of a
// hundred one-address groups is a few `ip` processes, not hundreds.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log/index.js';
import type { AddressBatcher } from './address-batch.js';
import type { ArpAnnouncer } from './arp-announcer.js';
import { runCommand, type CommandResult } from './command.js';
import type { IpAddrSpec } from './ipaddr-args.js';
import { connectedRouteFor, firstFreeAliasLabel, parseAddrShow, parseConnectedRoutes, type InterfaceAddress } from './ip-output.js';
import { broadcastAddress, formatIpv4, parseIpv4 } from './ipv4.js';
import type { AddressResourceSpec } from './resource-spec.js';
import type {
  AgentOperation,
  ArpSettings,
  OperationOutcome,
  OperationResult,
  OperationTimeouts,
  ResourceAgent,
  StartUnlessRunningResult,
} from './types.js';

/**
 * A FIFO lock by key. Address additions no longer take it (they go through
 * AddressBatcher, address-batch.ts, which serialises "look at the addresses,
 * then add" and batches many); kept for callers outside this module.
 */
export class InterfaceLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}


export interface AddressAgentDeps {
  readonly logger: Logger;
  readonly arp: ArpSettings;
  readonly announcer: ArpAnnouncer;
  /** Every address addition of the node goes through it (one listing and one `ip -batch` for all that wait). */
  readonly batcher: AddressBatcher;
  readonly timeouts: OperationTimeouts;
  readonly execPrefix?: readonly string[];
}

class OperationFailure extends Error {}


interface Body {
  readonly outcome: OperationOutcome;
  readonly stdout: string;
  /** For startUnlessRunning: the address was already up, nothing was done. */
  readonly alreadyRunning?: boolean;
}

/** The agent for SPEC, whose argument was parsed when the configuration was loaded. */
export function createAddressAgent(resourceSpec: AddressResourceSpec, deps: AddressAgentDeps): ResourceAgent {
  const { kind, token: resource, address } = resourceSpec;
  const description = `${kind} (built-in) ${resourceSpec.args.join(' ')}`;
  const log = deps.logger;
  const prefix = deps.execPrefix ? { execPrefix: deps.execPrefix } : {};

  async function ip(ipArgs: readonly string[], timeoutMs: number): Promise<CommandResult> {
    const r = await runCommand('ip', ipArgs, { timeoutMs, ...prefix });
    if (!r.ok) throw new OperationFailure(r.error ?? `ip ${ipArgs.join(' ')} failed`);
    return r;
  }

  function ours(spec: IpAddrSpec, all: readonly InterfaceAddress[]): InterfaceAddress[] {
    return all.filter((a) => a.address === spec.address && (spec.iface === undefined || a.iface === spec.iface));
  }

  const needsRoute = (spec: IpAddrSpec): boolean => spec.iface === undefined || spec.prefixLength === undefined;

  async function run(
    operation: AgentOperation,
    body: (spec: IpAddrSpec, logStart: () => void) => Promise<Body>,
  ): Promise<{ readonly result: OperationResult; readonly alreadyRunning: boolean }> {
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
    let logged = false;
    const logStart = (): void => {
      if (logged || operation === 'status') return;
      logged = true;
      log.info(`Running ${description} ${operation}`, { resource });
    };
    try {
      const r = await body(address, logStart);
      return { result: finish(r.outcome, r.stdout), alreadyRunning: r.alreadyRunning === true };
    } catch (err) {
      logStart();
      const reason = err instanceof Error ? err.message : String(err);
      log.error(`${description} ${operation} failed: ${reason}`, { resource });
      return { result: finish('failed', '', reason), alreadyRunning: false };
    }
  }

  function place(spec: IpAddrSpec, listing: string): { iface: string; prefixLength: number } {
    if (spec.iface !== undefined && spec.prefixLength !== undefined) {
      return { iface: spec.iface, prefixLength: spec.prefixLength };
    }
    const route = connectedRouteFor(spec.address, parseConnectedRoutes(listing), spec.iface);
    if (!route) {
      const where = spec.iface ? `interface ${spec.iface} has no` : 'no interface has a';
      throw new OperationFailure(
        `${where} connected subnet containing ${spec.address}; give it explicitly as ${kind}::${spec.address}/CIDR/IFACE`,
      );
    }
    return { iface: spec.iface ?? route.iface, prefixLength: spec.prefixLength ?? route.prefixLength };
  }

  /**
   * Bring the address up unless it already is. One listing under the lock
   * answers "is it up", "where does it go" and "which label is free".
   */
  async function bringUp(spec: IpAddrSpec, logStart: () => void, alwaysLog: boolean): Promise<Body> {
    const timeout = deps.timeouts.startTimeout;
    if (alwaysLog) logStart();
    const added = await deps.batcher.add<{ iface: string; prefixLength: number; label: string | undefined } | undefined>({
      needsRoutes: needsRoute(spec),
      timeoutMs: timeout,
      plan: (listing, addresses) => {
        if (ours(spec, addresses).length > 0) return { kind: 'done', value: undefined };
        logStart();
        const { iface, prefixLength } = place(spec, listing);
        let label = spec.label;
        if (kind === 'IPaddr' && label === undefined) {
          label = firstFreeAliasLabel(iface, addresses);
          if (label === undefined) throw new OperationFailure(`no free alias label left on ${iface}`);
        }
        const broadcast =
          spec.broadcast ??
          (() => {
            const b = broadcastAddress(parseIpv4(spec.address)!, prefixLength);
            return b === undefined ? undefined : formatIpv4(b);
          })();
        const command = [
          'addr', 'add', `${spec.address}/${prefixLength}`,
          ...(broadcast !== undefined ? ['brd', broadcast] : []),
          'dev', iface,
          ...(label !== undefined ? ['label', label] : []),
        ].join(' ');
        return {
          kind: 'add',
          command,
          iface,
          planned: { iface, address: spec.address, prefixLength, label: label ?? iface },
          value: { iface, prefixLength, label },
        };
      },
    });
    if (added === undefined) return { outcome: 'running', stdout: `${spec.address} is already up\n`, alreadyRunning: true };
    deps.announcer.announce(added.iface, spec.address, deps.arp);
    const where = added.label ?? added.iface;
    log.info(`${kind}: added ${spec.address}/${added.prefixLength} on ${where}`, { resource });
    return { outcome: 'running', stdout: `added ${spec.address}/${added.prefixLength} on ${where}\n` };
  }

  async function deleteEach(present: readonly InterfaceAddress[], timeout: number): Promise<void> {
    for (const a of present) {
      await ip(['-4', 'addr', 'del', `${a.address}/${a.prefixLength}`, 'dev', a.iface], timeout);
      log.info(`${kind}: removed ${a.address}/${a.prefixLength} from ${a.label}`, { resource });
    }
  }

  const notUp = (spec: IpAddrSpec): Body => ({ outcome: 'stopped', stdout: `${spec.address} was not up\n` });
  const removed = (spec: IpAddrSpec): Body => ({ outcome: 'stopped', stdout: `removed ${spec.address}\n` });

  async function takeDown(spec: IpAddrSpec): Promise<Body> {
    const timeout = deps.timeouts.stopTimeout;
    deps.announcer.cancel(spec.address);
    if (spec.iface === undefined || spec.prefixLength === undefined) {
      const present = ours(spec, parseAddrShow((await ip(['-o', '-4', 'addr', 'show'], timeout)).stdout));
      await deleteEach(present, timeout);
      return present.length ? removed(spec) : notUp(spec);
    }
    // The usual case in one process: delete the address as it was added, then
    // list what is left. A failed delete (not there, or there with another
    // prefix) is only an error if the address is still there afterwards.
    // Batched with the other removals waiting (address-batch.ts): one process for all.
    const labelled = spec.label !== undefined ? ` label ${spec.label}` : '';
    const r = await deps.batcher.remove(`addr del ${spec.address}/${spec.prefixLength} dev ${spec.iface}${labelled}`, timeout);
    const deleted = r.deleted;
    if (deleted) log.info(`${kind}: removed ${spec.address}/${spec.prefixLength} from ${spec.label ?? spec.iface}`, { resource });
    const left = ours(spec, parseAddrShow(r.listing));
    await deleteEach(left, timeout);
    return deleted || left.length ? removed(spec) : notUp(spec);
  }

  async function presentCopies(spec: IpAddrSpec): Promise<InterfaceAddress[]> {
    return ours(spec, parseAddrShow((await ip(['-o', '-4', 'addr', 'show'], deps.timeouts.statusTimeout)).stdout));
  }

  async function isUp(spec: IpAddrSpec): Promise<boolean> {
    return (await presentCopies(spec)).length > 0;
  }

  return {
    resource,
    description,
    batched: true,

    start: async () => (await run('start', (spec, logStart) => bringUp(spec, logStart, true))).result,

    startUnlessRunning: async (): Promise<StartUnlessRunningResult> => {
      const { result, alreadyRunning } = await run('start', (spec, logStart) => bringUp(spec, logStart, false));
      if (!alreadyRunning) return { alreadyRunning, result };
      // What status would have said; the group records it as the reason for skipping.
      return { alreadyRunning, result: { ...result, operation: 'status', stdout: 'running\n' } };
    },

    stop: async () =>
      (
        await run('stop', async (spec, logStart) => {
          logStart();
          return takeDown(spec);
        })
      ).result,

    reannounce: async () => {
      const spec = address;
      const [up] = await presentCopies(spec);
      if (up === undefined) return undefined;
      deps.announcer.announce(up.iface, spec.address, deps.arp);
      log.info(`${kind}: announcing ${spec.address} on ${up.iface} again (gratuitous ARP)`, { resource });
      return `${spec.address} on ${up.iface}`;
    },

    status: async () =>
      (
        await run('status', async (spec) =>
          (await isUp(spec)) ? { outcome: 'running', stdout: 'running\n' } : { outcome: 'stopped', stdout: 'stopped\n' },
        )
      ).result,
  };
}
