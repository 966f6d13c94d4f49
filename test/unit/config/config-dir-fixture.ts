// Real configuration directories in a temporary directory, for the loader
// and CLI tests. Every directory made here is removed by removeAll().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const VALID_HA_CF = [
  'logfacility daemon',
  'keepalive 1',
  'deadtime 10',
  'initdead 30',
  'udpport 694',
  'bcast eth0',
  'auto_failback on',
  'node alpha',
  'node bravo',
  '',
].join('\n');

export const VALID_HARESOURCES = 'alpha IPaddr::10.0.0.100/24/eth0 nginx\n';
export const VALID_AUTHKEYS = 'auth 1\n1 sha1 0123456789abcdef0123456789abcdef01234567\n';

export interface ConfigFiles {
  readonly 'ha.cf'?: string | null;
  readonly haresources?: string | null;
  readonly authkeys?: string | null;
  readonly 'heartbeat-ts.ini'?: string | null;
  readonly 'probes.ini'?: string | null;
  readonly nodeinfo?: string | null;
}

const made: string[] = [];

/**
 * A config directory holding the valid files, overridden by `files` (null
 * leaves a file out). authkeys gets `authMode` (default 0600).
 */
export function makeConfigDir(files: ConfigFiles = {}, authMode = 0o600): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbts-config-'));
  made.push(dir);
  const all: Record<string, string | null | undefined> = {
    'ha.cf': VALID_HA_CF,
    haresources: VALID_HARESOURCES,
    authkeys: VALID_AUTHKEYS,
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    if (text === null || text === undefined) continue;
    fs.writeFileSync(path.join(dir, name), text, { mode: name === 'authkeys' ? authMode : 0o644 });
    if (name === 'authkeys') fs.chmodSync(path.join(dir, name), authMode); // umask may have removed bits
  }
  return dir;
}

export function removeAllConfigDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
