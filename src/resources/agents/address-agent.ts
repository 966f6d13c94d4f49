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
// not list twice.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log/index.js';
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
 * Serialises "look at the addresses, then add one" across every address agent
 * of the node, so that two groups never pick the same alias label. One key
 * for all interfaces: the interface of a bare address is only known from the
 * same listing, and holding the lock for one listing and one add is short.
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

/** The lock key every address change takes (see InterfaceLocks). */
const ADDRESS_CHANGES = 'addresses';

export interface AddressAgentDeps {
  readonly logger: Logger;
  readonly arp: ArpSettings;
  readonly announcer: ArpAnnouncer;
  readonly locks: InterfaceLocks;
  readonly timeouts: OperationTimeouts;
  readonly execPrefix?: readonly string[];
}

class OperationFailure extends Error {}

/** `Command failed -:N` lines that `ip -batch` adds after a failing command's own message. */
const BATCH_FAILURE_LINE = /^Command failed -:(\d+)$/;

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

  /**
   * Several `ip` commands in one process. Without `force` the batch stops at
   * the first failure, which is reported as that command's own failure.
   */
  async function ipBatch(
    globalOptions: readonly string[],
    commands: readonly string[],
    timeoutMs: number,
    force = false,
  ): Promise<CommandResult & { readonly failedCommands: readonly number[] }> {
    const r = await runCommand('ip', [...globalOptions, ...(force ? ['-force'] : []), '-batch', '-'], {
      timeoutMs,
      input: commands.map((c) => `${c}\n`).join(''),
      ...prefix,
    });
    const failedCommands: number[] = [];
    const messages: string[] = [];
    for (const line of r.stderr.split('\n')) {
      const m = BATCH_FAILURE_LINE.exec(line.trim());
      if (m) failedCommands.push(Number(m[1]));
      else if (line.trim()) messages.push(line.trim());
    }
    if (r.ok || force) return { ...r, failedCommands };
    const failed = failedCommands[0];
    const command = failed !== undefined ? commands[failed - 1] : undefined;
    if (command === undefined || r.exitCode === undefined) {
      throw new OperationFailure(r.error ?? `ip -batch (${commands.join('; ')}) failed`);
    }
    const what = `ip ${[...globalOptions, command].join(' ')}`;
    throw new OperationFailure(`${what} failed${messages.length ? `: ${messages.join(' ')}` : ''}`);
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
    const added = await deps.locks.run(ADDRESS_CHANGES, async () => {
      const listing = needsRoute(spec)
        ? (await ipBatch(['-o', '-4'], ['addr show', 'route show'], timeout)).stdout
        : (await ip(['-o', '-4', 'addr', 'show'], timeout)).stdout;
      const addresses = parseAddrShow(listing);
      if (ours(spec, addresses).length > 0) return undefined;
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
      const add = [
        'addr', 'add', `${spec.address}/${prefixLength}`,
        ...(broadcast !== undefined ? ['brd', broadcast] : []),
        'dev', iface,
        ...(label !== undefined ? ['label', label] : []),
      ].join(' ');
      await ipBatch(['-4'], [add, `link set ${iface} up`], timeout);
      return { iface, prefixLength, label };
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
    const labelled = spec.label !== undefined ? ` label ${spec.label}` : '';
    const r = await ipBatch(
      ['-o', '-4'],
      [`addr del ${spec.address}/${spec.prefixLength} dev ${spec.iface}${labelled}`, 'addr show'],
      timeout,
      true,
    );
    const unexplained = r.exitCode !== 0 && r.failedCommands.length === 0;
    if (r.exitCode === undefined || unexplained || r.failedCommands.includes(2)) {
      throw new OperationFailure(r.error ?? 'ip -o -4 addr show failed');
    }
    const deleted = !r.failedCommands.includes(1);
    if (deleted) log.info(`${kind}: removed ${spec.address}/${spec.prefixLength} from ${spec.label ?? spec.iface}`, { resource });
    const left = ours(spec, parseAddrShow(r.stdout));
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
