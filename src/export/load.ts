// The export's I/O shell: reads the configuration directory (ha.cf and
// haresources required; probes.ini, heartbeat-ts.ini, authkeys optional),
// parses it with config/'s parsers and returns the export's input, or every
// error (FILE:LINE) at once. authkeys is read only for its method (a
// warning when it is crc); the export never copies a key.
import fs from 'node:fs';
import path from 'node:path';
import {
  CONFIG_FILES,
  defaultExtensionOptions,
  parseAuthKeys,
  parseExtensionOptions,
  parseHaCf,
  parseHaResources,
  parseProbes,
  readConfigFile,
  type ConfigProblem,
  type ProbeConfig,
} from '../config/index.js';
import type { ExportInput } from './build.js';

export type LoadExportResult = { readonly ok: true; readonly input: ExportInput } | { readonly ok: false; readonly errors: readonly ConfigProblem[] };

const MISSING = 'file not found: the export needs ha.cf and haresources (give the directory with --config-dir)';

function readText(file: string, required: boolean, errors: ConfigProblem[]): string | undefined {
  return readConfigFile(file, required, errors, 'utf8', MISSING)?.text;
}

function resourceDScripts(configDir: string): Set<string> {
  try {
    return new Set(fs.readdirSync(path.join(configDir, 'resource.d')));
  } catch {
    return new Set();
  }
}

export function loadExportInput(configDir: string): LoadExportResult {
  const errors: ConfigProblem[] = [];
  const file = (name: string): string => path.join(configDir, name);
  const onlyErrors = (problems: readonly ConfigProblem[]): void => void errors.push(...problems.filter((p) => p.severity === 'error'));

  const haCfFile = file(CONFIG_FILES.haCf);
  const haCfText = readText(haCfFile, true, errors);
  const haCf = haCfText !== undefined ? parseHaCf(haCfText, haCfFile) : undefined;
  if (haCf) onlyErrors(haCf.problems);

  const haResourcesFile = file(CONFIG_FILES.haResources);
  const haResourcesText = readText(haResourcesFile, true, errors);
  const haResources = haResourcesText !== undefined ? parseHaResources(haResourcesText, haResourcesFile, haCf?.value.nodes) : undefined;
  if (haResources) onlyErrors(haResources.problems);

  const optionsFile = file(CONFIG_FILES.options);
  const optionsText = readText(optionsFile, false, errors);
  let options = defaultExtensionOptions(optionsFile);
  if (optionsText !== undefined) {
    const parsed = parseExtensionOptions(optionsText, optionsFile);
    onlyErrors(parsed.problems);
    options = parsed.value;
  }

  const probesFile = file(CONFIG_FILES.probes);
  const probesText = readText(probesFile, false, errors);
  let probes: ProbeConfig[] = [];
  if (probesText !== undefined) {
    const parsed = parseProbes(probesText, probesFile, haResources?.value.groups.map((g) => g.key) ?? []);
    onlyErrors(parsed.problems);
    probes = parsed.probes;
  }

  const authKeysFile = file(CONFIG_FILES.authKeys);
  const authText = readText(authKeysFile, false, errors);
  const auth = authText !== undefined ? parseAuthKeys(authText, authKeysFile) : undefined;
  if (auth) onlyErrors(auth.problems);

  if (errors.length > 0 || !haCf || !haResources || haCfText === undefined) return { ok: false, errors };
  const authMethod = auth?.value?.keys.get(auth.value.active)?.method;
  return {
    ok: true,
    input: {
      configDir,
      haCf: haCf.value,
      haCfText,
      haResources: haResources.value,
      probes,
      probesFile,
      options,
      resourceDScripts: resourceDScripts(configDir),
      ...(authMethod !== undefined ? { authMethod } : {}),
    },
  };
}
