// haresources: one resource group per logical line, `NODE RESOURCE…`, read as
// Heartbeat's ResourceManager reads it (spec §9.1; its `ipres` sed script):
//  - `#` starts a comment; a line ending in `\` continues on the next one,
//    joined with no blank in between;
//  - blanks and tabs separate tokens; the node name is lower-cased and must
//    be a `node` of ha.cf;
//  - a resource is `script` or `script::arg1::arg2…`; a token that looks like
//    `[0-9]*.[0-9]*.[0-9]*.[0-9]*` (shell glob) means `IPaddr::<token>`;
//  - the first resource names the group (its key).
// Things the real ResourceManager silently gets wrong (a comment on a
// continuation line, CR line ends, empty `::` arguments) are refused with the
// reason, so that a file accepted here works the same under real Heartbeat.
import type { ConfigProblem, HaResourcesConfig, ResourceGroupConfig, ResourceRef } from './types.js';
import { ProblemList, sortByLine } from './problems.js';
import { isIPv4 } from './values.js';

export interface HaResourcesParseResult {
  readonly value: HaResourcesConfig;
  readonly problems: readonly ConfigProblem[];
}

/** ResourceManager's isip(): a shell glob, not an address check. */
const LOOKS_LIKE_IP = /^[0-9].*\.[0-9].*\.[0-9].*\.[0-9].*$/s;

interface LogicalLine {
  readonly line: number;
  readonly text: string;
  /** Tokens with the physical line each one starts on. */
  readonly tokens: readonly { readonly token: string; readonly line: number }[];
}

/**
 * `nodes`: ha.cf's normal nodes (lower-case). When undefined (ha.cf could not
 * be read), node names are not checked.
 */
export function parseHaResources(text: string, file: string, nodes?: readonly string[]): HaResourcesParseResult {
  const problems = new ProblemList(file);
  const groups: ResourceGroupConfig[] = [];
  const owner = new Map<string, { line: number; node: string }>();

  for (const logical of logicalLines(text, problems)) {
    const group = parseGroup(logical, nodes, owner, problems);
    if (group) groups.push(group);
  }
  if (groups.length === 0 && problems.items.length === 0) {
    problems.warning(0, 'haresources defines no resource group: this cluster would manage no resources');
  }
  return { value: { file, groups }, problems: sortByLine(problems.items) };
}

function logicalLines(text: string, problems: ProblemList): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.split('\n');
  // The logical line being assembled: its characters, and for each physical
  // line the offset where it starts, to give every token its own line.
  let current: { line: number; body: string; starts: { offset: number; line: number }[]; text: string[] } | undefined;

  const flush = (): void => {
    if (!current) return;
    const { body, starts } = current;
    const tokens: { token: string; line: number }[] = [];
    for (const m of body.matchAll(/[^ \t]+/g)) {
      const at = m.index;
      const end = at + m[0].length;
      let tokenLine = starts[0]!.line;
      for (const s of starts) if (s.offset <= at) tokenLine = s.line;
      const seam = starts.find((s) => s.offset > at && s.offset < end);
      if (seam) {
        problems.warning(
          tokenLine,
          `"${body.slice(at, seam.offset)}" and "${body.slice(seam.offset, end)}" join into one word "${m[0]}" across the line break (as in Heartbeat, the backslash joins lines with nothing in between): put a blank before the backslash if they are two resources`,
          current.text.join(' '),
        );
      }
      tokens.push({ token: m[0], line: tokenLine });
    }
    if (tokens.length > 0) out.push({ line: current.line, text: current.text.join(' '), tokens });
    current = undefined;
  };

  for (let i = 0; i < physical.length; i++) {
    const line = i + 1;
    let raw = physical[i]!;
    if (raw.includes('\r')) {
      problems.error(
        line,
        "line contains a carriage return (DOS line end): Heartbeat's ResourceManager would read it as part of a resource name; convert the file with dos2unix",
        raw.trim(),
      );
      raw = raw.replace(/\r/g, '');
    }
    const hash = raw.indexOf('#');
    if (hash >= 0) {
      if (current) {
        problems.error(
          line,
          "a comment on a continuation line is not removed by Heartbeat's ResourceManager (its words would become resources): put the comment on a line of its own",
          raw.trim(),
        );
      }
      raw = raw.slice(0, hash);
    }
    // A backslash right at the end continues the line; the backslash and the
    // newline are removed with nothing in between (sed `s/\\\n//`), so words
    // on both sides join unless one side has a blank.
    const continues = raw.endsWith('\\');
    const body = continues ? raw.slice(0, -1) : raw;
    if (!current) current = { line, body: '', starts: [], text: [] };
    current.starts.push({ offset: current.body.length, line });
    current.body += body;
    if (body.trim() !== '' || continues) current.text.push(physical[i]!.trim());
    if (!continues) flush();
  }
  if (current) {
    const c: { line: number; text: string[] } = current;
    problems.error(c.line, 'the last line ends with "\\" but no line follows it', c.text.join(' '));
    flush();
  }
  return out;
}

function parseGroup(
  logical: LogicalLine,
  nodes: readonly string[] | undefined,
  owner: Map<string, { line: number; node: string }>,
  problems: ProblemList,
): ResourceGroupConfig | undefined {
  const [first, ...rest] = logical.tokens;
  if (!first) return undefined;
  const node = first.token.toLowerCase();
  let ok = true;
  // An unknown node is reported, but the group is still built: the value is
  // only used when there is no error, and probes.ini can still be checked
  // against its key.
  if (nodes !== undefined && !nodes.includes(node)) {
    problems.error(
      logical.line,
      `unknown node "${first.token}": a haresources line starts with the group's home node, one of ha.cf's nodes (${nodes.join(', ') || 'none'}); Heartbeat refuses "Bad nodename"`,
      logical.text,
    );
  }
  if (rest.length === 0) {
    problems.error(logical.line, `node ${node} is given no resources: write "${node} RESOURCE…" or remove the line`, logical.text);
    return undefined;
  }
  const resources: ResourceRef[] = [];
  const inThisGroup = new Map<string, number>();
  for (const { token, line } of rest) {
    const ref = parseResource(token, line, logical.text, problems);
    if (!ref) {
      ok = false;
      continue;
    }
    const canonical = [ref.script, ...ref.args].join('::');
    const sameGroup = inThisGroup.get(canonical);
    const other = owner.get(canonical);
    if (sameGroup !== undefined) {
      ok = false;
      problems.error(line, `resource ${token} is listed twice in this group`, logical.text);
      continue;
    }
    if (other) {
      ok = false;
      problems.error(
        line,
        `resource ${token} is already in the group of line ${other.line} (node ${other.node}): a resource can belong to one group only`,
        logical.text,
      );
      continue;
    }
    inThisGroup.set(canonical, line);
    resources.push(ref);
  }
  for (const canonical of inThisGroup.keys()) owner.set(canonical, { line: logical.line, node });
  if (!ok || resources.length === 0) return undefined;
  return { node, key: resources[0]!.token, resources, line: logical.line };
}

/** One resource token → script and arguments, or undefined after reporting why not. */
export function parseResource(token: string, line: number, text: string, problems: ProblemList): ResourceRef | undefined {
  const bareIp = LOOKS_LIKE_IP.test(token);
  const canonical = bareIp ? `IPaddr::${token}` : token;
  const [script = '', ...args] = canonical.split('::');
  const fail = (why: string): undefined => {
    problems.error(line, `resource "${token}": ${why}`, text);
    return undefined;
  };
  if (/[\x00-\x1f\x7f]/.test(token)) return fail('contains a control character');
  if (script === '') return fail('no script name before "::"');
  if (script.includes('/') || script.includes(':')) {
    return fail(`"${script}" is not a script name (a name in resource.d/ or /etc/init.d/, without "/" or a single ":")`);
  }
  if (args.some((a) => a === '')) {
    return fail('an argument is empty (Heartbeat\'s ResourceManager would silently drop it and shift the others)');
  }
  if (script === 'IPaddr' || script === 'IPaddr2') {
    const ipArg = args[0];
    if (ipArg === undefined) return fail(`${script} needs an address: ${script}::ADDRESS[/CIDR[/NIC[/BROADCAST]]]`);
    const address = ipArg.split('/')[0]!;
    if (!isIPv4(address)) {
      return fail(
        bareIp
          ? `looks like an IP address (Heartbeat reads it as IPaddr::${token}) but "${address}" is not a valid IPv4 address`
          : `"${address}" is not a valid IPv4 address`,
      );
    }
  }
  return { token, script, args, line };
}
