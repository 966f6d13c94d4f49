// Received bytes quoted in a reason: control and high bytes escaped, long
// values cut, so that a log line stays one readable line.

/** A value shown in a reason: control bytes escaped, long values cut. */
export function printable(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return cut.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
