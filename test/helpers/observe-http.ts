// Reading a node's HTTP listener ([http] listen) from inside its lab
// namespace, checking expositions with promtool and statuses with ajv
// against schema/status.schema.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { LabHost } from './netns.js';
import { REPO_ROOT } from './hbts-node.js';

export const OBSERVE_PORT = 9644;

export interface HttpAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/** GET http://ADDRESS:PORT/PATH from inside `host`'s namespace (curl, bounded). */
export async function httpGet(host: LabHost, path: string, address = '127.0.0.1', port = OBSERVE_PORT): Promise<HttpAnswer> {
  const r = await host.exec('curl', ['-sS', '-i', '--max-time', '5', `http://${address}:${port}${path}`], { reject: false, stripFinalNewline: false });
  if (r.exitCode !== 0) throw new Error(`curl ${path} in ${host.name}: exit ${r.exitCode}: ${r.stderr}`);
  const end = r.stdout.indexOf('\r\n\r\n');
  const headers = r.stdout.slice(0, end);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1]);
  return { status, headers, body: r.stdout.slice(end + 4) };
}

/** Samples of a Prometheus text exposition: `name{labels}` → value. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** The value of a sample, labels in the exposition's order; throws when it is absent. */
export function sample(samples: Map<string, number>, key: string): number {
  const v = samples.get(key);
  if (v === undefined) throw new Error(`no sample ${key}; have:\n${[...samples.keys()].filter((k) => k.startsWith(key.split('{')[0]!)).join('\n')}`);
  return v;
}

/** `promtool check metrics` on an exposition: its exit code and what it said. */
export async function promtoolCheck(exposition: string): Promise<{ exitCode: number; output: string }> {
  const r = await execa('promtool', ['check', 'metrics'], { input: exposition, reject: false, timeout: 30_000 });
  return { exitCode: r.exitCode ?? -1, output: `${r.stdout}${r.stderr}` };
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

/** Validation errors of a status against schema/status.schema.json (empty: valid). */
export function statusSchemaErrors(status: unknown): string[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/status.schema.json'), 'utf8')) as object;
    validator = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  }
  return validator(status) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
