// Number fields as the daemon reads and writes them (spec §5): `seq`, `hg`,
// `ts`, `dt`, `ackseq` and the NAK's `firstseq` are lowercase hex without
// padding; NS_rexmit's `firstseq`/`lastseq` are decimal.
//
// The C side reads them with sscanf("%lx") / atoi(): leading blanks are
// skipped and parsing stops at the first character that does not fit. We do
// the same so a value the real daemon accepts is accepted here, but refuse
// anything that would not fit in a double exactly.

const HEX_PREFIX = /^[ \t]*(?:0[xX])?([0-9a-fA-F]+)/;
const DEC_PREFIX = /^[ \t]*([+-]?[0-9]+)/;

/** sscanf("%lx") semantics; undefined when no hex digit leads the text. */
export function parseHex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = HEX_PREFIX.exec(text);
  if (!m?.[1]) return undefined;
  const digits = m[1].replace(/^0+(?=.)/, '');
  if (digits.length > 13) return undefined; // > 2^52: not a value either daemon produces
  return Number.parseInt(digits, 16);
}

/** atoi() semantics, but undefined instead of 0 when there is no number at all. */
export function parseDecimal(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = DEC_PREFIX.exec(text);
  if (!m?.[1]) return undefined;
  const n = Number.parseInt(m[1], 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function hex(n: number): string {
  return Math.trunc(n).toString(16);
}
