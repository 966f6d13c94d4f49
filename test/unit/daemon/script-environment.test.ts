// The environment resource scripts get (spec §9.8): HA_<directive> for the
// recorded ha.cf parameters, HA_CURHOST, HA_DIR …, `env` lines, and the
// string fields of a triggering message with HA_OSTATUS / HA_NICEFAILBACK.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClusterConfig } from '../../../src/config/index.js';
import { baseScriptEnvironment, messageScriptEnvironment } from '../../../src/daemon/script-environment.js';
import { messageOf } from '../../../src/heartbeat/wire/message.js';

const dir = mkdtempSync(join(tmpdir(), 'hbts-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config() {
  writeFileSync(join(dir, 'ha.cf'), 'keepalive 500ms\ndeadtime 3\nudpport 694\nbcast lo\nauto_failback on\nenv FOO=bar\nnode alpha bravo\n');
  writeFileSync(join(dir, 'haresources'), 'alpha 10.0.0.1\n');
  writeFileSync(join(dir, 'authkeys'), 'auth 1\n1 crc\n');
  chmodSync(join(dir, 'authkeys'), 0o600);
  const r = loadClusterConfig({ configDir: dir, localNode: 'alpha' });
  if (!r.config) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

describe('script environment (spec §9.8)', () => {
  it('has the recorded directives as written and the daemon-wide variables', () => {
    const env = baseScriptEnvironment(config(), { configDir: dir, stateDir: '/var/lib/hb', runDir: '/run/hb' });
    expect(env.HA_keepalive).toBe('500ms');
    expect(env.HA_deadtime).toBe('3');
    expect(env.HA_udpport).toBe('694');
    expect(env.HA_auto_failback).toBe('on');
    expect(env.HA_CURHOST).toBe('alpha');
    expect(env.HA_DIR).toBe(dir);
    expect(env.HA_FOO).toBe('bar');
    expect(env.HA_RSCTMP).toBe('/run/hb/rsctmp');
    expect(env.OCF_ROOT).toBe('/usr/lib/ocf');
  });

  it('adds the string fields of the triggering message, first occurrence wins', () => {
    const msg = messageOf([['t', 'ip-request-resp'], ['src', 'bravo'], ['t', 'second'], ['weird-name', 'x']]);
    const env = messageScriptEnvironment(msg, 'active', 'on');
    expect(env).toEqual({ HA_t: 'ip-request-resp', HA_src: 'bravo', HA_OSTATUS: 'active', HA_NICEFAILBACK: 'yes' });
    expect(messageScriptEnvironment(undefined, 'up', 'legacy')).toEqual({ HA_OSTATUS: 'up' });
  });
});
