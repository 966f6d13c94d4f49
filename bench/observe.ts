// Issue 14: does scraping the HTTP listener disturb heartbeats, and what
// does the listener cost at idle?
//
// Two heartbeat-ts nodes (keepalive 200 ms, deadtime 1 s, the failover lab).
// A listener in the client's namespace records when each of alpha's
// heartbeats (bcast status datagrams) arrives; the intervals between them
// are compared across three phases of PHASE_S seconds each:
//   off       no [http] section (prom-client never loaded)
//   idle      [http] listen set, nobody scraping
//   scraped   /metrics and /status.json fetched every second from the client
// For each phase: heartbeat interval p50 / p99 / max and how many exceeded
// warntime (500 ms); alpha's CPU time and RSS; and the scrape latency.
//
// Needs root (namespaces). HBTS_OBSERVE_PHASE_S sets the phase length (default 30).
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { ResultPromise } from 'execa';
import { FAILOVER_LAB_HOSTS, startOurFailoverPair, type OurFailoverPair } from '../test/helpers/failover-pair.js';
import { createLab, type Lab } from '../test/helpers/netns.js';
import { OBSERVE_PORT } from '../test/helpers/observe-http.js';
import { out } from './print.js';

const KEEPALIVE_MS = 200;
const WARNTIME_MS = 500;
const ALPHA_IP = FAILOVER_LAB_HOSTS[0].ip;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Heartbeat arrivals from alpha, timed in the client's namespace (ms, monotonic). */
const CAPTURE = `
const dgram = require('node:dgram');
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => {
  // classic (>>> t=status) or netstring (### 11:(0)t=status,) wire format
  if (r.address === process.argv[1] && /(?:\\n|\\))t=status[\\n,]/.test(m.toString('latin1'))) process.stdout.write(performance.now().toFixed(2) + '\\n');
});
s.bind(694, '0.0.0.0');
`;

/** One HTTP GET per second of /metrics then /status.json; prints each latency in ms. */
const SCRAPER = `
const base = process.argv[1];
setInterval(async () => {
  for (const path of ['/metrics', '/status.json']) {
    const t = performance.now();
    try { const r = await fetch(base + path); await r.text(); process.stdout.write(path + ' ' + (performance.now() - t).toFixed(2) + '\\n'); }
    catch (e) { process.stdout.write(path + ' error ' + e.message + '\\n'); }
  }
}, 1000);
`;

function collect(child: ResultPromise): string[] {
  const lines: string[] = [];
  let rest = '';
  child.stdout?.on('data', (b: Buffer) => {
    const parts = (rest + b.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  return lines;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime, stime: fields 14 and 15 of stat (1-based), in clock ticks (100 Hz).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

interface PhaseResult {
  readonly name: string;
  readonly intervals: number[];
  readonly cpuMs: number;
  readonly seconds: number;
  readonly rss: number;
  readonly scrapes: number[];
  readonly scrapeErrors: number;
}

async function phase(lab: Lab, pair: OurFailoverPair, name: string, seconds: number, scrape: boolean): Promise<PhaseResult> {
  const client = lab.host('client');
  const capture = client.spawn(process.execPath, ['-e', CAPTURE, ALPHA_IP], { reject: false });
  const arrivals = collect(capture);
  const scraper = scrape ? client.spawn(process.execPath, ['-e', SCRAPER, `http://${ALPHA_IP}:${OBSERVE_PORT}`], { reject: false }) : undefined;
  const scrapeLines = scraper ? collect(scraper) : [];
  try {
    await delay(2000); // both children up, first scrapes done
    const pid = pair.node('alpha').process.pid!;
    const cpu0 = cpuMs(pid);
    const from = arrivals.length;
    const scrapesFrom = scrapeLines.length;
    const t0 = Date.now();
    await delay(seconds * 1000);
    const elapsed = (Date.now() - t0) / 1000;
    const times = arrivals.slice(from).map(Number);
    const intervals = times.slice(1).map((t, i) => t - times[i]!);
    const scrapeWindow = scrapeLines.slice(scrapesFrom);
    return {
      name,
      intervals,
      cpuMs: cpuMs(pid) - cpu0,
      seconds: elapsed,
      rss: rssMiB(pid),
      scrapes: scrapeWindow.filter((l) => !l.includes(' error ')).map((l) => Number(l.split(' ')[1])),
      scrapeErrors: scrapeWindow.filter((l) => l.includes(' error ')).length,
    };
  } finally {
    scraper?.kill('SIGTERM');
    capture.kill('SIGTERM');
    await Promise.allSettled([capture, ...(scraper ? [scraper] : [])]);
  }
}

async function withPair(http: boolean, body: (lab: Lab, pair: OurFailoverPair) => Promise<void>): Promise<void> {
  const lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
  let pair: OurFailoverPair | undefined;
  try {
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: 1000,
      startupFallbackDelay: '2',
      watch: false,
      ...(http ? { extraIni: (n: string) => `[http]\nlisten = ${FAILOVER_LAB_HOSTS.find((h) => h.name === n)!.ip}:${OBSERVE_PORT}\n` } : {}),
    });
    await pair.steady();
    await body(lab, pair);
  } finally {
    await pair?.dispose();
    await lab.destroy();
  }
}

function report(r: PhaseResult): void {
  const s = [...r.intervals].sort((a, b) => a - b);
  const late = r.intervals.filter((i) => i > WARNTIME_MS).length;
  const sc = [...r.scrapes].sort((a, b) => a - b);
  out(
    `${r.name.padEnd(8)} heartbeats ${String(r.intervals.length + 1).padStart(4)}  interval p50 ${quantile(s, 0.5).toFixed(1)} ms  p99 ${quantile(s, 0.99).toFixed(1)} ms  ` +
      `max ${Math.max(...s).toFixed(1)} ms  >warntime ${late}  | alpha CPU ${((r.cpuMs / 1000 / r.seconds) * 100).toFixed(2)} %  RSS ${r.rss.toFixed(1)} MiB` +
      (sc.length ? `  | scrape p50 ${quantile(sc, 0.5).toFixed(1)} ms  max ${Math.max(...sc).toFixed(1)} ms (${sc.length} ok, ${r.scrapeErrors} failed)` : ''),
  );
}

/** What loading the HTTP part (prom-client, the server, the page) costs a fresh process: time and RSS. */
async function loadCost(): Promise<void> {
  const { execa } = await import('execa');
  const script = `
const rss0 = process.memoryUsage().rss; const t0 = performance.now();
const m = await import(process.argv[1]);
new m.DaemonMetrics({ status: () => { throw new Error('not scraped'); }, heartbeatCounters: () => { throw new Error('not scraped'); } }, { version: 'x', protocol: '3.0.6' });
const ms = performance.now() - t0; globalThis.gc?.(); console.log(ms.toFixed(1), ((process.memoryUsage().rss - rss0) / 1048576).toFixed(1));`;
  const samples: Array<[number, number]> = [];
  for (let i = 0; i < 5; i++) {
    const r = await execa(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, new URL('../dist/observe/http.js', import.meta.url).href]);
    const [ms, mib] = r.stdout.trim().split(' ').map(Number);
    samples.push([ms!, mib!]);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  out(`loading the HTTP part (prom-client + server + page) on first use: ${med(samples.map((x) => x[0])).toFixed(1)} ms, +${med(samples.map((x) => x[1])).toFixed(1)} MiB RSS (median of 5 fresh processes); nodes without [http] never load it`);
}

export async function run(): Promise<void> {
  await loadCost();
  const seconds = Number(process.env.HBTS_OBSERVE_PHASE_S ?? 30);
  out(`alpha's heartbeats as the client receives them (keepalive ${KEEPALIVE_MS} ms, warntime ${WARNTIME_MS} ms), ${seconds} s per phase`);
  await withPair(false, async (lab, pair) => report(await phase(lab, pair, 'off', seconds, false)));
  await withPair(true, async (lab, pair) => {
    report(await phase(lab, pair, 'idle', seconds, false));
    report(await phase(lab, pair, 'scraped', seconds, true));
  });
}
