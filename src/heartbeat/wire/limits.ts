// Sizes and names fixed by Heartbeat 3.0.6 / cluster-glue 1.0.12 (spec §3.5, §2).

/** Largest message the library emits uncompressed (spec §3.5). */
export const MAXMSG = 256 * 1024;
/** Largest decompressed payload a receiver accepts (spec §3.5). */
export const MAXUNCOMPRESSED = 2 * 1024 * 1024;
/** Largest UDP payload over IPv4: anything bigger fails in sendto() with EMSGSIZE (spec §3.5). */
export const MAX_UDP_PAYLOAD = 65_507;
/**
 * Struct nesting limit: Heartbeat has 16 depth symbols (spec §2), so a struct
 * field can sit at depth 0..15 and its child message at depth 1..16.
 */
export const MAX_STRUCT_DEPTH = 16;
/** Default `compression_threshold` in KiB (spec §10). */
export const DEFAULT_COMPRESSION_THRESHOLD_KIB = 2;

export const AUTH_FIELD = 'auth';
export const COMPRESSED_PAYLOAD_FIELD = '_compressed_payload';
export const COMPRESSION_ALGORITHM_FIELD = '_compression_algorithm';
