// Gratuitous ARP after an address comes up, so that switches and neighbours
// learn its new owner at once (Heartbeat's send_arp; resource-agents'
// defaults are 5 packets 200 ms apart).
//
// iputils arping only takes whole seconds for -i, so each packet is its own
// `arping -c 1` launched on our own schedule. The series runs in the
// background: a group start does not wait for it (which would lengthen a
// failover). Every arping is tracked by PID so that a stop of the address
// ends its series.
//
// Even the first packet is launched on the next turn of the event loop
// rather than inside the start: spawning from Node is a fork of the whole
// daemon, paid on its one thread, and deferred like this it overlaps with
// the next resource's script (nginx) running instead of delaying it. The
// packets still leave within a few milliseconds of the address coming up.
//
// Many addresses at once (a takeover of dozens of one-address groups, issue
// 12): the first burst of a turn of the event loop is spawned at once as
// above; the bursts that come due after it in the same turn wait for the end
// of the turn and, when they are more than two arpings, are launched by ONE
// small shell (`arping … & arping … & wait`; up to 4 side by side, every
// address's first form first), so the daemon forks a few times per turn
// rather than once per packet (each fork of the daemon
// costs milliseconds of its one thread; a hundred addresses × 5 packets × 2
// forms is a thousand). Such a shared shell is not killed when one of its
// addresses is cancelled: its packets (`-c 1`) left when it started, and it
// ends by itself within arping's one-second wait.
//
// Better still, when python3 is there (arp-frames.ts): the bursts of a turn
// all go out from ONE short python3 program with a raw socket, a millisecond
// for a hundred addresses instead of two hundred arping execs (measured
// 0.3–0.5 s from the first address's packet to the last one's on a loaded
// 2-core machine). If python3 is missing or cannot send (exit 3), the same
// bursts go out through the arping shells and the announcer stays with
// arping from then on (one warning).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../log/index.js';
import { ArpFrameSender } from './arp-frames.js';
import type { ArpSettings } from './types.js';

export interface ArpAnnouncerOptions {
  readonly logger: Logger;
  readonly execPrefix?: readonly string[];
  /** The arping of iputils (default `arping` from PATH). */
  readonly arpingCommand?: string;
  /**
   * python3 for sending many packets from one process (default `python3`
   * from PATH; null: always arping). See arp-frames.ts.
   */
  readonly python3Command?: string | null;
}

interface Series {
  readonly iface: string;
  /** Ended by cancel() (a stop of the address): nothing more of it may leave. */
  cancelled: boolean;
  /** The first burst, launched on the next turn of the event loop. */
  first: NodeJS.Immediate | undefined;
  readonly timers: Set<NodeJS.Timeout>;
  readonly children: Set<ChildProcess>;
  /** Launches of this series waiting for the end of the turn (see flush). */
  queued: number;
  warned: boolean;
}

/** Bound on packets per series whatever the configuration says. */
const MAX_COUNT = 1000;
/** Bound on what is kept of an arping's error output (for the warning). */
const MAX_STDERR_CHARS = 4096;

/** One arping due now. */
interface Launch {
  readonly series: Series;
  readonly flag: string;
  readonly iface: string;
  readonly address: string;
}

/** A due launch list longer than this goes to one shared shell (shorter ones are spawned one by one). */
const MAX_SEPARATE_LAUNCHES = 2;
/** Bound on arpings in one shared shell (a longer list is split). */
const MAX_LAUNCHES_PER_SHELL = 512;
/** Shared shells per turn: they start their arpings side by side (one fork of the daemon each). */
const MAX_SHELLS = 4;
/** A shared shell is worth its fork from about this many arpings. */
const MIN_LAUNCHES_PER_SHELL = 16;

/** A word for sh -c (interface names and addresses were checked at load; quoted anyway). */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export class ArpAnnouncer {
  private readonly series = new Map<string, Series>();
  private due: Launch[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  /** Shells that carry the arpings of several series (never killed by one series' cancel). */
  private readonly shared = new WeakSet<ChildProcess>();
  /** Many packets from one python3 process (arp-frames.ts); undefined: arping only. */
  private readonly frames: ArpFrameSender<Launch> | undefined;
  private framesWarned = false;

  constructor(private readonly options: ArpAnnouncerOptions) {
    const python3 = options.python3Command === undefined ? 'python3' : options.python3Command;
    this.frames =
      python3 === null
        ? undefined
        : new ArpFrameSender<Launch>({
            python3,
            ...(options.execPrefix ? { execPrefix: options.execPrefix } : {}),
            onUnusable: (why, unsent) => {
              if (!this.framesWarned) {
                this.framesWarned = true;
                this.options.logger.warn(`Gratuitous ARP: ${python3} cannot send the packets here (${why}); using one arping per packet`);
              }
              // Packets handed to the sender count as sent for their series (it may be over): only a cancel holds them back.
              const live = unsent.filter((l) => !l.series.cancelled);
              if (live.length > 0) this.launchShells(live);
            },
            onFailed: (address, flag) => {
              const series = this.series.get(address);
              if (series !== undefined) this.warnOnce(series, series.iface, address, `${python3} could not send the ${flag === '-A' ? 'reply' : 'request'}`);
            },
          });
  }

  /** Several addresses are about to come up: start the one-process sender now, so that it is ready when they are. */
  warm(): void {
    this.frames?.warm();
  }

  /** A node with many addresses: keep the one-process sender running (ready at every takeover) until cancelAll(). */
  keepWarm(): void {
    this.frames?.keepWarm();
  }

  private get viaFrames(): boolean {
    return this.frames !== undefined && this.frames.usable;
  }


  /**
   * Start announcing ADDRESS on IFACE: the first packet(s) on the next turn
   * of the event loop, the rest every `settings.interval` ms.
   */
  announce(iface: string, address: string, settings: ArpSettings): void {
    this.cancel(address);
    const count = Math.min(Math.max(Math.trunc(settings.count), 0), MAX_COUNT);
    if (count === 0) return;
    const series: Series = { iface, cancelled: false, first: undefined, timers: new Set(), children: new Set(), queued: 0, warned: false };
    this.series.set(address, series);
    this.options.logger.debug(
      `Sending gratuitous ARP for ${address} on ${iface} (${count} × ${settings.mode}, every ${settings.interval} ms)`,
      { address, iface },
    );
    series.first = setImmediate(() => {
      series.first = undefined;
      this.burst(series, iface, address, settings.mode);
      this.forgetWhenDone(address, series);
    });
    for (let i = 1; i < count; i++) {
      const timer = setTimeout(() => {
        series.timers.delete(timer);
        this.burst(series, iface, address, settings.mode);
        this.forgetWhenDone(address, series);
      }, i * Math.max(settings.interval, 0));
      series.timers.add(timer);
    }
  }

  /** End the series for ADDRESS: no further packets, running arpings ended by PID. */
  cancel(address: string): void {
    const series = this.series.get(address);
    if (!series) return;
    this.series.delete(address);
    series.cancelled = true;
    this.frames?.drop(address);
    clearImmediate(series.first);
    series.first = undefined;
    for (const timer of series.timers) clearTimeout(timer);
    series.timers.clear();
    for (const child of series.children) {
      if (this.shared.has(child)) continue;
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
    this.frames?.close(true);
  }

  /** arping processes and pending packets of ADDRESS's series (observability, tests). */
  pending(address: string): { readonly processes: number; readonly scheduled: number } {
    const series = this.series.get(address);
    const scheduled = (series?.timers.size ?? 0) + (series?.first ? 1 : 0) + (series?.queued ?? 0);
    return { processes: series?.children.size ?? 0, scheduled };
  }

  private burst(series: Series, iface: string, address: string, mode: ArpSettings['mode']): void {
    const flags = mode === 'both' ? ['-U', '-A'] : mode === 'reply' ? ['-A'] : ['-U'];
    const senderRunning = this.viaFrames && this.frames!.isStarted;
    if (this.flushScheduled === undefined && !senderRunning) {
      // The first burst of this turn: launched now, as always; later bursts of this turn wait for flush().
      for (const flag of flags) this.launch(series, flag, iface, address);
      this.flushScheduled = setImmediate(() => this.flush());
      return;
    }
    for (const flag of flags) this.due.push({ series, flag, iface, address });
    series.queued += flags.length;
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  /** Launch the bursts that came due in this turn of the event loop after the first one. */
  private flush(): void {
    this.flushScheduled = undefined;
    for (const l of this.due) l.series.queued--;
    const due = this.due.filter((l) => this.series.get(l.address) === l.series);
    this.due = [];
    if (due.length > 0 && this.viaFrames && (due.length > MAX_SEPARATE_LAUNCHES || this.frames!.isStarted)) {
      this.frames!.send(due);
    } else if (due.length <= MAX_SEPARATE_LAUNCHES) {
      for (const l of due) this.launch(l.series, l.flag, l.iface, l.address);
    } else {
      this.launchShells(due);
    }
    for (const l of due) this.forgetWhenDone(l.address, l.series);
  }

  private launchShells(due: readonly Launch[]): void {
    // A shell starts its arpings one after the other (about a millisecond each): every address's
    // first form goes before any second form, and the list is dealt over a few shells (the cores).
    const flags = [...new Set(due.map((l) => l.flag))];
    const ordered = [...due].sort((a, b) => flags.indexOf(a.flag) - flags.indexOf(b.flag));
    const shells = Math.max(1, Math.min(MAX_SHELLS, Math.ceil(ordered.length / MIN_LAUNCHES_PER_SHELL)));
    const lists: Launch[][] = Array.from({ length: shells }, () => []);
    ordered.forEach((l, i) => lists[i % lists.length]!.push(l));
    for (const list of lists) {
      for (let i = 0; i < list.length; i += MAX_LAUNCHES_PER_SHELL) this.launchShared(list.slice(i, i + MAX_LAUNCHES_PER_SHELL));
    }
  }

  private arpingArgs(flag: string, iface: string, address: string): string[] {
    return [this.options.arpingCommand ?? 'arping', flag, '-c', '1', '-I', iface, address];
  }

  /** Several arpings from one shell; each series counts the shell as one of its processes until it ends. */
  private launchShared(launches: readonly Launch[]): void {
    // A failing arping names itself on the shell's error output, so each series still warns for its own address.
    const script =
      launches
        .map((l) => `{ ${this.arpingArgs(l.flag, l.iface, l.address).map(shellWord).join(' ')} >/dev/null 2>&1 || echo ${shellWord(`${l.address} ${l.flag}`)} >&2; } &`)
        .join('\n') + '\nwait\n';
    const [file, ...rest] = [...(this.options.execPrefix ?? []), 'sh', '-c', script];
    let child: ChildProcess;
    try {
      child = spawn(file!, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      for (const l of launches) this.warnOnce(l.series, l.iface, l.address, err instanceof Error ? err.message : String(err));
      return;
    }
    this.shared.add(child);
    for (const l of launches) l.series.children.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_CHARS * 16) stderr += chunk.toString('utf8');
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    child.once('close', () => {
      const failed = new Set(stderr.split('\n').map((line) => line.trim()));
      for (const l of launches) {
        l.series.children.delete(child);
        const live = this.series.get(l.address) === l.series;
        if (live && (spawnError || failed.has(`${l.address} ${l.flag}`))) {
          this.warnOnce(l.series, l.iface, l.address, spawnError?.message ?? `arping ${l.flag} -c 1 -I ${l.iface} ${l.address} failed`);
        }
      }
      for (const l of launches) this.forgetWhenDone(l.address, l.series);
    });
  }

  private forgetWhenDone(address: string, series: Series): void {
    const idle = series.first === undefined && series.children.size === 0 && series.timers.size === 0 && series.queued === 0;
    if (idle && this.series.get(address) === series) {
      this.series.delete(address);
      if (this.series.size === 0) this.frames?.close();
    }
  }

  private launch(series: Series, flag: string, iface: string, address: string): void {
    if (this.series.get(address) !== series) return;
    const [file, ...rest] = [...(this.options.execPrefix ?? []), ...this.arpingArgs(flag, iface, address)];
    let child: ChildProcess;
    try {
      child = spawn(file!, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      this.warnOnce(series, iface, address, err instanceof Error ? err.message : String(err));
      return;
    }
    series.children.add(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.toString('utf8');
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    child.once('close', (code, signal) => {
      series.children.delete(child);
      const cancelled = this.series.get(address) !== series;
      if (!cancelled && (spawnError || code !== 0)) {
        const detail = stderr.trim() || spawnError?.message || `arping ${flag} exited with ${code ?? signal ?? '?'}`;
        this.warnOnce(series, iface, address, detail);
      }
      this.forgetWhenDone(address, series);
    });
  }

  private warnOnce(series: Series, iface: string, address: string, detail: string): void {
    if (series.warned) return;
    series.warned = true;
    this.options.logger.warn(`Gratuitous ARP for ${address} on ${iface} failed: ${detail}`, { address, iface });
  }
}
