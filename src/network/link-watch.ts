// keepalived's track_interface: follow the link of a few interfaces.
//
// The kernel says when a link changes (RTM_NEWLINK); Node has no netlink
// socket, so one long-running `ip -o monitor link` child relays those events
// and each one triggers a read of /sys/class/net/IFACE/{flags,carrier} for
// the tracked interfaces — no polling. A link is up when the interface
// exists, is administratively up (IFF_UP) and has carrier.
import { readFileSync } from 'node:fs';
import type { ResultPromise } from 'execa';
import type { Logger } from '../log/index.js';

const IFF_UP = 0x1;
const RESTART_DELAY_MS = 1_000;

/** Whether IFACE is up with carrier, read from sysfs (root = /sys/class/net, for tests). */
export function readLinkUp(iface: string, root = '/sys/class/net'): { up: boolean; detail: string } {
  let flags: number;
  try {
    flags = Number.parseInt(readFileSync(`${root}/${iface}/flags`, 'latin1').trim(), 16);
  } catch {
    return { up: false, detail: 'no such interface' };
  }
  if ((flags & IFF_UP) === 0) return { up: false, detail: 'administratively down' };
  let carrier = '';
  try {
    carrier = readFileSync(`${root}/${iface}/carrier`, 'latin1').trim();
  } catch {
    /* EINVAL while the device is not running */
  }
  return carrier === '1' ? { up: true, detail: 'carrier' } : { up: false, detail: 'no carrier' };
}

export class LinkWatch {
  private child: ResultPromise | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Set while execa loads for the first spawn: stop() waits for it. */
  private spawning: Promise<void> | undefined;
  private stopping = false;
  private readonly last = new Map<string, boolean>();

  constructor(
    private readonly interfaces: readonly string[],
    private readonly onChange: (iface: string, up: boolean, detail: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Starts the monitor, then reports every interface's current state. */
  start(): void {
    this.stopping = false;
    this.spawnMonitor();
    this.check();
  }

  /** Read every tracked interface; report the ones that changed. */
  check(): void {
    for (const iface of this.interfaces) {
      const { up, detail } = readLinkUp(iface);
      if (this.last.get(iface) === up) continue;
      this.last.set(iface, up);
      this.onChange(iface, up, detail);
    }
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  private spawnMonitor(): void {
    // execa is loaded only by a node that tracks interfaces: once loaded, its modules stay in memory (issue 12).
    this.spawning = import('execa').then(({ execa }) => {
      this.spawning = undefined;
      this.spawnMonitorWith(execa);
    });
  }

  private spawnMonitorWith(execa: typeof import('execa').execa): void {
    if (this.stopping) return;
    const child = execa('ip', ['-o', 'monitor', 'link'], { reject: false, buffer: false, stdin: 'ignore', stderr: 'ignore' });
    this.child = child;
    child.stdout?.setEncoding('latin1');
    child.stdout?.on('data', () => this.check());
    void child.then((r) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      this.logger.warn(`ip monitor link exited (${r.signal ?? `code ${r.exitCode}`}); restarting it in ${RESTART_DELAY_MS} ms`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.spawnMonitor();
        this.check();
      }, RESTART_DELAY_MS);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.spawning;
    const child = this.child;
    this.child = undefined;
    if (!child || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await child.catch(() => undefined);
    clearTimeout(timer);
  }
}
