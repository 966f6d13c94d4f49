// ha.cf `realtime` (default on): Heartbeat runs its processes with realtime
// scheduling and locked memory (cluster-glue's cl_make_realtime: SCHED_RR at
// the lowest realtime priority, then mlockall), so that a busy machine cannot
// delay its heartbeats past the peers' dead time (issue 9 part 1b).
//
// Node has no sched_setscheduler and no mlockall (nor do we load native
// addons), so:
// * scheduling: util-linux `chrt` sets SCHED_RR priority 1 on every thread the
//   daemon has (`--all-tasks`), with SCHED_RESET_ON_FORK (`--reset-on-fork`)
//   so that resource scripts and the services they start (nginx) run with
//   normal scheduling, as Heartbeat's children do (cl_make_normaltime). With
//   reset-on-fork, threads Node creates later start with normal scheduling
//   too; the event loop thread, which sends and receives every heartbeat, is
//   the one that matters. What took effect is read back from /proc and logged.
// * memory: cannot be locked from Node; one WARN says so with Heartbeat's
//   words ("Cannot lock ourselves into memory", which Heartbeat logs wherever
//   RLIMIT_MEMLOCK stops its mlockall: on this test machine, 8 MiB).
//
// chrt runs through plain child_process.execFile, not execa: this runs at
// every start, and execa's modules would then stay in the idle daemon's
// memory for good (issue 12: idle RSS) for one fixed command.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from '../log/index.js';

/** Heartbeat's default: SCHED_RR at the lowest realtime priority. */
export const REALTIME_PRIORITY = 1;

/** Linux scheduling policies as /proc/<pid>/task/<tid>/sched reports them. */
const POLICY_NAMES: Readonly<Record<number, string>> = { 0: 'SCHED_OTHER', 1: 'SCHED_FIFO', 2: 'SCHED_RR', 3: 'SCHED_BATCH', 5: 'SCHED_IDLE', 6: 'SCHED_DEADLINE' };

export interface ThreadPolicy {
  readonly tid: number;
  readonly policy: string;
}

/** The scheduling policy of every thread of `pid`, from /proc (threads that exit meanwhile are skipped). */
export function threadPolicies(pid: number): ThreadPolicy[] {
  const out: ThreadPolicy[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const sched = readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
      const m = /^policy\s*:\s*(\d+)/m.exec(sched);
      if (m) out.push({ tid: Number(tid), policy: POLICY_NAMES[Number(m[1])] ?? `policy ${m[1]}` });
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

function memlockLimit(): string {
  try {
    const m = /^Max locked memory\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return 'unknown';
    const n = Number(m[1]);
    return Number.isFinite(n) ? `${Math.round(n / 1024 / 1024)} MiB` : m[1]!;
  } catch {
    return 'unknown';
  }
}

/**
 * Apply ha.cf `realtime` to this process. Never throws: what could not be
 * done is logged (WARN), as Heartbeat logs it and goes on.
 */
export async function applyRealtime(enabled: boolean, log: Logger, pid: number = process.pid): Promise<ThreadPolicy[]> {
  if (!enabled) {
    log.info('realtime off (ha.cf `realtime off` or -l): the daemon runs with normal scheduling');
    return threadPolicies(pid);
  }
  try {
    await promisify(execFile)('chrt', ['--all-tasks', '--reset-on-fork', '--rr', '--pid', String(REALTIME_PRIORITY), String(pid)], { timeout: 5000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    log.warn(`Unable to set scheduler parameters: ${(e.stderr || e.message).trim()} (realtime scheduling needs root or CAP_SYS_NICE, and util-linux chrt)`);
  }
  const policies = threadPolicies(pid);
  const rr = policies.filter((p) => p.policy === 'SCHED_RR').length;
  const main = policies.find((p) => p.tid === pid)?.policy ?? 'unknown';
  if (main === 'SCHED_RR') {
    log.info(`realtime: ${rr} of ${policies.length} threads of pid ${pid} run SCHED_RR priority ${REALTIME_PRIORITY}, the event loop among them (children start with normal scheduling)`);
  } else {
    log.warn(`realtime: the event loop of pid ${pid} runs ${main}, not SCHED_RR: heartbeats may be late on a busy machine`);
  }
  // Heartbeat's line where its mlockall() is refused (an ERROR there; it runs on unlocked, so WARN here).
  log.warn(`Cannot lock ourselves into memory: Node.js has no mlockall() (pid ${pid}, locked-memory limit ${memlockLimit()}); the daemon may page under memory pressure`);
  return policies;
}
