// Reachability of ping nodes (spec §8.6).
//
// Heartbeat's ping medium sends an ICMP echo carrying a signed heartbeat
// message every keepalive and treats the reply as a status from the ping
// node. Node.js has no raw sockets without a native addon, so heartbeat-ts
// drives the system `ping` (iputils) instead: ONE long-running
// `ping -n -i <keepalive> HOST` child per host — not one process per packet —
// and every "N bytes from …" reply line is a "ping node alive" event for the
// membership machine, which applies deadping exactly as for the real
// daemon's replies. Same cadence and the same liveness rule; what is not
// reproduced is the payload inside the echo (a real node's ICMP echo carries
// a heartbeat message that nobody but the sender reads).
//
// A ping child that exits (interface not up yet, unreachable network) is
// started again after a delay, bounded, until stop().
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../log/index.js';
import { RateLimiter } from './rate-limit.js';

export interface PingTarget {
  /** The ping node's name (HOST for `ping`, NAME for `ping_group`). */
  readonly node: string;
  readonly hosts: readonly string[];
}

const REPLY_LINE = /^\d+ bytes from /;

export class PingMonitor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly exitLogLimiter = new RateLimiter(60_000);
  private stopping = false;

  constructor(
    private readonly targets: readonly PingTarget[],
    private readonly intervalMs: number,
    private readonly onReply: (node: string, host: string) => void,
    private readonly logger: Logger,
    private readonly command = 'ping',
  ) {}

  start(): void {
    this.stopping = false;
    for (const t of this.targets) for (const host of t.hosts) this.spawnFor(t.node, host);
  }

  /** PIDs of the running ping children (for tests and status). */
  pids(): number[] {
    return [...this.children.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  private spawnFor(node: string, host: string): void {
    if (this.stopping) return;
    const key = `${node}\0${host}`;
    const seconds = Math.max(0.002, this.intervalMs / 1000).toFixed(3);
    const child = spawn(this.command, ['-n', '-i', seconds, host], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.set(key, child);
    let buffered = '';
    let stderr = '';
    child.stdout?.setEncoding('latin1');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      // Bounded: a line never grows past 4 KiB (ping's are < 100 bytes).
      if (buffered.length > 4096) buffered = buffered.slice(-4096);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (REPLY_LINE.test(line)) this.onReply(node, host);
      }
    });
    child.stderr?.setEncoding('latin1');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-512);
    });
    child.on('error', (err) => {
      this.logExit(host, `cannot run ${this.command}: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      if (this.children.get(key) === child) this.children.delete(key);
      if (this.stopping) return;
      this.logExit(host, `${this.command} ${host} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`);
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        this.spawnFor(node, host);
      }, Math.max(1000, this.intervalMs));
      this.restartTimers.add(timer);
    });
  }

  private logExit(host: string, text: string): void {
    if (this.exitLogLimiter.check(host, Date.now()).allowed) this.logger.warn(`ping node ${host}: ${text}; retrying`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    const waits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 2000);
          child.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(waits);
    this.children.clear();
  }
}
