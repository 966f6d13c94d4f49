// `heartbeat --export pacemaker|corosync` checked by Pacemaker's and
// Corosync's own tools, offline (no cluster runs; Debian's pacemaker-cli-utils,
// crmsh and corosync binaries read files only):
//  - crm_verify -x accepts the CIB export of every example configuration and
//    of a table of real-world haresources files (test/fixtures/export);
//  - every parameter of every OCF and fencing primitive is one the agent's
//    metadata declares (crm_resource --show-metadata), and every parameter the
//    agent requires is given;
//  - crm_simulate: every group starts on its home node; when that node fails
//    the group starts on a peer; when it comes back (its old lrm history
//    removed, as a real rejoin clears it) the group goes home with
//    auto_failback on and stays with off;
//  - the crmsh form loads into an empty CIB with crmsh itself and gives the
//    same primitives, groups and constraints as the CIB form;
//  - the pcs script runs as exported with the real pcs (0.11.5, `pcs -f` on a
//    CIB file: CIB_file set, no cluster, nothing pushed) into an empty CIB that
//    crm_verify then accepts, with the same primitives, agents, parameters,
//    operations, groups, clones, meta attributes (stickiness) and constraints
//    as the CIB form;
//  - corosync -t accepts the corosync.conf export (in a private network and
//    mount namespace where the first node's address exists).
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacemakerModel, loadExportInput, renderCib, renderCrm, renderPcs } from '../../../src/export/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const HEARTBEAT = path.join(ROOT, 'dist/cli/heartbeat.js');
const REAL_WORLD = path.join(ROOT, 'test/fixtures/export');

interface Case {
  readonly name: string;
  readonly dir: string;
}

const CASES: Case[] = [
  { name: 'etc/ha.d (the shipped example)', dir: path.join(ROOT, 'etc/ha.d') },
  ...fs
    .readdirSync(REAL_WORLD)
    .filter((d) => fs.statSync(path.join(REAL_WORLD, d)).isDirectory())
    .sort()
    .map((d) => ({ name: `real-world ${d}`, dir: path.join(REAL_WORLD, d) })),
];

let work: string;
const CRMSH_AT_ONCE = 4;
/**
 * Each check takes a second or two on an idle machine; a crmsh load waits for
 * the loads queued before it. On a loaded 2-core machine that can take a
 * minute, so these tests get an honest 5 minutes.
 */
const SLOW_TEST_MS = 300_000;
/**
 * crmsh spends most of a load waiting, not computing, so every case's load
 * runs at once, started before the first test; each case's test awaits its own.
 */
const crmLoads = new Map<string, Promise<{ exitCode: number | undefined; all: string; loaded: string; crm: string }>>();

async function loadWithCrmsh(dir: string, index: number): Promise<{ exitCode: number | undefined; all: string; loaded: string; crm: string }> {
  const crm = exportPacemaker(dir, 'crm');
  const target = path.join(work, `crmsh-${index}.xml`);
  fs.writeFileSync(
    target,
    '<cib validate-with="pacemaker-3.9" admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>\n',
  );
  const source = path.join(work, `crmsh-${index}.crm`);
  fs.writeFileSync(source, crm);
  // -F: crmsh would refuse lsb: agents whose init script is not on this machine.
  const r = await execa('crm', ['-F', 'configure', 'load', 'update', source], {
    env: { CIB_file: target },
    reject: false,
    all: true,
    timeout: 90_000,
  });
  return { exitCode: r.exitCode, all: r.all ?? '', loaded: fs.readFileSync(target, 'utf8'), crm };
}

const PCS_AT_ONCE = 2;
/** The pcs script of each case, run offline as exported; started before the first test like the crmsh loads. */
const pcsRuns = new Map<string, Promise<{ exitCode: number | undefined; stderr: string; all: string; built: string; script: string }>>();

async function runPcsScript(dir: string, index: number): Promise<{ exitCode: number | undefined; stderr: string; all: string; built: string; script: string }> {
  const script = exportPacemaker(dir, 'pcs');
  const target = path.join(work, `pcs-${index}.xml`);
  const empty = await execa('cibadmin', ['--empty']);
  fs.writeFileSync(target, empty.stdout);
  const source = path.join(work, `pcs-${index}.sh`);
  fs.writeFileSync(source, script);
  // The script as printed; CIB_file is its documented offline switch (no cluster, nothing pushed).
  const r = await execa('sh', [source], { env: { CIB_file: target }, reject: false, all: true, timeout: 240_000 });
  return { exitCode: r.exitCode, stderr: r.stderr, all: r.all ?? '', built: fs.readFileSync(target, 'utf8'), script };
}

beforeAll(async () => {
  for (const tool of ['crm_verify', 'crm_simulate', 'crm_resource', 'cibadmin', 'crm_mon', 'crm', 'pcs', 'corosync', 'corosync-keygen']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) throw new Error(`${tool} is missing: run ./scripts/install-system-packages (pacemaker-cli-utils, crmsh, pcs, corosync)`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbts-export-'));
  // At most CRMSH_AT_ONCE loads at a time, each chained after an earlier one.
  const lanes: Promise<unknown>[] = Array.from({ length: CRMSH_AT_ONCE }, () => Promise.resolve());
  CASES.forEach(({ dir }, i) => {
    const lane = i % CRMSH_AT_ONCE;
    const load = lanes[lane]!.then(() => loadWithCrmsh(dir, i));
    lanes[lane] = load.catch(() => undefined);
    crmLoads.set(dir, load);
  });
  // pcs computes rather than waits: PCS_AT_ONCE lanes, one per core.
  const pcsLanes: Promise<unknown>[] = Array.from({ length: PCS_AT_ONCE }, () => Promise.resolve());
  CASES.forEach(({ dir }, i) => {
    const lane = i % PCS_AT_ONCE;
    const run = pcsLanes[lane]!.then(() => runPcsScript(dir, i));
    pcsLanes[lane] = run.catch(() => undefined);
    pcsRuns.set(dir, run);
  });
});

afterAll(async () => {
  // Never leave a crmsh child behind, whatever failed.
  await Promise.allSettled([...crmLoads.values(), ...pcsRuns.values()]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});


/** The export, in this process (the CLI itself is run by the last tests and test/unit/export). */
function exportPacemaker(dir: string, format: 'cib' | 'crm' | 'pcs'): string {
  const loaded = loadExportInput(dir);
  if (!loaded.ok) throw new Error(`${dir}: ${loaded.errors.map((e) => e.message).join('; ')}`);
  const built = buildPacemakerModel(loaded.input);
  if (built.errors.length > 0) throw new Error(`${dir}: ${built.errors.map((e) => e.message).join('; ')}`);
  return { cib: renderCib, crm: renderCrm, pcs: renderPcs }[format](built.model);
}

async function runExport(dir: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await execa('node', [HEARTBEAT, '--config-dir', dir, ...args], { reject: false, stripFinalNewline: false });
  if (r.exitCode !== 0) throw new Error(`heartbeat ${args.join(' ')} --config-dir ${dir} exited ${r.exitCode}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

let fileCounter = 0;
function writeWork(name: string, text: string): string {
  fileCounter += 1;
  const file = path.join(work, `${fileCounter}-${name}`);
  fs.writeFileSync(file, text);
  return file;
}

/** crm_verify -x: exit 0; a CIB whose unseen nodes would be fenced warns about exactly that and nothing else. */
async function verify(file: string): Promise<void> {
  const r = await execa('crm_verify', ['-x', file, '-VVV'], { reject: false, all: true });
  if (r.exitCode === 0) return;
  const problems = (r.all ?? '')
    .split('\n')
    .filter((l) => /warning|error/i.test(l))
    .filter((l) => !/Scheduling node \S+ for fencing|Warnings found during check|-V may provide/.test(l));
  expect(problems, `crm_verify -x ${file}:\n${r.all}`).toEqual([]);
}

interface PrimitiveInfo {
  readonly id: string;
  readonly agent: string;
  readonly params: ReadonlyMap<string, string>;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

/** The configuration section's primitives, groups and constraints, from a CIB's XML. */
function structure(cib: string): {
  primitives: PrimitiveInfo[];
  groups: Map<string, string[]>;
  locations: string[];
  properties: Map<string, string>;
  /** Primitive id → its operations, each "name interval timeout on-fail [nested nvpairs]". */
  ops: Map<string, string[]>;
  /** Group, clone or primitive id → its meta attributes, "name=value" sorted. */
  metas: Map<string, string[]>;
  /** Clone id → its primitive's id. */
  clones: Map<string, string>;
  /** Location constraints without their ids (pcs names its own): "rsc node score" or "rsc rule score-attribute: attribute operation". */
  placements: string[];
} {
  const config = cib.slice(cib.indexOf('<configuration>'), cib.indexOf('</configuration>'));
  const primitives: PrimitiveInfo[] = [];
  for (const m of config.matchAll(/<primitive\b[^>]*>[\s\S]*?<\/primitive>|<primitive\b[^>]*\/>/g)) {
    const head = /<primitive\b[^>]*>/.exec(m[0])![0];
    const cls = attr(head, 'class')!;
    const provider = attr(head, 'provider');
    const agent = `${cls}:${provider !== undefined ? `${provider}:` : ''}${attr(head, 'type')}`;
    const inst = /<instance_attributes\b[^>]*>([\s\S]*?)<\/instance_attributes>/.exec(m[0].replace(/<operations>[\s\S]*<\/operations>/, ''));
    const params = new Map<string, string>();
    for (const nv of (inst?.[1] ?? '').matchAll(/<nvpair\b[^>]*>/g)) params.set(attr(nv[0], 'name')!, attr(nv[0], 'value')!);
    primitives.push({ id: attr(head, 'id')!, agent, params });
  }
  const groups = new Map<string, string[]>();
  for (const g of config.matchAll(/<group\b[^>]*>[\s\S]*?<\/group>/g)) {
    const members = [...g[0].matchAll(/<primitive\b[^>]*>/g)].map((p) => attr(p[0], 'id')!);
    groups.set(attr(g[0], 'id')!, members);
  }
  const locations = [...config.matchAll(/<rsc_location\b[^>]*>/g)].map((l) =>
    ['id', 'rsc', 'node', 'score'].map((a) => attr(l[0], a) ?? '').join(' '),
  );
  const properties = new Map<string, string>();
  const crmConfig = /<crm_config>([\s\S]*?)<\/crm_config>/.exec(config)?.[1] ?? '';
  for (const nv of crmConfig.matchAll(/<nvpair\b[^>]*>/g)) properties.set(attr(nv[0], 'name')!, attr(nv[0], 'value')!);
  const ops = new Map<string, string[]>();
  for (const m of config.matchAll(/<primitive\b[^>]*>[\s\S]*?<\/primitive>/g)) {
    const id = attr(/<primitive\b[^>]*>/.exec(m[0])![0], 'id')!;
    const list = [...m[0].matchAll(/<op\b[^>]*\/>|<op\b[^>]*>[\s\S]*?<\/op>/g)].map((o) => {
      const head = /<op\b[^>]*>/.exec(o[0])![0];
      const nested = [...o[0].matchAll(/<nvpair\b[^>]*>/g)].map((nv) => `${attr(nv[0], 'name')}=${attr(nv[0], 'value')}`);
      return [...['name', 'interval', 'timeout', 'on-fail'].map((a) => attr(head, a) ?? '-'), ...nested].join(' ');
    });
    ops.set(id, list.sort());
  }
  const metas = new Map<string, string[]>();
  const metaPairs = (element: string): string[] | undefined => {
    const block = /<meta_attributes\b[^>]*>([\s\S]*?)<\/meta_attributes>/.exec(element)?.[1];
    return block === undefined ? undefined : [...block.matchAll(/<nvpair\b[^>]*>/g)].map((nv) => `${attr(nv[0], 'name')}=${attr(nv[0], 'value')}`).sort();
  };
  // A group's or clone's own meta attributes are those outside its primitives.
  for (const e of config.matchAll(/<(group|clone)\b[^>]*>[\s\S]*?<\/\1>/g)) {
    const pairsOf = metaPairs(e[0].replace(/<primitive\b[^>]*>[\s\S]*?<\/primitive>/g, ''));
    if (pairsOf !== undefined) metas.set(attr(/<\w+\b[^>]*>/.exec(e[0])![0], 'id')!, pairsOf);
  }
  for (const e of config.matchAll(/<primitive\b[^>]*>[\s\S]*?<\/primitive>/g)) {
    const pairsOf = metaPairs(e[0]);
    if (pairsOf !== undefined) metas.set(attr(/<primitive\b[^>]*>/.exec(e[0])![0], 'id')!, pairsOf);
  }
  const clones = new Map<string, string>();
  for (const c of config.matchAll(/<clone\b[^>]*>[\s\S]*?<\/clone>/g)) {
    clones.set(attr(/<clone\b[^>]*>/.exec(c[0])![0], 'id')!, attr(/<primitive\b[^>]*>/.exec(c[0])![0], 'id')!);
  }
  const placements = [...config.matchAll(/<rsc_location\b[^>]*\/>|<rsc_location\b[^>]*>[\s\S]*?<\/rsc_location>/g)].map((l) => {
    const head = /<rsc_location\b[^>]*>/.exec(l[0])![0];
    const rule = /<rule\b[^>]*>/.exec(l[0])?.[0];
    if (rule === undefined) return ['rsc', 'node', 'score'].map((a) => attr(head, a) ?? '').join(' ');
    const expressions = [...l[0].matchAll(/<expression\b[^>]*>/g)].map((e) => `${attr(e[0], 'attribute')} ${attr(e[0], 'operation')}`);
    return `${attr(head, 'rsc')} rule ${attr(rule, 'score') ?? ''}${attr(rule, 'score-attribute') ?? ''}: ${expressions.join(', ')}`;
  });
  return { primitives, groups, locations: locations.sort(), properties, ops, metas, clones, placements: placements.sort() };
}

const metadataCache = new Map<string, { names: Set<string>; required: Set<string> }>();
async function metadata(agent: string): Promise<{ names: Set<string>; required: Set<string> }> {
  const cached = metadataCache.get(agent);
  if (cached) return cached;
  const r = await execa('crm_resource', ['--show-metadata', agent], { reject: false });
  expect(r.exitCode, `crm_resource --show-metadata ${agent}: ${r.stderr}`).toBe(0);
  const names = new Set<string>();
  const required = new Set<string>();
  for (const p of r.stdout.matchAll(/<parameter\b[^>]*>/g)) {
    const name = attr(p[0], 'name')!;
    names.add(name);
    if (attr(p[0], 'required') === '1') required.add(name);
  }
  const result = { names, required };
  metadataCache.set(agent, result);
  return result;
}

/** Where each group runs in a CIB with a status section: group id → node names. */
async function placement(cibFile: string): Promise<Map<string, string[]>> {
  const r = await execa('crm_mon', ['--output-as=xml', '-1'], { env: { CIB_file: cibFile }, reject: false });
  expect(r.exitCode, `crm_mon on ${cibFile}: ${r.stderr}`).toBe(0);
  const out = new Map<string, string[]>();
  for (const g of r.stdout.matchAll(/<group id="([^"]+)"[\s\S]*?<\/group>/g)) {
    const nodes = new Set<string>();
    let members = 0;
    let started = 0;
    for (const res of g[0].matchAll(/<resource\b[^>]*>([\s\S]*?)<\/resource>|<resource\b[^>]*\/>/g)) {
      members += 1;
      for (const n of (res[1] ?? '').matchAll(/<node name="([^"]+)"/g)) nodes.add(n[1]!);
      if (/role="Started"/.test(res[0])) started += 1;
    }
    // A group is "on" a node only when every member runs there.
    out.set(g[1]!, started === members ? [...nodes] : []);
  }
  return out;
}

async function simulate(input: string, args: string[], name: string): Promise<string> {
  const output = path.join(work, `${++fileCounter}-${name}.xml`);
  // --quorum: the simulated partition has quorum (three-node exports use no-quorum-policy=stop).
  const r = await execa('crm_simulate', ['-x', input, '--quorum', 'true', ...args, '-S', '-O', output], { reject: false, all: true });
  expect(r.exitCode, `crm_simulate ${args.join(' ')}:\n${r.all}`).toBe(0);
  return output;
}

function homes(cib: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of cib.matchAll(/<rsc_location id="[^"]*-home" rsc="([^"]+)" node="([^"]+)" score="100"\/>/g)) out.set(l[1]!, l[2]!);
  return out;
}

function autoFailbackOn(cib: string): boolean {
  if (/auto_failback on: stickiness/.test(cib)) return true;
  if (/auto_failback off: stickiness/.test(cib)) return false;
  throw new Error('the export says nothing about auto_failback');
}

describe.each(CASES)('export of $name', ({ dir }) => {
  let cib: string;
  let cibFile: string;
  /** The export with every node up and the groups started (crm_simulate). */
  let up: string;

  beforeAll(async () => {
    cib = exportPacemaker(dir, 'cib');
    cibFile = writeWork('export.xml', cib);
    const nodes = [...cib.matchAll(/<node id="\d+" uname="([^"]+)"\/>/g)].map((m) => m[1]!);
    up = await simulate(cibFile, nodes.flatMap((n) => ['-u', n]), 'all-up');
  }, SLOW_TEST_MS);

  it('is accepted by crm_verify -x, as exported and with every node up', async () => {
    await verify(cibFile);
    await verify(up);
  });

  it("uses only parameters the agents declare, and every parameter they require", async () => {
    const { primitives } = structure(cib);
    expect(primitives.length).toBeGreaterThan(0);
    for (const p of primitives) {
      if (p.agent.startsWith('lsb:')) {
        expect(p.params.size, `${p.id}: lsb agents take no parameters`).toBe(0);
        continue;
      }
      const meta = await metadata(p.agent);
      for (const name of p.params.keys()) expect(meta.names, `${p.id} (${p.agent}) parameter ${name}`).toContain(name);
      for (const name of meta.required) expect([...p.params.keys()], `${p.id} (${p.agent}) requires ${name}`).toContain(name);
    }
  });

  it('places every group on its home node, moves it when the home node fails, and fails back per auto_failback', async () => {
    const groupHomes = homes(cib);
    expect(groupHomes.size).toBeGreaterThan(0);
    const failback = autoFailbackOn(cib);
    const start = await placement(up);
    for (const [group, home] of groupHomes) expect(start.get(group), `${group} at start`).toEqual([home]);

    for (const failed of new Set(groupHomes.values())) {
      const crashed = await simulate(up, ['-f', failed], `crash-${failed}`);
      const moved = await placement(crashed);
      for (const [group, home] of groupHomes) {
        const where = moved.get(group)!;
        expect(where, `${group} after ${failed} failed`).toHaveLength(1);
        if (home === failed) expect(where[0], `${group} moved off ${failed}`).not.toBe(failed);
        else expect(where, `${group} (home ${home}) untouched`).toEqual([home]);
      }
      // A node that rejoins has no resource history: remove the failed node's
      // old lrm section, as its restarted controller would.
      const rejoining = path.join(work, `${++fileCounter}-rejoin.xml`);
      fs.copyFileSync(crashed, rejoining);
      const del = await execa('cibadmin', ['--delete', '--xpath', `//node_state[@uname='${failed}']/lrm`], {
        env: { CIB_file: rejoining },
        reject: false,
      });
      expect(del.exitCode, del.stderr).toBe(0);
      const back = await placement(await simulate(rejoining, ['-u', failed], `rejoin-${failed}`));
      for (const [group, home] of groupHomes) {
        if (home !== failed) continue;
        if (failback) expect(back.get(group), `${group} fails back to ${home}`).toEqual([home]);
        else expect(back.get(group), `${group} stays where it moved`).toEqual(moved.get(group));
      }
    }
  }, SLOW_TEST_MS);

  it('in crmsh syntax, loads with crmsh into an empty CIB and gives the same configuration', async () => {
    const r = await crmLoads.get(dir)!;
    expect(r.exitCode, r.all).toBe(0);
    const loaded = r.loaded;
    const target = writeWork('crmsh-loaded.xml', loaded);
    await verify(target);
    const a = structure(cib);
    const b = structure(loaded);
    expect(b.primitives.map((p) => [p.id, p.agent, [...p.params]])).toEqual(a.primitives.map((p) => [p.id, p.agent, [...p.params]]));
    expect(b.groups).toEqual(a.groups);
    expect(b.locations).toEqual(a.locations);
    expect(b.properties).toEqual(a.properties);
  }, SLOW_TEST_MS);

  it('as a pcs script, runs as exported with the real pcs on a CIB file and gives the same configuration', async () => {
    const r = await pcsRuns.get(dir)!;
    expect(r.exitCode, `pcs script failed:\n${r.all}`).toBe(0);
    // The only warnings allowed: pcs cannot check node names without a cluster,
    // and an lsb: agent whose init script is not on this machine (forced
    // offline, by the script itself) has no metadata, so pcs cannot tell its
    // start/stop/monitor from other operation names.
    const lsbAgents = new Set(structure(cib).primitives.filter((p) => p.agent.startsWith('lsb:')).map((p) => p.agent));
    const unexpected = r.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => !/^Warning: Validation for node existence in the cluster will be skipped$/.test(l))
      .filter((l) => !/^Warning: '(start|stop|monitor)' is not a valid operation name value$/.test(l) || lsbAgents.size === 0)
      .filter((l) => {
        const agent = /^Warning: Agent '(lsb:[^']+)' is not installed or does not provide valid metadata/.exec(l)?.[1];
        return agent === undefined || !lsbAgents.has(agent);
      });
    expect(unexpected, `pcs said:\n${r.all}`).toEqual([]);
    expect(r.script).toMatch(/^if \[ -z "\$\{CIB_file:-\}" \]; then pcs cluster cib-push "\$CIB"; fi$/m);
    const built = writeWork('pcs-built.xml', r.built);
    await verify(built);
    const a = structure(cib);
    const b = structure(r.built);
    const sorted = (p: PrimitiveInfo): [string, string, [string, string][]] => [p.id, p.agent, [...p.params].sort()];
    const byId = (x: { id: string }, y: { id: string }): number => x.id.localeCompare(y.id);
    expect([...b.primitives].sort(byId).map(sorted)).toEqual([...a.primitives].sort(byId).map(sorted));
    expect(b.groups).toEqual(a.groups);
    expect(b.clones).toEqual(a.clones);
    expect(b.ops).toEqual(a.ops);
    expect(b.metas).toEqual(a.metas);
    expect(b.placements).toEqual(a.placements);
    expect(b.properties).toEqual(a.properties);
  }, SLOW_TEST_MS);
});

describe('auto_failback off is the stickiness, not luck', () => {
  it('the same export without its group stickiness fails back', async () => {
    const dir = path.join(REAL_WORLD, 'mysql-drbd');
    const cib = exportPacemaker(dir, 'cib');
    expect(autoFailbackOn(cib)).toBe(false);
    const unsticky = writeWork('unsticky.xml', cib.replace(/name="resource-stickiness" value="\d+"/g, 'name="resource-stickiness" value="0"'));
    const up = await simulate(unsticky, ['-u', 'db1', '-u', 'db2'], 'unsticky-up');
    const crashed = await simulate(up, ['-f', 'db1'], 'unsticky-crash');
    const rejoining = path.join(work, 'unsticky-rejoin.xml');
    fs.copyFileSync(crashed, rejoining);
    await execa('cibadmin', ['--delete', '--xpath', "//node_state[@uname='db1']/lrm"], { env: { CIB_file: rejoining } });
    const back = await placement(await simulate(rejoining, ['-u', 'db1'], 'unsticky-rejoin'));
    expect([...back.values()]).toEqual([['db1']]);
  });
});

describe('the heartbeat command', () => {
  it.each(['cib', 'crm', 'pcs'] as const)('heartbeat --export pacemaker --format %s prints the export, warnings on stderr', async (format) => {
    const dir = path.join(ROOT, 'etc/ha.d');
    const { stdout, stderr } = await runExport(dir, '--export', 'pacemaker', '--format', format);
    expect(stdout).toBe(exportPacemaker(dir, format));
    expect(stderr).toMatch(/^.*probes\.ini:\d+: warning: probe \[nginx\]: fall = 3 and rise = 2 have no Pacemaker counterpart/m);
  });
});

describe('corosync.conf export', () => {
  it.each([
    ['etc/ha.d', path.join(ROOT, 'etc/ha.d'), ['--node-addr', 'alpha=10.0.0.1', '--node-addr', 'bravo=10.0.0.2'], '10.0.0.1'],
    ['mysql-drbd (ucast addresses)', path.join(REAL_WORLD, 'mysql-drbd'), [], '10.0.0.1'],
    ['three-nodes', path.join(REAL_WORLD, 'three-nodes'), ['--node-addr', 'n1=10.3.1.1', '--node-addr', 'n2=10.3.1.2', '--node-addr', 'n3=10.3.1.3'], '10.3.1.1'],
  ])('%s: corosync -t accepts it', async (_name, dir, args, firstAddress) => {
    const { stdout } = await runExport(dir, '--export', 'corosync', ...args);
    const key = path.join(work, `${++fileCounter}-authkey`);
    await execa('corosync-keygen', ['-k', key]);
    // The key lives in /etc/corosync/authkey on a node; here it is given with keyfile.
    const conf = writeWork('corosync.conf', stdout.replace(/^(\s*token: \d+)$/m, `$1\n    keyfile: ${key}`));
    expect(stdout).toMatch(/^\s*transport: knet$/m);
    expect(stdout).toMatch(/^\s*crypto_cipher: aes256$/m);
    const twoNodes = (stdout.match(/^\s*node \{$/gm) ?? []).length === 2;
    expect(/^\s*two_node: 1$/m.test(stdout)).toBe(twoNodes);
    // corosync -t only reads the file, but it runs in its own namespaces all the
    // same, where the first node's address exists so that it knows which node it is.
    const r = await execa(
      'unshare',
      ['--net', '--mount', 'sh', '-c', `ip link set lo up && ip addr add ${firstAddress}/32 dev lo && exec corosync -t -c "$1"`, 'sh', conf],
      { reject: false, all: true },
    );
    expect(r.exitCode, r.all).toBe(0);
  });
});
