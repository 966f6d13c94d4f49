// Resource operations, measured for real in a namespace lab (root): the
// built-in IPaddr, the shipped nginx LSB script, the group
// `IPaddr::<vip>/24/eth0 nginx`, and the time from "group start called" to
// "the VIP answers HTTP from a client namespace" — the part of a failover
// outage that the resources layer owns.
//
// The agents run in a worker process inside the node namespace without an
// exec prefix (test/helpers/resources-bench-worker.ts), as the daemon runs
// them; the client is a prober in another namespace asking for the page
// every 5 ms on fresh connections (test/helpers/resources-http-prober.ts).
// Before each timed start the client's ARP entry for the VIP is set to a
// foreign MAC (the "old owner", as after a node death) or removed, so the
// figure includes the client learning where the VIP went.
//
// HBTS_BENCH_RUNS sets the runs per figure (default 15). HBTS_BENCH_COMPARE_TREE
// names another checkout to measure alongside, run by run (before/after
// figures on a shared, noisy machine), e.g.
//   mkdir /tmp/old && git archive <commit> | tar -x -C /tmp/old &&
//   ln -s "$PWD/node_modules" /tmp/old/node_modules &&
//   HBTS_BENCH_COMPARE_TREE=/tmp/old npm run bench -- resources
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { createLab, type Lab } from '../test/helpers/netns.js';
import type { BenchWorkerSetup } from '../test/helpers/resources-bench-worker.js';
import { writeNginxInstance } from '../test/helpers/resources-nginx.js';

const NODE_IP = '198.51.100.1';
const CLIENT_IP = '198.51.100.2';
const VIP = '198.51.100.10';
const VIP_TOKEN = `IPaddr::${VIP}/24/eth0`;
/** A MAC nobody in the lab has: the client's ARP entry as left by a dead owner. */
const OLD_OWNER_MAC = '02:00:5e:00:53:01';
const REPLY_TIMEOUT_MS = 60_000;
const HTTP_UP_TIMEOUT_MS = 10_000;
const DOWN_TIMEOUT_MS = 10_000;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const workerScript = join(repoRoot, 'test/helpers/resources-bench-worker.ts');
const proberScript = join(repoRoot, 'test/helpers/resources-http-prober.ts');

interface Reply {
  readonly outcome?: string;
  readonly ms?: number;
  readonly t0?: number;
  readonly reason?: string;
}

/** Lines of a child's stdout, awaited one at a time with a deadline. */
class LineReader {
  private readonly queued: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private ended = false;

  constructor(lines: Interface) {
    lines.on('line', (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(line);
      } else this.queued.push(line);
    });
    lines.once('close', () => {
      this.ended = true;
      this.waiter?.(undefined);
    });
  }

  next(timeoutMs: number, what: string): Promise<string> {
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(new Error(`${what}: the process ended`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (l) => {
        clearTimeout(timer);
        if (l === undefined) reject(new Error(`${what}: the process ended`));
        else resolve(l);
      };
    });
  }
}

class Worker {
  private readonly reader: LineReader;
  stderr = '';

  constructor(private readonly child: ResultPromise) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.reader = new LineReader(createInterface({ input: child.stdout! }));
  }

  async ask(command: Record<string, unknown>): Promise<Reply> {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    const line = await this.reader.next(REPLY_TIMEOUT_MS, `worker ${JSON.stringify(command)}`).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${this.stderr}`);
    });
    return JSON.parse(line) as Reply;
  }

  /** Run COMMAND and require OUTCOME; returns the reply. */
  async expect(command: Record<string, unknown>, outcome: string): Promise<Reply> {
    const r = await this.ask(command);
    if (r.outcome !== outcome) {
      throw new Error(`${JSON.stringify(command)} ended ${r.outcome ?? '?'}, expected ${outcome}${r.reason ? `: ${r.reason}` : ''}`);
    }
    return r;
  }
}

/** The HTTP prober's view of the VIP: state changes with their epoch times. */
class Prober {
  state: 'unknown' | 'up' | 'down' = 'unknown';
  private readonly events: Array<{ ev: 'up' | 'down'; t: number }> = [];

  constructor(child: ResultPromise) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as { ev: 'up' | 'down'; t: number };
      this.state = e.ev;
      this.events.push(e);
    });
  }

  /** Epoch time of the first `up` after T0. */
  async upAfter(t0: number): Promise<number> {
    const deadline = Date.now() + HTTP_UP_TIMEOUT_MS;
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      const up = this.events.find((e) => e.ev === 'up' && e.t >= t0);
      if (up) return up.t;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`the VIP did not answer HTTP within ${HTTP_UP_TIMEOUT_MS} ms of the group start`);
  }

  async whenDown(): Promise<void> {
    const deadline = Date.now() + DOWN_TIMEOUT_MS;
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      if (this.state === 'down') return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`the prober still saw the VIP answering ${DOWN_TIMEOUT_MS} ms after the group stop`);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

interface Stats {
  readonly runs: number;
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

function stats(samples: readonly number[]): Stats | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  return { runs: s.length, median: percentile(s, 50), p90: percentile(s, 90), min: s[0]!, max: s[s.length - 1]! };
}

const cell = (n: number): string => n.toFixed(1).padStart(8);

function printTable(names: readonly string[], rows: ReadonlyMap<string, number[]>): void {
  const width = Math.max(...names.map((n) => n.length), 10);
  process.stdout.write(`${'operation'.padEnd(width)}     runs  median     p90     min     max  (ms)\n`);
  for (const name of names) {
    const st = stats(rows.get(name) ?? []);
    if (!st) continue;
    process.stdout.write(`${name.padEnd(width)}  ${String(st.runs).padStart(7)}${cell(st.median)}${cell(st.p90)}${cell(st.min)}${cell(st.max)}\n`);
  }
}

function printComparison(names: readonly string[], mine: ReadonlyMap<string, number[]>, other: ReadonlyMap<string, number[]>): void {
  const width = Math.max(...names.map((n) => n.length), 10);
  process.stdout.write(
    `${'operation'.padEnd(width)}     runs  ${'this tree'.padStart(15)}  ${'compare tree'.padStart(15)}   ratio\n` +
      `${''.padEnd(width)}           median     p90  median     p90  (median compare/this; ms)\n`,
  );
  for (const name of names) {
    const a = stats(mine.get(name) ?? []);
    const b = stats(other.get(name) ?? []);
    if (!a || !b) continue;
    const ratio = a.median > 0 ? (b.median / a.median).toFixed(2) : '-';
    process.stdout.write(
      `${name.padEnd(width)}  ${String(a.runs).padStart(7)}${cell(a.median)}${cell(a.p90)}${cell(b.median)}${cell(b.p90)}${ratio.padStart(8)}\n`,
    );
  }
}

function missingPrerequisite(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const [what, path] of [
    ['nginx', '/usr/sbin/nginx'],
    ['ip (iproute2)', '/usr/sbin/ip'],
  ] as const) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return `${what} is not installed (${path})`;
    }
  }
  return undefined;
}

/** One code base under measurement: its worker (and its nginx script) in the node namespace. */
interface Subject {
  readonly label: string;
  readonly worker: Worker;
  readonly rows: Map<string, number[]>;
}

function record(subject: Subject, name: string, ms: number): void {
  const list = subject.rows.get(name) ?? [];
  list.push(ms);
  subject.rows.set(name, list);
}

/**
 * HBTS_BENCH_COMPARE_TREE: another checkout (e.g. `git archive` of an older
 * commit, with node_modules or a symlink to ours) measured in the same lab,
 * interleaved run by run, so that a shared machine's load hits both alike.
 */
function compareTree(): string | undefined {
  const tree = process.env.HBTS_BENCH_COMPARE_TREE;
  if (!tree) return undefined;
  for (const needed of ['src/resources/index.ts', 'src/scripts/nginx', 'test/helpers/resources-scripts.ts', 'node_modules/tsx']) {
    try {
      accessSync(join(tree, needed));
    } catch {
      throw new Error(`HBTS_BENCH_COMPARE_TREE=${tree} has no ${needed}; give a full checkout with its node_modules`);
    }
  }
  const worker = join(tree, 'test/helpers/resources-bench-worker.ts');
  try {
    accessSync(worker);
  } catch {
    // An older tree has no worker: lend it ours (it uses only the agents' and groups' public API).
    copyFileSync(workerScript, worker);
    process.stdout.write(`(copied resources-bench-worker.ts into ${tree}/test/helpers/)\n`);
  }
  return tree;
}

const SPAWN_CASES = [
  ['spawn', '/bin/true', []],
  ['execa', '/bin/true', []],
  ['spawn', 'ip', ['-o', '-4', 'addr', 'show']],
  ['execa', 'ip', ['-o', '-4', 'addr', 'show']],
] as const;

const ROW_ORDER = [
  ...SPAWN_CASES.map(([via, file, args]) => `spawn ${[file, ...args].join(' ')} (${via === 'spawn' ? 'child_process' : via})`),
  'IPaddr status (stopped)',
  'IPaddr start',
  'IPaddr status (running)',
  'IPaddr stop',
  'nginx status (stopped)',
  'nginx start',
  'nginx status (running)',
  'nginx stop',
  'group start (IPaddr + nginx)',
  'group status (running)',
  'group stop (nginx, IPaddr)',
  'group start → HTTP on VIP (client ARP: old owner)',
  'group start → HTTP on VIP (client ARP: none)',
];

export async function run(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) {
    process.stdout.write(`skipped: the resources benchmark ${missing}\n`);
    return;
  }
  const runs = Math.max(1, Math.min(1000, Number(process.env.HBTS_BENCH_RUNS ?? '15') || 15));
  const other = compareTree();
  const root = mkdtempSync(join(tmpdir(), 'hbts-bench-res-'));
  let lab: Lab | undefined;
  try {
    lab = await createLab({ hosts: [{ name: 'node', ip: NODE_IP }, { name: 'client', ip: CLIENT_IP }] });
    const node = lab.host('node');
    const client = lab.host('client');
    const groupNginx = writeNginxInstance(join(root, 'nginx-vip'), `${VIP}:80`, 'bench');
    const agentNginx = writeNginxInstance(join(root, 'nginx-node'), `${NODE_IP}:8080`, 'bench');

    const startSubject = (label: string, tree: string): Subject => {
      const base = join(root, label);
      const configDir = join(base, 'ha.d');
      const initDir = join(base, 'init.d');
      const scratchDir = join(base, 'run');
      for (const d of [join(configDir, 'resource.d'), initDir, scratchDir]) mkdirSync(d, { recursive: true });
      symlinkSync(join(tree, 'src/scripts/nginx'), join(configDir, 'resource.d', 'nginx'));
      const setup: BenchWorkerSetup = {
        configDir,
        initDir,
        scratchDir,
        env: { ...groupNginx.env, HA_CURHOST: 'node' },
        arp: { count: 5, interval: 200, mode: 'both' },
        group: [VIP_TOKEN, 'nginx'],
      };
      const setupPath = join(base, 'setup.json');
      writeFileSync(setupPath, JSON.stringify(setup));
      const script = join(tree, 'test/helpers/resources-bench-worker.ts');
      const child = node.spawn(process.execPath, ['--import', 'tsx', script, setupPath], { cwd: tree, buffer: false, stdin: 'pipe' });
      return { label, worker: new Worker(child), rows: new Map() };
    };
    const subjects = [startSubject('this', repoRoot), ...(other ? [startSubject('compare', other)] : [])];
    const prober = new Prober(
      client.spawn(process.execPath, ['--import', 'tsx', proberScript, `http://${VIP}/`, '5', '200'], {
        cwd: repoRoot,
        buffer: false,
        stdin: 'pipe',
      }),
    );

    // Warm-up: first runs pay for page cache and JIT.
    for (const { worker } of subjects) {
      await worker.expect({ cmd: 'group', op: 'start' }, 'started');
      await worker.expect({ cmd: 'group', op: 'stop' }, 'stopped');
    }
    await prober.whenDown();

    for (let i = 0; i < runs; i++) {
      // Alternate who goes first, so neither always follows the other.
      const order = i % 2 === 0 ? subjects : [...subjects].reverse();
      for (const subject of order) await measureOnce(subject, i);
    }
    for (const { worker } of subjects) await worker.ask({ cmd: 'quit' }).catch(() => undefined);

    process.stdout.write(
      `resources: ${runs} runs per figure; agents in a worker inside the node namespace (no exec prefix), ` +
        `client probing http://${VIP}/ every 5 ms on fresh connections\n`,
    );
    if (subjects.length === 1) printTable(ROW_ORDER, subjects[0]!.rows);
    else {
      process.stdout.write(`compare tree: ${other}\n`);
      printComparison(ROW_ORDER, subjects[0]!.rows, subjects[1]!.rows);
    }

    async function measureOnce(subject: Subject, i: number): Promise<void> {
      const { worker } = subject;
      for (const [via, file, args] of SPAWN_CASES) {
        const r = await worker.ask({ cmd: 'spawn', via, file, args });
        record(subject, `spawn ${[file, ...args].join(' ')} (${via === 'spawn' ? 'child_process' : via})`, r.ms!);
      }
      const agent = (op: string, outcome: string, token: string, env?: Record<string, string>): Promise<Reply> =>
        worker.expect({ cmd: 'agent', token, op, ...(env ? { env } : {}) }, outcome);
      record(subject, 'IPaddr status (stopped)', (await agent('status', 'stopped', VIP_TOKEN)).ms!);
      record(subject, 'IPaddr start', (await agent('start', 'running', VIP_TOKEN)).ms!);
      record(subject, 'IPaddr status (running)', (await agent('status', 'running', VIP_TOKEN)).ms!);
      record(subject, 'IPaddr stop', (await agent('stop', 'stopped', VIP_TOKEN)).ms!);
      const env = { ...agentNginx.env };
      record(subject, 'nginx status (stopped)', (await agent('status', 'stopped', 'nginx', env)).ms!);
      record(subject, 'nginx start', (await agent('start', 'running', 'nginx', env)).ms!);
      record(subject, 'nginx status (running)', (await agent('status', 'running', 'nginx', env)).ms!);
      record(subject, 'nginx stop', (await agent('stop', 'stopped', 'nginx', env)).ms!);

      // The failover path: the client still has the old owner's MAC (as after
      // a node death) on even runs, no ARP entry at all on odd ones.
      const clientHadOldOwner = i % 2 === 0;
      if (clientHadOldOwner) {
        await client.exec('ip', ['neigh', 'replace', VIP, 'lladdr', OLD_OWNER_MAC, 'dev', 'eth0', 'nud', 'stale']);
      } else {
        await client.exec('ip', ['neigh', 'flush', 'to', VIP, 'dev', 'eth0']);
      }
      const start = await worker.expect({ cmd: 'group', op: 'start' }, 'started');
      record(subject, 'group start (IPaddr + nginx)', start.ms!);
      const up = await prober.upAfter(start.t0!);
      record(
        subject,
        clientHadOldOwner ? 'group start → HTTP on VIP (client ARP: old owner)' : 'group start → HTTP on VIP (client ARP: none)',
        up - start.t0!,
      );
      record(subject, 'group status (running)', (await worker.expect({ cmd: 'group', op: 'status' }, 'running')).ms!);
      record(subject, 'group stop (nginx, IPaddr)', (await worker.expect({ cmd: 'group', op: 'stop' }, 'stopped')).ms!);
      await prober.whenDown();
    }
  } finally {
    await lab?.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

// Run on its own: `node --import tsx bench/resources.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
