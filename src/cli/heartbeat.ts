#!/usr/bin/env node
// `heartbeat`: the daemon and its control modes, with Heartbeat's flags.
//   heartbeat                 run the daemon in the foreground
//   heartbeat --check         validate the configuration and summarise it
//   heartbeat -k              ask the running daemon to release everything and stop
//   heartbeat -s              report whether the daemon runs
//   heartbeat -r              ask the running daemon to re-read its configuration
// and Heartbeat's other flags (-f -d -D -v -V -l -W -R -C), each taken as
// heartbeat.c's main() takes it (see HEARTBEAT_HELP); only -M is refused.
// Argument parsing is complete here; each mode is one function in MODES so
// the daemon and the control modes slot in without touching the parsing.
import { EXIT_OK, UsageError, isMainModule, processIo, runCli, type CliIo } from './main.js';
import { EXPORT_HELP, parseExportOptions, type ExportOptions } from './export-command.js';
import { COMMON_OPTIONS, COMMON_OPTIONS_HELP, parseCommandLine, resolveCommonOptions, type CommonOptions, type Environment } from './options.js';

export type HeartbeatMode = 'daemon' | 'check' | 'kill' | 'status' | 'reload' | 'restart-exec' | 'export';

export const HEARTBEAT_HELP = `Usage: heartbeat [--check | -k | -s | -r] [options]

heartbeat-ts, a drop-in reimplementation of Linux-HA Heartbeat 3.0 (haresources
mode). Without a mode flag it runs the daemon in the foreground.

Modes:
  --check            validate ha.cf, haresources, authkeys (and heartbeat-ts.ini,
                     probes.ini), print every problem as FILE:LINE and a summary;
                     exit 0 if the daemon would start, 1 if not
  -k                 ask the running daemon to release its resources and stop;
                     returns when it has stopped
  -s                 tell whether the daemon is running
  -r                 ask the running daemon to re-read its configuration
  -V, --version      print the version and exit
  -D, --print-defaults
                     print the ha.cf directives that have a default, with it,
                     and exit (with -W as a wiki table, like Heartbeat's -DW)

Heartbeat's other flags, taken as Heartbeat takes them:
  -f, --foreground   stay in the foreground (Debian's heartbeat.service passes
                     it); heartbeat-ts always does, so it changes nothing
  -d, --debug        raise the debug level by one, repeatable (-dd): like ha.cf
                     "debug N", debug messages then reach the log, and resource
                     scripts see HA_debug
  -v, --verbose      log the configuration summary (as --check prints it) at start
  -l, --no-realtime  do not run at realtime priority (SCHED_RR), whatever ha.cf
                     \`realtime\` says, as in Heartbeat
  -W, --wiki         only changes the output of -D
  -R, --restarting   Heartbeat's internal "I have just re-executed myself" flag.
                     Run by hand it starts nothing, as in Heartbeat: it answers
                     "not running" (exit 6) or "already running" (exit 1)
  -C, --current-resources STATE
                     with -R only: none, local, foreign or all
  -M                 Heartbeat: run without resource management (for a CRM).
                     Refused: heartbeat-ts always manages the haresources groups

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
  version: { type: 'boolean', short: 'V' },
  'print-defaults': { type: 'boolean', short: 'D' },
  wiki: { type: 'boolean', short: 'W' },
  foreground: { type: 'boolean', short: 'f' },
  debug: { type: 'boolean', short: 'd', multiple: true },
  verbose: { type: 'boolean', short: 'v' },
  'no-realtime': { type: 'boolean', short: 'l' },
  restarting: { type: 'boolean', short: 'R' },
  'current-resources': { type: 'string', short: 'C' },
  'no-resource-management': { type: 'boolean', short: 'M' },
  export: { type: 'string' },
  format: { type: 'string' },
  'node-addr': { type: 'string', multiple: true },
} as const;

/** The resource states Heartbeat's -C takes (hb_resource.c encode_resources). */
const RESOURCE_STATES = ['none', 'local', 'foreign', 'all'];

/** Heartbeat's flags that tune the daemon rather than choose a mode. */
export interface DaemonFlags {
  /** -d, once per -d: ha.cf's `debug` level is raised to at least this. */
  readonly debugLevel: number;
  /** -v: log the configuration summary at start (Heartbeat's dump_config). */
  readonly verbose: boolean;
  /** -l: Heartbeat's "no realtime": normal scheduling whatever ha.cf `realtime` says. */
  readonly noRealtime: boolean;
}

export type ParsedHeartbeatArgs =
  | { readonly help: true }
  | { readonly help: false; readonly mode: 'version' }
  | { readonly help: false; readonly mode: 'print-defaults'; readonly wiki: boolean }
  | {
      readonly help: false;
      readonly mode: HeartbeatMode;
      readonly common: CommonOptions;
      readonly flags: DaemonFlags;
      /** Set in mode 'export'. */
      readonly exportOptions?: ExportOptions;
    };

/** Pure apart from resolving the node name (nodeinfo / uname -n). */
export function parseHeartbeatArgs(argv: readonly string[], env: Environment = process.env): ParsedHeartbeatArgs {
  const { values, positionals } = parseCommandLine(argv, HEARTBEAT_OPTIONS);
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  // Heartbeat acts on -V as soon as it reads it, and on -D before any mode.
  if (values.version) return { help: false, mode: 'version' };
  if (values['print-defaults']) return { help: false, mode: 'print-defaults', wiki: values.wiki === true };
  if (values['no-resource-management']) {
    throw new UsageError(
      '-M (run without resource management, for a CRM such as Pacemaker) is not supported: heartbeat-ts always manages the haresources groups; remove -M',
    );
  }
  const currentResources = values['current-resources'];
  if (currentResources !== undefined && !values.restarting) throw new UsageError('-C is only valid with -R');
  if (currentResources !== undefined && !RESOURCE_STATES.includes(currentResources)) {
    throw new UsageError(`-C takes ${RESOURCE_STATES.join(', ')} (Heartbeat's resource states), not "${currentResources}"`);
  }
  if (values.restarting && values.reload) throw new UsageError('-r is mutually exclusive with -R');
  const modes: HeartbeatMode[] = [];
  if (values.check) modes.push('check');
  if (values.kill) modes.push('kill');
  if (values.status) modes.push('status');
  if (values.reload) modes.push('reload');
  if (values.restarting) modes.push('restart-exec');
  if (modes.length > 1) throw new UsageError(`choose one of --check, -k, -s, -r, -R (got ${modes.length})`);
  const exportOptions = parseExportOptions(values);
  if (exportOptions && modes[0] !== undefined) {
    const flag = { check: '--check', kill: '-k', status: '-s', reload: '-r', 'restart-exec': '-R' }[
      modes[0] as 'check' | 'kill' | 'status' | 'reload' | 'restart-exec'
    ];
    throw new UsageError(`--export cannot be combined with ${flag}`);
  }
  if (exportOptions) modes.push('export');
  const flags: DaemonFlags = {
    debugLevel: values.debug?.length ?? 0,
    verbose: values.verbose === true,
    noRealtime: values['no-realtime'] === true,
  };
  const common = resolveCommonOptions(values, env);
  return { help: false, mode: modes[0] ?? 'daemon', common, flags, ...(exportOptions ? { exportOptions } : {}) };
}

export type ModeHandler = (common: CommonOptions, io: CliIo, flags: DaemonFlags) => Promise<number> | number;

export const MODES: Readonly<Record<HeartbeatMode, ModeHandler>> = {
  check: async (common, io) => (await import('./check.js')).runCheck(common, io),
  // Loaded on demand: `heartbeat -k` and `-s` must answer fast, without loading the whole daemon.
  daemon: async (common, io, flags) => {
    (await import('./daemon-v8.js')).tuneV8ForDaemon();
    const { runDaemon } = await import('../daemon/run.js');
    // The summary code is loaded only for -v.
    const formatSummary = flags.verbose ? (await import('./check.js')).formatSummary : undefined;
    return runDaemon(
      {
        ...common,
        debugLevel: flags.debugLevel,
        noRealtime: flags.noRealtime,
        ...(formatSummary ? { summarize: (config) => formatSummary(config, common) } : {}),
      },
      io,
    );
  },
  kill: async (common, io) => (await import('../daemon/control-modes.js')).killRunningDaemon(common, io),
  status: async (common, io) => (await import('../daemon/control-modes.js')).reportDaemonStatus(common, io),
  reload: async (common, io) => (await import('../daemon/control-modes.js')).reloadRunningDaemon(common, io),
  'restart-exec': async (common, io) => (await import('../daemon/control-modes.js')).answerRestartExec(common, io),
  export: () => {
    throw new Error('heartbeatMain runs --export with its options');
  },
};

async function printVersion(io: CliIo): Promise<number> {
  const { VERSION_TEXT } = await import('../daemon/status-view.js');
  io.stdout(`${VERSION_TEXT}\n`);
  return EXIT_OK;
}

/** Heartbeat's -D (-DW): the defaults of ha.cf's directives. */
async function printDefaults(io: CliIo, wiki: boolean): Promise<number> {
  const { haCfDefaultValues } = await import('../config/index.js');
  const rows = haCfDefaultValues();
  if (wiki) {
    io.stdout(`||'''Parameter'''||'''Default'''||\n${rows.map(([n, v]) => `||${n}||${v}||`).join('\n')}\n`);
  } else {
    const width = Math.max(...rows.map(([n]) => n.length));
    io.stdout(`${rows.map(([n, v]) => `${n.padEnd(width)}  ${v}`).join('\n')}\n`);
  }
  return EXIT_OK;
}

export async function heartbeatMain(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const args = parseHeartbeatArgs(argv);
  if (args.help) {
    io.stdout(HEARTBEAT_HELP);
    return EXIT_OK;
  }
  if (args.mode === 'version') return printVersion(io);
  if (args.mode === 'print-defaults') return printDefaults(io, args.wiki);
  if (args.mode === 'export' && args.exportOptions) {
    return (await import('./export-command.js')).runExport(args.common, args.exportOptions, io);
  }
  return MODES[args.mode](args.common, io, args.flags);
}

if (isMainModule(import.meta.url)) void runCli('heartbeat', (argv) => heartbeatMain(argv));
