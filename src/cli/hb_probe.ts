#!/usr/bin/env node
// hb_probe: one application probe, for crontab (issue 6). Silent on success
// (cron mails whatever a job prints); on failure the reason goes to stderr
// and, with --then, the action is asked of the daemon over its control socket.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROBE_DEFAULTS, parseProbeTime } from '../config/index.js';
import { requestDaemon, type ControlRequest } from '../control/index.js';
import { describeOutcome, runHttpProbe } from '../monitor/index.js';

export const EXIT_OK = 0;
export const EXIT_PROBE_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_DAEMON_UNREACHABLE = 3;
export const EXIT_DAEMON_REFUSED = 4;

export const DEFAULT_RUN_DIR = '/run/heartbeat';
/** How long to wait for the daemon's answer to --then (a graceful stop may take a while). */
const DAEMON_ANSWER_TIMEOUT_MS = 40_000;

export const HB_PROBE_HELP = `Usage: hb_probe URL [options]

Probes URL once (an HTTP GET with one overall deadline). Prints nothing and
exits 0 when it answers as expected; otherwise prints why on stderr and exits
non-zero. Meant for crontab: see src/scripts/hb_probe-cron.example.

Options (they may come before or after URL):
  --expect-status N        HTTP status that counts as success (default ${PROBE_DEFAULTS.expectStatus})
  --expect-md5 HEX         md5 the body must have (32 hex digits)
  --timeout T              deadline for connect, headers and body (default 2s;
                           Heartbeat times: 2 = 2 s, 500ms, 2s, 1500000us)
  --then standby|shutdown  on failure, ask the local heartbeat daemon to
                           release a group (standby) or to stop (shutdown)
  --group KEY              with --then standby: the haresources group to
                           release (default: every group this node holds)
  --run-dir DIR            the daemon's run directory (default $HA_VARRUN or ${DEFAULT_RUN_DIR})
  --config-dir DIR, --state-dir DIR, --node NAME
                           accepted like every heartbeat-ts command takes them
                           (the daemon is reached through --run-dir)
  --help                   print this help

Exit codes:
  0  the probe passed
  1  the probe failed (and the daemon accepted the --then request, if any)
  2  bad usage
  3  the probe failed and the daemon could not be reached for --then
  4  the probe failed and the daemon refused the --then request
`;

export interface HbProbeArgs {
  readonly url: string;
  readonly expectStatus: number;
  readonly expectMd5?: string;
  readonly timeout: number;
  readonly then?: 'standby' | 'shutdown';
  readonly group?: string;
  readonly runDir: string;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const usageError = (message: string): CommandResult => ({
  exitCode: EXIT_USAGE,
  stdout: '',
  stderr: `hb_probe: ${message}\nTry 'hb_probe --help'.\n`,
});

/** The arguments, `'help'`, or a usage error. */
export function parseHbProbeArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): HbProbeArgs | 'help' | CommandResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'expect-status': { type: 'string' },
        'expect-md5': { type: 'string' },
        timeout: { type: 'string' },
        then: { type: 'string' },
        group: { type: 'string' },
        'run-dir': { type: 'string' },
        'config-dir': { type: 'string' },
        'state-dir': { type: 'string' },
        node: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length === 0) return usageError('which URL? e.g. hb_probe http://127.0.0.1/index.html');
  if (parsed.positionals.length > 1) return usageError(`one URL only, got: ${parsed.positionals.join(' ')}`);
  const url = parsed.positionals[0]!;
  let parsedUrl: URL | undefined;
  try {
    parsedUrl = new URL(url);
  } catch {
    parsedUrl = undefined;
  }
  if (!parsedUrl || (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') || parsedUrl.hostname === '') {
    return usageError(`"${url}" is not an http:// or https:// URL`);
  }
  let expectStatus: number = PROBE_DEFAULTS.expectStatus;
  if (v['expect-status'] !== undefined) {
    const s = v['expect-status'];
    if (!/^\d{3}$/.test(s) || Number(s) < 100 || Number(s) > 599) {
      return usageError(`--expect-status "${s}" must be an HTTP status code from 100 to 599`);
    }
    expectStatus = Number(s);
  }
  const md5 = v['expect-md5'];
  if (md5 !== undefined && !/^[0-9a-fA-F]{32}$/.test(md5)) {
    return usageError(`--expect-md5 "${md5}" must be 32 hexadecimal digits`);
  }
  let timeout: number = PROBE_DEFAULTS.timeout;
  if (v.timeout !== undefined) {
    const t = parseProbeTime(v.timeout);
    if (typeof t === 'string') return usageError(`--timeout ${t}`);
    timeout = t;
  }
  const then = v.then;
  if (then !== undefined && then !== 'standby' && then !== 'shutdown') {
    return usageError(`--then "${then}" must be standby or shutdown`);
  }
  if (v.group !== undefined && then !== 'standby') return usageError('--group only makes sense with --then standby');
  if (v.group === '') return usageError('--group needs a group key (the first resource of its haresources line)');
  const runDir = v['run-dir'] ?? (env.HA_VARRUN || DEFAULT_RUN_DIR);
  return {
    url,
    expectStatus,
    timeout,
    runDir,
    ...(md5 !== undefined ? { expectMd5: md5.toLowerCase() } : {}),
    ...(then !== undefined ? { then } : {}),
    ...(v.group !== undefined ? { group: v.group } : {}),
  };
}

export async function hbProbe(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<CommandResult> {
  const args = parseHbProbeArgs(argv, env);
  if (args === 'help') return { exitCode: EXIT_OK, stdout: HB_PROBE_HELP, stderr: '' };
  if ('exitCode' in args) return args;
  const outcome = await runHttpProbe(args);
  if (outcome.kind === 'ok') return { exitCode: EXIT_OK, stdout: '', stderr: '' };
  const reason = `hb_probe ${args.url}: ${describeOutcome(outcome)}`;
  let stderr = `${reason}\n`;
  if (!args.then) return { exitCode: EXIT_PROBE_FAILED, stdout: '', stderr };
  const request: ControlRequest =
    args.then === 'shutdown'
      ? { command: 'shutdown', reason }
      : args.group !== undefined
        ? { command: 'probe-release', group: args.group, reason }
        : { command: 'probe-release', reason };
  const what =
    args.then === 'shutdown' ? 'to stop' : args.group !== undefined ? `to release group ${args.group}` : 'to release every group';
  try {
    const answer = await requestDaemon(args.runDir, request, DAEMON_ANSWER_TIMEOUT_MS);
    if (!answer.ok) {
      stderr += `hb_probe: the heartbeat daemon refused ${what}: ${answer.error}\n`;
      return { exitCode: EXIT_DAEMON_REFUSED, stdout: '', stderr };
    }
    stderr += `hb_probe: asked the heartbeat daemon ${what}\n`;
    return { exitCode: EXIT_PROBE_FAILED, stdout: '', stderr };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    stderr += `hb_probe: could not ask the heartbeat daemon ${what}: ${message}\n`;
    return { exitCode: EXIT_DAEMON_UNREACHABLE, stdout: '', stderr };
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  hbProbe(process.argv.slice(2), process.env).then(
    (result) => {
      if (result.stdout) process.stdout.write(result.stdout);
      if (result.stderr) process.stderr.write(result.stderr);
      process.exitCode = result.exitCode;
    },
    (err: unknown) => {
      process.stderr.write(`hb_probe: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT_PROBE_FAILED;
    },
  );
}
