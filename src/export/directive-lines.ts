// The directives of ha.cf with their line numbers, for warnings that point at
// the line they are about (the parsed HaCfConfig keeps values, not lines, for
// whole-line directives such as respawn and stonith_host).
export interface DirectiveLine {
  readonly directive: string;
  readonly rest: string;
  readonly line: number;
}

export function directiveLines(text: string): DirectiveLine[] {
  const out: DirectiveLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const body = raw.replace(/#.*/, '').trim();
    const m = /^(\S+)\s*(.*)$/.exec(body);
    if (m) out.push({ directive: m[1]!.toLowerCase(), rest: m[2]!, line: i + 1 });
  });
  return out;
}
