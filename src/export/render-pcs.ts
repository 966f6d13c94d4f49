// The model as a shell script of pcs (0.10/0.11) commands that build the
// configuration in a file and push it in one step, so that the cluster never
// runs half of it: `pcs cluster cib FILE`, `pcs -f FILE …`, `pcs cluster
// cib-push FILE`. With CIB_file set (Pacemaker's own variable for "work on
// this file, not the live cluster") the same script builds into that file and
// pushes nothing, so it runs offline unchanged (proved with pcs 0.11.5 by
// test/e2e/export/pacemaker-offline.test.ts).
import type { ClusterModel, Constraint, NameValue, Operation, Primitive } from './model.js';

/** One shell word: bare when safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_.:/@%+,=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const pairs = (list: readonly NameValue[]): string[] => list.map((p) => shellWord(`${p.name}=${p.value}`));

function op(o: Operation): string[] {
  const parts = [o.name, `interval=${o.interval}`, `timeout=${o.timeout}`];
  // crmsh wants op attributes before instance attributes such as OCF_CHECK_LEVEL.
  if (o.onFail !== undefined) parts.push(`on-fail=${o.onFail}`);
  if (o.checkLevel !== undefined) parts.push(`OCF_CHECK_LEVEL=${o.checkLevel}`);
  return parts;
}

function ops(p: Primitive): string[] {
  return p.ops.length > 0 ? ['op', ...p.ops.flatMap(op)] : [];
}

const agentName = (p: Primitive): string => (p.provider !== undefined ? `${p.class}:${p.provider}:${p.type}` : `${p.class}:${p.type}`);

function command(out: string[], comments: readonly string[], words: readonly string[]): void {
  for (const c of comments) out.push(`# ${c}`);
  out.push(`pcs -f "$CIB" ${words.join(' ')}`);
}

/**
 * pcs refuses an lsb: agent whose init script is not on the machine that runs
 * it. On a cluster node that check is worth having; offline the machine need
 * not be a node, so there (and only for lsb: agents) $LSB_FORCE is --force,
 * which turns that refusal into a warning.
 */
const lsbForce = (p: Primitive): string[] => (p.class === 'lsb' ? ['$LSB_FORCE'] : []);

function constraint(out: string[], c: Constraint): void {
  if (c.kind === 'location') {
    const words =
      c.score === '-INFINITY'
        ? ['constraint', 'location', c.rsc, 'avoids', c.node]
        : ['constraint', 'location', c.rsc, 'prefers', `${c.node}=${c.score}`];
    command(out, c.comments, words);
  } else {
    command(out, c.comments, ['constraint', 'location', c.rsc, 'rule', `id=${c.id}-rule`, `score-attribute=${c.attribute}`, 'defined', c.attribute]);
  }
}

export function renderPcs(model: ClusterModel): string {
  const out: string[] = ['#!/bin/sh', ...model.header.map((h) => `# ${h}`)];
  out.push(
    '# Run on one node of the running (empty) cluster. pcs checks every agent against this node.',
    '# Offline, without a cluster: CIB_file=cluster.xml sh THIS-SCRIPT builds the configuration into',
    '# cluster.xml, an existing CIB (e.g. `cibadmin --empty > cluster.xml`), and pushes nothing; lsb: agents',
    '# whose init script is not on this machine are then forced (a warning, not an error).',
    'set -eu',
    'if [ -n "${CIB_file:-}" ]; then',
    '  CIB=$CIB_file',
    '  LSB_FORCE=--force',
    'else',
    '  CIB=$(mktemp /tmp/heartbeat-ts-export.XXXXXX.xml)',
    '  trap \'rm -f "$CIB"\' EXIT',
    '  LSB_FORCE=',
    '  pcs cluster cib "$CIB"',
    'fi',
  );
  for (const c of model.propertyComments) out.push(`# ${c}`);
  command(out, [], ['property', 'set', ...pairs(model.properties)]);
  for (const s of model.stonith) command(out, s.comments, ['stonith', 'create', s.id, s.type, ...pairs(s.params), ...ops(s)]);
  for (const g of model.groups) {
    for (const m of g.members) {
      command(out, m.comments, ['resource', 'create', m.id, agentName(m), ...pairs(m.params), ...ops(m), '--no-default-ops', '--group', g.id, ...lsbForce(m)]);
    }
    command(out, g.comments, ['resource', 'meta', g.id, ...pairs(g.meta)]);
  }
  for (const c of model.clones) {
    const p = c.primitive;
    command(out, [...p.comments, ...c.comments], ['resource', 'create', p.id, agentName(p), ...pairs(p.params), ...ops(p), '--no-default-ops', ...lsbForce(p), 'clone', ...pairs(c.meta)]);
  }
  for (const c of model.constraints) constraint(out, c);
  out.push('if [ -z "${CIB_file:-}" ]; then pcs cluster cib-push "$CIB"; fi');
  return `${out.join('\n')}\n`;
}
