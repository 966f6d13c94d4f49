// HeartbeatNode: the imperative shell around the membership machine. It owns
// the sockets (media), the timers, the ping children and the state files, and
// turns the machine's actions into datagrams, log lines and events.
//
// The send path: a keepalive timer (a plain setTimeout chain) feeds the
// machine, which answers with `transmit` actions that are encoded and handed
// to dgram at once. Nothing on it awaits anything: the load average is read
// in the background into a cache, logging is an asynchronous stream write,
// listeners run after the datagrams are out, and agents or probes live in
// other parts of the daemon that cannot hold this timer.
import { performance } from 'node:perf_hooks';
import { diffConfig, type AuthKeysConfig, type ClusterConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { openMedia, type DatagramSource, type OpenedMedia } from '../media/index.js';
import { Membership, type MembershipAction, type MembershipConfig, type MembershipEvent } from '../membership/index.js';
import { loadOrCreateUuid, nextGeneration, uuidFromNodeName } from '../state/index.js';
import { decodePacket, encodePacket, getString, withString, type EncodeOptions, type HbMessage } from '../wire/index.js';
import { Lifecycle, type LifecycleTable } from './lifecycle.js';
import { LoadAverageCache } from './load-average.js';
import { lagThresholds, TimerLateness, type LagFigures, type LagThresholds } from './loop-lag.js';
import { PingMonitor, type PingTarget } from './ping-monitor.js';
import { RateLimiter } from './rate-limit.js';
import { toHeartbeatEvent } from './events.js';
import type { ApplyConfigResult, HeartbeatCounters, HeartbeatEvent, HeartbeatEventKind, HeartbeatEventOf, HeartbeatSnapshot, NodeSnapshot } from './types.js';

/** Heartbeat checks for dead nodes every 250 ms; we also wake at exact deadlines (see scheduleTick). */
export const MAX_TICK_INTERVAL = 250;
/**
 * Once comm is up every check has a deadline of its own, so a poll is only a
 * safety net: a slow one spares an idle daemon a wake-up a second (its CPU is
 * mostly wake-ups; at keepalive 1 s that one was a third of them).
 */
export const IDLE_TICK_INTERVAL = 10_000;
/** A wake-up never comes sooner than this after the previous one (no busy loop, whatever the machine says). */
const MIN_TICK_INTERVAL = 5;
/** A tick timer is moved later only when it would fire within this fraction of the new wait (see scheduleTick). */
const RELAX_REARM_FRACTION = 0.5;
const BAD_PACKET_LOG_INTERVAL = 10_000;
const LAG_LOG_INTERVAL = 10_000;

/**
 * HeartbeatNode's lifecycle: `starting` while the media open and the
 * identity loads (a failure there, or stop(), ends in `stopped` with nothing
 * left open); timers, sockets and events only in `running`.
 */
type NodePhase = 'new' | 'starting' | 'running' | 'stopped';
const NODE_LIFECYCLE: LifecycleTable<NodePhase> = {
  new: ['starting', 'stopped'],
  starting: ['running', 'stopped'],
  running: ['stopped'],
  stopped: [],
};

export interface HeartbeatNodeOptions {
  readonly config: ClusterConfig;
  /** Where hb_generation and hb_uuid live (Heartbeat: /var/lib/heartbeat). */
  readonly stateDir: string;
  readonly logger: Logger;
}

type Listener<K extends HeartbeatEventKind> = (event: HeartbeatEventOf<K>) => void;
interface Subscription {
  readonly kind: HeartbeatEventKind | undefined;
  readonly listener: (event: never) => void;
  readonly once: boolean;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function membershipConfig(config: ClusterConfig, generation: number, uuid: Uint8Array): MembershipConfig {
  const h = config.haCf;
  return {
    localNode: config.localNode,
    nodes: h.nodes,
    pingNodes: h.pingNodes.map((p) => p.name),
    links: [...new Set(h.media.map((m) => m.iface))],
    keepalive: h.keepalive,
    deadtime: h.deadtime,
    warntime: h.warntime,
    initdead: h.initdead,
    deadping: h.deadping,
    hopfudge: h.hopfudge,
    maxRexmitDelay: h.maxRexmitDelay,
    generation,
    uuid,
  };
}

function encodeOptions(config: ClusterConfig): EncodeOptions {
  return {
    msgfmt: config.haCf.msgfmt,
    traditionalCompression: config.haCf.traditionalCompression,
    compressionThresholdKiB: config.haCf.compressionThreshold,
  };
}

export class HeartbeatNode {
  private subscriptions: Subscription[] = [];
  private readonly log: Logger;
  private config: ClusterConfig;
  private keys: AuthKeysConfig;
  private encodeOpts: EncodeOptions;
  private machine?: Membership;
  private media?: OpenedMedia;
  private pings?: PingMonitor;
  private readonly loadAverage: LoadAverageCache;
  private readonly lag = new TimerLateness();
  private lagLimits: LagThresholds;
  private readonly badPacketLimiter = new RateLimiter(BAD_PACKET_LOG_INTERVAL);
  private readonly sendErrorLimiter = new RateLimiter(BAD_PACKET_LOG_INTERVAL);
  private readonly lagLimiter = new RateLimiter(LAG_LOG_INTERVAL);
  private keepaliveTimer?: NodeJS.Timeout;
  private nextKeepaliveAt = 0;
  private tickTimer?: NodeJS.Timeout;
  private tickAt = Infinity;
  private tickPending = false;
  private readonly lifecycle = new Lifecycle<NodePhase>('HeartbeatNode', NODE_LIFECYCLE, 'new');
  private generation = 0;
  private uuid: Uint8Array = new Uint8Array(16);
  private startedAt = 0;
  private badPackets = 0;
  private readonly tally = {
    linkNames: [] as string[],
    sent: new Map<string, number>(),
    received: new Map<string, Map<string, number>>(),
    late: new Map<string, number>(),
    retransmissions: 0,
    rexmitRequests: 0,
    auth: 0,
    malformed: 0,
  };

  constructor(private readonly opts: HeartbeatNodeOptions) {
    this.config = opts.config;
    this.keys = opts.config.authKeys;
    this.encodeOpts = encodeOptions(opts.config);
    this.log = opts.logger.child('heartbeat');
    this.lagLimits = lagThresholds(opts.config.haCf);
    this.loadAverage = new LoadAverageCache((text) => this.machine?.handle({ type: 'loadAverage', text }));
  }

  /** Every event, whatever its kind (the daemon's one listener). */
  subscribe(listener: (event: HeartbeatEvent) => void): this {
    this.subscriptions = [...this.subscriptions, { kind: undefined, listener, once: false }];
    return this;
  }

  /** The events of one kind. */
  on<K extends HeartbeatEventKind>(kind: K, listener: Listener<K>): this {
    this.subscriptions = [...this.subscriptions, { kind, listener, once: false }];
    return this;
  }

  once<K extends HeartbeatEventKind>(kind: K, listener: Listener<K>): this {
    this.subscriptions = [...this.subscriptions, { kind, listener, once: true }];
    return this;
  }

  off<K extends HeartbeatEventKind>(kind: K, listener: Listener<K>): this {
    this.subscriptions = this.subscriptions.filter((s) => s.kind !== kind || s.listener !== listener);
    return this;
  }

  /**
   * Open the media, bump the generation, load the uuid, start the timers and
   * the ping children, send `init` then `up`. Throws (with nothing left open
   * or running) when a medium cannot be opened — a MediaError naming each
   * ha.cf line — or when the state directory cannot be used.
   */
  async start(): Promise<void> {
    if (!this.lifecycle.is('new')) throw new Error(`HeartbeatNode.start(): already ${this.lifecycle.phase}`);
    this.lifecycle.moveTo('starting');
    const h = this.config.haCf;
    try {
      this.media = await openMedia(h.media, {
        file: h.file,
        onDatagram: (bytes, link, source) => this.onDatagram(bytes, link, source),
        onSendError: (medium, err) => {
          const d = this.sendErrorLimiter.check(medium.description, Date.now());
          if (d.allowed) {
            this.log.error(`write failure on ${medium.description}: ${err.message}`, d.suppressed ? { suppressed: d.suppressed } : undefined);
          }
        },
        onSocketError: (where, err) => this.log.error(`${where}: ${err.message}`),
      });
      await this.loadIdentity();
      // stop() while the media were opening: nothing may start after it.
      if (this.lifecycle.is('stopped')) throw new Error('HeartbeatNode.start(): stopped while starting');
    } catch (err) {
      await this.media?.close();
      this.media = undefined;
      if (!this.lifecycle.is('stopped')) this.lifecycle.moveTo('stopped');
      throw err;
    }
    this.machine = new Membership(membershipConfig(this.config, this.generation, this.uuid));
    this.loadAverage.refresh(performance.now());
    const targets: PingTarget[] = h.pingNodes.map((p) => ({ node: p.name, hosts: p.hosts }));
    if (targets.length > 0) {
      this.pings = new PingMonitor(targets, h.keepalive, (node) => this.feed({ type: 'pingReply', node, ...this.clock() }), this.log);
      this.pings.start();
    }
    this.tally.linkNames = this.media!.views().map((m) => m.link);
    this.startedAt = Date.now();
    this.lifecycle.moveTo('running');
    for (const m of this.media!.views()) this.log.info(`${m.description} (listening on ${m.listen})`);
    this.feed({ type: 'start', ...this.clock() });
    this.nextKeepaliveAt = performance.now() + h.keepalive;
    this.armKeepalive();
  }

  private async loadIdentity(): Promise<void> {
    const h = this.config.haCf;
    const gen = await nextGeneration(this.opts.stateDir, h.hbgenmethod).catch((err: Error) => {
      throw new Error(`cannot read or write ${this.opts.stateDir}/hb_generation: ${err.message}; the state directory must exist and be writable`);
    });
    this.generation = gen.generation;
    if (gen.level === 'warn') this.log.warn(gen.note);
    if (h.uuidfrom === 'nodename') {
      this.uuid = uuidFromNodeName(this.config.localNode);
    } else {
      const u = await loadOrCreateUuid(this.opts.stateDir).catch((err: Error) => {
        throw new Error(`cannot read or write ${this.opts.stateDir}/hb_uuid: ${err.message}; the state directory must exist and be writable`);
      });
      if (u.created) this.log.info('No uuid found for current node - generating a new uuid.');
      this.uuid = u.uuid;
    }
  }

  /** Broadcast a cluster message (stamped, kept for retransmission). `dest` addresses one node. */
  send(message: HbMessage, opts: { dest?: string } = {}): void {
    if (!this.lifecycle.is('running')) throw new Error('HeartbeatNode.send(): not running');
    const msg = opts.dest === undefined ? message : withString(message, 'dest', opts.dest);
    this.feed({ type: 'send', message: msg, ...this.clock() });
  }

  /** Advertise deadtime + extraMs as our dt (e.g. 30000 while restarting, spec §8.1); 0 restores it. */
  advertiseDeadtime(extraMs: number): void {
    if (!this.lifecycle.is('running')) return;
    this.feed({ type: 'advertiseDeadtime', extra: extraMs, ...this.clock() });
  }

  /** Change the status we report in `st` (it becomes active by itself at comm up). */
  setLocalStatus(status: string): void {
    if (!this.lifecycle.is('running')) return;
    this.feed({ type: 'setLocalStatus', status, ...this.clock() });
  }

  get running(): boolean {
    return this.lifecycle.is('running');
  }

  /** How late our keepalive timer fired (the event-loop delay our peers see), ms. */
  loopLag(): LagFigures {
    return this.lag.figures(performance.now());
  }

  snapshot(): HeartbeatSnapshot {
    const nowMono = performance.now();
    const nowEpoch = Date.now();
    const epoch = (mono: number | undefined): number | undefined =>
      mono === undefined ? undefined : Math.round(nowEpoch - (nowMono - mono));
    const h = this.config.haCf;
    const snap = this.machine?.snapshot();
    const nodes: NodeSnapshot[] = (snap?.nodes ?? []).map(({ uuid, lastStatusAt, links, ...same }) => {
      const lastStatus = epoch(lastStatusAt);
      return {
        ...same,
        ...(uuid ? { uuid: hexOf(uuid) } : {}),
        ...(lastStatus === undefined ? {} : { lastStatus }),
        links: links.map(({ lastHeardAt, ...link }) => {
          const lastHeard = epoch(lastHeardAt);
          return lastHeard === undefined ? link : { ...link, lastHeard };
        }),
      };
    });
    return {
      node: this.config.localNode,
      status: snap?.localStatus ?? 'init',
      generation: this.generation,
      uuid: hexOf(this.uuid),
      commUp: snap?.commUp ?? false,
      flowControl: snap?.flowControl ?? true,
      advertisedDeadtime: snap?.advertisedDeadtime ?? h.deadtime,
      lastSentSeq: snap?.lastSentSeq ?? 0,
      startedAt: this.startedAt,
      timers: snap?.timers ?? { keepalive: h.keepalive, deadtime: h.deadtime, warntime: h.warntime, initdead: h.initdead, deadping: h.deadping },
      media: this.media?.views() ?? [],
      nodes,
      eventLoop: { worstDelayMs: Math.round(this.lag.figures(performance.now()).max), warnThresholdMs: this.lagLimits.warnMs },
      badPackets: this.badPackets,
    };
  }

  counters(): HeartbeatCounters {
    const t = this.tally;
    const received: Record<string, Record<string, number>> = {};
    for (const [node, links] of t.received) received[node] = Object.fromEntries(links);
    return {
      heartbeatsSent: Object.fromEntries(t.sent),
      heartbeatsReceived: received,
      lateHeartbeats: Object.fromEntries(t.late),
      retransmissionsSent: t.retransmissions,
      retransmitRequestsSent: t.rexmitRequests,
      packetsRejected: { auth: t.auth, malformed: t.malformed, replay: this.machine?.snapshot().replaysRejected ?? 0 },
    };
  }

  /**
   * SIGHUP: take what can change without a restart. New authkeys take effect
   * for the next datagram in and out (nothing in flight is dropped: what was
   * already sent stays valid for peers that still hold the old key, and a
   * retransmission is re-signed with the new one); timers, msgfmt,
   * compression and log_badpack too. Nodes, media, udpport, ping nodes,
   * hbgenmethod and uuidfrom need a restart, as they do for Heartbeat.
   */
  applyConfig(next: ClusterConfig): ApplyConfigResult {
    const diff = diffConfig(this.config, next);
    const applied = diff.heartbeatApplied;
    const needsRestart = diff.heartbeatNeedsRestart;
    const a = this.config.haCf;
    const b = next.haCf;
    this.keys = next.authKeys;
    if (diff.changedTimers.length > 0) {
      const timers = Object.fromEntries(diff.changedTimers.map((k) => [k, b[k]]));
      this.machine?.handle({ type: 'timers', timers });
      this.lagLimits = lagThresholds(b);
      if (a.keepalive !== b.keepalive && this.lifecycle.is('running')) {
        this.nextKeepaliveAt = performance.now() + b.keepalive;
        this.armKeepalive();
      }
    }
    this.encodeOpts = encodeOptions(next);
    // Keep what cannot change live as it was, so a later applyConfig compares against what runs.
    this.config = {
      ...next,
      localNode: this.config.localNode,
      haCf: { ...b, nodes: a.nodes, media: a.media, pingNodes: a.pingNodes, hbgenmethod: a.hbgenmethod, uuidfrom: a.uuidfrom },
    };
    if (applied.length > 0) this.log.info(`configuration re-read: applied ${applied.join(', ')}`);
    if (needsRestart.length > 0) this.log.warn(`configuration re-read: ${needsRestart.join(', ')} changed; takes effect after a restart`);
    return { applied, needsRestart };
  }

  /** Close the sockets, stop the timers and the ping children. Idempotent. */
  async stop(): Promise<void> {
    if (this.lifecycle.is('stopped')) return;
    this.lifecycle.moveTo('stopped');
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.keepaliveTimer = undefined;
    this.tickTimer = undefined;
    this.loadAverage.close();
    await this.pings?.stop();
    await this.media?.close();
  }

  // ---------------------------------------------------------------- timers

  private clock(): { now: number; wallSeconds: number } {
    return { now: performance.now(), wallSeconds: Math.floor(Date.now() / 1000) };
  }

  /** The keepalive chain: aimed at fixed instants so it does not drift; never bursts after a stall. */
  private armKeepalive(): void {
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    const delay = Math.max(0, this.nextKeepaliveAt - performance.now());
    this.keepaliveTimer = setTimeout(() => this.onKeepalive(), delay);
  }

  private onKeepalive(): void {
    if (!this.lifecycle.is('running')) return;
    const keepalive = this.config.haCf.keepalive;
    const now = performance.now();
    const late = now - this.nextKeepaliveAt;
    this.loadAverage.refreshIfStale(now);
    this.feed({ type: 'keepalive', ...this.clock() });
    this.nextKeepaliveAt = late > keepalive ? now + keepalive : this.nextKeepaliveAt + keepalive;
    this.armKeepalive();
    this.checkLoopLag(late);
  }

  private checkLoopLag(keepaliveLateMs: number): void {
    this.lag.record(keepaliveLateMs, performance.now());
    const delay = keepaliveLateMs;
    if (delay < this.lagLimits.warnMs) return;
    const d = this.lagLimiter.check('lag', Date.now());
    if (!d.allowed) return;
    const h = this.config.haCf;
    const text =
      `event loop blocked for ${Math.round(delay)} ms: our heartbeats left that late ` +
      `(keepalive ${h.keepalive} ms, peers warn after ${h.warntime} ms and declare us dead after ${h.deadtime} ms)`;
    if (delay >= this.lagLimits.errorMs) this.log.error(text);
    else this.log.warn(text);
  }

  /**
   * One timer for everything the machine waits for: a node's or link's dead
   * time running out, retransmission requests, reqnodes retries, the end of
   * the start-up dt. It fires at the machine's next deadline — detection at
   * dt plus a few ms instead of Heartbeat's dt…dt+250 — and at least every
   * 250 ms (Heartbeat's own poll interval) until comm is up, every 10 s
   * after (IDLE_TICK_INTERVAL).
   *
   * The work runs from setImmediate: Node's timers run before the poll phase,
   * so after a stall the datagrams already waiting in the sockets (a peer's
   * statuses) are read first, and a peer is not declared dead for packets we
   * simply had not read yet.
   */
  private scheduleTick(): void {
    if (!this.lifecycle.is('running') || !this.machine) return;
    const now = performance.now();
    const deadline = this.machine.nextDeadline();
    const maxInterval = this.machine.deadlinesCoverTicks ? IDLE_TICK_INTERVAL : MAX_TICK_INTERVAL;
    const due = Math.max(now + MIN_TICK_INTERVAL, (deadline ?? Infinity) + 1);
    const at = Math.min(now + maxInterval, due);
    if (this.tickTimer) {
      // Sooner: always. Later: once comm is up, with its deadline (each status
      // we send or hear moves the dead times on), so that while statuses flow
      // the timer never fires: a wake-up for nothing is a system call and a
      // turn of the event loop. But not for every status: only once the timer
      // has come within half of the new wait (RELAX_REARM_FRACTION), so a
      // dead time of n keepalives re-arms it about twice per dead time, not
      // twice per keepalive (clearTimeout + setTimeout, a timer list
      // operation each, were a tenth of the idle daemon's CPU). A timer left
      // early only fires before the deadline, finds it moved and re-arms
      // (see below): detection keeps its instant. The poll (before comm up,
      // the 10 s safety net) is never put off.
      const later =
        this.machine.deadlinesCoverTicks &&
        due <= now + maxInterval &&
        at > this.tickAt + 1 &&
        this.tickAt - now < (at - now) * RELAX_REARM_FRACTION;
      if (at >= this.tickAt - 1 && !later) return;
    }
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickAt = at;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined;
      this.tickAt = Infinity;
      // Statuses that came in since moved the deadline on (the timer is not
      // moved for each of them): nothing is due, wait for the new one.
      if (this.machine?.deadlinesCoverTicks && !this.dueNow()) {
        this.scheduleTick();
        return;
      }
      if (this.tickPending) return;
      this.tickPending = true;
      setImmediate(() => {
        this.tickPending = false;
        if (!this.lifecycle.is('running')) return;
        this.feed({ type: 'tick', ...this.clock() });
        if (!this.tickTimer) this.scheduleTick();
      });
    }, at - now);
  }

  private dueNow(): boolean {
    const deadline = this.machine?.nextDeadline();
    return deadline !== undefined && deadline < performance.now();
  }

  // ---------------------------------------------------------------- receive

  private onDatagram(bytes: Buffer, link: string, source: DatagramSource): void {
    if (!this.lifecycle.is('running')) return;
    let decoded;
    try {
      decoded = decodePacket(bytes, this.keys);
    } catch (err) {
      decoded = { ok: false as const, reason: `decoder error: ${(err as Error).message}` };
    }
    if (!decoded.ok) {
      this.badPacket(source, link, decoded.reason);
      return;
    }
    this.countReceived(decoded.message, link);
    this.feed({ type: 'receive', message: decoded.message, origin: { link, address: source.address }, ...this.clock() });
  }

  private countReceived(message: HbMessage, link: string): void {
    if (getString(message, 't') !== 'status') return;
    const src = getString(message, 'src')?.toLowerCase();
    // Only the peers of ha.cf: a name in a packet must not grow the table.
    if (src === undefined || src === this.config.localNode || !this.config.haCf.nodes.includes(src)) return;
    let links = this.tally.received.get(src);
    if (!links) this.tally.received.set(src, (links = new Map()));
    links.set(link, (links.get(link) ?? 0) + 1);
  }

  private badPacket(source: DatagramSource, link: string, reason: string): void {
    this.badPackets++;
    if (/auth/i.test(reason)) this.tally.auth++;
    else this.tally.malformed++;
    if (this.config.haCf.logBadpack) {
      const d = this.badPacketLimiter.check(source.address, Date.now());
      if (d.allowed) {
        const more = d.suppressed > 0 ? ` (${d.suppressed} more from ${source.address} not logged)` : '';
        this.log.warn(`dropped bad packet from ${source.address}:${source.port} on ${link}: ${reason}${more}`);
      }
    }
    this.emitSafely({ kind: 'badPacket', address: source.address, port: source.port, link, reason });
  }

  // ---------------------------------------------------------------- actions

  /** Feed the machine one event and carry out its actions. */
  private feed(event: MembershipEvent): void {
    if (!this.machine) return;
    let actions: MembershipAction[];
    try {
      actions = this.machine.handle(event);
    } catch (err) {
      // The machine is written not to throw; if it ever does, one event is lost, never the daemon.
      this.log.crit(`membership: ${event.type} failed: ${(err as Error).stack ?? String(err)}`);
      return;
    }
    // Datagrams first, then everything else: no log line or listener runs before our packets are out.
    for (const a of actions) if (a.type === 'transmit') this.transmit(a.message, a.retransmit);
    for (const a of actions) if (a.type !== 'transmit') this.carryOut(a);
    this.scheduleTick();
  }

  private transmit(message: HbMessage, retransmit: boolean): void {
    const encoded = encodePacket(message, this.keys, this.encodeOpts);
    if (!encoded.ok) {
      const d = this.sendErrorLimiter.check('encode', Date.now());
      if (d.allowed) this.log.error(`cannot encode an outgoing message: ${encoded.reason}`);
      return;
    }
    this.media?.sendAll(encoded.bytes);
    this.countSent(message, retransmit);
  }

  private countSent(message: HbMessage, retransmit: boolean): void {
    const t = this.tally;
    if (retransmit) t.retransmissions++;
    const type = getString(message, 't');
    if (type === 'status') for (const link of t.linkNames) t.sent.set(link, (t.sent.get(link) ?? 0) + 1);
    else if (type === 'NS_rexmit') t.rexmitRequests++;
  }

  private carryOut(a: Exclude<MembershipAction, { type: 'transmit' }>): void {
    if (a.type === 'log') {
      this.log[a.level](a.text, a.meta);
      return;
    }
    if (a.type === 'lateHeartbeat') this.tally.late.set(a.node, (this.tally.late.get(a.node) ?? 0) + 1);
    const event = toHeartbeatEvent(a, this.config.localNode);
    if (event !== undefined) this.emitSafely(event);
  }

  /** A listener that throws must not take the heartbeat with it. */
  private emitSafely(event: HeartbeatEvent): void {
    const matching = this.subscriptions.filter((s) => s.kind === undefined || s.kind === event.kind);
    if (matching.some((s) => s.once)) this.subscriptions = this.subscriptions.filter((s) => !(s.once && matching.includes(s)));
    for (const s of matching) {
      try {
        (s.listener as (e: HeartbeatEvent) => void)(event);
      } catch (err) {
        this.log.error(`a ${event.kind} listener failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }
}
