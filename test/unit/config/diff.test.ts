// diffConfig: the one comparison behind a reload (SIGHUP, heartbeat -r), read
// by the daemon (resources, http, probes) and the heartbeat layer (timers,
// keys, encoding; what needs a restart).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffConfig, loadClusterConfig, type ClusterConfig } from '../../../src/config/index.js';

const root = mkdtempSync(join(tmpdir(), 'hbts-diff-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function load(files: { haCf?: string; haresources?: string; authkeys?: string; ini?: string; probes?: string } = {}): ClusterConfig {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  writeFileSync(join(dir, 'ha.cf'), files.haCf ?? 'keepalive 500ms\ndeadtime 3\nwarntime 2\ninitdead 6\nudpport 694\nbcast lo\nauto_failback on\nnode alpha bravo\n');
  writeFileSync(join(dir, 'haresources'), files.haresources ?? 'alpha 10.0.0.1\n');
  writeFileSync(join(dir, 'authkeys'), files.authkeys ?? 'auth 1\n1 crc\n');
  chmodSync(join(dir, 'authkeys'), 0o600);
  if (files.ini !== undefined) writeFileSync(join(dir, 'heartbeat-ts.ini'), files.ini);
  if (files.probes !== undefined) writeFileSync(join(dir, 'probes.ini'), files.probes);
  const r = loadClusterConfig({ configDir: dir, localNode: 'alpha' });
  if (!r.config) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

describe('diffConfig', () => {
  it('finds nothing between two reads of the same files', () => {
    expect(diffConfig(load(), load())).toEqual({ heartbeatApplied: [], heartbeatNeedsRestart: [], changedTimers: [], daemonNeedsRestart: [], probesChanged: false });
  });

  it('timers, keys and encoding take effect at once, in the order the reload summary names them', () => {
    const next = load({
      haCf: 'keepalive 1\ndeadtime 5\nwarntime 2\ninitdead 6\nudpport 694\nbcast lo\nauto_failback on\nnode alpha bravo\nmsgfmt netstring\nlogfacility local0\n',
      authkeys: 'auth 2\n2 sha1 secret\n',
    });
    const d = diffConfig(load(), next);
    // deadping follows deadtime when ha.cf does not set it.
    expect(d.heartbeatApplied).toEqual(['authkeys', 'keepalive', 'deadtime', 'deadping', 'msgfmt/compression']);
    expect(d.changedTimers).toEqual(['keepalive', 'deadtime', 'deadping']);
    expect(d.heartbeatNeedsRestart).toEqual([]);
    expect(d.daemonNeedsRestart).toEqual([]);
  });

  it('nodes, media and resources need a restart', () => {
    const next = load({
      haCf: 'keepalive 500ms\ndeadtime 3\nwarntime 2\ninitdead 6\nudpport 695\nbcast lo\nauto_failback off\nnode alpha bravo charlie\n',
      haresources: 'alpha 10.0.0.2\n',
    });
    const d = diffConfig(load(), next);
    expect(d.heartbeatNeedsRestart).toEqual(['node', 'media (bcast/ucast/mcast/udpport)']);
    expect(d.daemonNeedsRestart).toEqual(['haresources', 'auto_failback']);
    expect(d.heartbeatApplied).toEqual([]);
  });

  it('notices the [http] listener and probes.ini', () => {
    const d = diffConfig(load(), load({ ini: '[http]\nlisten = 127.0.0.1:9100\n', probes: '[web]\nurl = http://127.0.0.1/\ninterval = 1s\n' }));
    expect(d.daemonNeedsRestart).toEqual(['heartbeat-ts.ini [http]']);
    expect(d.probesChanged).toBe(true);
  });
});
