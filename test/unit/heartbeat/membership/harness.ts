// Drives the membership machine with fake time and builds the messages a
// peer would send, stamped exactly as a Heartbeat peer stamps them (§3.4).
import { Membership, stampOutgoing, type MembershipAction, type MembershipConfig } from '../../../../src/heartbeat/membership/index.js';
import { getString, messageOf, type HbMessage } from '../../../../src/heartbeat/wire/message.js';

export const ALPHA_UUID = Uint8Array.from([0x87, 0x12, 0x74, 0x9c, 0x2f, 0x86, 0x40, 0x72, 0x8d, 0xbf, 0x27, 0xfe, 0xa9, 0x30, 0x2d, 0x79]);
export const BRAVO_UUID = Uint8Array.from([0xcf, 0xd1, 0x18, 0x3d, 0x74, 0xa6, 0x43, 0x4e, 0xa4, 0x0b, 0xaa, 0xde, 0x91, 0x1f, 0x32, 0x12]);

/** A deterministic [0,1) sequence (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function baseConfig(over: Partial<MembershipConfig> = {}): MembershipConfig {
  return {
    localNode: 'alpha',
    nodes: ['alpha', 'bravo'],
    pingNodes: [],
    links: ['eth0'],
    keepalive: 500,
    deadtime: 3000,
    warntime: 2000,
    initdead: 12000,
    deadping: 3000,
    hopfudge: 1,
    maxRexmitDelay: 250,
    generation: 0x6b023c08,
    uuid: ALPHA_UUID,
    random: seededRandom(7),
    ...over,
  };
}

export interface PeerOptions {
  readonly name?: string;
  readonly uuid?: Uint8Array;
  readonly generation?: number;
  readonly wallSeconds?: number;
  readonly ttl?: number;
}

/** What a peer sends: its own fields, then the control fields as its daemon adds them. */
export class Peer {
  readonly name: string;
  readonly uuid: Uint8Array;
  generation: number;
  wallSeconds: number;
  seq = 0;
  constructor(opts: PeerOptions = {}) {
    this.name = opts.name ?? 'bravo';
    this.uuid = opts.uuid ?? BRAVO_UUID;
    this.generation = opts.generation ?? 0x6b023c0e;
    this.wallSeconds = opts.wallSeconds ?? 0x6b023ca9;
  }
  message(fields: ReadonlyArray<readonly [string, string]>, opts: { seq?: number } = {}): HbMessage {
    const msg = messageOf(fields);
    const t = getString(msg, 't') ?? '';
    const seq = opts.seq ?? (t.startsWith('NS_') ? 0 : ++this.seq);
    return stampOutgoing(msg, t, {
      localNode: this.name,
      uuid: this.uuid,
      generation: this.generation,
      wallSeconds: this.wallSeconds,
      loadAverage: '0.22 0.17 0.09 3/113 24643',
      ttl: 3,
      seq,
    }).message;
  }
  status(st: string, opts: { dt?: number; protocol?: boolean; seq?: number } = {}): HbMessage {
    const fields: Array<[string, string]> = [
      ['t', 'status'],
      ['st', st],
      ['dt', (opts.dt ?? 3000).toString(16)],
    ];
    if (opts.protocol !== false) fields.push(['protocol', '1']);
    return this.message(fields, opts.seq === undefined ? {} : { seq: opts.seq });
  }
}

/** The machine plus a fake clock; every action is also collected in `all`. */
export class Driver {
  readonly machine: Membership;
  now = 0;
  wallSeconds = 0x6b023c9e;
  readonly all: MembershipAction[] = [];
  constructor(config: MembershipConfig = baseConfig()) {
    this.machine = new Membership(config);
  }
  private run(actions: MembershipAction[]): MembershipAction[] {
    this.all.push(...actions);
    return actions;
  }
  start(): MembershipAction[] {
    return this.run(this.machine.handle({ type: 'start', now: this.now, wallSeconds: this.wallSeconds }));
  }
  receive(message: HbMessage, link = 'eth0'): MembershipAction[] {
    return this.run(
      this.machine.handle({ type: 'receive', message, origin: { link, address: '10.77.0.2' }, now: this.now, wallSeconds: this.wallSeconds }),
    );
  }
  send(message: HbMessage): MembershipAction[] {
    return this.run(this.machine.handle({ type: 'send', message, now: this.now, wallSeconds: this.wallSeconds }));
  }
  keepalive(): MembershipAction[] {
    return this.run(this.machine.handle({ type: 'keepalive', now: this.now, wallSeconds: this.wallSeconds }));
  }
  tick(): MembershipAction[] {
    return this.run(this.machine.handle({ type: 'tick', now: this.now, wallSeconds: this.wallSeconds }));
  }
  pingReply(node: string): MembershipAction[] {
    return this.run(this.machine.handle({ type: 'pingReply', node, now: this.now, wallSeconds: this.wallSeconds }));
  }
  /** Advance the clock, ticking at every deadline the machine asks for (bounded). */
  advance(ms: number): MembershipAction[] {
    const target = this.now + ms;
    const out: MembershipAction[] = [];
    for (let i = 0; i < 100_000; i++) {
      const next = this.machine.nextDeadline();
      if (next === undefined || next >= target) break;
      this.now = Math.max(this.now, next + 1);
      if (this.now > target) break;
      out.push(...this.tick());
    }
    this.now = target;
    out.push(...this.tick());
    return out;
  }
}

export function transmits(actions: readonly MembershipAction[]): HbMessage[] {
  return actions.flatMap((a) => (a.type === 'transmit' ? [a.message] : []));
}

export function ofType(actions: readonly MembershipAction[], t: string): HbMessage[] {
  return transmits(actions).filter((m) => getString(m, 't') === t);
}

export function logs(actions: readonly MembershipAction[], level?: string): string[] {
  return actions.flatMap((a) => (a.type === 'log' && (level === undefined || a.level === level) ? [a.text] : []));
}

export function events<T extends MembershipAction['type']>(
  actions: readonly MembershipAction[],
  type: T,
): Array<Extract<MembershipAction, { type: T }>> {
  return actions.filter((a): a is Extract<MembershipAction, { type: T }> => a.type === type);
}

export function fieldNames(m: HbMessage): string[] {
  return m.fields.map((f) => f.name);
}

/** A started alpha that has heard bravo and exchanged reqnodes/repnodes: both active. */
export function activePair(config: MembershipConfig = baseConfig()): { d: Driver; bravo: Peer } {
  const d = new Driver(config);
  const bravo = new Peer();
  d.start();
  d.receive(bravo.status('up'));
  d.receive(
    bravo.message([
      ['dest', 'alpha'],
      ['t', 'repnodes'],
      ['nodelist', 'alpha bravo '],
      ['delnodelist', ' '],
    ]),
  );
  d.receive(bravo.status('active'));
  return { d, bravo };
}
