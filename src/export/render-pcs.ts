// The model as a shell script of pcs (0.10/0.11) commands that build the
// configuration in a file and push it in one step, so that the cluster never
// runs half of it: `pcs cluster cib FILE`, `pcs -f FILE …`, `pcs cluster
// cib-push FILE`.
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
    'set -eu',
    'CIB=$(mktemp /tmp/heartbeat-ts-export.XXXXXX.xml)',
    'trap \'rm -f "$CIB"\' EXIT',
    'pcs cluster cib "$CIB"',
  );
  for (const c of model.propertyComments) out.push(`# ${c}`);
  command(out, [], ['property', 'set', ...pairs(model.properties)]);
  for (const s of model.stonith) command(out, s.comments, ['stonith', 'create', s.id, s.type, ...pairs(s.params), ...ops(s)]);
  for (const g of model.groups) {
    for (const m of g.members) {
      command(out, m.comments, ['resource', 'create', m.id, agentName(m), ...pairs(m.params), ...ops(m), '--no-default-ops', '--group', g.id]);
    }
    command(out, g.comments, ['resource', 'meta', g.id, ...pairs(g.meta)]);
  }
  for (const c of model.clones) {
    const p = c.primitive;
    command(out, [...p.comments, ...c.comments], ['resource', 'create', p.id, agentName(p), ...pairs(p.params), ...ops(p), '--no-default-ops', 'clone', ...pairs(c.meta)]);
  }
  for (const c of model.constraints) constraint(out, c);
  out.push('pcs cluster cib-push "$CIB"');
  return `${out.join('\n')}\n`;
}
