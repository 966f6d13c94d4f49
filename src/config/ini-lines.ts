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

/** One meaningful line of an INI file (blank and comment lines are skipped). */
export type IniLine =
  | { readonly kind: 'section'; readonly line: number; readonly text: string; readonly name: string }
  | { readonly kind: 'entry'; readonly line: number; readonly text: string; readonly key: string; readonly value: string }
  | { readonly kind: 'malformed'; readonly line: number; readonly text: string; readonly message: string };

/**
 * The lines of an INI text, numbered, each classified: a `[section]` header,
 * a `key = value` entry (decoded with `ini.unsafe`) or a malformed line with
 * the reason. What repeated sections or keys mean is the caller's rule.
 */
export function iniLines(text: string): IniLine[] {
  const out: IniLine[] = [];
  text
    .replace(/^\uFEFF/, '')
    // Numbered like grep -n and editors: a line ends at LF (CRLF's CR is trimmed).
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = index + 1;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
      if (trimmed.startsWith('[')) {
        const m = /^\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(trimmed);
        out.push(
          m
            ? { kind: 'section', line, text: trimmed, name: m[1]!.trim() }
            : { kind: 'malformed', line, text: trimmed, message: `"${trimmed}" is not a section header: write [name] alone on its line` },
        );
        return;
      }
      const eq = trimmed.indexOf('=');
      if (eq < 0) {
        out.push({ kind: 'malformed', line, text: trimmed, message: `"${trimmed}" is neither a [section] nor a "key = value" line` });
        return;
      }
      const key = ini.unsafe(trimmed.slice(0, eq));
      if (key === '') {
        out.push({ kind: 'malformed', line, text: trimmed, message: `"${trimmed}" has no key before "="` });
        return;
      }
      out.push({ kind: 'entry', line, text: trimmed, key, value: ini.unsafe(trimmed.slice(eq + 1)) });
    });
  return out;
}

/** Scans the text; malformed lines, repeated sections and repeated keys are reported and skipped. */
export function scanIni(text: string, problems: ProblemList): IniSection[] {
  const sections: IniSection[] = [];
  const seen = new Map<string, IniSection>();
  let current: IniSection | undefined;
  for (const l of iniLines(text)) {
    if (l.kind === 'malformed') {
      problems.error(l.line, l.message, l.text);
      if (l.text.startsWith('[')) current = undefined;
      continue;
    }
    if (l.kind === 'section') {
      const first = seen.get(l.name);
      if (first) {
        problems.error(l.line, `section [${l.name}] appears twice (first on line ${first.line}): merge them`, l.text);
        current = first;
        continue;
      }
      current = { name: l.name, line: l.line, text: l.text, entries: [] };
      seen.set(l.name, current);
      sections.push(current);
      continue;
    }
    if (!current) {
      problems.error(l.line, `"${l.key}" is outside any section: put it under a [section] line`, l.text);
      continue;
    }
    const key = l.key;
    const dup = current.entries.find((e) => e.key === key);
    if (dup) {
      problems.error(l.line, `${key} is set twice in [${current.name}] (first on line ${dup.line})`, l.text);
      continue;
    }
    current.entries.push({ key, value: l.value, line: l.line, text: l.text });
  }
  return sections;
}
