// What every benchmark prints with: one line to stdout, and the median of a
// few rounds (benchmarks run a handful of rounds, never one).
export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
