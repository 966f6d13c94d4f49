// Many gratuitous ARP packets from ONE process (issue 12). iputils arping
// sends for one address per process, and a hundred addresses × 2 forms is
// two hundred execs of arping per burst: on a loaded 2-core machine the last
// of them left 0.3–0.5 s after the address came up (measured with tshark at
// the client), which was most of a failback's outage. Node has no raw
// sockets, so the frames go out from a small python3 program (python3 is on
// every Debian server; the package recommends it) through an AF_PACKET
// socket: every frame of a burst within a millisecond.
//
// python3 takes 40–100 ms to start on an idle machine and 0.2–0.4 s on a
// loaded one (measured here at load 10), longer than the whole hand-over it
// is part of, so the sender is started ahead: warm() when a batch of several
// addresses begins (while `ip` adds them), and for a node with many service
// addresses keepWarm() at start-up: it then stays, blocked on its stdin (no
// CPU, a few MB), for the life of the daemon. It reads "IFACE FLAG ADDRESS"
// lines on stdin and ends when stdin closes (close(), or IDLE_MS unused when
// not kept warm; a killed daemon closes it too).
//
// The frames are byte for byte what `arping -U` / `arping -A` send (checked
// with tshark against iputils arping 20221126): broadcast Ethernet, ARP
// request (-U: target hardware ff:ff:ff:ff:ff:ff) or reply (-A: target
// hardware = own), sender and target protocol address both the service
// address.
//
// Protocol: the program first opens an AF_PACKET socket and prints "ready"
// (or exits 3: no packet can be sent from here, no AF_PACKET or no
// permission; the caller then uses arping). A line it cannot send is
// answered "ADDRESS FLAG" on stderr.
import { spawn, type ChildProcess } from 'node:child_process';

export const ARP_SENDER_SOURCE = `
import _socket as socket, sys
try:
    probe = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
except Exception:
    sys.exit(3)
ff = b'\\xff' * 6
socks = {}
sys.stdout.write('ready\\n')
sys.stdout.flush()
for line in sys.stdin:
    w = line.split()
    if len(w) != 3:
        continue
    ifc, fl, ip = w
    try:
        s = socks.get(ifc)
        if s is None:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((ifc, 0x0806))
            socks[ifc] = s
        mac = s.getsockname()[4]
        spa = socket.inet_aton(ip)
        reply = fl == '-A'
        s.send(ff + mac + b'\\x08\\x06\\x00\\x01\\x08\\x00\\x06\\x04' + (b'\\x00\\x02' if reply else b'\\x00\\x01') + mac + spa + (mac if reply else ff) + spa)
    except Exception:
        sys.stderr.write(ip + ' ' + fl + '\\n')
        sys.stderr.flush()
`;

/** Exit code of the sender when it cannot send anything here. */
export const ARP_SENDER_UNUSABLE = 3;

/** A sender not used for this long is ended (the next burst starts another). */
const IDLE_MS = 2000;
/** Bound on lines queued while the sender starts. */
const MAX_QUEUED = 100_000;

export interface ArpPacket {
  readonly flag: string;
  readonly iface: string;
  readonly address: string;
}

export interface ArpFrameSenderOptions<P extends ArpPacket> {
  readonly python3: string;
  readonly execPrefix?: readonly string[];
  /** The sender cannot be used here: these packets were not sent (send them another way). */
  readonly onUnusable: (why: string, unsent: readonly P[]) => void;
  /** The sender could not send this packet (no such interface, …). */
  readonly onFailed: (address: string, flag: string) => void;
}

/** One python3 sender at a time, started on demand, ended when idle. */
export class ArpFrameSender<P extends ArpPacket = ArpPacket> {
  private child: ChildProcess | undefined;
  private ready = false;
  private queued: P[] = [];
  private idle: NodeJS.Timeout | undefined;
  private unusable = false;
  private persistent = false;

  constructor(private readonly options: ArpFrameSenderOptions<P>) {}

  get usable(): boolean {
    return !this.unusable;
  }

  /** Whether a sender runs (ready, or starting: packets given now leave as soon as it is ready). */
  get isStarted(): boolean {
    return this.child !== undefined;
  }

  /** Keep a sender running from now on (started now, again after it ended), until close(true). */
  keepWarm(): void {
    this.persistent = true;
    this.warm();
  }

  /** Start the sender now if none runs (packets soon to come). */
  warm(): void {
    if (this.unusable) return;
    if (this.child === undefined) this.startChild();
    this.touch();
  }

  send(packets: readonly P[]): void {
    if (this.unusable) {
      this.options.onUnusable('unusable', packets);
      return;
    }
    this.warm();
    if (!this.ready) {
      this.queued.push(...packets.slice(0, Math.max(0, MAX_QUEUED - this.queued.length)));
      return;
    }
    this.write(packets);
  }

  /** Packets of ADDRESS still waiting for the sender to be ready are not sent (the address was stopped). */
  drop(address: string): void {
    if (this.queued.length > 0) this.queued = this.queued.filter((p) => p.address !== address);
  }

  /** End the sender (stdin closed: it exits after the lines it has); one kept warm only when `evenIfKept`. */
  close(evenIfKept = false): void {
    if (this.persistent && !evenIfKept) return;
    if (evenIfKept) this.persistent = false;
    const child = this.child;
    if (child !== undefined && !this.ready && !evenIfKept) {
      // Still starting: its queue is sent once it is ready, then the idle timer ends it.
      this.touch();
      return;
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (child === undefined) return;
    this.child = undefined;
    this.ready = false;
    child.stdin?.end();
  }

  private touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (this.persistent) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      this.close();
    }, IDLE_MS);
    this.idle.unref?.();
  }

  private write(packets: readonly P[]): void {
    if (packets.length === 0) return;
    this.touch();
    this.child?.stdin?.write(packets.map((p) => `${p.iface} ${p.flag} ${p.address}\n`).join(''));
  }

  private startChild(): void {
    const [file, ...rest] = [...(this.options.execPrefix ?? []), this.options.python3, '-I', '-S', '-u', '-c', ARP_SENDER_SOURCE];
    let child: ChildProcess;
    const giveUp = (why: string): void => {
      if (this.unusable) return;
      this.unusable = true;
      const unsent = this.queued;
      this.queued = [];
      this.options.onUnusable(why, unsent);
    };
    try {
      child = spawn(file!, rest, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      giveUp(err instanceof Error ? err.message : String(err));
      return;
    }
    this.child = child;
    this.ready = false;
    // A sender waiting on its stdin must never keep the daemon's process alive.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    let out = '';
    let err = '';
    let spawnError: Error | undefined;
    child.stdin!.on('error', () => undefined); // an exited sender: its close handler says why
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.ready || this.child !== child) return;
      out += chunk.toString('utf8');
      if (!out.includes('ready\n')) return;
      this.ready = true;
      const queued = this.queued;
      this.queued = [];
      this.write(queued);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      const lines = err.split('\n');
      err = lines.pop()!.slice(-4096);
      for (const line of lines) {
        const [address, flag] = line.trim().split(' ');
        if (address && flag && /^\d+\.\d+\.\d+\.\d+$/.test(address)) this.options.onFailed(address, flag);
      }
    });
    child.once('error', (e) => (spawnError = e));
    child.once('close', (code, signal) => {
      const wasReady = this.ready || out.includes('ready\n');
      if (this.child === child) {
        this.child = undefined;
        this.ready = false;
      }
      if (!wasReady) {
        giveUp(spawnError?.message ?? (signal !== null ? `killed by ${signal}` : `exit ${code}${err.trim() ? `: ${err.trim().slice(-200)}` : ''}`));
      } else if (this.queued.length > 0 && this.child === undefined) {
        // Packets queued after it ended: another sender takes them.
        const again = this.queued;
        this.queued = [];
        this.send(again);
      }
    });
  }
}
