// Which agent serves a haresources resource, looked up as Heartbeat's
// ResourceManager does (spec §9.1): `<configDir>/resource.d/NAME`, then
// `<initDir>/NAME`, each only if it is a regular executable file; then the
// built-in IPaddr / IPaddr2 and the scripts heartbeat-ts ships (nginx). A
// real IPaddr script in resource.d therefore wins over the built-in, as it
// would in Heartbeat, and an nginx init script in /etc/init.d wins over ours.
// The lookup runs once per resource, when the configuration is loaded (see
// resource-spec.ts), never per operation.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceRef } from '../../config/index.js';
import type { BuiltinAddressAgent } from './ipaddr-args.js';
import { SHIPPED_SCRIPTS, shippedScriptPath, type ShippedScript } from './shipped-scripts.js';

export const DEFAULT_INIT_DIR = '/etc/init.d';

export interface ResolveOptions {
  readonly configDir: string;
  /** Where LSB init scripts live (default /etc/init.d). */
  readonly initDir?: string;
}

/** Where a resource's script was found. */
export type ScriptSource = 'resource.d' | 'init.d' | 'shipped';

export type ResolvedResource =
  | { readonly kind: 'script'; readonly ref: ResourceRef; readonly path: string; readonly source: ScriptSource }
  | { readonly kind: 'builtin'; readonly ref: ResourceRef; readonly name: BuiltinAddressAgent }
  | { readonly kind: 'unresolved'; readonly ref: ResourceRef; readonly reason: string };

const BUILTINS: readonly BuiltinAddressAgent[] = ['IPaddr', 'IPaddr2'];

/** The directories looked in, in order, with what each one is. */
function lookupOrder(options: ResolveOptions): readonly (readonly [string, ScriptSource])[] {
  return [
    [join(options.configDir, 'resource.d'), 'resource.d'],
    [options.initDir ?? DEFAULT_INIT_DIR, 'init.d'],
  ];
}

export function scriptDirectories(options: ResolveOptions): string[] {
  return lookupOrder(options).map(([dir]) => dir);
}

function badScriptName(name: string): string | undefined {
  if (name === '') return 'the resource has an empty script name';
  if (name.includes('/') || name === '.' || name === '..' || name.includes('\0')) {
    return `"${name}" is not a script name (it may not contain "/")`;
  }
  return undefined;
}

/** Why PATH is not usable as a resource script, or undefined when it is. */
function unusableBecause(path: string): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 'missing';
  }
  if (!stats.isFile()) return `${path} is not a regular file`;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `${path} is not executable (chmod +x it)`;
  }
  return undefined;
}

export function resolveResource(ref: ResourceRef, options: ResolveOptions): ResolvedResource {
  const bad = badScriptName(ref.script);
  if (bad) return { kind: 'unresolved', ref, reason: bad };
  const notes: string[] = [];
  const looked: string[] = [];
  for (const [dir, source] of lookupOrder(options)) {
    const path = join(dir, ref.script);
    looked.push(path);
    const why = unusableBecause(path);
    if (why === undefined) return { kind: 'script', ref, path, source };
    if (why !== 'missing') notes.push(why);
  }
  const builtin = BUILTINS.find((b) => b === ref.script);
  if (builtin) return { kind: 'builtin', ref, name: builtin };
  const shipped = SHIPPED_SCRIPTS.find((name) => name === ref.script);
  if (shipped) return { kind: 'script', ref, path: shippedScriptPath(shipped as ShippedScript), source: 'shipped' };
  const detail = notes.length ? notes.join('; ') : `no regular executable file ${looked.join(' or ')}`;
  return { kind: 'unresolved', ref, reason: `Cannot locate resource script ${ref.script}: ${detail}` };
}

