// Result types of the wire codec. Every codec function returns one of these
// instead of throwing: a bad packet or an unencodable message is a value.
import type { HbMessage } from './message.js';

export type WireFormat = 'netstring' | 'classic';

export interface WireError {
  readonly ok: false;
  /** One sentence naming what is wrong (and where, for malformed input). */
  readonly reason: string;
}

export type DecodeResult =
  | {
      readonly ok: true;
      /** The message (the inner one when the packet was a compressed envelope). */
      readonly message: HbMessage;
      /** Encoding of the packet as received (the envelope's, for compressed packets). */
      readonly format: WireFormat;
      /** The authkeys index whose key verified the packet. */
      readonly authIndex: number;
      readonly compressed: boolean;
    }
  | WireError;

export interface EncodeOptions {
  /** ha.cf `msgfmt`: classic adds the inner `auth` field (spec §3.3). */
  readonly msgfmt: 'classic' | 'netstring';
  /** ha.cf `traditional_compression` (default false). */
  readonly traditionalCompression?: boolean;
  /** ha.cf `compression_threshold` in KiB (default 2; only with traditionalCompression). */
  readonly compressionThresholdKiB?: number;
}

export type EncodeResult = { readonly ok: true; readonly bytes: Buffer } | WireError;

export type ParseResult = { readonly ok: true; readonly message: HbMessage } | WireError;

export function wireError(reason: string): WireError {
  return { ok: false, reason };
}
