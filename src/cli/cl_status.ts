#!/usr/bin/env node
// `cl_status`: the real tool's sub-commands, texts and exit codes (spec §11),
// answered from the local daemon's status over the control socket, plus
// `--json` for machines.
import { DaemonUnreachableError, requestDaemon } from '../control/index.js';
import type { DaemonStatus } from '../control/index.js';
import { parseClStatusArgs, runClStatus } from './cl-status-command.js';
import { isMainModule, processIo, runCli, type CliIo } from './main.js';
import { DEFAULT_RUN_DIR, type Environment } from './options.js';

/** The real cl_status gives up after 5 s (alarm(DEFAULT_TIMEOUT)) with exit code 12. */
const STATUS_TIMEOUT_MS = 5_000;

export async function clStatusMain(argv: readonly string[], io: CliIo, env: Environment = process.env): Promise<number> {
  const inv = parseClStatusArgs(argv);
  let status: DaemonStatus | undefined;
  let unreachable: string | undefined;
  if (inv.kind === 'subcommand' || inv.kind === 'json') {
    const runDir = inv.runDir ?? (env.HA_VARRUN ? env.HA_VARRUN : DEFAULT_RUN_DIR);
    try {
      const answer = await requestDaemon(runDir, { command: 'status' }, STATUS_TIMEOUT_MS);
      if (answer.ok) status = answer.result as DaemonStatus;
      else unreachable = answer.error;
    } catch (err) {
      if (!(err instanceof DaemonUnreachableError)) throw err;
      if (err.reason === 'timeout') {
        io.stderr(`cl_status: ${err.message}\n`);
        return 12;
      }
      unreachable = err.message;
    }
  }
  const result = runClStatus(inv, status, unreachable);
  if (result.stdout) io.stdout(result.stdout);
  if (result.stderr) io.stderr(result.stderr);
  return result.exitCode;
}

if (isMainModule(import.meta.url)) void runCli('cl_status', (argv) => clStatusMain(argv, processIo));
