// Issue 12's cold start: two nodes started together (same instant, both
// daemons spawned at once) with the example's timers (etc/ha.d/ha.cf:
// keepalive 1, warntime 5, deadtime 10, initdead 30, bcast eth0,
// auto_failback on), one IPaddr group homed on alpha, and a client that pings
// the service address every 50 ms. Used by the e2e test (a correctness bound)
// and by `npm run bench coldstart` (the figure, beside real Heartbeat 3.0.6).
import { createLab, type Lab, type LabHost } from './netns.js';
import { removeNodeDir, startOurNode, type OurNode } from './hbts-node.js';
import { realAuthkeys, realHaCf, realHaresources } from './real-heartbeat-config.js';
import { startRealHeartbeat, type RealHeartbeatNode } from './real-heartbeat.js';

export const COLD_HOSTS = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
  { name: 'client', ip: '10.77.0.9' },
] as const;
export const COLD_VIP = '10.77.0.100';
/** The second group's address (homed on bravo) when a pair is built with `bravoGroup`. */
export const COLD_BRAVO_VIP = '10.77.0.200';
/** The example's timers (etc/ha.d/ha.cf), in ms. */
export const EXAMPLE_TIMERS = { keepaliveMs: 1000, warntimeMs: 5000, deadtimeMs: 10_000, initdeadMs: 30_000 } as const;

/** Both nodes heartbeat-ts, both real Heartbeat 3.0.6, or a mixed pair (alpha's kind first). */
export type ColdKind = 'ours' | 'real' | 'ours+real' | 'real+ours';

function kindOf(kind: ColdKind, node: 'alpha' | 'bravo'): 'ours' | 'real' {
  if (kind === 'ours' || kind === 'real') return kind;
  const [a, b] = kind.split('+') as ['ours' | 'real', 'ours' | 'real'];
  return node === 'alpha' ? a : b;
}

export interface ColdPair {
  readonly kind: ColdKind;
  readonly lab: Lab;
  /** Epoch ms just before both daemons were spawned. */
  readonly startedAt: number;
  /** Epoch ms when both start helpers returned (ours: cl_status answers; real: its pid file exists). */
  readonly readyAt: number;
  readonly nodes: readonly (OurNode | RealHeartbeatNode)[];
  readonly pinger: Pinger;
  dispose(): Promise<void>;
}

export interface Pinger {
  /** Epoch ms of the first echo reply from the VIP (ping -D's stamp), once one came. */
  firstReplyAt(): number | undefined;
  stop(): void;
}

/** `ping -D -i 0.05 VIP` in the client, one long-running process; replies are stamped by ping itself. */
export function startPinger(client: LabHost, vip: string): Pinger {
  let first: number | undefined;
  let pending = '';
  const child = client.spawn('ping', ['-n', '-D', '-i', '0.05', '-W', '1', vip], { buffer: false });
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\[(\d+\.\d+)\] \d+ bytes from /.exec(line);
      if (m && first === undefined) first = Math.round(Number(m[1]) * 1000);
    }
  });
  return {
    firstReplyAt: () => first,
    stop: () => {
      child.kill('SIGKILL');
    },
  };
}

/** Which lab hosts have `vip` on eth0 right now. */
export async function vipHolders(lab: Lab, vip = COLD_VIP): Promise<string[]> {
  const holders: string[] = [];
  for (const name of ['alpha', 'bravo']) {
    const r = await lab.host(name).exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'], { reject: false });
    if (r.stdout.includes(` ${vip}/`)) holders.push(name);
  }
  return holders;
}

/** The example's ha.cf (bcast, its timers, auto_failback on) for the lab's two nodes. */
function exampleHaCf(): string[] {
  return realHaCf({
    nodes: ['alpha', 'bravo'],
    media: ['bcast eth0'],
    keepaliveMs: EXAMPLE_TIMERS.keepaliveMs,
    warntimeMs: EXAMPLE_TIMERS.warntimeMs,
    deadtimeMs: EXAMPLE_TIMERS.deadtimeMs,
    initdeadMs: EXAMPLE_TIMERS.initdeadMs,
    autoFailback: 'on',
  });
}

function haresources(bravoGroup: boolean): string {
  return realHaresources([
    { home: 'alpha', resources: [`IPaddr::${COLD_VIP}/24/eth0`] },
    ...(bravoGroup ? [{ home: 'bravo', resources: [`IPaddr::${COLD_BRAVO_VIP}/24/eth0`] }] : []),
  ]);
}

/**
 * A new lab, the client's pinger running, then both daemons spawned at the
 * same instant. Ours: the default heartbeat-ts.ini (the 10 s start-up
 * fallback as Heartbeat's RQSTDELAY). On failure everything built is removed.
 */
export async function coldStartPair(kind: ColdKind, opts: { readonly bravoGroup?: boolean } = {}): Promise<ColdPair> {
  const HARESOURCES = haresources(opts.bravoGroup ?? false);
  const lab = await createLab({ hosts: [...COLD_HOSTS] });
  const client = lab.host('client');
  // ARP retries every 100 ms instead of 1 s, so the client sees the address
  // as soon as it is up (the same for both implementations).
  await client.exec('sysctl', ['-q', '-w', 'net.ipv4.neigh.eth0.retrans_time_ms=100'], { reject: false });
  const pinger = startPinger(client, COLD_VIP);
  const nodes: (OurNode | RealHeartbeatNode)[] = [];
  const dispose = async (): Promise<void> => {
    pinger.stop();
    for (const n of nodes) {
      if ('dispose' in n) await n.dispose().catch(() => undefined);
      else {
        await n.crash().catch(() => undefined);
        removeNodeDir(n);
      }
    }
    await lab.destroy().catch(() => undefined);
  };
  try {
    const startedAt = Date.now();
    const started = await Promise.allSettled(
      (['alpha', 'bravo'] as const).map((name) =>
        kindOf(kind, name) === 'ours'
          ? startOurNode(lab.host(name), { nodeName: name, haCf: exampleHaCf(), haresources: HARESOURCES, authkeys: realAuthkeys('sha1') })
          : startRealHeartbeat(lab.host(name), { haCf: exampleHaCf(), haresources: HARESOURCES, authkeys: realAuthkeys('sha1') }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return { kind, lab, startedAt, readyAt: Date.now(), nodes, pinger, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
