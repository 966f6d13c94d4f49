// The compressed envelope of spec §3.5:
//   ###\n(1)_compressed_payload=<zlib stream>,(0)_compression_algorithm=zlib,%%%\n<trailer>
// The zlib stream holds the inner message serialised without trailer
// (classic text + NUL, or `###\n…%%%\n`). Only the envelope is authenticated;
// the inner message's own `auth` field is not checked.
import { deflateSync, inflateSync } from 'node:zlib';
import { parseClassic } from './classic.js';
import { COMPRESSED_PAYLOAD_FIELD, COMPRESSION_ALGORITHM_FIELD, MAXMSG, MAXUNCOMPRESSED } from './limits.js';
import type { HbMessage } from './message.js';
import { getString } from './message.js';
import { parseNetstring } from './netstring.js';
import { printable } from './printable.js';
import type { ParseResult, WireError } from './types.js';
import { wireError } from './types.js';

/** The only algorithm heartbeat-ts speaks (Heartbeat's default `compression zlib`). */
export const COMPRESSION_ALGORITHM = 'zlib';

/** The compressed payload when `msg` is an envelope (its first `_compressed_payload` field is binary). */
export function compressedPayload(msg: HbMessage): Uint8Array | undefined {
  for (const f of msg.fields) {
    if (f.name === COMPRESSED_PAYLOAD_FIELD) return f.type === 1 ? f.value : undefined;
  }
  return undefined;
}

/** The envelope carrying `inner` (already serialised) zlib-compressed; refused when too big. */
export function compressEnvelope(inner: Uint8Array): { ok: true; envelope: HbMessage } | WireError {
  if (inner.length > MAXUNCOMPRESSED) {
    return wireError(`message of ${inner.length} bytes is too big to compress (limit ${MAXUNCOMPRESSED})`);
  }
  const payload = new Uint8Array(deflateSync(inner));
  if (payload.length > MAXMSG) {
    return wireError(`compressed message of ${payload.length} bytes exceeds ${MAXMSG} bytes`);
  }
  return {
    ok: true,
    envelope: {
      fields: [
        { name: COMPRESSED_PAYLOAD_FIELD, type: 1, value: payload },
        { name: COMPRESSION_ALGORITHM_FIELD, type: 0, value: COMPRESSION_ALGORITHM },
      ],
    },
  };
}

/**
 * The inner message of an authenticated envelope: inflated with a hard
 * MAXUNCOMPRESSED output bound (a zip bomb is refused, not expanded), then
 * parsed without auth. A payload that is itself an envelope is refused: the
 * daemon never nests them, and refusing bounds the work per packet.
 */
export function openEnvelope(envelope: HbMessage, payload: Uint8Array): ParseResult {
  const algorithm = getString(envelope, COMPRESSION_ALGORITHM_FIELD);
  if (algorithm === undefined) return wireError('compressed message has no _compression_algorithm');
  if (algorithm !== COMPRESSION_ALGORITHM) {
    return wireError(`compressed message uses algorithm [${printable(algorithm)}]; only zlib is supported`);
  }
  if (payload.length > MAXMSG) {
    return wireError(`compressed payload of ${payload.length} bytes exceeds ${MAXMSG} bytes`);
  }
  let inner: Buffer;
  try {
    inner = inflateSync(payload, { maxOutputLength: MAXUNCOMPRESSED });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      return wireError(`compressed payload inflates to more than ${MAXUNCOMPRESSED} bytes; refused`);
    }
    return wireError(`compressed payload is not a valid zlib stream (${(e as Error).message})`);
  }
  let parsed: ParseResult;
  if (inner.length >= 4 && inner[0] === 0x3e) {
    parsed = parseClassic(inner);
  } else {
    const net = parseNetstring(inner);
    if (!net.ok) return wireError(`compressed payload: ${net.reason}`);
    if (net.bodyEnd !== inner.length) {
      return wireError(`compressed payload: ${inner.length - net.bodyEnd} unexpected byte(s) after %%%`);
    }
    parsed = { ok: true, message: net.message };
  }
  if (!parsed.ok) return wireError(`compressed payload: ${parsed.reason}`);
  if (compressedPayload(parsed.message) !== undefined) {
    return wireError('compressed payload holds another compressed message; nested compression is refused');
  }
  return parsed;
}
