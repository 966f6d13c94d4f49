// This node's uuid (`srcuuid`, spec §5): 16 raw bytes in <stateDir>/hb_uuid,
// created at random on first start and kept forever after (Heartbeat's
// GetUUID), or derived from the node name with `uuidfrom nodename`.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists, writeFileDurably } from './files.js';
import { glibcRand } from './glibc-random.js';

export const UUID_FILE = 'hb_uuid';
export const UUID_LENGTH = 16;

export interface UuidResult {
  readonly uuid: Uint8Array;
  readonly created: boolean;
}

/** A random (version 4) uuid, as libuuid's uuid_generate makes one when /dev/urandom is there. */
export function randomUuid(): Uint8Array {
  const b = randomBytes(UUID_LENGTH);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return new Uint8Array(b);
}

export async function loadOrCreateUuid(stateDir: string): Promise<UuidResult> {
  const path = join(stateDir, UUID_FILE);
  const bytes = await readIfExists(path);
  // Heartbeat accepts the file when its first 16 bytes can be read.
  if (bytes && bytes.length >= UUID_LENGTH) return { uuid: new Uint8Array(bytes.subarray(0, UUID_LENGTH)), created: false };
  const uuid = randomUuid();
  await writeFileDurably(path, uuid);
  return { uuid, created: true };
}

/** Heartbeat's string_hash: h = h*31 + c over the name's (signed) chars, as a C int. */
function stringHash(name: string): number {
  const bytes = Buffer.from(name, 'latin1');
  if (bytes.length === 0) return 0;
  const signed = (b: number): number => (b > 127 ? b - 256 : b);
  let h = signed(bytes[0]!) >>> 0;
  if (h === 0) return 0;
  for (let i = 1; i < bytes.length; i++) h = (Math.imul(h, 31) + signed(bytes[i]!)) >>> 0;
  return h | 0;
}

/**
 * `uuidfrom nodename`: srand(string_hash(name)), then 32 rand() % 16 nibbles
 * in the 8-4-4-4-12 layout, parsed as a uuid — the same 16 bytes the real
 * daemon computes for that name.
 */
export function uuidFromNodeName(name: string): Uint8Array {
  const rand = glibcRand(stringHash(name) >>> 0);
  const out = new Uint8Array(UUID_LENGTH);
  for (let i = 0; i < UUID_LENGTH * 2; i++) {
    const nibble = rand() % 16;
    out[i >> 1] = i % 2 === 0 ? nibble << 4 : out[i >> 1]! | nibble;
  }
  return out;
}
