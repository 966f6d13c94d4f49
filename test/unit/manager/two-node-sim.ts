// Two resource managers wired together: a FIFO network per direction, group
// runners that bring resources up and down on each "machine", crashes (the
// machine and its resources die), restarts, and graceful stops. The safety
// property is checked after every action: no group is up on both machines.
import type { ResourceGroupConfig } from '../../../src/config/types.js';
import {
  createManager,
  groupViews,
  isStable,
  nextDeadline,
  type ClusterMessage,
  type ManagerCommand,
  type ManagerEvent,
  type StandbyRequest,
} from '../../../src/resources/manager/index.js';
import { InvariantViolation, NodeHarness } from './harness.js';

export type Name = 'alpha' | 'bravo';
export const OTHER: Record<Name, Name> = { alpha: 'bravo', bravo: 'alpha' };

interface Machine {
  harness: NodeHarness | null;
  /** Groups whose resources are up on this machine (from start-group until rolled back or stopped). */
  readonly up: Set<string>;
  /** Messages on their way to this machine. */
  inbox: ClusterMessage[];
  /** The other machine has not yet been told this one died or left. */
  deathPending: boolean;
}

export interface SimConfig {
  readonly autoFailback: 'on' | 'off' | 'legacy';
  readonly groups: readonly ResourceGroupConfig[];
}

export class TwoNodeSim {
  now = 0;
  readonly machines: Record<Name, Machine> = {
    alpha: { harness: null, up: new Set(), inbox: [], deathPending: false },
    bravo: { harness: null, up: new Set(), inbox: [], deathPending: false },
  };
  /** Something other than the protocol moved groups (failures, probes): skip the liveness check. */
  perturbed = false;
  /** The link is down: every message is lost, and both sides think the other is dead. */
  partitioned = false;
  /** Set while a split brain is expected (from a partition until the heal has settled). */
  splitBrainAllowed = false;
  /** Stops each node gave, in order (to check what a partition heal stopped). */
  readonly stops: Array<{ node: Name; key: string }> = [];
  readonly trace: string[] = [];

  constructor(readonly config: SimConfig) {}

  private fail(why: string): never {
    throw new InvariantViolation(`${why}\n--- trace ---\n${this.trace.slice(-60).join('\n')}`);
  }

  alive(n: Name): boolean {
    return this.machines[n].harness !== null;
  }

  private newHarness(n: Name): NodeHarness {
    return new NodeHarness(
      n,
      createManager({ localNode: n, nodes: ['alpha', 'bravo'], groups: this.config.groups, autoFailback: this.config.autoFailback, failedStartStandbyDelay: 30_000 }),
    );
  }

  private apply(n: Name, event: ManagerEvent): void {
    const h = this.machines[n].harness;
    if (h === null) return;
    this.trace.push(`${this.now} ${n} ← ${JSON.stringify(event.type === 'message' ? event.message : event)}`);
    this.process(n, h.apply(event));
  }

  private process(n: Name, commands: readonly ManagerCommand[] | undefined): void {
    const m = this.machines[n];
    for (const c of commands ?? []) {
      if (c.kind === 'log') {
        if (c.level !== 'debug') this.trace.push(`    ${n} ${c.level}: ${c.text}`);
        continue;
      }
      this.trace.push(`    ${n} → ${JSON.stringify(c)}`);
      switch (c.kind) {
        case 'send': {
          const other = OTHER[n];
          if (c.dest !== undefined && c.dest !== other) break;
          if (!this.alive(other) || this.partitioned) break;
          const msg: Record<string, string> = { src: n };
          for (const [k, v] of c.fields) if (!(k in msg)) msg[k] = v;
          this.machines[other].inbox.push(msg as unknown as ClusterMessage);
          break;
        }
        case 'start-group':
          m.up.add(c.key);
          break;
        case 'stop-group':
          this.stops.push({ node: n, key: c.key });
          break;
        case 'shutdown-complete':
          if (m.up.size > 0) this.fail(`${n} said shutdown-complete with ${[...m.up].join(',')} still up`);
          m.harness = null;
          m.inbox = [];
          m.deathPending = true;
          break;
        default:
          break;
      }
    }
    this.checkSafety();
  }

  private checkSafety(): void {
    if (this.splitBrainAllowed) return;
    for (const key of this.machines.alpha.up) {
      if (this.machines.bravo.up.has(key)) this.fail(`SAFETY: ${key} is up on both machines`);
    }
  }

  /** Both machines boot; `together` = they see each other at once, else bravo comes later. */
  boot(together: boolean): void {
    this.machines.alpha.harness = this.newHarness('alpha');
    this.apply('alpha', { type: 'start', now: this.now });
    this.apply('alpha', { type: 'startup-probe', now: this.now, running: [] });
    if (together) {
      this.machines.bravo.harness = this.newHarness('bravo');
      this.apply('bravo', { type: 'start', now: this.now });
      this.apply('bravo', { type: 'startup-probe', now: this.now, running: [] });
      this.apply('alpha', { type: 'comm-up', now: this.now, activePeers: ['bravo'] });
      this.apply('bravo', { type: 'comm-up', now: this.now, activePeers: ['alpha'] });
    } else {
      this.now += 12_000;
      this.apply('alpha', { type: 'peer-dead', now: this.now, peer: 'bravo' });
      this.apply('alpha', { type: 'comm-up', now: this.now, activePeers: [] });
    }
  }

  deliver(n: Name): boolean {
    const msg = this.machines[n].inbox.shift();
    if (msg === undefined || !this.alive(n)) return false;
    this.now += 5;
    this.apply(n, { type: 'message', now: this.now, message: msg });
    return true;
  }

  complete(n: Name, ok: boolean): boolean {
    const m = this.machines[n];
    const h = m.harness;
    if (h === null || h.inflight === null) return false;
    const op = h.inflight;
    this.now += 100;
    // The world changes first: a stopped group is down before anyone hears so.
    if (op.op === 'start' && !ok) m.up.delete(op.key);
    if (op.op === 'stop' && ok) m.up.delete(op.key);
    if (!ok) this.perturbed = true;
    this.trace.push(`${this.now} ${n} ← result ${op.op} ${op.key} ${ok ? 'ok' : 'FAILED'}`);
    this.process(n, h.result(this.now, ok));
    return true;
  }

  tick(n: Name): boolean {
    const h = this.machines[n].harness;
    const d = h === null ? undefined : nextDeadline(h.state);
    if (d === undefined) return false;
    this.now = Math.max(this.now, d);
    this.apply(n, { type: 'tick', now: this.now });
    return true;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  admin(n: Name, kind: 'admin-standby' | 'admin-takeover', rsc: StandbyRequest): void {
    this.apply(n, { type: kind, now: this.now, rsc });
  }

  probe(n: Name, kind: 'probe-release' | 'probe-eligible', group: string): void {
    if (!this.alive(n)) return;
    this.perturbed = true;
    this.apply(n, { type: kind, now: this.now, group, reason: 'simulated probe' });
  }

  shutdown(n: Name): void {
    this.apply(n, { type: 'shutdown', now: this.now });
  }

  /** The machine dies with everything on it. */
  crash(n: Name): void {
    const m = this.machines[n];
    if (m.harness === null) return;
    this.trace.push(`${this.now} ${n} CRASHES`);
    m.harness = null;
    m.up.clear();
    m.inbox = [];
    m.deathPending = true;
  }

  /** The survivor's dead time for the departed node expires. */
  detect(n: Name): boolean {
    const m = this.machines[n];
    const other = OTHER[n];
    if (!m.deathPending || !this.alive(other)) return false;
    m.deathPending = false;
    this.machines[other].inbox = [];
    this.now += 1000;
    this.apply(other, { type: 'peer-dead', now: this.now, peer: n });
    return true;
  }

  restart(n: Name): boolean {
    const m = this.machines[n];
    if (m.harness !== null) return false;
    const other = OTHER[n];
    this.now += 500;
    this.trace.push(`${this.now} ${n} RESTARTS`);
    m.harness = this.newHarness(n);
    m.inbox = [];
    this.apply(n, { type: 'start', now: this.now });
    this.apply(n, { type: 'startup-probe', now: this.now, running: [] });
    if (this.alive(other)) {
      // Old messages of the previous incarnation are dropped (generation check).
      this.machines[other].inbox = [];
      m.deathPending = false;
      this.apply(other, { type: 'peer-restarted', now: this.now, peer: n });
      this.apply(other, { type: 'peer-status', now: this.now, peer: n, status: 'active' });
      this.apply(n, { type: 'comm-up', now: this.now, activePeers: [other] });
    } else {
      this.now += 12_000;
      this.apply(n, { type: 'peer-dead', now: this.now, peer: other });
      this.apply(n, { type: 'comm-up', now: this.now, activePeers: [] });
    }
    return true;
  }

  /** The link between the machines goes down; each declares the other dead. */
  partition(): void {
    if (!this.alive('alpha') || !this.alive('bravo') || this.partitioned) return;
    this.trace.push(`${this.now} PARTITION`);
    this.partitioned = true;
    this.splitBrainAllowed = true;
    this.machines.alpha.inbox = [];
    this.machines.bravo.inbox = [];
    this.now += 3000;
    this.apply('alpha', { type: 'peer-dead', now: this.now, peer: 'bravo' });
    this.apply('bravo', { type: 'peer-dead', now: this.now, peer: 'alpha' });
  }

  /** The link comes back: each side sees the other "returning after partition". */
  heal(): void {
    if (!this.partitioned) return;
    this.trace.push(`${this.now} HEAL`);
    this.partitioned = false;
    this.now += 500;
    this.apply('alpha', { type: 'peer-returned', now: this.now, peer: 'bravo' });
    this.apply('bravo', { type: 'peer-returned', now: this.now, peer: 'alpha' });
  }

  /** Let everything settle with no outside intervention. False when it did not within the bound. */
  quiesce(maxSteps = 3000): boolean {
    for (let i = 0; i < maxSteps; i++) {
      if (this.deliver('alpha') || this.deliver('bravo')) continue;
      if (this.complete('alpha', true) || this.complete('bravo', true)) continue;
      if (this.detect('alpha') || this.detect('bravo')) continue;
      const deadlines = (['alpha', 'bravo'] as const)
        .map((n) => ({ n, d: this.machines[n].harness === null ? undefined : nextDeadline((this.machines[n].harness as NodeHarness).state) }))
        .filter((x): x is { n: Name; d: number } => x.d !== undefined)
        .sort((a, b) => a.d - b.d);
      const first = deadlines[0];
      if (first === undefined) return true;
      this.tick(first.n);
    }
    return false;
  }

  /** After quiescence: every group up on exactly one live machine, and both managers agree and are stable. */
  checkSettled(): void {
    const alive = (['alpha', 'bravo'] as const).filter((n) => this.alive(n));
    if (alive.length === 0) return;
    for (const g of this.config.groups) {
      const on = alive.filter((n) => this.machines[n].up.has(g.key));
      if (on.length !== 1) this.fail(`LIVENESS: after settling, ${g.key} is up on [${on.join(',')}]`);
      for (const n of alive) {
        const h = this.machines[n].harness as NodeHarness;
        const view = groupViews(h.state).find((v) => v.key === g.key);
        if (this.config.autoFailback !== 'legacy' && view?.holder !== on[0]) {
          this.fail(`LIVENESS: ${n} believes ${g.key} is held by ${view?.holder ?? '?'} but it is up on ${on[0] ?? '?'}`);
        }
      }
    }
    for (const n of alive) {
      const h = this.machines[n].harness as NodeHarness;
      if (!isStable(h.state)) this.fail(`LIVENESS: ${n} is not stable after settling`);
    }
  }
}
