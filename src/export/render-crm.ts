// The model as crmsh commands (`crm configure load update FILE`). Comments
// become `#` lines, which crmsh's configure language accepts.
import type { ClusterModel, Constraint, NameValue, Operation, Primitive } from './model.js';

/** crmsh values: bare when safe, else double-quoted with `"` and `\` escaped. */
export function crmValue(value: string): string {
  return /^[A-Za-z0-9_.:/@%+,=-]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** crmsh stores `#` lines as XML comments, which may not contain `--` or end with `-`. */
const note = (text: string): string => `# ${text.replace(/-{2,}/g, (d) => d.split('').join(' ')).replace(/-$/, '- .')}`;

const pairs = (list: readonly NameValue[]): string => list.map((p) => `${p.name}=${crmValue(p.value)}`).join(' ');

const agentName = (p: Primitive): string => (p.provider !== undefined ? `${p.class}:${p.provider}:${p.type}` : `${p.class}:${p.type}`);

function op(o: Operation): string {
  const parts = [`op ${o.name}`, `interval=${o.interval}`, `timeout=${o.timeout}`];
  // crmsh wants op attributes before instance attributes such as OCF_CHECK_LEVEL.
  if (o.onFail !== undefined) parts.push(`on-fail=${o.onFail}`);
  if (o.checkLevel !== undefined) parts.push(`OCF_CHECK_LEVEL=${o.checkLevel}`);
  return parts.join(' ');
}

function primitive(out: string[], p: Primitive): void {
  for (const c of p.comments) out.push(note(c));
  const lines = [`primitive ${p.id} ${agentName(p)}`];
  if (p.params.length > 0) lines.push(`params ${pairs(p.params)}`);
  if (p.meta.length > 0) lines.push(`meta ${pairs(p.meta)}`);
  for (const o of p.ops) lines.push(op(o));
  out.push(lines.join(' \\\n\t'));
}

function constraint(out: string[], c: Constraint): void {
  for (const line of c.comments) out.push(note(line));
  if (c.kind === 'location') out.push(`location ${c.id} ${c.rsc} ${c.score}: ${c.node}`);
  else out.push(`location ${c.id} ${c.rsc} rule ${c.attribute}: defined ${c.attribute}`);
}

export function renderCrm(model: ClusterModel): string {
  const out: string[] = model.header.map(note);
  for (const n of model.nodes) out.push(`node ${n.id}: ${n.name}`);
  for (const s of model.stonith) primitive(out, s);
  for (const g of model.groups) {
    for (const m of g.members) primitive(out, m);
    for (const c of g.comments) out.push(note(c));
    out.push(`group ${g.id} ${g.members.map((m) => m.id).join(' ')}${g.meta.length > 0 ? ` \\\n\tmeta ${pairs(g.meta)}` : ''}`);
  }
  for (const c of model.clones) {
    primitive(out, c.primitive);
    for (const line of c.comments) out.push(note(line));
    out.push(`clone ${c.id} ${c.primitive.id}${c.meta.length > 0 ? ` meta ${pairs(c.meta)}` : ''}`);
  }
  for (const c of model.constraints) constraint(out, c);
  for (const c of model.propertyComments) out.push(note(c));
  out.push(`property cib-bootstrap-options: ${pairs(model.properties)}`);
  return `${out.join('\n')}\n`;
}
