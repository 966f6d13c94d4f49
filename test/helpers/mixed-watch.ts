// Watches the two node namespaces of a mixed cluster (one heartbeat-ts node,
// one real Heartbeat 3.0.6 node) every ~20 ms: is the service address on the
// node, is an nginx master running in the node's network namespace. The
// mixed tests assert from its record that the VIP is never on both nodes at
// once outside a partition and that nginx never runs on both (issue 5).
//
// Why not ask the daemons: the point is to check what is really on the
// machines, whatever either side believes. Both looks are plain reads of
// /proc from the test process, so a sample costs a few ms, spawns nothing
// and sees both hosts within about a millisecond:
// - the address: the kernel's local routing table of the namespace,
//   /proc/<pid>/net/fib_trie, through an "anchor" process (`sleep`) that
//   lives in that namespace (a crash of our node ends every process of its
//   namespace, the anchor too: it is started again once the partition window
//   ends, and the host reads as unknown meanwhile);
// - nginx: a process whose title is `nginx: master process` and whose
//   network namespace is the host's. That sees the real node's nginx in its
//   private PID namespace as well as ours, and ignores the short-lived
//   `nginx -t` Debian's init script runs before a start.
//
// A single sample with the address (or nginx) on both hosts is a violation.
// An overlap shorter than the sampling gap can go unseen; the record says
// how many samples were taken and how far apart they were.
//
// Partitions (a pulled cable, a crashed node whose address stays on its
// dead interface until it "reboots") are declared by the test with
// beginExempt()/endExempt(); samples inside such a window are not judged.
import type { ResultPromise } from 'execa';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { LabHost } from './netns.js';

export interface HostSample {
  /** Undefined while the host's anchor process is being started again (after a crash of our node). */
  readonly vip: boolean | undefined;
  readonly nginx: boolean;
}

export interface WatchSample {
  /** Epoch ms when the sample was taken. */
  readonly atMs: number;
  readonly hosts: Readonly<Record<string, HostSample>>;
  /** Inside a window declared with beginExempt (a partition). */
  readonly exempt: boolean;
}

export interface WatchTransition {
  readonly atMs: number;
  readonly host: string;
  readonly what: 'vip' | 'nginx';
  readonly now: boolean;
}

export interface DoubleAssignment {
  readonly what: 'vip' | 'nginx';
  readonly fromMs: number;
  readonly toMs: number;
  readonly samples: number;
}

export interface WatchStats {
  readonly samples: number;
  /** Median and maximum gap between consecutive samples, ms. */
  readonly medianGapMs: number;
  readonly maxGapMs: number;
}

export interface Watcher {
  samples(): WatchSample[];
  /** Every change of a host's VIP / nginx state, in order (unknown states are skipped; the first sample is the baseline). */
  transitions(sinceMs?: number): WatchTransition[];
  /** Runs of samples, outside exempt windows, with the VIP or nginx on both hosts. */
  doubles(sinceMs?: number): DoubleAssignment[];
  stats(): WatchStats;
  /** The first sample taken at or after `sinceMs` (waits for it, bounded). */
  latest(sinceMs?: number, timeoutMs?: number): Promise<WatchSample>;
  beginExempt(reason: string): void;
  endExempt(): void;
  stop(): Promise<void>;
}

function netnsInode(ns: string): number {
  return statSync(`/run/netns/${ns}`).ino;
}

function netnsInodeOfPid(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Network-namespace inodes (among `inodes`) in which an nginx master process runs. */
function nginxMasters(inodes: ReadonlySet<number>): Set<number> {
  const found = new Set<number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8') !== 'nginx\n') continue;
      if (!readFileSync(`/proc/${name}/cmdline`, 'latin1').startsWith('nginx: master process')) continue;
    } catch {
      continue;
    }
    const ino = netnsInodeOfPid(Number(name));
    if (ino !== undefined && inodes.has(ino)) found.add(ino);
  }
  return found;
}

/** Whether `fibTrie` (a /proc/<pid>/net/fib_trie) lists `ip` as a local address. */
export function fibTrieHasLocal(fibTrie: string, ip: string): boolean {
  const escaped = ip.replace(/\./g, '\\.');
  return new RegExp(`\\|-- ${escaped}\\n(?:\\s+/\\d+ [^\\n]*\\n)*?\\s+/32 host LOCAL`).test(fibTrie);
}

/** A `sleep` living in a host's network namespace, whose /proc/<pid>/net shows that namespace. */
class Anchor {
  private child: ResultPromise | undefined;
  private pid: number | undefined;
  private starting = false;

  constructor(
    private readonly host: LabHost,
    private readonly inode: number,
  ) {}

  /** The anchor's pid once it is inside the namespace; starts it (again) when needed and allowed. */
  ready(mayStart: boolean): number | undefined {
    if (this.pid !== undefined && netnsInodeOfPid(this.pid) === this.inode) return this.pid;
    this.pid = undefined;
    if (mayStart && !this.starting) {
      this.starting = true;
      const child = this.host.spawn('sleep', ['86400'], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
      this.child = child;
      const pid = child.pid;
      void (async () => {
        // `ip netns exec` joins the namespace, then execs sleep under the same pid.
        for (let i = 0; i < 200 && pid !== undefined; i++) {
          if (netnsInodeOfPid(pid) === this.inode) {
            this.pid = pid;
            break;
          }
          await delay(10);
        }
        this.starting = false;
      })();
    }
    return undefined;
  }

  stop(): void {
    try {
      this.child?.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Start watching `hosts` for `vip` and nginx. Sampling runs until stop() (bounded by maxMs, default 15 min). */
export function startWatcher(hosts: readonly LabHost[], vip: string, opts: { readonly everyMs?: number; readonly maxMs?: number } = {}): Watcher {
  const everyMs = opts.everyMs ?? 20;
  const maxMs = opts.maxMs ?? 15 * 60_000;
  const inodeOf = new Map(hosts.map((h) => [h.name, netnsInode(h.ns)] as const));
  const inodes = new Set(inodeOf.values());
  const anchors = new Map(hosts.map((h) => [h.name, new Anchor(h, inodeOf.get(h.name)!)] as const));
  const record: WatchSample[] = [];
  let exempt: string | undefined;
  let stopping = false;
  const t0 = Date.now();

  const vipOn = (host: LabHost): boolean | undefined => {
    // Not during a partition window: a crash is ending every process of the
    // namespace, and an anchor started again would keep that loop busy.
    const pid = anchors.get(host.name)!.ready(exempt === undefined);
    if (pid === undefined) return undefined;
    let trie: string;
    try {
      trie = readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8');
    } catch {
      return undefined;
    }
    // The anchor may have been killed between the check and the read: only trust a read from inside the namespace.
    if (netnsInodeOfPid(pid) !== inodeOf.get(host.name)) return undefined;
    return fibTrieHasLocal(trie, vip);
  };

  const loop = (async () => {
    for (let i = 0; !stopping && Date.now() - t0 < maxMs && i < 10_000_000; i++) {
      const atMs = Date.now();
      const vips = hosts.map(vipOn);
      const nginx = nginxMasters(inodes);
      const sample: Record<string, HostSample> = {};
      hosts.forEach((h, k) => {
        sample[h.name] = { vip: vips[k], nginx: nginx.has(inodeOf.get(h.name)!) };
      });
      record.push({ atMs, hosts: sample, exempt: exempt !== undefined });
      await delay(Math.max(1, atMs + everyMs - Date.now()));
    }
  })();

  const doubles = (sinceMs = 0): DoubleAssignment[] => {
    const out: DoubleAssignment[] = [];
    for (const what of ['vip', 'nginx'] as const) {
      let run: WatchSample[] = [];
      const flush = (): void => {
        if (run.length >= 1) out.push({ what, fromMs: run[0]!.atMs, toMs: run[run.length - 1]!.atMs, samples: run.length });
        run = [];
      };
      for (const s of record) {
        if (s.atMs < sinceMs) continue;
        const both = !s.exempt && Object.values(s.hosts).filter((h) => h[what] === true).length >= 2;
        if (both) run.push(s);
        else flush();
      }
      flush();
    }
    return out;
  };

  const transitions = (sinceMs = 0): WatchTransition[] => {
    const out: WatchTransition[] = [];
    const last = new Map<string, boolean>();
    for (const s of record) {
      for (const h of hosts) {
        for (const what of ['vip', 'nginx'] as const) {
          const now = s.hosts[h.name]![what];
          if (now === undefined) continue;
          const key = `${h.name}:${what}`;
          const before = last.get(key);
          if (before !== undefined && before !== now && s.atMs >= sinceMs) out.push({ atMs: s.atMs, host: h.name, what, now });
          last.set(key, now);
        }
      }
    }
    return out;
  };

  return {
    samples: () => record.slice(),
    transitions,
    doubles,
    stats: () => {
      const gaps = record.slice(1).map((s, k) => s.atMs - record[k]!.atMs).sort((a, b) => a - b);
      return {
        samples: record.length,
        medianGapMs: gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0,
        maxGapMs: gaps.length ? gaps[gaps.length - 1]! : 0,
      };
    },
    latest: async (sinceMs = 0, timeoutMs = 5000) => {
      const end = Date.now() + timeoutMs;
      for (let i = 0; i < 100_000; i++) {
        const last = record[record.length - 1];
        if (last && last.atMs >= sinceMs) return last;
        if (Date.now() > end || stopping) break;
        await delay(10);
      }
      throw new Error(`watcher: no sample taken after ${new Date(sinceMs).toISOString()} within ${timeoutMs} ms`);
    },
    beginExempt: (reason) => {
      exempt = reason;
    },
    endExempt: () => {
      exempt = undefined;
    },
    stop: async () => {
      stopping = true;
      await Promise.race([loop, delay(10_000)]);
      for (const a of anchors.values()) a.stop();
    },
  };
}
