// The generation `hg` (spec §7.1): read from <stateDir>/hb_generation, bumped
// by one and written back (fsync'd) on every start, so that peers can tell a
// restart from a replay. The file is Heartbeat's: 16 bytes, the decimal
// number right-aligned in 15 columns and a newline ("     1795308551\n"),
// so a state directory can move between Heartbeat and heartbeat-ts.
import { join } from 'node:path';
import { readIfExists, writeFileDurably } from './files.js';

export const GENERATION_FILE = 'hb_generation';
const GENERATION_LENGTH = 16;

export function formatGeneration(generation: number): Buffer {
  return Buffer.from(`${String(generation).padStart(GENERATION_LENGTH - 1, ' ')}\n`, 'latin1');
}

/** sscanf("%lu") over the first 16 bytes, as the daemon reads it; undefined if no number leads. */
export function parseGeneration(bytes: Uint8Array): number | undefined {
  const text = Buffer.from(bytes.subarray(0, GENERATION_LENGTH)).toString('latin1');
  const m = /^[ \t\n\r\f\v]*\+?([0-9]+)/.exec(text);
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface GenerationResult {
  readonly generation: number;
  /** The number found in the file, if any. */
  readonly previous?: number;
  /** A sentence for the log explaining where the number came from. */
  readonly note: string;
  readonly level: 'info' | 'warn';
}

/**
 * Decide this start's generation and persist it before anything is sent.
 *
 * - `file` (Heartbeat's default): previous + 1; a missing or empty file is
 *   seeded from the clock ("No Previous generation - starting at …"). An
 *   unreadable number is also seeded from the clock: Heartbeat restarts at 1
 *   there, which its own peers would then ignore as a replay.
 * - `time`: time(NULL), but never less than previous + 1, and written back,
 *   so a clock that went back or two starts in one second cannot look like a
 *   replay to the peers.
 */
export async function nextGeneration(
  stateDir: string,
  method: 'file' | 'time',
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<GenerationResult> {
  const path = join(stateDir, GENERATION_FILE);
  const bytes = await readIfExists(path);
  const previous = bytes && bytes.length > 0 ? parseGeneration(bytes) : undefined;
  let result: GenerationResult;
  if (method === 'time') {
    const generation = Math.max(nowSeconds, (previous ?? 0) + 1);
    result = { generation, ...(previous === undefined ? {} : { previous }), note: `Heartbeat generation (time based): ${generation}`, level: 'info' };
  } else if (previous !== undefined) {
    result = { generation: previous + 1, previous, note: `Heartbeat generation: ${previous + 1}`, level: 'info' };
  } else if (!bytes || bytes.length === 0) {
    result = { generation: nowSeconds + 1, note: `No Previous generation - starting at ${nowSeconds + 1}`, level: 'warn' };
  } else {
    result = { generation: nowSeconds + 1, note: `BROKEN previous generation - starting at ${nowSeconds + 1}`, level: 'warn' };
  }
  await writeFileDurably(path, formatGeneration(result.generation));
  return result;
}
