// The `crc` auth method of Heartbeat (spec §4.4): CRC-32, polynomial
// 0x04C11DB7, MSB-first (not reflected), initial value 0, final complement —
// POSIX `cksum` without the length suffix. It authenticates nothing (no key);
// it only catches corruption.

const POLYNOMIAL = 0x04c11db7;

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 0x80000000 ? (c << 1) ^ POLYNOMIAL : c << 1;
    }
    table[i] = c >>> 0;
  }
  return table;
})();

// Strings are copied into this buffer first: reading a string built by
// concatenation one charCodeAt at a time walks its rope on every call.
let scratch = Buffer.allocUnsafe(4096);

/**
 * The Heartbeat CRC of `bytes` as an unsigned 32-bit number. A string is
 * taken as latin1 (one byte per UTF-16 code unit, like message strings).
 */
export function crc32Heartbeat(bytes: Uint8Array | string): number {
  let data: Uint8Array;
  let length: number;
  if (typeof bytes === 'string') {
    if (scratch.length < bytes.length) scratch = Buffer.allocUnsafe(Math.max(bytes.length, scratch.length * 2));
    length = scratch.write(bytes, 0, 'latin1');
    data = scratch;
  } else {
    data = bytes;
    length = bytes.length;
  }
  let crc = 0;
  for (let i = 0; i < length; i++) {
    crc = (crc << 8) ^ (TABLE[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number);
  }
  return ~crc >>> 0;
}
