// glibc's srand()/rand() (the TYPE_3 additive feedback generator), needed
// only to derive a node's uuid from its name the way Heartbeat does with
// `uuidfrom nodename` (spec §10): both daemons must compute the same bytes.

/** A generator equal to glibc's rand() after srand(seed). */
export function glibcRand(seed: number): () => number {
  let s = seed >>> 0;
  if (s === 0) s = 1;
  const r = new Int32Array(34);
  r[0] = s | 0;
  for (let i = 1; i < 31; i++) {
    const word = r[i - 1]!;
    // 16807 * word % 2147483647 without overflow (Schrage), as glibc does it.
    const hi = Math.trunc(word / 127773);
    const lo = word % 127773;
    let next = 16807 * lo - 2836 * hi;
    if (next < 0) next += 2147483647;
    r[i] = next;
  }
  for (let i = 31; i < 34; i++) r[i] = r[i - 31]!;
  // A ring of the last 34 values: r[i] = r[i-31] + r[i-3] (mod 2^32).
  const ring = Array.from(r, (v) => v >>> 0);
  let index = 34;
  const step = (): number => {
    const v = (ring[(index - 31) % 34]! + ring[(index - 3) % 34]!) >>> 0;
    ring[index % 34] = v;
    index++;
    return v;
  };
  for (let i = 34; i < 344; i++) step();
  return () => step() >>> 1;
}
