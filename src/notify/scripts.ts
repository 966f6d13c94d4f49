// notify.d: every executable regular file of the directory, in name order
// (byte order, as run-parts), skipping hidden files and package-manager or
// editor leftovers. Read at each event, so a script added or removed takes
// effect at the next event without a restart.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Most scripts run for one event; more are refused (a bound on one event's delivery time). */
export const MAX_NOTIFY_SCRIPTS = 64;

/** Names run-parts would skip too: hidden, backups, dpkg/rpm/ucf leftovers, swap files. */
export function isScriptName(name: string): boolean {
  if (name.startsWith('.') || name.endsWith('~')) return false;
  return !/\.(dpkg-(old|new|dist|tmp|bak)|rpm(save|new|orig)|ucf-(old|new|dist)|swp|bak|orig|disabled)$/i.test(name);
}

export interface ScriptListing {
  readonly scripts: readonly string[];
  /** Entries passed over, with why (not executable, not a regular file, over the bound). */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly why: string }>;
  /** The directory could not be read (missing, not a directory, no permission). */
  readonly error?: string;
}

export async function listScripts(dir: string): Promise<ScriptListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    return { scripts: [], skipped: [], error: (err as Error).message };
  }
  names.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  const scripts: string[] = [];
  const skipped: Array<{ name: string; why: string }> = [];
  for (const name of names) {
    if (!isScriptName(name)) continue;
    const path = join(dir, name);
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      skipped.push({ name, why: (err as Error).message });
      continue;
    }
    if (!st.isFile()) skipped.push({ name, why: 'not a regular file' });
    else if ((st.mode & 0o111) === 0) skipped.push({ name, why: 'not executable (chmod +x to run it)' });
    else if (scripts.length >= MAX_NOTIFY_SCRIPTS) skipped.push({ name, why: `more than ${MAX_NOTIFY_SCRIPTS} scripts` });
    else scripts.push(path);
  }
  return { scripts, skipped };
}
