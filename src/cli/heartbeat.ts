#!/usr/bin/env node
// `heartbeat`: the daemon and its control modes, with Heartbeat's flags.
//   heartbeat                 run the daemon in the foreground
//   heartbeat --check         validate the configuration and summarise it
//   heartbeat -k              ask the running daemon to release everything and stop
//   heartbeat -s              report whether the daemon runs
//   heartbeat -r              ask the running daemon to re-read its configuration
// Argument parsing is complete here; each mode is one function in MODES so
// the daemon and the control modes slot in without touching the parsing.
import { EXIT_OK, UsageError, isMainModule, processIo, runCli, type CliIo } from './main.js';
import { EXPORT_HELP, parseExportOptions, type ExportOptions } from './export-command.js';
import { COMMON_OPTIONS, COMMON_OPTIONS_HELP, parseCommandLine, resolveCommonOptions, type CommonOptions, type Environment } from './options.js';

export type HeartbeatMode = 'daemon' | 'check' | 'kill' | 'status' | 'reload' | 'export';

export const HEARTBEAT_HELP = `Usage: heartbeat [--check | -k | -s | -r] [options]

heartbeat-ts, a drop-in reimplementation of Linux-HA Heartbeat 3.0 (haresources
mode). Without a mode flag it runs the daemon in the foreground.

Modes:
  --check            validate ha.cf, haresources, authkeys (and heartbeat-ts.ini,
                     probes.ini), print every problem as FILE:LINE and a summary;
                     exit 0 if the daemon would start, 1 if not
  -k                 ask the running daemon to release its resources and stop
  -s                 tell whether the daemon is running
  -r                 ask the running daemon to re-read its configuration
${EXPORT_HELP}

Options:
${COMMON_OPTIONS_HELP}
`;

const HEARTBEAT_OPTIONS = {
  ...COMMON_OPTIONS,
  check: { type: 'boolean' },
  kill: { type: 'boolean', short: 'k' },
  status: { type: 'boolean', short: 's' },
  reload: { type: 'boolean', short: 'r' },
  export: { type: 'string' },
  format: { type: 'string' },
  'node-addr': { type: 'string', multiple: true },
} as const;

export type ParsedHeartbeatArgs =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly mode: HeartbeatMode;
      readonly common: CommonOptions;
      /** Set in mode 'export'. */
      readonly exportOptions?: ExportOptions;
    };

/** Pure apart from resolving the node name (nodeinfo / uname -n). */
export function parseHeartbeatArgs(argv: readonly string[], env: Environment = process.env): ParsedHeartbeatArgs {
  const { values, positionals } = parseCommandLine(argv, HEARTBEAT_OPTIONS);
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const modes: HeartbeatMode[] = [];
  if (values.check) modes.push('check');
  if (values.kill) modes.push('kill');
  if (values.status) modes.push('status');
  if (values.reload) modes.push('reload');
  if (modes.length > 1) throw new UsageError(`choose one of --check, -k, -s, -r (got ${modes.length})`);
  const exportOptions = parseExportOptions(values);
  if (exportOptions && modes[0] !== undefined) {
    const flag = { check: '--check', kill: '-k', status: '-s', reload: '-r' }[modes[0] as 'check' | 'kill' | 'status' | 'reload'];
    throw new UsageError(`--export cannot be combined with ${flag}`);
  }
  if (exportOptions) modes.push('export');
  const common = resolveCommonOptions(values, env);
  return { help: false, mode: modes[0] ?? 'daemon', common, ...(exportOptions ? { exportOptions } : {}) };
}

export type ModeHandler = (common: CommonOptions, io: CliIo) => Promise<number> | number;

export const MODES: Readonly<Record<HeartbeatMode, ModeHandler>> = {
  check: async (common, io) => (await import('./check.js')).runCheck(common, io),
  // Loaded on demand: `heartbeat -k` and `-s` must answer fast, without loading the whole daemon.
  daemon: async (common, io) => (await import('../daemon/run.js')).runDaemon(common, io),
  kill: async (common, io) => (await import('../daemon/control-modes.js')).killRunningDaemon(common, io),
  status: async (common, io) => (await import('../daemon/control-modes.js')).reportDaemonStatus(common, io),
  reload: async (common, io) => (await import('../daemon/control-modes.js')).reloadRunningDaemon(common, io),
  export: () => {
    throw new Error('heartbeatMain runs --export with its options');
  },
};

export async function heartbeatMain(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const args = parseHeartbeatArgs(argv);
  if (args.help) {
    io.stdout(HEARTBEAT_HELP);
    return EXIT_OK;
  }
  if (args.mode === 'export' && args.exportOptions) {
    return (await import('./export-command.js')).runExport(args.common, args.exportOptions, io);
  }
  return MODES[args.mode](args.common, io);
}

if (isMainModule(import.meta.url)) void runCli('heartbeat', (argv) => heartbeatMain(argv));
