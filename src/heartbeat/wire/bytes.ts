// Byte values as the latin1/base64 strings the encoders concatenate. Short
// values (uuids, small payloads: the heartbeat path) are converted in JS,
// which is several times cheaper than creating a Buffer view per field.

const SHORT = 64;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One character per byte (latin1). */
export function latin1Of(bytes: Uint8Array): string {
  if (bytes.length <= SHORT) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Standard base64 with `=` padding and no line breaks (spec §2). */
export function base64Of(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n > SHORT) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let out = '';
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const chunk = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += B64[chunk >>> 18]! + B64[(chunk >>> 12) & 63]! + B64[(chunk >>> 6) & 63]! + B64[chunk & 63]!;
  }
  if (i < n) {
    const two = i + 1 < n;
    const chunk = ((bytes[i] as number) << 16) | (two ? (bytes[i + 1] as number) << 8 : 0);
    out += B64[chunk >>> 18]! + B64[(chunk >>> 12) & 63]! + (two ? B64[(chunk >>> 6) & 63]! : '=') + '=';
  }
  return out;
}
