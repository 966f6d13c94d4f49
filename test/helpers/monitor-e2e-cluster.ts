// The lab of issue 6's end-to-end tests: two heartbeat-ts daemons (alpha,
// bravo) from dist/, each with its own nginx, one group `IPaddr::<vip>/24/eth0
// nginx` whose home is alpha, and a client namespace that asks
// http://<vip>/ every 20 ms (the page names the node that answered).
//
// Also the tools those tests use to break the application behind the
// daemon's back (SIGKILL of nginx's processes by pid, a restart through the
// same LSB script the daemon uses), to see when a log line appeared (log
// timestamps have one-second resolution, too coarse for the figures), and to
// turn the client's answers into a timeline of who served.
import { execa } from 'execa';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { GroupView } from '../../src/control/status.js';
import { createLab, type Lab, type LabHost } from './netns.js';
import { labHaCf, removeNodeDir, startOurNode, type OurNode, type OurNodeOptions } from './hbts-node.js';
import { startProber, type ProbeResult, type Prober } from './real-heartbeat-outage.js';

export const AUTHKEYS = 'auth 1\n1 sha1 monitor-e2e-secret\n';

export interface ProbeSpec {
  readonly action: 'standby' | 'shutdown';
  /** Heartbeat-style time (default 500ms). */
  readonly interval?: string;
  /** Default 400ms (probes.ini wants timeout < interval). */
  readonly timeout?: string;
  readonly fall?: number;
  readonly rise?: number;
  /** Default http://127.0.0.1/ (the node's own nginx, whoever holds the VIP). */
  readonly url?: string;
  /** A command probe instead of the URL (`command = …`, exit status 0 = healthy). */
  readonly command?: string;
}

/** probes.ini guarding `group` with one probe named `nginx`. */
export function probesIniFor(group: string, p: ProbeSpec): string {
  return [
    '[nginx]',
    ...(p.command !== undefined ? [`command = ${p.command}`] : [`url = ${p.url ?? 'http://127.0.0.1/'}`, 'expect_status = 200']),
    `interval = ${p.interval ?? '500ms'}`,
    `timeout = ${p.timeout ?? '400ms'}`,
    `fall = ${p.fall ?? 2}`,
    `rise = ${p.rise ?? 2}`,
    `group = ${group}`,
    `action = ${p.action}`,
    '',
  ].join('\n');
}

export interface ProbeClusterOptions {
  /** First three octets of the lab subnet, e.g. '10.66.0'. */
  readonly subnet: string;
  /** The probe on both nodes; undefined = no probes.ini (the cron-loop test). */
  readonly probe?: ProbeSpec;
  readonly autoFailback?: 'on' | 'off';
}

export interface ProbeCluster {
  readonly lab: Lab;
  readonly alpha: OurNode;
  readonly bravo: OurNode;
  readonly client: LabHost;
  readonly vip: string;
  readonly groupKey: string;
  readonly prober: Prober;
  /** Stops the prober, destroys the lab (every process in it) and removes the nodes' directories. Idempotent. */
  destroy(): Promise<void>;
}

/** Polls `check` every `everyMs` until it returns a value, at most `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 1_000_000; i++) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) break;
    await delay(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function groupOf(status: { resources: { groups: readonly GroupView[] } }, key: string): GroupView {
  const g = status.resources.groups.find((x) => x.key === key);
  if (!g) throw new Error(`no group ${key} in status (groups: ${status.resources.groups.map((x) => x.key).join(', ')})`);
  return g;
}

/**
 * Builds the lab and starts both daemons; resolves once alpha runs the group,
 * bravo agrees, and the client gets alpha's page through the VIP. On any
 * failure everything built so far is removed before the error propagates.
 */
export async function startProbeCluster(opts: ProbeClusterOptions): Promise<ProbeCluster> {
  const vip = `${opts.subnet}.100`;
  const groupKey = `IPaddr::${vip}/24/eth0`;
  const lab = await createLab({
    hosts: [
      { name: 'alpha', ip: `${opts.subnet}.1` },
      { name: 'bravo', ip: `${opts.subnet}.2` },
      { name: 'client', ip: `${opts.subnet}.3` },
    ],
  });
  const nodes: OurNode[] = [];
  let prober: Prober | undefined;
  let destroyed = false;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    try {
      await prober?.stop();
    } finally {
      await lab.destroy();
      for (const n of nodes) removeNodeDir(n);
    }
  };
  try {
    const base = (name: string): OurNodeOptions => ({
      nodeName: name,
      haCf: labHaCf({ nodes: ['alpha', 'bravo'], keepalive: '200ms', deadtime: '1', warntime: '500ms', initdead: '2', autoFailback: opts.autoFailback ?? 'on' }),
      haresources: `alpha ${groupKey} nginx`,
      authkeys: AUTHKEYS,
      nginx: true,
      // These tests are about probes, not start-up negotiation: settle in ~3 s instead of ~12 s.
      startupFallbackDelay: '2',
      ...(opts.probe ? { probesIni: probesIniFor(groupKey, opts.probe) } : {}),
    });
    // Started together, the two negotiate (spec §9.3) and alpha acquires its group after the
    // start-up fallback delay.
    const started = await Promise.allSettled([startOurNode(lab.host('alpha'), base('alpha')), startOurNode(lab.host('bravo'), base('bravo'))]);
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [alpha, bravo] = nodes as [OurNode, OurNode];
    const client = lab.host('client');
    await until(
      'alpha to run the group and bravo to agree',
      async () => {
        const [a, b] = await Promise.all([alpha.status(), bravo.status()]);
        const ga = groupOf(a, groupKey);
        const gb = groupOf(b, groupKey);
        return ga.holder === 'alpha' && ga.state === 'running' && gb.holder === 'alpha' && a.resources.stable && b.resources.stable ? true : undefined;
      },
      30_000,
      100,
    );
    prober = await startProber(client, `http://${vip}/`);
    await prober.waitForServedBy('alpha', 10_000);
    return { lab, alpha, bravo, client, vip, groupKey, prober, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

// ───────────────────────────── nginx behind the daemon's back ─────────────────────────────

function procComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * The live nginx processes (master and workers) in `host`'s namespace. Every
 * process there is ours: the test created the namespace.
 */
export async function nginxPidsIn(host: LabHost): Promise<number[]> {
  const r = await execa('ip', ['netns', 'pids', host.ns], { reject: false });
  return String(r.stdout ?? '')
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .filter((pid) => procComm(pid)?.startsWith('nginx') === true && !isZombie(pid));
}

/**
 * SIGKILL every nginx process (master and workers, by pid) in `host`'s
 * namespace, as a crash would: no LSB script, so the daemon is not told.
 * Resolves with the epoch ms of the kill once none is left (bounded).
 */
export async function killNginx(host: LabHost): Promise<{ killedAt: number; pids: number[] }> {
  const pids = await nginxPidsIn(host);
  if (pids.length === 0) throw new Error(`no nginx is running on ${host.name}`);
  const signal = (list: readonly number[], sig: NodeJS.Signals): void => {
    for (const pid of list) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  const killedAt = Date.now();
  // Stopped first: a master that outlived its worker by a moment would fork a
  // new one, which the kill below would not know of.
  signal(pids, 'SIGSTOP');
  signal(pids, 'SIGKILL');
  await until(
    `nginx on ${host.name} to be gone`,
    async () => {
      const left = await nginxPidsIn(host);
      signal(left, 'SIGKILL');
      return left.length === 0 ? true : undefined;
    },
    5_000,
    10,
  );
  return { killedAt, pids };
}

/** Starts the node's nginx with the LSB script the daemon uses (idempotent: a running nginx is left alone). */
export async function startNginx(node: OurNode): Promise<void> {
  const r = await node.host.exec(join(node.configDir, 'resource.d', 'nginx'), ['start'], {
    reject: false,
    timeout: 15_000,
    env: { NGINX_CONF: node.nginxConf, NGINX_PIDFILE: join(node.rootDir, 'nginx', 'nginx.pid') },
  });
  if (r.exitCode !== 0) throw new Error(`nginx start on ${node.nodeName} failed (${r.exitCode}): ${r.stdout} ${r.stderr}`);
}

// ───────────────────────────── when log lines appeared ─────────────────────────────

export interface TimedLine {
  /** Epoch ms at which the line was seen in the file (polled every `everyMs`). */
  readonly at: number;
  readonly text: string;
}

export interface LogWatch {
  lines(): TimedLine[];
  /** The first line matching `re` seen at or after `since` (epoch ms). */
  first(re: RegExp, since?: number): TimedLine | undefined;
  /** Waits (bounded) for a line matching `re` seen at or after `since`. */
  waitFor(re: RegExp, timeoutMs: number, since?: number): Promise<TimedLine>;
  stop(): void;
}

/** Follows a log file from its current end, stamping each new line with the time it was seen. */
export function watchLog(path: string, everyMs = 20): LogWatch {
  let offset = existsSync(path) ? statSync(path).size : 0;
  let pending = '';
  const seen: TimedLine[] = [];
  const poll = (): void => {
    if (!existsSync(path)) return;
    const size = statSync(path).size;
    if (size <= offset) return;
    const chunk = readFileSync(path).subarray(offset, size).toString('utf8');
    offset = size;
    const at = Date.now();
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const text of parts) seen.push({ at, text });
  };
  const timer = setInterval(poll, everyMs);
  const first = (re: RegExp, since = 0): TimedLine | undefined => {
    poll();
    return seen.find((l) => l.at >= since && re.test(l.text));
  };
  return {
    lines: () => {
      poll();
      return seen.slice();
    },
    first,
    waitFor: (re, timeoutMs, since = 0) => until(`a log line matching ${re} in ${path}`, () => first(re, since), timeoutMs),
    stop: () => clearInterval(timer),
  };
}

// ───────────────────────────── who served, from the client's view ─────────────────────────────

export interface ServingSpan {
  /** The node whose page the client got, or 'none' while nothing answered. */
  readonly who: string;
  /** Start times (epoch ms) of the first and last probe of the span. */
  readonly from: number;
  readonly to: number;
  readonly probes: number;
}

/**
 * The client's answers since `sinceMs`, as spans of the same answer (a node's
 * name, or 'none' for failures), in the order the probes were sent.
 */
export function servingSpans(results: readonly ProbeResult[], sinceMs = 0): ServingSpan[] {
  const sorted = results.filter((r) => r.startMs >= sinceMs).sort((a, b) => a.startMs - b.startMs);
  const spans: ServingSpan[] = [];
  for (const r of sorted) {
    const who = r.ok ? (r.body ?? '?') : 'none';
    const last = spans[spans.length - 1];
    if (last && last.who === who) spans[spans.length - 1] = { ...last, to: r.startMs, probes: last.probes + 1 };
    else spans.push({ who, from: r.startMs, to: r.startMs, probes: 1 });
  }
  return spans;
}

export interface Move {
  readonly from: string;
  readonly to: string;
  /** When the client first got the new node's page (epoch ms, probe start). */
  readonly at: number;
}

/** Changes of the serving node (outages in between do not count as a node). */
export function movesOf(spans: readonly ServingSpan[]): Move[] {
  const moves: Move[] = [];
  let current: string | undefined;
  for (const s of spans) {
    if (s.who === 'none') continue;
    if (current !== undefined && s.who !== current) moves.push({ from: current, to: s.who, at: s.from });
    current = s.who;
  }
  return moves;
}

/** `+12.345 s` relative to `t0`. */
export function rel(at: number, t0: number): string {
  const d = (at - t0) / 1000;
  return `${d >= 0 ? '+' : ''}${d.toFixed(3)} s`;
}

export interface Toggle {
  readonly at: number;
  readonly nginx: 'down' | 'up';
  readonly note: string;
}

/**
 * Flaps `node`'s nginx behind the daemon's back: toggle k at start + k × everyMs,
 * kill (SIGKILL by pid) on even k, start (LSB script) on odd k, for `forMs`
 * (forMs / everyMs + 1 toggles, so with an even count of periods the last one is a start).
 */
export async function flapNginx(node: OurNode, everyMs: number, forMs: number): Promise<Toggle[]> {
  const toggles: Toggle[] = [];
  const t0 = Date.now();
  const count = Math.floor(forMs / everyMs) + 1;
  for (let k = 0; k < count; k++) {
    const due = t0 + k * everyMs;
    await until(`flap #${k}`, () => (Date.now() >= due ? true : undefined), everyMs + 1_000, 5);
    if (k % 2 === 0) {
      const pids = await nginxPidsIn(node.host);
      if (pids.length === 0) toggles.push({ at: Date.now(), nginx: 'down', note: 'was not running' });
      else toggles.push({ at: (await killNginx(node.host)).killedAt, nginx: 'down', note: `killed ${pids.length} process(es)` });
    } else {
      const at = Date.now();
      await startNginx(node);
      toggles.push({ at, nginx: 'up', note: 'started' });
    }
  }
  return toggles;
}

/** The flapper's last toggle at or before `at` says whether nginx was up (up before the first toggle). */
export function nginxStateAt(toggles: readonly Toggle[], at: number): Toggle | undefined {
  return toggles.filter((t) => t.at <= at).at(-1);
}

/** Roughly how long nothing answered the client: the failed spans, one client interval each probe. */
export function unansweredMs(spans: readonly ServingSpan[], clientIntervalMs = 20): number {
  return spans.filter((s) => s.who === 'none').reduce((ms, s) => ms + (s.to - s.from + clientIntervalMs), 0);
}
