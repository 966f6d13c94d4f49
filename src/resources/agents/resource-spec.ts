// A haresources resource resolved once, when the configuration is loaded,
// into what runs it: the built-in IPaddr / IPaddr2 with its argument already
// parsed (address, prefix, interface, label, broadcast), or a script with the
// path it was found at (resource.d, the init directory, or a script
// heartbeat-ts ships). The daemon's start-up, `heartbeat --check` and the
// group runner all work from this one spec: no operation looks a script up
// or parses an argument again. A script removed after start-up fails at its
// next operation with the exec error (`cannot run PATH: …`, logged with the
// resource), and its status then reads "not running", as Heartbeat's
// ownership rule reads a script that prints nothing.
import { join } from 'node:path';
import type { ConfigProblem, HaResourcesConfig, ResourceGroupConfig, ResourceRef } from '../../config/index.js';
import { parseIpAddrArguments, type BuiltinAddressAgent, type IpAddrSpec } from './ipaddr-args.js';
import { resolveResource, type ResolveOptions, type ScriptSource } from './resolve.js';

/** The built-in IPaddr / IPaddr2 agent, with its one argument parsed. */
export interface AddressResourceSpec extends ResourceRef {
  readonly kind: BuiltinAddressAgent;
  readonly address: IpAddrSpec;
}

/** An LSB init script or resource.d script, called as `PATH ARG… start|stop|status`. */
export interface ScriptResourceSpec extends ResourceRef {
  readonly kind: 'script';
  readonly source: ScriptSource;
  readonly path: string;
}

export type ResourceSpec = AddressResourceSpec | ScriptResourceSpec;

/** A haresources group whose resources are all resolved. */
export interface ResourceGroupSpec extends ResourceGroupConfig {
  readonly resources: readonly ResourceSpec[];
}

/** haresources with every resource resolved: what the daemon runs. */
export interface HaResourcesSpec extends HaResourcesConfig {
  readonly groups: readonly ResourceGroupSpec[];
}

export type ResourceSpecResult =
  | { readonly ok: true; readonly spec: ResourceSpec }
  | { readonly ok: false; readonly ref: ResourceRef; readonly reason: string };

/** Whether REF already is a resolved spec (groups from the loaded configuration are). */
export function isResourceSpec(ref: ResourceRef): ref is ResourceSpec {
  return 'kind' in ref;
}

/** One resource → its spec, or why it cannot be served (the configuration error's message). */
export function resourceSpec(ref: ResourceRef, options: ResolveOptions): ResourceSpecResult {
  const resolved = resolveResource(ref, options);
  switch (resolved.kind) {
    case 'unresolved':
      return { ok: false, ref, reason: resolved.reason };
    case 'script':
      return { ok: true, spec: { ...ref, kind: 'script', source: resolved.source, path: resolved.path } };
    case 'builtin': {
      const parsed = parseIpAddrArguments(resolved.name, ref.args);
      if (!parsed.ok) return { ok: false, ref, reason: `bad ${resolved.name} resource "${ref.token}": ${parsed.error}` };
      return { ok: true, spec: { ...ref, kind: resolved.name, address: parsed.spec } };
    }
  }
}

export interface ResourceSpecsResult {
  /** Present when every resource resolved. */
  readonly value?: HaResourcesSpec;
  /** Every resource that cannot be served, with the haresources file and line. */
  readonly problems: readonly ConfigProblem[];
}

/**
 * Resolves every resource of haresources once. A resource that cannot be
 * served is a configuration error naming the file, the line and why.
 */
export function resolveResourceSpecs(haResources: HaResourcesConfig, options: ResolveOptions): ResourceSpecsResult {
  const problems: ConfigProblem[] = [];
  const groups = haResources.groups.map((group): ResourceGroupSpec => {
    const resources: ResourceSpec[] = [];
    for (const ref of group.resources) {
      const r = resourceSpec(ref, options);
      if (r.ok) resources.push(r.spec);
      else problems.push({ severity: 'error', file: haResources.file, line: ref.line, message: r.reason, text: ref.token });
    }
    return { ...group, resources };
  });
  return problems.length > 0 ? { problems } : { value: { ...haResources, groups }, problems };
}

/**
 * Every resource of GROUPS that cannot be served, as configuration errors
 * (`file` defaults to <configDir>/haresources). An empty list: all resolve.
 */
export function resolveGroupResources(
  groups: readonly ResourceGroupConfig[],
  options: ResolveOptions & { readonly file?: string },
): ConfigProblem[] {
  const file = options.file ?? join(options.configDir, 'haresources');
  return [...resolveResourceSpecs({ file, groups }, options).problems];
}
