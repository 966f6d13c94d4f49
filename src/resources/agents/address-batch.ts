// Address additions of every address agent of the node go through one
// batcher: it runs one batch at a time (so that two groups never pick the
// same alias label: each decision sees the listing plus the additions
// already planned in its batch), and a batch takes every addition waiting:
// one listing (`ip -o -4 -batch`: addr show, and route show when an address
// must find its interface or prefix) and one `ip -4 -force -batch` with every
// `addr add` and one `link set IFACE up` per interface. With one group
// starting that is exactly the two processes it always was; with a hundred
// groups taking over at once (issue 12) it is two processes per batch
// instead of two per address.
//
// `-force` lets the other additions of a batch go on when one fails; each
// failure is reported to its own caller as the command ip refused and ip's
// message ("ip -4 addr add … failed: …"), as a batch of one always did.
//
// Removals are batched the same way, in their own queue (a removal only
// frees labels, so it never changes an addition's decision): one
// `ip -o -4 -force -batch` with every `addr del` and one `addr show` at the
// end, which each caller reads to see whether its address is really gone.
//
// A batch starts on the turn of the event loop after its first request, so
// that the operations a step of the manager launched together go together.
import { runCommand } from './command.js';
import { parseAddrShow, type InterfaceAddress } from './ip-output.js';

/** What one addition decides once it sees the listing. */
export type AddPlan<T> =
  /** Nothing to add (the address is already up): resolve with `value`. */
  | { readonly kind: 'done'; readonly value: T }
  /** Add with `command` (an `ip -4` batch line); `planned` is the address as it will be listed. */
  | { readonly kind: 'add'; readonly command: string; readonly iface: string; readonly planned: InterfaceAddress; readonly value: T };

export interface AddJob<T> {
  /** The listing must include `route show` (an address without interface or prefix). */
  readonly needsRoutes: boolean;
  readonly timeoutMs: number;
  /** Decide from the listing (and the addresses already planned in this batch); throw to fail this job only. */
  plan(listing: string, addresses: readonly InterfaceAddress[]): AddPlan<T>;
}

interface Waiting {
  readonly job: AddJob<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** `Command failed -:N` lines that `ip -batch` adds after a failing command's own message. */
const BATCH_FAILURE_LINE = /^Command failed -:(\d+)$/;
/** Bound on additions in one batch (a longer queue is split). */
const MAX_BATCH = 256;

export class AddressChangeError extends Error {}

/** Line number (1-based) → ip's message for it, from a `-force -batch` run's error output. */
export function batchFailures(stderr: string): Map<number, string> {
  const failures = new Map<number, string>();
  let messages: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = BATCH_FAILURE_LINE.exec(line);
    if (m) {
      failures.set(Number(m[1]), messages.join(' '));
      messages = [];
    } else messages.push(line);
  }
  return failures;
}

interface WaitingRemoval {
  readonly command: string;
  readonly timeoutMs: number;
  readonly resolve: (r: RemovalResult) => void;
  readonly reject: (err: Error) => void;
}

export interface RemovalResult {
  /** ip accepted the `addr del`. */
  readonly deleted: boolean;
  /** `ip -o -4 addr show` after the whole batch. */
  readonly listing: string;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A batch that threw (a bug, or an exception nobody foresaw) fails every
 * caller still waiting in it: an unanswered caller is a group start or stop
 * that never ends, and the manager's activity (a whole failback) waits for it
 * forever. Callers already answered are left as they are.
 */
function settleAll(batch: readonly { readonly reject: (err: Error) => void }[], err: unknown): void {
  const why = new AddressChangeError(`address batch failed: ${err instanceof Error ? err.message : String(err)}`);
  for (const w of batch) w.reject(why);
}

export class AddressBatcher {
  private readonly waiting: Waiting[] = [];
  private running = false;
  private readonly removals: WaitingRemoval[] = [];
  private removing = false;

  /**
   * `beforeAdding(n)`: a batch of n additions begins (the gratuitous ARP
   * sender starts meanwhile, arp-frames.ts).
   */
  constructor(
    private readonly execPrefix?: readonly string[],
    private readonly beforeAdding?: (count: number) => void,
  ) {}

  add<T>(job: AddJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ job, resolve: resolve as (v: unknown) => void, reject });
      void this.pump();
    });
  }

  /** `addr del …` (an `ip -4` batch line), batched with the other removals waiting. */
  remove(command: string, timeoutMs: number): Promise<RemovalResult> {
    return new Promise<RemovalResult>((resolve, reject) => {
      this.removals.push({ command, timeoutMs, resolve, reject });
      void this.pumpRemovals();
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await nextTurn();
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        await this.runBatch(batch).catch((err: unknown) => settleAll(batch, err));
      }
    } finally {
      this.running = false;
    }
  }

  private async pumpRemovals(): Promise<void> {
    if (this.removing) return;
    this.removing = true;
    try {
      await nextTurn();
      while (this.removals.length > 0) {
        const batch = this.removals.splice(0, MAX_BATCH);
        await this.runRemovals(batch).catch((err: unknown) => settleAll(batch, err));
      }
    } finally {
      this.removing = false;
    }
  }

  private async runRemovals(batch: readonly WaitingRemoval[]): Promise<void> {
    const timeoutMs = Math.max(...batch.map((w) => w.timeoutMs));
    const commands = [...batch.map((w) => w.command), 'addr show'];
    const r = await this.ip(['-o', '-4', '-force', '-batch', '-'], commands.map((c) => `${c}\n`).join(''), timeoutMs);
    const failures = batchFailures(r.stderr);
    const unexplained = r.exitCode !== 0 && failures.size === 0;
    if (r.exitCode === undefined || unexplained || failures.has(commands.length)) {
      const why = new AddressChangeError(r.error ?? 'ip -o -4 addr show failed');
      for (const w of batch) w.reject(why);
      return;
    }
    batch.forEach((w, i) => w.resolve({ deleted: !failures.has(i + 1), listing: r.stdout }));
  }

  private ip(args: readonly string[], input: string, timeoutMs: number): ReturnType<typeof runCommand> {
    return runCommand('ip', args, { timeoutMs, input, ...(this.execPrefix ? { execPrefix: this.execPrefix } : {}) });
  }

  private async runBatch(batch: readonly Waiting[]): Promise<void> {
    try {
      this.beforeAdding?.(batch.length);
    } catch {
      // Starting the ARP sender early only saves time; the addresses go up without it.
    }
    const timeoutMs = Math.max(...batch.map((w) => w.job.timeoutMs));
    const needsRoutes = batch.some((w) => w.job.needsRoutes);
    const listed = await this.ip(['-o', '-4', '-batch', '-'], needsRoutes ? 'addr show\nroute show\n' : 'addr show\n', timeoutMs);
    if (!listed.ok) {
      const why = new AddressChangeError(listed.error ?? `ip -o -4 addr show${needsRoutes ? ' / route show' : ''} failed`);
      for (const w of batch) w.reject(why);
      return;
    }
    const addresses = parseAddrShow(listed.stdout);
    const adds: { readonly w: Waiting; readonly plan: Extract<AddPlan<unknown>, { kind: 'add' }> }[] = [];
    for (const w of batch) {
      try {
        const plan = w.job.plan(listed.stdout, addresses);
        if (plan.kind === 'done') w.resolve(plan.value);
        else {
          addresses.push(plan.planned);
          adds.push({ w, plan });
        }
      } catch (err) {
        w.reject(err instanceof Error ? err : new AddressChangeError(String(err)));
      }
    }
    if (adds.length === 0) return;
    const ifaces = [...new Set(adds.map((a) => a.plan.iface))];
    const commands = [...adds.map((a) => a.plan.command), ...ifaces.map((i) => `link set ${i} up`)];
    const r = await this.ip(['-4', '-force', '-batch', '-'], commands.map((c) => `${c}\n`).join(''), timeoutMs);
    const failures = batchFailures(r.stderr);
    if (!r.ok && (r.exitCode === undefined || failures.size === 0)) {
      const why = new AddressChangeError(r.error ?? `ip -4 -batch (${commands.join('; ')}) failed`);
      for (const a of adds) a.w.reject(why);
      return;
    }
    const failed = (line: number): AddressChangeError | undefined => {
      if (!failures.has(line)) return undefined;
      const message = failures.get(line)!;
      return new AddressChangeError(`ip -4 ${commands[line - 1]} failed${message ? `: ${message}` : ''}`);
    };
    adds.forEach((a, i) => {
      const err = failed(i + 1) ?? failed(adds.length + 1 + ifaces.indexOf(a.plan.iface));
      if (err) a.w.reject(err);
      else a.w.resolve(a.plan.value);
    });
  }
}
