// `heartbeat --export pacemaker|corosync`: print the Pacemaker configuration
// (--format cib|crm|pcs) or the corosync.conf equivalent to the configuration
// directory on stdout; every problem of the input as FILE:LINE on stderr (exit
// 1), and everything the export cannot carry over as a warning on stderr.
import { formatProblem, type ConfigProblem } from '../config/index.js';
import {
  buildPacemakerModel,
  loadExportInput,
  renderCib,
  renderCorosync,
  renderCrm,
  renderPcs,
  type ExportWarning,
} from '../export/index.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './main.js';
import { checkNodeName, type CommonOptions } from './options.js';

export const EXPORT_TARGETS = ['pacemaker', 'corosync'] as const;
export const EXPORT_FORMATS = ['cib', 'crm', 'pcs'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  readonly target: ExportTarget;
  readonly format: ExportFormat;
  /** --node-addr NAME=ADDR, names lower-cased. */
  readonly nodeAddresses: ReadonlyMap<string, string>;
}

export const EXPORT_HELP = `  --export pacemaker print the Pacemaker configuration equivalent to ha.cf, haresources,
                     probes.ini and heartbeat-ts.ini (warnings for what cannot be
                     carried over go to stderr); see docs/migrate-to-pacemaker.md
    --format cib|crm|pcs  a CIB XML document (default), crmsh commands, or a pcs script
  --export corosync  print the corosync.conf (Corosync 3, knet) for the same nodes
    --node-addr NAME=ADDR the cluster address of node NAME (repeatable; default:
                     ha.cf's ucast addresses in node order, else the node name)`;

export function parseExportOptions(values: {
  readonly export?: string;
  readonly format?: string;
  readonly 'node-addr'?: readonly string[];
}): ExportOptions | undefined {
  const { export: target, format, 'node-addr': nodeAddr } = values;
  if (target === undefined) {
    if (format !== undefined) throw new UsageError('--format goes with --export pacemaker');
    if (nodeAddr !== undefined) throw new UsageError('--node-addr goes with --export corosync');
    return undefined;
  }
  if (!(EXPORT_TARGETS as readonly string[]).includes(target)) {
    throw new UsageError(`--export takes pacemaker or corosync, not "${target}"`);
  }
  if (format !== undefined && target !== 'pacemaker') throw new UsageError('--format goes with --export pacemaker');
  if (format !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format takes cib, crm or pcs, not "${format}"`);
  }
  if (nodeAddr !== undefined && target !== 'corosync') throw new UsageError('--node-addr goes with --export corosync');
  const nodeAddresses = new Map<string, string>();
  for (const item of nodeAddr ?? []) {
    const m = /^([^=]+)=(\S+)$/.exec(item);
    if (!m) throw new UsageError(`--node-addr takes NAME=ADDR, not "${item}"`);
    const name = checkNodeName(m[1]!, '--node-addr');
    if (nodeAddresses.has(name)) throw new UsageError(`--node-addr gives ${name} twice`);
    nodeAddresses.set(name, m[2]!);
  }
  return { target: target as ExportTarget, format: (format ?? 'cib') as ExportFormat, nodeAddresses };
}

function warningText(w: ExportWarning): string {
  return formatProblem({ severity: 'warning', file: w.file, line: w.line, message: w.message, text: '' });
}

function refuse(io: CliIo, problems: readonly ConfigProblem[], configDir: string): number {
  for (const p of problems) io.stderr(`${formatProblem(p)}\n`);
  io.stderr(`\nheartbeat --export: nothing exported from ${configDir} (${problems.length} error${problems.length === 1 ? '' : 's'}): fix the errors above and run it again.\n`);
  return EXIT_FAILURE;
}

export function runExport(common: CommonOptions, options: ExportOptions, io: CliIo): number {
  const loaded = loadExportInput(common.configDir);
  if (!loaded.ok) return refuse(io, loaded.errors, common.configDir);
  const { input } = loaded;
  let text: string;
  let warnings: readonly ExportWarning[];
  if (options.target === 'corosync') {
    const result = renderCorosync({
      haCf: input.haCf,
      haCfText: input.haCfText,
      nodeAddresses: options.nodeAddresses,
      authKeysFile: `${common.configDir}/authkeys`,
      ...(input.authMethod !== undefined ? { authMethod: input.authMethod } : {}),
    });
    if (result.errors.length > 0) throw new UsageError(result.errors.join('; '));
    text = result.text;
    warnings = result.warnings;
  } else {
    const built = buildPacemakerModel(input);
    if (built.errors.length > 0) return refuse(io, built.errors, common.configDir);
    const render = { cib: renderCib, crm: renderCrm, pcs: renderPcs }[options.format];
    text = render(built.model);
    warnings = built.warnings;
  }
  for (const w of warnings) io.stderr(`${warningText(w)}\n`);
  if (warnings.length > 0) {
    io.stderr(`heartbeat --export ${options.target}: ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: what they name is not (or only approximately) carried over.\n`);
  }
  io.stdout(text);
  return EXIT_OK;
}
