// The line structure of an INI file, with line numbers. Values are decoded
// by the `ini` package (`ini.unsafe`: quotes, `\;` escapes, trailing `; …`
// or `# …` comments), but sections and keys are located here because
// `ini.parse` loses line numbers, merges repeated sections, nests `[a.b]`
// and turns a bare word into `true` — each of which must be reported as
// FILE:LINE instead.
import ini from 'ini';
import type { ProblemList } from './problems.js';

export interface IniEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  readonly text: string;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly text: string;
  readonly entries: IniEntry[];
}

/** Scans the text; malformed lines, repeated sections and repeated keys are reported and skipped. */
export function scanIni(text: string, problems: ProblemList): IniSection[] {
  const sections: IniSection[] = [];
  const seen = new Map<string, IniSection>();
  let current: IniSection | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(trimmed);
      if (!m) {
        problems.error(line, `"${trimmed}" is not a section header: write [name] alone on its line`, trimmed);
        current = undefined;
        return;
      }
      const name = m[1]!.trim();
      const first = seen.get(name);
      if (first) {
        problems.error(line, `section [${name}] appears twice (first on line ${first.line}): merge them`, trimmed);
        current = first;
        return;
      }
      current = { name, line, text: trimmed, entries: [] };
      seen.set(name, current);
      sections.push(current);
      return;
    }
    const eq = trimmed.indexOf('=');
    if (eq < 0) {
      problems.error(line, `"${trimmed}" is neither a [section] nor a "key = value" line`, trimmed);
      return;
    }
    const key = ini.unsafe(trimmed.slice(0, eq));
    const value = ini.unsafe(trimmed.slice(eq + 1));
    if (key === '') {
      problems.error(line, `"${trimmed}" has no key before "="`, trimmed);
      return;
    }
    if (!current) {
      problems.error(line, `"${key}" is outside any section: put it under a [section] line`, trimmed);
      return;
    }
    const dup = current.entries.find((e) => e.key === key);
    if (dup) {
      problems.error(line, `${key} is set twice in [${current.name}] (first on line ${dup.line})`, trimmed);
      return;
    }
    current.entries.push({ key, value, line, text: trimmed });
  });
  return sections;
}
