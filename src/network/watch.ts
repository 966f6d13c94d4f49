// The shell around policy.ts: feeds it the heartbeat layer's ping node and
// peer events, the peer's ipfail messages and the tracked links, runs its
// timer, sends what it tells the peer and hands release / eligible to the
// daemon (which asks the resource manager, as an application probe does).
import type { ClusterConfig } from '../config/index.js';
import type { ClusterMessageEvent, HeartbeatNode, NodeStatusEvent } from '../heartbeat/index.js';
import type { Logger } from '../log/index.js';
import { LinkWatch } from './link-watch.js';
import { readPeerMessage, reachMessage } from './message.js';
import { createPolicy, localReach, nextDeadline, stepPolicy, type PolicyEvent, type PolicyState, type Reach } from './policy.js';
import { networkSettings } from './settings.js';

type Node = Pick<HeartbeatNode, 'on' | 'off' | 'send' | 'snapshot' | 'running'>;

export interface NetworkWatchOptions {
  readonly config: ClusterConfig;
  readonly node: Node;
  readonly logger: Logger;
  /** Hand every group over and stay ineligible (reason for the logs and the journal). */
  readonly onRelease: (reason: string) => void;
  /** Eligible again (with auto_failback on, the manager asks for the groups back). */
  readonly onEligible: (reason: string) => void;
  readonly now: () => number;
}

export interface NetworkView {
  readonly pings: number;
  readonly linksDown: readonly string[];
  readonly peer: Reach | null;
  readonly released: boolean;
}

export class NetworkWatch {
  private state: PolicyState;
  private timer: NodeJS.Timeout | undefined;
  private links: LinkWatch | undefined;
  private readonly peerName: string | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly opts: NetworkWatchOptions) {
    const { config } = opts;
    // Verdicts wait for initdead, as the ping nodes' first statuses do (spec §8.1).
    this.state = createPolicy({ ...networkSettings(config).policy, judgeFrom: opts.now() + config.haCf.initdead, pingIntervalMs: config.haCf.keepalive });
    this.peerName = config.haCf.nodes.find((n) => n !== config.localNode);
  }

  start(): void {
    const { node, logger, config } = this.opts;
    for (const line of networkSettings(config).describe) logger.info(line);
    const onStatus = (e: NodeStatusEvent): void => {
      if (e.nodeType === 'ping') this.countPings();
      else if (!e.isLocal && e.node === this.peerName && (e.status === 'active' || e.status === 'up')) this.step({ type: 'peer-up', now: this.opts.now() });
    };
    const onDead = (e: { readonly node: string; readonly nodeType: string }): void => {
      if (e.nodeType === 'ping') this.countPings();
      else if (e.node === this.peerName) this.step({ type: 'peer-dead', now: this.opts.now() });
    };
    const onRestart = (e: { readonly node: string }): void => {
      if (e.node !== this.peerName) return;
      this.step({ type: 'peer-dead', now: this.opts.now() });
      this.step({ type: 'peer-up', now: this.opts.now() });
    };
    const onMessage = (e: ClusterMessageEvent): void => {
      if (e.fromSelf || e.from !== this.peerName) return;
      const says = readPeerMessage(e.type, e.message);
      if (says === undefined) return;
      const now = this.opts.now();
      if (says.kind === 'bad') logger.warn(`ignoring ${e.type} from ${e.from}: ${says.why}`);
      else if (says.kind === 'reach') {
        const { lastReplyAgeMs, steadyAgeMs, ...reach } = says.reach;
        const at = (age: number | undefined): number | null => (age === undefined ? null : now - age);
        this.step({ type: 'peer-reach', now, reach: { ...reach, lastReplyAt: at(lastReplyAgeMs), steadySince: at(steadyAgeMs) } });
      }
      else if (says.kind === 'balanced') {
        // ipfail's abort_giveup: the peer counted as many as we told it.
        this.step({ type: 'peer-reach', now, reach: { pings: this.state.pings, linksUp: this.state.peer?.linksUp ?? true, lastReplyAt: null, steadySince: null } });
      } else if (says.kind === 'more') {
        logger.info(`${e.from} says it sees more ping nodes than we do (you_are_dead)`);
        this.step({ type: 'peer-says-more', now });
      }
    };
    node.on('nodeStatus', onStatus).on('peerDead', onDead).on('peerRestarted', onRestart).on('message', onMessage);
    this.unsubscribe.push(() => node.off('nodeStatus', onStatus).off('peerDead', onDead).off('peerRestarted', onRestart).off('message', onMessage));
    this.countPings();
    const tracked = this.state.config.trackInterfaces;
    if (tracked.length > 0) {
      this.links = new LinkWatch(
        tracked,
        (iface, up, detail) => {
          logger.debug(`tracked interface ${iface}: ${detail}`);
          this.step({ type: 'link', now: this.opts.now(), iface, up });
        },
        logger,
      );
      this.links.start();
    }
  }

  view(): NetworkView {
    return { pings: this.state.pings, linksDown: this.state.linksDown, peer: this.state.peer, released: this.state.released };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.links?.stop();
  }

  private countPings(): void {
    if (!this.opts.node.running) return;
    const count = this.opts.node.snapshot().nodes.filter((n) => n.type === 'ping' && n.status === 'ping').length;
    const age = this.lastReplyAgeMs();
    const now = this.opts.now();
    this.step({ type: 'pings', now, count, lastReplyAt: age === undefined ? null : now - age });
  }

  /** ms since any ping node last answered (the membership's epoch stamps), or undefined. */
  private lastReplyAgeMs(): number | undefined {
    const stamps = this.opts.node
      .snapshot()
      .nodes.filter((n) => n.type === 'ping')
      .flatMap((n) => (n.lastStatus === undefined ? [] : [n.lastStatus]));
    return stamps.length === 0 ? undefined : Math.max(0, Date.now() - Math.max(...stamps));
  }

  private step(event: PolicyEvent): void {
    if (this.stopped) return;
    const { state, actions } = stepPolicy(this.state, event);
    this.state = state;
    const { logger } = this.opts;
    for (const a of actions) {
      switch (a.kind) {
        case 'log':
          if (a.level === 'warn') logger.warn(a.text);
          else logger.info(a.text);
          break;
        case 'tell-peer':
          this.tellPeer(a.reach);
          break;
        case 'release':
          this.opts.onRelease(a.reason);
          break;
        case 'eligible':
          this.opts.onEligible(a.reason);
          break;
      }
    }
    this.arm();
  }

  private tellPeer(reach: Reach): void {
    const { node, logger } = this.opts;
    if (!node.running || this.peerName === undefined) return;
    try {
      const age = this.lastReplyAgeMs();
      const since = reach.steadySince;
      node.send(
        reachMessage({
          pings: reach.pings,
          linksUp: reach.linksUp,
          ...(age === undefined ? {} : { lastReplyAgeMs: age }),
          ...(since === undefined || since === null ? {} : { steadyAgeMs: this.opts.now() - since }),
        }),
        { dest: this.peerName },
      );
      logger.debug(`told ${this.peerName}: ${reach.pings} ping node(s) visible, tracked links ${reach.linksUp ? 'up' : 'down'}`);
    } catch (err) {
      logger.error(`cannot send num_ping_nodes to ${this.peerName}: ${(err as Error).message}`);
    }
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const due = nextDeadline(this.state);
    if (due === null || this.stopped) return;
    this.timer = setTimeout(() => this.step({ type: 'tick', now: this.opts.now() }), Math.max(0, due - this.opts.now()));
  }
}

/** The watch for this configuration, or undefined when network-aware failover is off. */
export function createNetworkWatch(opts: NetworkWatchOptions): NetworkWatch | undefined {
  return networkSettings(opts.config).active ? new NetworkWatch(opts) : undefined;
}

export { localReach };
