// Builds the Debian package from this tree (dist/ must be built: npm test
// builds it first) into a temporary directory, as `npm run package` does.
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface BuiltDeb {
  readonly dir: string;
  readonly file: string;
  readonly version: string;
}

export async function buildDeb(): Promise<BuiltDeb> {
  const dir = mkdtempSync(join(tmpdir(), 'hbts-deb-out-'));
  const r = await execa('bash', [join(REPO_ROOT, 'scripts/build-deb'), dir], { cwd: REPO_ROOT, reject: false, timeout: 240_000 });
  if (r.exitCode !== 0) throw new Error(`scripts/build-deb failed (${r.exitCode}):\n${r.stderr}`);
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const file = join(dir, `heartbeat-ts_${version}_all.deb`);
  if (r.stdout.trim() !== file) throw new Error(`scripts/build-deb printed ${r.stdout.trim()}, expected ${file}`);
  return { dir, file, version };
}
