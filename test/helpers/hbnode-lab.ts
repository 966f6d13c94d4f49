// Start hbnode-runner.ts processes inside lab namespaces and follow what they
// say. Every wait has a deadline; every process is ended by the lab's
// destroy() at the latest (it kills everything in the namespaces).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LabHost } from './netns.js';
import type { HbNodeSpec } from './hbnode-config.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const RUNNER = join(HERE, 'hbnode-runner.ts');
export const REPO_ROOT = resolve(HERE, '..', '..');

export interface HbEvent {
  readonly ev: string;
  readonly t: number;
  readonly [key: string]: unknown;
}

export interface HbNodeProcess {
  readonly name: string;
  readonly host: LabHost;
  readonly pid: number;
  readonly events: HbEvent[];
  /** Resolves with the first event (already seen or future) matching; rejects at the deadline or on exit. */
  waitFor(what: string, pred: (e: HbEvent) => boolean, timeoutMs: number): Promise<HbEvent>;
  /** Like waitFor, but only events after this call. */
  waitForNext(what: string, pred: (e: HbEvent) => boolean, timeoutMs: number): Promise<HbEvent>;
  command(cmd: Record<string, unknown>): void;
  snapshot(timeoutMs?: number): Promise<HbEvent>;
  logs(level?: string): string[];
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then wait for the exit (SIGKILL at the deadline). */
  stop(timeoutMs?: number): Promise<{ exitCode?: number; signal?: string }>;
  readonly exited: Promise<{ exitCode?: number; signal?: string }>;
  stderr(): string;
}

export interface StartOptions {
  /** Wait for `ready` (default) or return as soon as the process runs. */
  readonly waitReady?: boolean;
  readonly readyTimeoutMs?: number;
}

/** Start a node described by an HbNodeSpec; its state dir is <workDir>/state-<name>. */
export async function startHbNode(host: LabHost, spec: HbNodeSpec, workDir: string, opts: StartOptions = {}): Promise<HbNodeProcess> {
  const stateDir = join(workDir, `state-${spec.localNode}`);
  await mkdir(stateDir, { recursive: true });
  const specFile = join(workDir, `spec-${spec.localNode}-${Date.now()}.json`);
  await writeFile(specFile, JSON.stringify(spec));
  return spawnRunner(host, spec.localNode, ['--spec', specFile, '--state-dir', stateDir], opts);
}

/** Start a node from a real configuration directory (ha.cf, haresources, authkeys). */
export async function startHbNodeFromConfigDir(
  host: LabHost,
  node: string,
  configDir: string,
  stateDir: string,
  opts: StartOptions = {},
): Promise<HbNodeProcess> {
  await mkdir(stateDir, { recursive: true });
  return spawnRunner(host, node, ['--config-dir', configDir, '--node', node, '--state-dir', stateDir], opts);
}

async function spawnRunner(host: LabHost, name: string, args: readonly string[], opts: StartOptions): Promise<HbNodeProcess> {
  const spec = { localNode: name };
  const child = host.spawn('node', ['--import', 'tsx', RUNNER, ...args], {
    cwd: REPO_ROOT,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
  });
  const events: HbEvent[] = [];
  const waiters = new Set<{ pred: (e: HbEvent) => boolean; resolve: (e: HbEvent) => void }>();
  let stderrText = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrText = (stderrText + d.toString('utf8')).slice(-20_000);
  });
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    let e: HbEvent;
    try {
      e = JSON.parse(line) as HbEvent;
    } catch {
      e = { ev: 'raw', t: Date.now(), line };
    }
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  });
  const exited: Promise<{ exitCode?: number; signal?: string }> = child.then(
    (r) => ({ ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }), ...(r.signal ? { signal: r.signal } : {}) }),
    (r: { exitCode?: number; signal?: string }) => ({ ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }), ...(r.signal ? { signal: r.signal } : {}) }),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const wait = (what: string, pred: (e: HbEvent) => boolean, timeoutMs: number, fromIndex: number): Promise<HbEvent> => {
    const seen = events.slice(fromIndex).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<HbEvent>((resolvePromise, reject) => {
      const waiter = {
        pred,
        resolve: (e: HbEvent) => {
          clearTimeout(timer);
          resolvePromise(e);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${spec.localNode}: timed out after ${timeoutMs} ms waiting for ${what}; last events:\n${events.slice(-15).map((x) => JSON.stringify(x)).join('\n')}\nstderr: ${stderrText.slice(-2000)}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then(() => {
        // Give the last lines a moment to be parsed before giving up.
        setTimeout(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`${spec.localNode}: exited while waiting for ${what}; stderr: ${stderrText.slice(-2000)}`));
        }, 100);
      });
    });
  };

  const proc: HbNodeProcess = {
    name: spec.localNode,
    host,
    pid: child.pid ?? -1,
    events,
    waitFor: (what, pred, timeoutMs) => wait(what, pred, timeoutMs, 0),
    waitForNext: (what, pred, timeoutMs) => wait(what, pred, timeoutMs, events.length),
    command: (cmd) => {
      if (!hasExited) child.stdin?.write(`${JSON.stringify(cmd)}\n`);
    },
    snapshot: async (timeoutMs = 5000) => {
      const from = events.length;
      proc.command({ cmd: 'snapshot' });
      return wait('snapshot', (e) => e.ev === 'snapshot', timeoutMs, from);
    },
    logs: (level) =>
      events.filter((e) => e.ev === 'log' && (level === undefined || e.level === level)).map((e) => String(e.msg)),
    kill: (signal = 'SIGKILL') => {
      if (!hasExited) child.kill(signal);
    },
    stop: async (timeoutMs = 5000) => {
      if (!hasExited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    exited,
    stderr: () => stderrText,
  };
  if (opts.waitReady !== false) {
    await wait('ready', (e) => e.ev === 'ready' || e.ev === 'startError', opts.readyTimeoutMs ?? 20_000, 0);
  }
  return proc;
}

/** Two-node specs sharing keys and timers; media given per node. */
export function pairSpecs(
  names: readonly [string, string],
  mediaOf: (self: string) => HbNodeSpec['media'],
  extra: Partial<HbNodeSpec> = {},
): [HbNodeSpec, HbNodeSpec] {
  const base = {
    nodes: names,
    keepalive: 200,
    deadtime: 1000,
    warntime: 500,
    initdead: 3000,
    keys: { active: 1, keys: [{ index: 1, method: 'md5' as const, secret: 'labsecret' }] },
    ...extra,
  };
  return [
    { ...base, localNode: names[0], media: mediaOf(names[0]) },
    { ...base, localNode: names[1], media: mediaOf(names[1]) },
  ];
}
