// Options every heartbeat-ts command shares: where the files are and which
// node this is. Resolution order for each: command-line option, then the
// environment variable Heartbeat's scripts use, then Heartbeat's default.
//
//   --config-dir DIR   $HA_DIR     /etc/ha.d
//   --state-dir DIR    $HA_VARLIB  /var/lib/heartbeat
//   --run-dir DIR      $HA_VARRUN  /run/heartbeat
//   --node NAME        <config-dir>/nodeinfo (first line), else `uname -n`;
//                      lower-cased like every node name (spec §9.8)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './main.js';

export const DEFAULT_CONFIG_DIR = '/etc/ha.d';
export const DEFAULT_STATE_DIR = '/var/lib/heartbeat';
export const DEFAULT_RUN_DIR = '/run/heartbeat';

/** Where the node name came from; `first-node` only in --check on a machine that is not a node. */
export type NodeNameSource = 'option' | 'nodeinfo' | 'hostname' | 'first-node';

export interface CommonOptions {
  readonly configDir: string;
  readonly stateDir: string;
  readonly runDir: string;
  /** This node's name, lower-cased. */
  readonly node: string;
  readonly nodeSource: NodeNameSource;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The parseArgs declarations of the shared options. */
export const COMMON_OPTIONS = {
  'config-dir': { type: 'string' },
  'state-dir': { type: 'string' },
  'run-dir': { type: 'string' },
  node: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

export const COMMON_OPTIONS_HELP = `  --config-dir DIR   configuration directory (default $HA_DIR or ${DEFAULT_CONFIG_DIR})
  --state-dir DIR    state directory (default $HA_VARLIB or ${DEFAULT_STATE_DIR})
  --run-dir DIR      runtime directory (default $HA_VARRUN or ${DEFAULT_RUN_DIR})
  --node NAME        this node's name (default: first line of <config-dir>/nodeinfo,
                     else \`uname -n\`)
  -h, --help         print this help`;

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * node:util parseArgs with positionals allowed anywhere (options may follow
 * words: `cl_status nodestatus node-a --run-dir D`); a bad command line
 * becomes a UsageError.
 */
export function parseCommandLine<const T extends OptionsConfig>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
}

function usageMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = String(e.message ?? err);
  // Node's messages are good but end with hints about `--` we do not need.
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const needsValue = /Option '([^']+)' argument missing/.exec(message);
  if (needsValue) return `option ${needsValue[1]} needs a value`;
  const noValue = /Option '([^']+)' does not take an argument/.exec(message);
  if (noValue) return `option ${noValue[1]} does not take a value`;
  return message.split('\n')[0]!;
}

export interface ResolveDependencies {
  readonly hostname: () => string;
  /** Contents of a file, or undefined when it does not exist. */
  readonly readFile: (file: string) => string | undefined;
}

const systemDependencies: ResolveDependencies = {
  hostname: () => os.hostname(),
  readFile: (file) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  },
};

function directory(option: string, value: string | undefined, envName: string, env: Environment, fallback: string): string {
  const chosen = value ?? (env[envName] !== undefined && env[envName] !== '' ? env[envName] : fallback);
  if (chosen === '') throw new UsageError(`--${option} needs a directory name`);
  return path.normalize(chosen);
}

/** A node name as Heartbeat accepts it: one word, compared lower-cased. */
export function checkNodeName(name: string, from: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new UsageError(`${from} gives an empty node name`);
  if (/[\s#,]/.test(trimmed)) throw new UsageError(`${from} gives "${trimmed}", which is not a node name (no blanks, commas or #)`);
  return trimmed.toLowerCase();
}

export function resolveCommonOptions(
  values: { readonly 'config-dir'?: string; readonly 'state-dir'?: string; readonly 'run-dir'?: string; readonly node?: string },
  env: Environment = process.env,
  deps: ResolveDependencies = systemDependencies,
): CommonOptions {
  const configDir = directory('config-dir', values['config-dir'], 'HA_DIR', env, DEFAULT_CONFIG_DIR);
  const stateDir = directory('state-dir', values['state-dir'], 'HA_VARLIB', env, DEFAULT_STATE_DIR);
  const runDir = directory('run-dir', values['run-dir'], 'HA_VARRUN', env, DEFAULT_RUN_DIR);
  if (values.node !== undefined) {
    return { configDir, stateDir, runDir, node: checkNodeName(values.node, '--node'), nodeSource: 'option' };
  }
  const nodeinfoFile = path.join(configDir, 'nodeinfo');
  const nodeinfo = deps.readFile(nodeinfoFile);
  const firstLine = nodeinfo?.split('\n')[0]?.trim();
  if (firstLine) {
    return { configDir, stateDir, runDir, node: checkNodeName(firstLine, nodeinfoFile), nodeSource: 'nodeinfo' };
  }
  return { configDir, stateDir, runDir, node: checkNodeName(deps.hostname(), '`uname -n`'), nodeSource: 'hostname' };
}

/** The shared options the admin commands take with a value (they only need --run-dir; the rest is accepted for one command line everywhere). */
export const SHARED_VALUE_OPTIONS = ['--config-dir', '--state-dir', '--run-dir', '--node'] as const;
export type SharedValueOption = (typeof SHARED_VALUE_OPTIONS)[number];

export type SharedOptionScan =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly option: SharedValueOption; readonly value: string; readonly consumed: 1 | 2 }
  | { readonly kind: 'missing'; readonly option: SharedValueOption };

/**
 * Whether argv[i] is one of the shared options (`--run-dir DIR` or
 * `--run-dir=DIR`), for commands that parse their words by hand (Heartbeat's
 * getopt-style tools): every command accepts the same shared options.
 */
export function scanSharedOption(argv: readonly string[], i: number): SharedOptionScan {
  const a = argv[i]!;
  for (const option of SHARED_VALUE_OPTIONS) {
    if (a === option) {
      const value = argv[i + 1];
      if (value === undefined || value === '') return { kind: 'missing', option };
      return { kind: 'value', option, value, consumed: 2 };
    }
    if (a.startsWith(`${option}=`)) {
      const value = a.slice(option.length + 1);
      if (value === '') return { kind: 'missing', option };
      return { kind: 'value', option, value, consumed: 1 };
    }
  }
  return { kind: 'none' };
}

export const ADMIN_SHARED_OPTIONS_HELP = `  --run-dir DIR      the daemon's run directory, where its control socket is
                     (default $HA_VARRUN or ${DEFAULT_RUN_DIR})
  --config-dir DIR, --state-dir DIR, --node NAME
                     accepted like every heartbeat-ts command takes them; the
                     daemon is reached through --run-dir alone`;
