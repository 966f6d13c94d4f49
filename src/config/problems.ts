// Configuration problems are values, never exceptions: every parser returns
// the list of what it found, each with its file, line and offending text, so
// that an admin sees all of them at once (DESIGN.md "Errors are values").
import type { ConfigProblem } from './types.js';

export type ProblemSeverity = ConfigProblem['severity'];

/** Collects the problems of one file. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  constructor(readonly file: string) {}

  error(line: number, message: string, text = ''): void {
    this.items.push({ severity: 'error', file: this.file, line, message, text });
  }

  warning(line: number, message: string, text = ''): void {
    this.items.push({ severity: 'warning', file: this.file, line, message, text });
  }
}

export function hasErrors(problems: readonly ConfigProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

export function countBySeverity(problems: readonly ConfigProblem[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const p of problems) if (p.severity === 'error') errors += 1;
  return { errors, warnings: problems.length - errors };
}

/**
 * `FILE:LINE: error: message` (or `FILE: …` for a problem with the file as a
 * whole), then the offending text indented on the next line, like a compiler.
 */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  const head = `${where}: ${p.severity}: ${p.message}`;
  const text = p.text.trim();
  return text === '' ? head : `${head}\n    ${text}`;
}

/** Problems of one file in line order (stable for equal lines). */
export function sortByLine(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.i - b.i)
    .map(({ p }) => p);
}
