// The thin I/O shell around the parsers: reads every file of a configuration
// directory, runs every parser, and returns ALL problems of ALL files at
// once. A ClusterConfig exists only when no problem is an error, and it is
// deeply frozen, here and only here: with the resources resolved when a
// resolver is given (the daemon's and --check's loader passes the one of
// src/resources), so that the resolved spec is frozen with the rest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterConfig, ConfigProblem, ExtensionOptions, HaCfConfig, HaResourcesConfig, ProbeConfig } from './types.js';
import { parseHaCf } from './hacf.js';
import { parseHaResources } from './haresources.js';
import { checkAuthKeysFile, parseAuthKeys } from './authkeys.js';
import { EXTENSION_FILE_NAME, defaultExtensionOptions, parseExtensionOptions } from './extension-options.js';
import { parseProbes } from './probes.js';
import { ProblemList, hasErrors } from './problems.js';
import { deepFreeze } from './freeze.js';

export const CONFIG_FILES = {
  haCf: 'ha.cf',
  haResources: 'haresources',
  authKeys: 'authkeys',
  options: EXTENSION_FILE_NAME,
  probes: 'probes.ini',
} as const;

/** Configuration files are small; anything bigger is a mistake (and must not exhaust memory). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export interface LoadOptions {
  readonly configDir: string;
  /** This node's name (lower-cased here). */
  readonly localNode: string;
  /** The uid the daemon runs as; authkeys must belong to it. Default: this process's uid. */
  readonly daemonUid?: number;
  /**
   * A medium on an interface this host does not have: Heartbeat refuses to
   * start ('error', the default); `heartbeat --check` may be run on another
   * machine than the node, so it reports a 'warning'.
   */
  readonly missingInterface?: 'error' | 'warning' | 'ignore';
  /** Whether a network interface exists (default: /sys/class/net/NAME exists). */
  readonly interfaceExists?: (name: string) => boolean;
}

export interface LoadResult<C extends ClusterConfig = ClusterConfig> {
  readonly config?: C;
  /** Every error and warning of every file, file by file in a fixed order, each in line order. */
  readonly problems: readonly ConfigProblem[];
}

/**
 * Turns the parsed haresources into the form the daemon runs (each resource
 * resolved to its agent); its problems refuse the configuration. Called only
 * when every file is otherwise free of errors.
 */
export type ResourceResolver<H extends HaResourcesConfig> = (haResources: HaResourcesConfig) => {
  readonly value?: H;
  readonly problems: readonly ConfigProblem[];
};

export interface ResolvingLoadOptions<H extends HaResourcesConfig> extends LoadOptions {
  readonly resolveResources: ResourceResolver<H>;
}

interface ReadFile {
  readonly text: string;
  readonly stat: fs.Stats;
}

/**
 * Reads one file; undefined (with a problem when it is required) when it
 * cannot be read. authkeys is read as latin1 so that every byte of a key is
 * one character: the wire codec turns the secret back into exactly those
 * bytes for the HMAC, as Heartbeat uses the file's bytes. `missing` replaces
 * the daemon's "file not found" sentence (the export needs fewer files).
 */
export function readConfigFile(
  file: string,
  required: boolean,
  problems: ConfigProblem[],
  encoding: BufferEncoding = 'utf8',
  missing?: string,
): ReadFile | undefined {
  const report = (message: string): undefined => {
    problems.push({ severity: 'error', file, line: 0, message, text: '' });
    return undefined;
  };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    if (code === 'ENOENT') {
      return report(
        missing ??
        `file not found: heartbeat-ts needs ha.cf, haresources and authkeys in ${path.dirname(file)} (commented examples are in etc/ha.d/ of heartbeat-ts; give another directory with --config-dir)`,
      );
    }
    return report(`cannot read: ${describeErrno(err)}`);
  }
  if (!stat.isFile()) return report('is not a regular file');
  if (stat.size > MAX_CONFIG_FILE_BYTES) return report(`is ${stat.size} bytes long; a configuration file is at most ${MAX_CONFIG_FILE_BYTES}`);
  try {
    return { text: fs.readFileSync(file, encoding), stat };
  } catch (err) {
    return report(`cannot read: ${describeErrno(err)}`);
  }
}

function describeErrno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (run as the user the daemon runs as, usually root)';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e.code ? `${e.code}` : String(e.message ?? err);
  }
}

function defaultInterfaceExists(name: string): boolean {
  if (!fs.existsSync('/sys/class/net')) return true; // not Linux: cannot tell
  return fs.existsSync(path.join('/sys/class/net', name));
}

function checkInterfaces(haCf: HaCfConfig, options: LoadOptions): ConfigProblem[] {
  const mode = options.missingInterface ?? 'error';
  if (mode === 'ignore') return [];
  const exists = options.interfaceExists ?? defaultInterfaceExists;
  const problems = new ProblemList(haCf.file);
  const reported = new Set<string>();
  for (const m of haCf.media) {
    if (reported.has(m.iface) || exists(m.iface)) continue;
    reported.add(m.iface);
    const message = `network interface ${m.iface} (used by ${m.kind}) does not exist on this host: Heartbeat refuses to start with it`;
    if (mode === 'error') problems.error(m.line, message);
    else problems.warning(m.line, `${message} (fine if you are checking this file for another machine)`);
  }
  return problems.items;
}

export function loadClusterConfig<H extends HaResourcesConfig>(
  options: ResolvingLoadOptions<H>,
): LoadResult<ClusterConfig & { readonly haResources: H }>;
export function loadClusterConfig(options: LoadOptions): LoadResult;
export function loadClusterConfig(options: LoadOptions & { readonly resolveResources?: ResourceResolver<HaResourcesConfig> }): LoadResult {
  const { configDir } = options;
  const localNode = options.localNode.toLowerCase();
  const daemonUid = options.daemonUid ?? process.getuid?.() ?? 0;
  const file = (name: string): string => path.join(configDir, name);
  const problems: ConfigProblem[] = [];

  const haCfFile = file(CONFIG_FILES.haCf);
  const haCfRead = readConfigFile(haCfFile, true, problems);
  const haCf = haCfRead ? parseHaCf(haCfRead.text, haCfFile, { localNode }) : undefined;
  if (haCf) {
    problems.push(...haCf.problems);
    problems.push(...checkInterfaces(haCf.value, options));
  }

  const haResourcesFile = file(CONFIG_FILES.haResources);
  const haResourcesRead = readConfigFile(haResourcesFile, true, problems);
  const haResources = haResourcesRead
    ? parseHaResources(haResourcesRead.text, haResourcesFile, haCf?.value.nodes)
    : undefined;
  if (haResources) problems.push(...haResources.problems);

  const authKeysFile = file(CONFIG_FILES.authKeys);
  const authKeysRead = readConfigFile(authKeysFile, true, problems, 'latin1');
  let authKeys: ReturnType<typeof parseAuthKeys> | undefined;
  if (authKeysRead) {
    problems.push(...checkAuthKeysFile(authKeysFile, authKeysRead.stat, daemonUid, userName(daemonUid)));
    authKeys = parseAuthKeys(authKeysRead.text, authKeysFile);
    problems.push(...authKeys.problems);
  }

  const optionsFile = file(CONFIG_FILES.options);
  const optionsRead = readConfigFile(optionsFile, false, problems);
  let extension: ExtensionOptions = defaultExtensionOptions(optionsFile);
  if (optionsRead) {
    const parsed = parseExtensionOptions(optionsRead.text, optionsFile);
    problems.push(...parsed.problems);
    extension = parsed.value;
  }

  const probesFile = file(CONFIG_FILES.probes);
  const probesRead = readConfigFile(probesFile, false, problems);
  let probes: ProbeConfig[] = [];
  if (probesRead) {
    const groupKeys = haResources?.value.groups.map((g) => g.key) ?? [];
    const parsed = parseProbes(probesRead.text, probesFile, groupKeys);
    problems.push(...parsed.problems);
    probes = parsed.probes;
  }

  if (hasErrors(problems) || !haCf || !haResources || !authKeys?.value) {
    return { problems: deepFreeze(problems) };
  }
  let resources: HaResourcesConfig = haResources.value;
  if (options.resolveResources) {
    const resolved = options.resolveResources(resources);
    problems.push(...resolved.problems);
    if (hasErrors(problems) || !resolved.value) return { problems: deepFreeze(problems) };
    resources = resolved.value;
  }
  const config: ClusterConfig = {
    configDir,
    localNode,
    haCf: haCf.value,
    haResources: resources,
    authKeys: authKeys.value,
    probes,
    options: extension,
    warnings: problems.filter((p) => p.severity === 'warning'),
  };
  return { config: deepFreeze(config), problems: deepFreeze(problems) };
}

/** The name of a uid, for messages (only known for this process's own user). */
function userName(uid: number): string | undefined {
  if (uid === 0) return 'root';
  try {
    const me = os.userInfo();
    return me.uid === uid ? me.username : undefined;
  } catch {
    return undefined;
  }
}
