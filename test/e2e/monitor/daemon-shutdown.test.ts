// Issue 6, "Done when", the classic cron script's way: when nginx dies on the
// primary, stop heartbeat there so the backup takes over. Two heartbeat-ts
// nodes (dist/) with a VIP and their own nginx in namespaces, a client asking
// http://<vip>/ every 20 ms; the group `IPaddr::<vip>/24/eth0 nginx` has its
// home on alpha. nginx is SIGKILLed by pid (no LSB script: the daemon is not
// told), and then:
//   - probes.ini with `action = shutdown`: the daemon on alpha stops itself;
//   - no probes.ini, but a crontab-like loop in alpha's namespace running
//     `hb_probe http://127.0.0.1/ --timeout 1s --then shutdown` every second.
// Either way alpha's daemon must exit cleanly (code 0, "heartbeat-ts stopped",
// VIP and nginx gone, nothing left running in its namespace) and bravo serve.
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_CLI, type OurNode } from '../../helpers/hbts-node.js';
import { hasAddress } from '../../helpers/lab-addresses.js';
import {
  groupOf,
  killNginx,
  movesOf,
  nginxPidsIn,
  servingSpans,
  startProbeCluster,
  until,
  watchLog,
  type LogWatch,
  type ProbeCluster,
} from '../../helpers/monitor-e2e-cluster.js';
import { LOADED_MACHINE_SLACK_MS } from '../../helpers/timing-bounds.js';

const INTERVAL_MS = 500;
const FALL = 2;
/**
 * Issue 6's target for the built-in probe is interval × fall plus one second
 * (typically met: see the printed figures); the assertion adds what a loaded
 * 2-core machine can add (timing-bounds.ts), and still fails on a probe that
 * never acts or a wait for a timer of seconds.
 */
const PROBE_BOUND_MS = INTERVAL_MS * FALL + 1_000 + LOADED_MACHINE_SLACK_MS;
const CRON_PERIOD_MS = 1_000;
const HB_PROBE_TIMEOUT_MS = 1_000;
/** From hb_probe asking the daemon to stop to the backup serving: the "plus one second", plus a loaded machine's slack. */
const CRON_MOVE_BOUND_MS = 1_000 + LOADED_MACHINE_SLACK_MS;
/** Slack of the shell loop itself (fork of sleep and date) when starting the next run, on a loaded machine. */
const CRON_LOOP_SLACK_MS = 1_000;

interface Exit {
  readonly at: number;
  readonly exitCode?: number;
  readonly signal?: string;
}

function exitTime(node: OurNode): Promise<Exit> {
  return node.exited.then((r) => ({ at: Date.now(), ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }), ...(r.signal === undefined ? {} : { signal: r.signal }) }));
}

/** `p`, or a rejection naming `what` after `ms`. */
async function bounded<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  const cancel = new AbortController();
  try {
    return await Promise.race([
      p,
      delay(ms, undefined, { signal: cancel.signal }).then(() => {
        throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      }),
    ]);
  } finally {
    cancel.abort();
  }
}

async function namespacePids(node: OurNode): Promise<number[]> {
  const r = await execa('ip', ['netns', 'pids', node.host.ns], { reject: false });
  return String(r.stdout).split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
}

/** After alpha's daemon stopped: clean exit, nothing of the group left on alpha, bravo runs it. */
async function expectCleanHandOver(c: ProbeCluster, exit: Exit, shutdownReason: RegExp, sinceKill: LogWatch, killedAt: number): Promise<void> {
  expect({ exitCode: exit.exitCode, signal: exit.signal }).toEqual({ exitCode: 0, signal: undefined });
  const log = c.alpha.readLog();
  expect(log).toMatch(shutdownReason);
  expect(log).toMatch(/Resource group \S+: stopped in \d+ ms/);
  expect(log.trimEnd().split('\n').at(-1)).toMatch(/info: heartbeat-ts stopped$/);
  // (an ERROR at start-up, "Received 'starting' message in state 0", is Heartbeat's own race when both start at once)
  expect(sinceKill.lines().filter((l) => l.at >= killedAt && / (ERROR: .*\[resources\]|CRIT:) /.test(l.text))).toEqual([]);
  expect(await hasAddress(c.alpha.host, c.vip)).toBe(false);
  expect(await nginxPidsIn(c.alpha.host)).toEqual([]);
  expect(await namespacePids(c.alpha)).toEqual([]);
  expect(await hasAddress(c.bravo.host, c.vip)).toBe(true);
  await until(
    'bravo to see alpha gone and run the group',
    async () => {
      const b = await c.bravo.status();
      const g = groupOf(b, c.groupKey);
      return g.holder === 'bravo' && g.state === 'running' && b.resources.stable && b.nodes.find((n) => n.name === 'alpha')?.status === 'dead' ? true : undefined;
    },
    5_000,
    100,
  );
}

describe('application probe with action = shutdown', () => {
  let cluster: ProbeCluster | undefined;
  const watches: LogWatch[] = [];

  beforeAll(async () => {
    cluster = await startProbeCluster({ subnet: '10.67.0', probe: { action: 'shutdown', interval: `${INTERVAL_MS}ms`, timeout: '400ms', fall: FALL, rise: 2 } });
  });

  afterAll(async () => {
    for (const w of watches) w.stop();
    await cluster?.destroy();
  });

  it('nginx killed on the primary: its daemon exits cleanly and the backup serves', async () => {
    const c = cluster!;
    const alphaLog = watchLog(c.alpha.logPath);
    const bravoLog = watchLog(c.bravo.logPath);
    watches.push(alphaLog, bravoLog);
    const exit = exitTime(c.alpha);
    const before = Date.now() - 1_000; // the client saw alpha just before the kill
    const { killedAt } = await killNginx(c.alpha.host);
    const served = await c.prober.waitForServedBy('bravo', 10_000, killedAt);
    const decided = await alphaLog.waitFor(/Graceful shutdown requested: application probe: /, 5_000, killedAt);
    const exited = await bounded('alpha to exit', exit, 15_000);
    const started = await bravoLog.waitFor(/Resource group \S+: started in \d+ ms/, 5_000, killedAt);
    const spans = servingSpans(c.prober.results(), before);
    console.log(
      [
        `[monitor e2e] action = shutdown (interval ${INTERVAL_MS} ms, fall ${FALL}):`,
        `  kill → alpha decides to stop (log):        ${decided.at - killedAt} ms`,
        `  kill → bravo's group started (log):        ${started.at - killedAt} ms`,
        `  kill → first client answer from bravo:     ${Math.round(served.startMs - killedAt)} ms (bound ${PROBE_BOUND_MS} ms)`,
        `  kill → alpha's daemon exited (code ${exited.exitCode ?? exited.signal}):     ${exited.at - killedAt} ms`,
      ].join('\n'),
    );
    await expectCleanHandOver(c, exited, /Graceful shutdown requested: application probe: probe nginx failed 2 time\(s\) in a row: connection refused/, alphaLog, killedAt);
    expect(served.startMs - killedAt).toBeLessThanOrEqual(PROBE_BOUND_MS);
    expect(movesOf(spans)).toEqual([{ from: 'alpha', to: 'bravo', at: served.startMs }]);
  });
});

describe('hb_probe --then shutdown from a crontab-like loop (no probes.ini)', () => {
  let cluster: ProbeCluster | undefined;
  let loop: ResultPromise | undefined;

  beforeAll(async () => {
    cluster = await startProbeCluster({ subnet: '10.68.0' });
  });

  afterAll(async () => {
    try {
      loop?.kill('SIGKILL');
    } finally {
      await cluster?.destroy();
    }
  });

  it('nginx killed on the primary: the next hb_probe run stops its daemon and the backup serves', async () => {
    const c = cluster!;
    expect((await c.alpha.status()).probes).toEqual([]);
    // One run per second at most (a run longer than the period delays the next, as with cron's
    // overlap guard); at most 60 runs; the loop ends after the first failing run.
    const script = [
      'i=0',
      'while [ "$i" -lt 60 ]; do',
      '  i=$((i + 1))',
      `  sleep ${CRON_PERIOD_MS / 1000} & tick=$!`,
      '  start=$(date +%s%3N)',
      `  err=$(node "$HB_PROBE" http://127.0.0.1/ --timeout ${HB_PROBE_TIMEOUT_MS / 1000}s --then shutdown --run-dir "$RUN_DIR" 2>&1)`,
      '  rc=$?',
      '  printf "%s %s %s %s\\n" "$start" "$(date +%s%3N)" "$rc" "$(printf %s "$err" | tr "\\n" "|")"',
      '  wait "$tick"',
      '  [ "$rc" -eq 0 ] || exit 0',
      'done',
    ].join('\n');
    const runs: Array<{ start: number; end: number; rc: number; err: string }> = [];
    loop = c.alpha.host.spawn('sh', ['-c', script], {
      buffer: false,
      stdin: 'ignore',
      env: { HB_PROBE: join(DIST_CLI, 'hb_probe.js'), RUN_DIR: c.alpha.runDir },
    });
    let pending = '';
    loop.stdout?.setEncoding('utf8');
    loop.stdout?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^(\d+) (\d+) (\d+) ?(.*)$/.exec(line);
        if (m) runs.push({ start: Number(m[1]), end: Number(m[2]), rc: Number(m[3]), err: m[4] ?? '' });
      }
    });
    // cron has been running fine for a while
    await until('three passing hb_probe runs', () => (runs.filter((r) => r.rc === 0).length >= 3 ? true : undefined), 10 * CRON_PERIOD_MS);
    expect(runs.every((r) => r.rc === 0)).toBe(true);

    const alphaLog = watchLog(c.alpha.logPath);
    try {
      const exit = exitTime(c.alpha);
      const before = Date.now() - 1_000; // the client saw alpha just before the kill
      const { killedAt } = await killNginx(c.alpha.host);
      const served = await c.prober.waitForServedBy('bravo', 10_000, killedAt);
      const failing = await until('a failing hb_probe run', () => runs.find((r) => r.rc !== 0), 3 * CRON_PERIOD_MS + HB_PROBE_TIMEOUT_MS);
      const decided = await alphaLog.waitFor(/Graceful shutdown requested: hb_probe /, 5_000, killedAt);
      const exited = await bounded('alpha to exit', exit, 15_000);
      await bounded('the cron loop to end', loop, 5_000);
      const spans = servingSpans(c.prober.results(), before);
      // a run starts one period after the previous one started, or when it ended if it took longer
      const periodMs = Math.max(CRON_PERIOD_MS, ...runs.filter((r) => r !== failing).map((r) => r.end - r.start));
      console.log(
        [
          `[monitor e2e] hb_probe --then shutdown every ${CRON_PERIOD_MS} ms (timeout ${HB_PROBE_TIMEOUT_MS} ms), no probes.ini:`,
          `  kill → failing hb_probe run started:       ${failing.start - killedAt} ms (bound: the loop's period ${periodMs} ms + ${CRON_LOOP_SLACK_MS} ms)`,
          `  failing run: started → exited:             ${failing.end - failing.start} ms (runs that passed took ${runs.filter((r) => r.rc === 0).map((r) => r.end - r.start).join(', ')} ms)`,
          `  kill → alpha decides to stop (log):        ${decided.at - killedAt} ms`,
          `  failing run exited → first answer from bravo: ${Math.round(served.startMs - failing.end)} ms (bound ${CRON_MOVE_BOUND_MS} ms)`,
          `  kill → first client answer from bravo:     ${Math.round(served.startMs - killedAt)} ms`,
          `  kill → alpha's daemon exited (code ${exited.exitCode ?? exited.signal}):     ${exited.at - killedAt} ms`,
          `  hb_probe runs: ${runs.length} (${runs.filter((r) => r.rc === 0).length} passed)`,
        ].join('\n'),
      );
      // the first run after the kill is the one that failed, and it asked for the stop exactly once
      expect(runs.filter((r) => r.rc !== 0)).toHaveLength(1);
      expect(failing).toMatchObject({ rc: 1, err: expect.stringMatching(/^hb_probe http:\/\/127\.0\.0\.1\/: connection refused[^|]*\|hb_probe: asked the heartbeat daemon to stop$/) });
      expect(runs.at(-1)).toBe(failing);
      expect(failing.end).toBeGreaterThanOrEqual(killedAt);
      await expectCleanHandOver(c, exited, /Graceful shutdown requested: hb_probe http:\/\/127\.0\.0\.1\/: connection refused/, alphaLog, killedAt);
      expect(failing.start - killedAt).toBeLessThanOrEqual(periodMs + CRON_LOOP_SLACK_MS);
      expect(served.startMs - failing.end).toBeLessThanOrEqual(CRON_MOVE_BOUND_MS);
      expect(movesOf(spans)).toEqual([{ from: 'alpha', to: 'bravo', at: served.startMs }]);
    } finally {
      alphaLog.stop();
    }
  });
});
