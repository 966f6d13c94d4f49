// The model as a whole CIB document (what `cibadmin --replace --xml-file` and
// `crm_verify -x` take). Schema pacemaker-3.9 is the newest Pacemaker 2.1.5
// (Debian bookworm) knows; later Pacemakers upgrade it on load.
import type { ClusterModel, Constraint, Group, NameValue, Operation, Primitive } from './model.js';

export const CIB_SCHEMA = 'pacemaker-3.9';

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** XML comments may not contain `--`. */
const comment = (indent: string, text: string): string => `${indent}<!-- ${text.replace(/--/g, '- -')} -->`;

function nvpairs(out: string[], indent: string, tag: string, setId: string, pairs: readonly NameValue[]): void {
  if (pairs.length === 0) return;
  out.push(`${indent}<${tag} id="${escape(setId)}">`);
  for (const p of pairs) {
    out.push(`${indent}  <nvpair id="${escape(`${setId}-${p.name}`)}" name="${escape(p.name)}" value="${escape(p.value)}"/>`);
  }
  out.push(`${indent}</${tag}>`);
}

export function operationId(primitiveId: string, op: Operation): string {
  return `${primitiveId}-${op.name}-${op.interval}${op.checkLevel !== undefined ? `-depth${op.checkLevel}` : ''}`;
}

function primitive(out: string[], indent: string, p: Primitive): void {
  for (const c of p.comments) out.push(comment(indent, c));
  const provider = p.provider !== undefined ? ` provider="${escape(p.provider)}"` : '';
  out.push(`${indent}<primitive id="${escape(p.id)}" class="${p.class}"${provider} type="${escape(p.type)}">`);
  nvpairs(out, `${indent}  `, 'instance_attributes', `${p.id}-instance_attributes`, p.params);
  nvpairs(out, `${indent}  `, 'meta_attributes', `${p.id}-meta_attributes`, p.meta);
  if (p.ops.length > 0) {
    out.push(`${indent}  <operations>`);
    for (const op of p.ops) {
      const id = operationId(p.id, op);
      const onFail = op.onFail !== undefined ? ` on-fail="${op.onFail}"` : '';
      const attrs = `id="${escape(id)}" name="${op.name}" interval="${op.interval}" timeout="${op.timeout}"${onFail}`;
      if (op.checkLevel === undefined) {
        out.push(`${indent}    <op ${attrs}/>`);
      } else {
        out.push(`${indent}    <op ${attrs}>`);
        nvpairs(out, `${indent}      `, 'instance_attributes', `${id}-instance_attributes`, [
          { name: 'OCF_CHECK_LEVEL', value: String(op.checkLevel) },
        ]);
        out.push(`${indent}    </op>`);
      }
    }
    out.push(`${indent}  </operations>`);
  }
  out.push(`${indent}</primitive>`);
}

function group(out: string[], indent: string, g: Group): void {
  for (const c of g.comments) out.push(comment(indent, c));
  out.push(`${indent}<group id="${escape(g.id)}">`);
  nvpairs(out, `${indent}  `, 'meta_attributes', `${g.id}-meta_attributes`, g.meta);
  for (const m of g.members) primitive(out, `${indent}  `, m);
  out.push(`${indent}</group>`);
}

function constraint(out: string[], indent: string, c: Constraint): void {
  for (const line of c.comments) out.push(comment(indent, line));
  if (c.kind === 'location') {
    out.push(`${indent}<rsc_location id="${escape(c.id)}" rsc="${escape(c.rsc)}" node="${escape(c.node)}" score="${escape(c.score)}"/>`);
    return;
  }
  out.push(`${indent}<rsc_location id="${escape(c.id)}" rsc="${escape(c.rsc)}">`);
  out.push(`${indent}  <rule id="${escape(`${c.id}-rule`)}" score-attribute="${escape(c.attribute)}">`);
  out.push(`${indent}    <expression id="${escape(`${c.id}-rule-expression`)}" attribute="${escape(c.attribute)}" operation="defined"/>`);
  out.push(`${indent}  </rule>`);
  out.push(`${indent}</rsc_location>`);
}

export function renderCib(model: ClusterModel): string {
  const out: string[] = ['<?xml version="1.0"?>'];
  for (const h of model.header) out.push(comment('', h));
  out.push(`<cib validate-with="${CIB_SCHEMA}" admin_epoch="0" epoch="1" num_updates="0">`);
  out.push('  <configuration>');
  out.push('    <crm_config>');
  for (const c of model.propertyComments) out.push(comment('      ', c));
  nvpairs(out, '      ', 'cluster_property_set', 'cib-bootstrap-options', model.properties);
  out.push('    </crm_config>');
  out.push('    <nodes>');
  for (const n of model.nodes) out.push(`      <node id="${n.id}" uname="${escape(n.name)}"/>`);
  out.push('    </nodes>');
  out.push('    <resources>');
  for (const s of model.stonith) primitive(out, '      ', s);
  for (const g of model.groups) group(out, '      ', g);
  for (const c of model.clones) {
    for (const line of c.comments) out.push(comment('      ', line));
    out.push(`      <clone id="${escape(c.id)}">`);
    nvpairs(out, '        ', 'meta_attributes', `${c.id}-meta_attributes`, c.meta);
    primitive(out, '        ', c.primitive);
    out.push('      </clone>');
  }
  out.push('    </resources>');
  out.push('    <constraints>');
  for (const c of model.constraints) constraint(out, '      ', c);
  out.push('    </constraints>');
  out.push('  </configuration>');
  out.push('  <status/>');
  out.push('</cib>');
  return `${out.join('\n')}\n`;
}
