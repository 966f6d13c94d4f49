// A throw-away lab of network namespaces for end-to-end tests.
//
// Topology: one "switch" namespace holding a bridge `br0`, and one namespace
// per host whose `eth0` is a veth plugged into that bridge. Every namespace
// name starts with `hbts-<pid>-` so that a later run can tell which ones a
// dead test process left behind (see e2e-global-setup.ts) and never touches
// anything else on the machine.
//
// Cleanup ends every process inside the lab's namespaces (they can only be
// ours: we created the namespaces) and deletes the namespaces. Tests call
// `lab.destroy()` in afterAll/finally; it is idempotent.
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { setTimeout as delay } from 'node:timers/promises';

export const LAB_PREFIX = 'hbts-';

let labCounter = 0;

export interface HostSpec {
  /** Short name, [a-z0-9]{1,8}. */
  readonly name: string;
  /** IPv4 address of the host's eth0 within the lab subnet, e.g. 10.77.0.1. */
  readonly ip: string;
}

export interface LabHost {
  readonly name: string;
  readonly ns: string;
  readonly iface: 'eth0';
  readonly ip: string;
  /** Run a command inside this host's namespace and wait for it. Non-zero exit rejects unless reject:false. */
  exec(cmd: string, args?: readonly string[], opts?: ExecaOptions): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  /** Start a long-running command inside this host's namespace. It is ended by destroy() at the latest. */
  spawn(cmd: string, args?: readonly string[], opts?: ExecaOptions): ResultPromise;
  /** Take this host's link down (cable pulled) or up again. */
  setLink(up: boolean): Promise<void>;
}

export interface Lab {
  readonly id: string;
  readonly switchNs: string;
  readonly prefixLength: number;
  readonly broadcast: string;
  readonly hosts: ReadonlyMap<string, LabHost>;
  host(name: string): LabHost;
  /** Add a namespace-local address to a host (e.g. a client), without a new host. */
  destroy(): Promise<void>;
}

async function ip(args: readonly string[]): Promise<void> {
  await execa('ip', args);
}

function broadcastOf(addr: string, prefixLength: number): string {
  const n = addr.split('.').reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const b = (n | ~mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (b >>> s) & 0xff).join('.');
}

export interface LabOptions {
  readonly hosts: readonly HostSpec[];
  /** Prefix length of the lab subnet (default 24). */
  readonly prefixLength?: number;
}

/**
 * Build the lab. On any failure while building, whatever was created is
 * removed again before the error propagates.
 */
export async function createLab(opts: LabOptions): Promise<Lab> {
  const prefixLength = opts.prefixLength ?? 24;
  const id = `${LAB_PREFIX}${process.pid}-${labCounter++}`;
  const switchNs = `${id}-sw`;
  const created: string[] = [];
  const children = new Set<ResultPromise>();
  const hosts = new Map<string, LabHost>();
  let destroyed = false;

  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    for (const child of children) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await killAllIn(created);
    for (const ns of created.slice().reverse()) {
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
  };

  try {
    await ip(['netns', 'add', switchNs]);
    created.push(switchNs);
    await ip(['-n', switchNs, 'link', 'set', 'lo', 'up']);
    await ip(['-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    // No STP delay: the lab's links must forward as soon as they are up.
    await ip(['-n', switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'forward_delay', '0']);
    await ip(['-n', switchNs, 'link', 'set', 'br0', 'up']);

    for (const spec of opts.hosts) {
      if (!/^[a-z0-9]{1,8}$/.test(spec.name)) throw new Error(`lab host name ${spec.name} must be [a-z0-9]{1,8}`);
      const ns = `${id}-${spec.name}`;
      await ip(['netns', 'add', ns]);
      created.push(ns);
      const portName = `p-${spec.name}`;
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', portName, 'netns', switchNs]);
      await ip(['-n', switchNs, 'link', 'set', portName, 'master', 'br0']);
      await ip(['-n', switchNs, 'link', 'set', portName, 'up']);
      await ip(['-n', ns, 'addr', 'add', `${spec.ip}/${prefixLength}`, 'brd', '+', 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      const host: LabHost = {
        name: spec.name,
        ns,
        iface: 'eth0',
        ip: spec.ip,
        exec: async (cmd, args = [], o = {}) => {
          const r = await execa('ip', ['netns', 'exec', ns, cmd, ...args], { ...o } as ExecaOptions);
          return {
            exitCode: r.exitCode,
            stdout: typeof r.stdout === 'string' ? r.stdout : String(r.stdout ?? ''),
            stderr: typeof r.stderr === 'string' ? r.stderr : String(r.stderr ?? ''),
          };
        },
        spawn: (cmd, args = [], o = {}) => {
          const child = execa('ip', ['netns', 'exec', ns, cmd, ...args], { reject: false, ...o } as ExecaOptions);
          children.add(child);
          void child.finally(() => children.delete(child)).catch(() => undefined);
          return child;
        },
        setLink: async (up) => {
          await ip(['-n', switchNs, 'link', 'set', portName, up ? 'up' : 'down']);
        },
      };
      hosts.set(spec.name, host);
    }
    const first = opts.hosts[0];
    const broadcast = first ? broadcastOf(first.ip, prefixLength) : '';
    return {
      id,
      switchNs,
      prefixLength,
      broadcast,
      hosts,
      host(name: string): LabHost {
        const h = hosts.get(name);
        if (!h) throw new Error(`no host ${name} in lab ${id}`);
        return h;
      },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/** SIGKILL every process living in these namespaces (ours by construction), bounded in time. */
export async function killAllIn(namespaces: readonly string[]): Promise<void> {
  for (let round = 0; round < 20; round++) {
    let found = 0;
    for (const ns of namespaces) {
      const r = await execa('ip', ['netns', 'pids', ns], { reject: false });
      const pids = String(r.stdout ?? '')
        .split(/\s+/)
        .filter((s) => /^\d+$/.test(s))
        .map(Number)
        .filter((p) => p !== process.pid);
      for (const pid of pids) {
        found++;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    if (found === 0) return;
    await delay(50);
  }
}

/** Namespaces left behind by test processes that no longer exist. */
export async function staleLabNamespaces(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  const names = String(r.stdout ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(LAB_PREFIX));
  return names.filter((n) => {
    const pid = Number(n.slice(LAB_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}
