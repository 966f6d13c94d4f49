// The sample files Debian's heartbeat package ships (see
// test/fixtures/config/debian/README.md): they must parse as shipped, and
// with their commented-out example directives uncommented.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAuthKeys } from '../../../src/config/authkeys.js';
import { DIRECTIVES } from '../../../src/config/hacf-directives.js';
import { parseHaCf } from '../../../src/config/hacf.js';
import { parseHaResources } from '../../../src/config/haresources.js';
import type { ConfigProblem } from '../../../src/config/types.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/config/debian');
const read = (name: string): string => fs.readFileSync(path.join(DIR, name), 'utf8');
const errors = (problems: readonly ConfigProblem[]): string[] =>
  problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.message}`);

/** Example lines of the Debian ha.cf that cannot be uncommented together, and why. */
const HA_CF_LEFT_OUT: Readonly<Record<string, string>> = {
  '#serial\t/dev/ttyS0\t# Linux': 'serial media are not implemented by heartbeat-ts',
  '#serial\t/dev/cuaa0\t# FreeBSD': 'serial media; FreeBSD device',
  '#serial /dev/cuad0      # FreeBSD 6.x': 'serial media; FreeBSD device',
  '#serial\t/dev/cua/a\t# Solaris': 'serial media; Solaris device',
  '#hbaping fc-card-name': 'Debian builds no hbaping plugin: Debian\'s heartbeat refuses it too ("Illegal directive")',
  '#apiauth ipfail uid=hacluster': 'a second apiauth for ipfail: Heartbeat refuses duplicates (the sample shows alternatives)',
  '#msgfmt  classic/netstring': 'a placeholder meaning "one of", not a value',
};

function uncommentHaCf(text: string): { text: string; uncommented: number } {
  let uncommented = 0;
  const lines = text.split('\n').map((line) => {
    const m = /^#([a-z_0-9]+)([ \t].*)?$/.exec(line);
    if (!m || !DIRECTIVES.has(m[1]!) || line in HA_CF_LEFT_OUT) return line;
    uncommented += 1;
    return line.slice(1);
  });
  return { text: lines.join('\n'), uncommented };
}

describe('Debian ha.cf sample', () => {
  it('parses as shipped: its two active lines are valid; only the missing nodes and media are reported', () => {
    const r = parseHaCf(read('ha.cf'), 'ha.cf');
    expect(r.value.logfacility).toBe('local0');
    expect(r.value.autoFailback).toBe('on');
    expect(errors(r.problems)).toEqual([
      '0: no nodes defined: add a "node NAME" line for every cluster member (names as `uname -n` prints them)',
      '0: no heartbeat media defined: add e.g. "bcast eth0", "ucast eth0 PEER-IP" or "mcast eth0 239.0.0.1 694 1 0"',
    ]);
  });

  it('parses with its example directive lines uncommented', () => {
    const { text, uncommented } = uncommentHaCf(read('ha.cf'));
    expect(uncommented).toBe(39); // 46 example directive lines, 7 left out
    for (const left of Object.keys(HA_CF_LEFT_OUT)) expect(text.split('\n')).toContain(left);
    const r = parseHaCf(text, 'ha.cf', { localNode: 'ken3' });
    expect(errors(r.problems)).toEqual([]);
    expect(r.value).toMatchObject({
      nodes: ['ken3', 'kathy'],
      keepalive: 2000,
      deadtime: 30_000,
      warntime: 10_000,
      initdead: 120_000,
      deadping: 30_000,
      udpport: 694,
      autoFailback: 'on',
      hopfudge: 1,
      hbgenmethod: 'time',
      realtime: false,
      debug: 1,
      compression: 'bz2',
      compressionThreshold: 2,
      logfile: '/var/log/ha-log',
      debugfile: '/var/log/ha-debug',
      logfacility: 'local0',
      watchdog: '/dev/watchdog',
    });
    expect(r.value.media.map((m) => `${m.kind} ${m.iface}`)).toEqual([
      'bcast eth0',
      'bcast eth1',
      'bcast eth2',
      'bcast le0',
      'bcast le1',
      'bcast le2',
      'mcast eth0',
      'ucast eth0',
    ]);
    expect(r.value.pingNodes.map((p) => p.name)).toEqual(['10.10.10.254', 'group1']);
    expect(r.value.stonith).toEqual(['baytech /etc/ha.d/conf/stonith.baytech']);
    expect(r.value.stonithHost).toHaveLength(3);
    expect(r.value.respawn).toEqual(['userid /path/name/to/run', 'hacluster /usr/lib/heartbeat/ipfail']);
    expect(r.value.apiauth).toHaveLength(6);
    // The only warnings: things heartbeat-ts keeps but does not run.
    expect(new Set(r.problems.map((p) => p.message.replace(/: this \w+ line .*/, '')))).toEqual(
      new Set(['heartbeat-ts does not drive STONITH devices', 'heartbeat-ts does not start or watch client processes']),
    );
  });
});

describe('Debian haresources sample', () => {
  const text = read('haresources');

  it('parses as shipped (only comments): no groups, no error', () => {
    const r = parseHaResources(text, 'haresources', ['just.linux-ha.org', 'node1']);
    expect(r.value.groups).toEqual([]);
    expect(errors(r.problems)).toEqual([]);
  });

  // The sample's examples are alternatives (several reuse 135.9.216.110 or
  // httpd), so each is uncommented on its own.
  const examples = text
    .split('\n')
    .filter((l) => /^#(just\.linux-ha\.org|node1)\s/.test(l))
    .map((l) => l.slice(1));

  it('has the five example lines', () => expect(examples).toHaveLength(5));

  it.each(examples)('example "%s" parses', (line) => {
    const r = parseHaResources(`${line}\n`, 'haresources', ['just.linux-ha.org', 'node1']);
    expect(r.problems).toEqual([]);
    expect(r.value.groups).toHaveLength(1);
  });

  it('reads the examples as ResourceManager does', () => {
    const r = parseHaResources(
      'just.linux-ha.org\t135.9.216.3/28/eth0/135.9.216.12 httpd\nnode1  10.0.0.170 Filesystem::/dev/sda1::/data1::ext2\n',
      'haresources',
      ['just.linux-ha.org', 'node1'],
    );
    expect(r.value.groups.map((g) => [g.node, g.key, g.resources.map((x) => [x.script, ...x.args].join(' '))])).toEqual([
      ['just.linux-ha.org', '135.9.216.3/28/eth0/135.9.216.12', ['IPaddr 135.9.216.3/28/eth0/135.9.216.12', 'httpd']],
      ['node1', '10.0.0.170', ['IPaddr 10.0.0.170', 'Filesystem /dev/sda1 /data1 ext2']],
    ]);
  });
});

describe('Debian authkeys sample', () => {
  const text = read('authkeys');

  it('as shipped (all commented out) it has no auth line: refused, as Heartbeat refuses it', () => {
    const r = parseAuthKeys(text, 'authkeys');
    expect(errors(r.problems)).toEqual(['0: no "auth N" line: authkeys must start with one, naming the key that signs outgoing messages']);
  });

  it('parses with its example lines uncommented (auth 1 = crc; keys "HI!" and "Hello!")', () => {
    const uncommented = text.replace(/^#(auth 1|1 crc|2 sha1 HI!|3 md5 Hello!)$/gm, '$1');
    const r = parseAuthKeys(uncommented, 'authkeys');
    expect(errors(r.problems)).toEqual([]);
    expect(r.value?.active).toBe(1);
    expect([...r.value!.keys.values()]).toEqual([
      { index: 1, method: 'crc', secret: '' },
      { index: 2, method: 'sha1', secret: 'HI!' },
      { index: 3, method: 'md5', secret: 'Hello!' },
    ]);
  });
});
