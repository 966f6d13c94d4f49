// Idle cost of one node (issue 12): CPU, wake-ups and memory of a two-node
// ucast pair that holds one service address and does nothing else, for
// heartbeat-ts and for real Heartbeat 3.0.6 (every process of its node:
// master control, FIFO reader, media readers/writers) measured at the same
// time in two labs side by side, so that load from elsewhere on the machine
// hits both alike. Then the RSS of a bare Node process, and hb_probe's
// start-up.
//
// CPU comes from /proc/PID/task/*/schedstat (time on CPU in ns, every thread;
// /proc/PID/stat's utime+stime where schedstat is missing) over windows of
// HBTS_COST_WINDOW_S seconds (default 10), HBTS_COST_WINDOWS of them
// (default 6); the median window is reported. Wake-ups are context switches
// (voluntary + involuntary, every thread, /proc/PID/task/*/status) per
// second: a count that load elsewhere barely changes.
//
// Measuring starts HBTS_COST_SETTLE_S (default 45) seconds after both pairs
// serve, past start-up and JIT warm-up, and past the 30 s after comm up in
// which heartbeat-ts sends each status twice whatever the link
// (REPEAT_STATUS_AFTER_COMM_UP_MS; later only while packets are lost).
//
// Needs root (namespaces). HBTS_COST_REAL=0 skips real Heartbeat;
// HBTS_COST_KEEPALIVES=200,1000 picks the keepalive intervals (ms).
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DIST_CLI, startOurNode, type OurNode } from '../test/helpers/hbts-node.js';
import { createLab, type Lab } from '../test/helpers/netns.js';
import { haTime, realAuthkeys, realHaCf, realHaresources } from '../test/helpers/real-heartbeat-config.js';
import { realHeartbeatInstalled, startRealHeartbeat, type RealHeartbeatNode } from '../test/helpers/real-heartbeat.js';
import { waitUntil } from '../test/helpers/wait.js';
import { median, out } from './print.js';

const CLK_TCK = 100; // getconf CLK_TCK on Linux
const HOSTS = [
  { name: 'alpha', ip: '10.77.0.1' },
  { name: 'bravo', ip: '10.77.0.2' },
] as const;
const VIP = '10.77.0.100';

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** utime + stime of a process (every thread), in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readOr(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/**
 * Time on CPU of a process (every thread), in ns: the scheduler's own sum,
 * exact. utime+stime are sampled at the timer tick and counted in 10 ms
 * units: a daemon that runs a few hundred µs per wake-up gets a whole tick or
 * nothing, and a 10 s window resolves only 0.1 %.
 */
function cpuNs(pid: number): number {
  let total = 0;
  let found = false;
  for (const tid of safeReaddir(`/proc/${pid}/task`)) {
    const first = readOr(`/proc/${pid}/task/${tid}/schedstat`).split(' ')[0];
    if (first === undefined || first === '') continue;
    total += Number(first);
    found = true;
  }
  return found ? total : (cpuTicks(pid) / CLK_TCK) * 1e9;
}

/** Context switches (voluntary + involuntary) of every thread of a process. */
function contextSwitches(pid: number): number {
  let total = 0;
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tasks) {
    const status = readOr(`/proc/${pid}/task/${tid}/status`);
    for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) total += Number(m[1]);
  }
  return total;
}

/** Every descendant of `pid` (and itself). */
function withDescendants(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length && i < 1000; i++) {
    const p = all[i]!;
    for (const tid of safeReaddir(`/proc/${p}/task`)) {
      const children = readOr(`/proc/${p}/task/${tid}/children`).trim();
      if (children) all.push(...children.split(/\s+/).map(Number));
    }
  }
  return all;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface Memory {
  readonly rssKb: number;
  readonly pssKb: number;
}

export function memoryOf(pids: readonly number[]): Memory {
  let rssKb = 0;
  let pssKb = 0;
  for (const pid of pids) {
    const rss = /^VmRSS:\s+(\d+)/m.exec(readOr(`/proc/${pid}/status`));
    const pss = /^Pss:\s+(\d+)/m.exec(readOr(`/proc/${pid}/smaps_rollup`));
    rssKb += Number(rss?.[1] ?? 0);
    pssKb += Number(pss?.[1] ?? 0);
  }
  return { rssKb, pssKb };
}

interface Subject {
  readonly label: string;
  /** Processes of one node (the one measured). */
  pids(): number[];
  dispose(): Promise<void>;
}

interface Sample {
  readonly cpuPercent: number;
  readonly wakeupsPerS: number;
}

function snapshot(pids: readonly number[]): { cpuNs: number; switches: number } {
  let ns = 0;
  let switches = 0;
  for (const pid of pids) {
    ns += cpuNs(pid);
    switches += contextSwitches(pid);
  }
  return { cpuNs: ns, switches };
}

async function sampleWindows(subjects: readonly Subject[], windows: number, windowS: number): Promise<Sample[][]> {
  const samples: Sample[][] = subjects.map(() => []);
  for (let w = 0; w < windows; w++) {
    const pidSets = subjects.map((s) => s.pids());
    const before = pidSets.map(snapshot);
    const t0 = process.hrtime.bigint();
    await delay(windowS * 1000);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const after = pidSets.map(snapshot);
    subjects.forEach((s, i) => {
      const cpu = ((after[i]!.cpuNs - before[i]!.cpuNs) / 1e9 / seconds) * 100;
      const wake = (after[i]!.switches - before[i]!.switches) / seconds;
      samples[i]!.push({ cpuPercent: cpu, wakeupsPerS: wake });
    });
    out(`    window ${w + 1}/${windows}: ${subjects.map((s, i) => `${s.label} ${samples[i]!.at(-1)!.cpuPercent.toFixed(2)} % ${samples[i]!.at(-1)!.wakeupsPerS.toFixed(0)}/s`).join(' | ')}`);
  }
  return samples;
}

async function startOurs(lab: Lab, keepaliveMs: number): Promise<Subject> {
  const nodes: OurNode[] = [];
  try {
    for (const h of HOSTS) {
      const peer = HOSTS.find((p) => p.name !== h.name)!;
      nodes.push(
        await startOurNode(lab.host(h.name), {
          nodeName: h.name,
          haCf: [
            `keepalive ${haTime(keepaliveMs)}`,
            `deadtime ${haTime(Math.max(1000, keepaliveMs * 5))}`,
            `warntime ${haTime(Math.max(500, keepaliveMs * 3))}`,
            `initdead ${haTime(Math.max(1000, keepaliveMs * 5))}`,
            `ucast eth0 ${peer.ip}`,
            'auto_failback on',
            ...HOSTS.map((n) => `node ${n.name}`),
          ],
          haresources: `alpha IPaddr::${VIP}/24/eth0\n`,
          authkeys: realAuthkeys('sha1'),
          startupFallbackDelay: '2',
        }),
      );
    }
  } catch (e) {
    for (const n of nodes) await n.crash();
    throw e;
  }
  const alpha = nodes[0]!;
  await waitUntil('heartbeat-ts pair active with the address on alpha', 60_000, async () => {
    const s = await alpha.status().catch(() => undefined);
    return s && JSON.stringify(s).includes(VIP) && (await hasVip(lab)) ? true : undefined;
  }, 250);
  return {
    label: 'heartbeat-ts',
    pids: () => (alpha.process.pid ? withDescendants(alpha.process.pid) : []),
    dispose: async () => {
      for (const n of nodes) await n.crash();
    },
  };
}

async function hasVip(lab: Lab): Promise<boolean> {
  const r = await lab.host('alpha').exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'], { reject: false });
  return r.stdout.includes(`${VIP}/`);
}

async function startReal(lab: Lab, keepaliveMs: number): Promise<Subject> {
  const nodes: RealHeartbeatNode[] = [];
  try {
    for (const h of HOSTS) {
      const peer = HOSTS.find((p) => p.name !== h.name)!;
      nodes.push(
        await startRealHeartbeat(lab.host(h.name), {
          haCf: realHaCf({
            nodes: HOSTS.map((n) => n.name),
            media: [`ucast eth0 ${peer.ip}`],
            keepaliveMs,
            deadtimeMs: Math.max(1000, keepaliveMs * 5),
            warntimeMs: Math.max(500, keepaliveMs * 3),
            initdeadMs: Math.max(1000, keepaliveMs * 5),
            autoFailback: 'on',
          }),
          haresources: realHaresources([{ home: 'alpha', resources: [`IPaddr::${VIP}/24/eth0`] }]),
          authkeys: realAuthkeys('sha1'),
        }),
      );
    }
  } catch (e) {
    for (const n of nodes) await n.dispose();
    throw e;
  }
  // Heartbeat waits its 10 s RQSTDELAY before taking the address at start-up.
  await waitUntil('real Heartbeat pair with the address on alpha', 60_000, async () => ((await hasVip(lab)) ? true : undefined), 250);
  const alpha = nodes[0]!;
  return {
    label: 'Heartbeat 3.0.6',
    pids: () => alpha.pids(),
    dispose: async () => {
      for (const n of nodes) await n.dispose();
    },
  };
}

export interface IdleFigures {
  readonly cpuPercent: number;
  readonly wakeupsPerS: number;
  readonly memory: Memory;
}

/** One keepalive: both pairs started, settled, then measured in the same windows. */
export async function idleAt(keepaliveMs: number, withReal: boolean, windows: number, windowS: number, settleS: number): Promise<Map<string, IdleFigures>> {
  const labs: Lab[] = [];
  const subjects: Subject[] = [];
  try {
    labs.push(await createLab({ hosts: [...HOSTS] }));
    subjects.push(await startOurs(labs[0]!, keepaliveMs));
    if (withReal) {
      labs.push(await createLab({ hosts: [...HOSTS] }));
      subjects.push(await startReal(labs[1]!, keepaliveMs));
    }
    // Past start-up work and V8's warm-up: the packet path runs in baseline
    // code for the first tens of seconds (a few events a second take that
    // long to get hot), and that is not what a node costs for months.
    await delay(settleS * 1000);
    const samples = await sampleWindows(subjects, windows, windowS);
    const figures = new Map<string, IdleFigures>();
    subjects.forEach((s, i) => {
      figures.set(s.label, {
        cpuPercent: median(samples[i]!.map((x) => x.cpuPercent)),
        wakeupsPerS: median(samples[i]!.map((x) => x.wakeupsPerS)),
        memory: memoryOf(s.pids()),
      });
    });
    return figures;
  } finally {
    for (const s of subjects) await s.dispose().catch(() => undefined);
    for (const l of labs) await l.destroy().catch(() => undefined);
  }
}

/** RSS of `node -e 'setInterval(()=>{},1000)'` after it has run a moment: Node's own floor. */
export async function bareNodeMemory(): Promise<Memory> {
  const child = execa('node', ['-e', 'setInterval(()=>{},1000)'], { reject: false });
  try {
    await delay(1500);
    return memoryOf(child.pid ? [child.pid] : []);
  } finally {
    child.kill('SIGKILL');
    await child;
  }
}

/** Wall-clock run of `node ARGS` (the whole process: load, parse, print, exit), median and min of `runs`. */
export async function startupMs(args: readonly string[], runs: number): Promise<{ median: number; min: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = await execa('node', args, { reject: false });
    if (r.exitCode !== 0) throw new Error(`node ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { median: median(times), min: Math.min(...times) };
}

/**
 * hb_probe as cron runs it (`hb_probe URL --timeout 10s --then shutdown`, here through `node` like the
 * other start-ups) against a real HTTP server on 127.0.0.1 in this process answering 200. One run:
 * from the spawn to the probe's GET reaching the server (its start-up) and to its exit.
 */
async function startProbeTarget(): Promise<{ run(): Promise<{ firstRequest: number; total: number }>; close(): Promise<void> }> {
  let arrived: bigint | undefined;
  const server = createServer((_req, res) => {
    arrived ??= process.hrtime.bigint();
    res.end('<h1>ok</h1>\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;
  return {
    async run() {
      arrived = undefined;
      const t0 = process.hrtime.bigint();
      const r = await execa('node', [join(DIST_CLI, 'hb_probe.js'), url, '--timeout', '10s', '--then', 'shutdown'], { reject: false });
      const t1 = process.hrtime.bigint();
      if (r.exitCode !== 0 || arrived === undefined) throw new Error(`hb_probe ${url} exited ${r.exitCode}: ${r.stderr}`);
      return { firstRequest: Number(arrived - t0) / 1e6, total: Number(t1 - t0) / 1e6 };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;

export async function run(): Promise<void> {
  const startupRuns = 20;
  // Interleaved in the same loop as a bare start-up, so that load from elsewhere shows in both.
  const probeTimes: number[] = [];
  const bareTimes: number[] = [];
  const realStarts: number[] = [];
  const realRuns: number[] = [];
  const target = await startProbeTarget();
  try {
    for (let i = 0; i < startupRuns; i++) {
      probeTimes.push((await startupMs([join(DIST_CLI, 'hb_probe.js'), '--help'], 1)).median);
      bareTimes.push((await startupMs(['-e', '0'], 1)).median);
      const real = await target.run();
      realStarts.push(real.firstRequest);
      realRuns.push(real.total);
    }
  } finally {
    await target.close();
  }
  const probe = { median: median(probeTimes), min: Math.min(...probeTimes) };
  const probeStart = { median: median(realStarts), min: Math.min(...realStarts) };
  const probeRun = { median: median(realRuns), min: Math.min(...realRuns) };
  // Paired with the bare start-up of the same round: what hb_probe adds to Node's own start-up, which load inflates less.
  const probeOverBare = median(realStarts.map((t, i) => t - bareTimes[i]!));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const bareStart = { median: median(bareTimes), min: Math.min(...bareTimes) };
  const bare = await bareNodeMemory();
  if (process.getuid?.() !== 0) {
    out('idle CPU/RSS: skipped (needs root for network namespaces; run `sudo npm run bench`)');
  }
  const rows: string[] = [];
  let ourMemory: Memory | undefined;
  let realMemory: Memory | undefined;
  if (process.getuid?.() === 0) {
    const withReal = process.env['HBTS_COST_REAL'] !== '0' && realHeartbeatInstalled();
    const windows = Math.max(1, Number.parseInt(process.env['HBTS_COST_WINDOWS'] ?? '6', 10) || 6);
    const windowS = Math.max(1, Number.parseInt(process.env['HBTS_COST_WINDOW_S'] ?? '10', 10) || 10);
    const settleS = Math.max(0, Number.parseInt(process.env['HBTS_COST_SETTLE_S'] ?? '45', 10) || 0);
    const keepalives = (process.env['HBTS_COST_KEEPALIVES'] ?? '200,1000').split(',').map(Number).filter((n) => n > 0);
    out(`idle two-node ucast pair, one IPaddr group; ${windows} windows of ${windowS} s; one node measured after ${settleS} s${withReal ? '; heartbeat-ts and Heartbeat 3.0.6 side by side' : ''}`);
    for (const ka of keepalives) {
      out(`  keepalive ${ka} ms:`);
      const f = await idleAt(ka, withReal, windows, windowS, settleS);
      const ours = f.get('heartbeat-ts')!;
      const real = f.get('Heartbeat 3.0.6');
      ourMemory ??= ours.memory;
      realMemory ??= real?.memory;
      rows.push(
        `| idle CPU per node, keepalive ${ka} ms | ${ours.cpuPercent.toFixed(2)} % | ${real ? `${real.cpuPercent.toFixed(2)} %` : '—'} | ≤ Heartbeat's ${real && ours.cpuPercent <= real.cpuPercent ? 'met' : real ? 'NOT met' : '?'} |`,
        `| wake-ups per node, keepalive ${ka} ms | ${ours.wakeupsPerS.toFixed(0)}/s | ${real ? `${real.wakeupsPerS.toFixed(0)}/s` : '—'} | |`,
      );
    }
  }
  out('');
  out('| | heartbeat-ts | Heartbeat 3.0.6 | goal |');
  out('| --- | --- | --- | --- |');
  for (const r of rows) out(r);
  if (ourMemory) {
    out(
      `| idle RSS / PSS per node | ${mb(ourMemory.rssKb)} / ${mb(ourMemory.pssKb)} | ${realMemory ? `${mb(realMemory.rssKb)} / ${mb(realMemory.pssKb)}` : '—'} | RSS ≤ 45 MB ${ourMemory.rssKb <= 45 * 1024 ? 'met' : 'NOT met'} |`,
    );
  }
  out(`| bare \`node -e 'setInterval(()=>{},1000)'\` RSS / PSS | ${mb(bare.rssKb)} / ${mb(bare.pssKb)} | | Node's floor |`);
  out(`| bare \`node -e 0\` start-up (median of ${startupRuns}, min) | ${bareStart.median.toFixed(0)} ms (${bareStart.min.toFixed(0)}) | | Node's floor |`);
  out(`| hb_probe --help start-up (median of ${startupRuns}, min) | ${probe.median.toFixed(0)} ms (${probe.min.toFixed(0)}) | | ≤ 100 ms ${probe.median <= 100 ? 'met' : 'NOT met'} |`);
  out(`| hb_probe real run, start-up: spawn to its GET on 127.0.0.1 (median of ${startupRuns}, min) | ${probeStart.median.toFixed(0)} ms (${probeStart.min.toFixed(0)}); bare node + ${probeOverBare.toFixed(0)} ms | | ≤ 100 ms ${probeStart.median <= 100 ? 'met' : 'NOT met'} |`);
  out(`| hb_probe real run, spawn to exit (median of ${startupRuns}, min) | ${probeRun.median.toFixed(0)} ms (${probeRun.min.toFixed(0)}) | | bare node + the GET |`);
  out(`(start-ups measured interleaved with bare \`node -e 0\`; load average ${load})`);
}
