// The wire codec and authentication of Heartbeat 3.0.6 (spec §2–§5): the
// public face of src/heartbeat/wire. Everything here is pure and never
// throws on bad input; failures are `{ ok: false, reason }` values.
export type { Field, HbMessage } from './message.js';
export { FieldType, getBinary, getString, messageOf, withField, withString } from './message.js';

export type { DecodeResult, EncodeOptions, EncodeResult, ParseResult, WireError, WireFormat } from './types.js';

// Datagram level: what media and membership call.
export { decodePacket, encodePacket } from './packet.js';

// Lower levels, for tests, the FIFO reader and tools.
export { classicAuthText, classicStringLength, encodeClassic, encodeClassicText, parseClassic, DEPTH_SYMBOLS, NEWLINE_SYMBOL } from './classic.js';
export type { NetstringParse } from './netstring.js';
export { encodeNetstringBody, encodeNetstringText, netstringFrame, parseNetstring, parseNetstringTrailer } from './netstring.js';
export { COMPRESSION_ALGORITHM, compressEnvelope, compressedPayload, openEnvelope } from './compression.js';
export type { ParsedAuthValue, VerifyResult } from './auth.js';
export { activeKey, computeDigest, digestWithKey, formatAuthValue, MAX_AUTH_INDEX, parseAuthValue, verifyAuthValue } from './auth.js';
export { crc32Heartbeat } from './crc.js';
export {
  AUTH_FIELD,
  COMPRESSED_PAYLOAD_FIELD,
  COMPRESSION_ALGORITHM_FIELD,
  DEFAULT_COMPRESSION_THRESHOLD_KIB,
  MAX_STRUCT_DEPTH,
  MAX_UDP_PAYLOAD,
  MAXMSG,
  MAXUNCOMPRESSED,
} from './limits.js';
