// Gratuitous ARP after an address comes up, so that switches and neighbours
// learn its new owner at once (Heartbeat's send_arp; resource-agents'
// defaults are 5 packets 200 ms apart).
//
// iputils arping only takes whole seconds for -i, so each packet is its own
// `arping -c 1` launched on our own schedule. The series runs in the
// background: a group start returns once the first packets are on their way
// instead of waiting for the whole series (which would lengthen a failover).
// Every arping is tracked by PID so that a stop of the address ends its series.
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../../log/index.js';
import type { ArpSettings } from './types.js';

export interface ArpAnnouncerOptions {
  readonly logger: Logger;
  readonly execPrefix?: readonly string[];
  /** The arping of iputils (default `arping` from PATH). */
  readonly arpingCommand?: string;
}

interface Series {
  readonly timers: Set<NodeJS.Timeout>;
  readonly children: Set<ResultPromise>;
  warned: boolean;
}

/** Bound on packets per series whatever the configuration says. */
const MAX_COUNT = 1000;

export class ArpAnnouncer {
  private readonly series = new Map<string, Series>();

  constructor(private readonly options: ArpAnnouncerOptions) {}

  /**
   * Start announcing ADDRESS on IFACE. Resolves when the first packet(s) have
   * been launched; the rest follow every `settings.interval` ms.
   */
  async announce(iface: string, address: string, settings: ArpSettings): Promise<void> {
    this.cancel(address);
    const count = Math.min(Math.max(Math.trunc(settings.count), 0), MAX_COUNT);
    if (count === 0) return;
    const series: Series = { timers: new Set(), children: new Set(), warned: false };
    this.series.set(address, series);
    this.options.logger.debug(
      `Sending gratuitous ARP for ${address} on ${iface} (${count} × ${settings.mode}, every ${settings.interval} ms)`,
      { address, iface },
    );
    for (let i = 1; i < count; i++) {
      const timer = setTimeout(() => {
        series.timers.delete(timer);
        void this.burst(series, iface, address, settings.mode);
      }, i * Math.max(settings.interval, 0));
      series.timers.add(timer);
    }
    await this.burst(series, iface, address, settings.mode);
  }

  /** End the series for ADDRESS: no further packets, running arpings ended by PID. */
  cancel(address: string): void {
    const series = this.series.get(address);
    if (!series) return;
    this.series.delete(address);
    for (const timer of series.timers) clearTimeout(timer);
    series.timers.clear();
    for (const child of series.children) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // already exited
        }
      }
    }
  }

  cancelAll(): void {
    for (const address of [...this.series.keys()]) this.cancel(address);
  }

  /** arping processes and pending packets of ADDRESS's series (observability, tests). */
  pending(address: string): { readonly processes: number; readonly scheduled: number } {
    const series = this.series.get(address);
    return { processes: series?.children.size ?? 0, scheduled: series?.timers.size ?? 0 };
  }

  private async burst(series: Series, iface: string, address: string, mode: ArpSettings['mode']): Promise<void> {
    const flags = mode === 'both' ? ['-U', '-A'] : mode === 'reply' ? ['-A'] : ['-U'];
    await Promise.all(flags.map((flag) => this.launch(series, flag, iface, address)));
  }

  private async launch(series: Series, flag: string, iface: string, address: string): Promise<void> {
    if (this.series.get(address) !== series) return;
    const [file, ...rest] = [
      ...(this.options.execPrefix ?? []),
      this.options.arpingCommand ?? 'arping',
      flag,
      '-c',
      '1',
      '-I',
      iface,
      address,
    ];
    const child = execa(file!, rest, { reject: false, stdin: 'ignore', env: { LC_ALL: 'C' } });
    series.children.add(child);
    void child.then((result) => {
      series.children.delete(child);
      const cancelled = this.series.get(address) !== series;
      if (result.failed && !cancelled && !series.warned) {
        series.warned = true;
        const detail = typeof result.stderr === 'string' && result.stderr.trim() ? result.stderr.trim() : result.shortMessage;
        this.options.logger.warn(`Gratuitous ARP for ${address} on ${iface} failed: ${detail}`, { address, iface });
      }
      if (series.children.size === 0 && series.timers.size === 0 && this.series.get(address) === series) {
        this.series.delete(address);
      }
    });
    await new Promise<void>((resolve) => {
      child.once('spawn', () => resolve());
      child.once('error', () => resolve());
    });
  }
}
