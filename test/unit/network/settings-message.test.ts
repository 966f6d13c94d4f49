// issue 13: when network-aware failover runs, ipfail's messages, and how a link is read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExtensionOptions, parseHaCf, type ClusterConfig } from '../../../src/config/index.js';
import { getString } from '../../../src/heartbeat/index.js';
import { networkSettings, reachMessage, readLinkUp, readPeerMessage } from '../../../src/network/index.js';

const HA_CF = 'keepalive 200ms\ndeadtime 1\nbcast eth0\nnode alpha\nnode bravo\nping 10.0.0.254\n';

function config(haCfExtra: string, ini = '', autoFailback = 'on'): Pick<ClusterConfig, 'haCf' | 'options'> {
  const haCf = parseHaCf(`${HA_CF}auto_failback ${autoFailback}\n${haCfExtra}`, 'ha.cf');
  const options = parseExtensionOptions(ini, 'heartbeat-ts.ini');
  expect([...haCf.problems, ...options.problems].filter((p) => p.severity === 'error')).toEqual([]);
  return { haCf: haCf.value as ClusterConfig['haCf'], options: options.value };
}

describe('network settings', () => {
  it('ha.cf respawning any …/ipfail turns ipfail on, with ipfail\'s 2 × keepalive giveup delay', () => {
    for (const path of ['/usr/lib/heartbeat/ipfail', '/usr/lib64/heartbeat/ipfail', '/opt/ha/ipfail']) {
      const s = networkSettings(config(`respawn hacluster ${path}\n`));
      expect(s.active).toBe(true);
      expect(s.policy).toEqual({ ipfail: true, trackInterfaces: [], giveupDelay: 400, returnDelay: 10_000, judgeFrom: 0 });
    }
    expect(networkSettings(config('respawn hacluster /usr/lib/heartbeat/ipfail2\n')).active).toBe(false);
    expect(networkSettings(config('')).active).toBe(false);
  });

  it('heartbeat-ts.ini switches it on or off and sets the delays', () => {
    expect(networkSettings(config('', '[ipfail]\nenabled = on\ngiveup_delay = 1s\nreturn_delay = 3s\n')).policy).toEqual({
      ipfail: true,
      trackInterfaces: [],
      giveupDelay: 1000,
      returnDelay: 3000,
      judgeFrom: 0,
    });
    const off = networkSettings(config('respawn hacluster /usr/lib/heartbeat/ipfail\n', '[ipfail]\nenabled = off\n'));
    expect(off.active).toBe(false);
    expect(off.describe[0]).toMatch(/enabled = off overrides/);
    const links = networkSettings(config('', '[ipfail]\ntrack_interface = eth1\n'));
    expect(links.active).toBe(true);
    expect(links.policy).toMatchObject({ ipfail: false, trackInterfaces: ['eth1'] });
  });

  it('auto_failback legacy: not active (ipfail refuses it; the standby protocol needs nice_failback)', () => {
    const s = networkSettings(config('respawn hacluster /usr/lib/heartbeat/ipfail\n', '[ipfail]\ntrack_interface = eth1\n', 'legacy'));
    expect(s.active).toBe(false);
    expect(s.describe.join('\n')).toMatch(/NOT active: auto_failback legacy/);
  });
});

describe("ipfail's messages", () => {
  it('num_ping_nodes carries num_ping (as ipfail) and our link state', () => {
    const m = reachMessage({ pings: 2, linksUp: false });
    expect(getString(m, 't')).toBe('num_ping_nodes');
    expect(getString(m, 'num_ping')).toBe('2');
    expect(readPeerMessage('num_ping_nodes', m)).toEqual({ kind: 'reach', reach: { pings: 2, linksUp: false } });
  });

  it("reads real ipfail's messages, and refuses a bad count", () => {
    const fromIpfail = { fields: [{ name: 't', type: 0 as const, value: 'num_ping_nodes' }, { name: 'num_ping', type: 0 as const, value: '1' }] };
    expect(readPeerMessage('num_ping_nodes', fromIpfail)).toEqual({ kind: 'reach', reach: { pings: 1, linksUp: true } });
    expect(readPeerMessage('you_are_dead', { fields: [] })).toEqual({ kind: 'more' });
    expect(readPeerMessage('abort_giveup', { fields: [] })).toEqual({ kind: 'balanced' });
    expect(readPeerMessage('num_ping_nodes', { fields: [] })).toMatchObject({ kind: 'bad' });
    expect(readPeerMessage('num_ping_nodes', { fields: [{ name: 'num_ping', type: 0, value: '-3' }] })).toMatchObject({ kind: 'bad' });
    expect(readPeerMessage('ask_resources', { fields: [] })).toBeUndefined();
  });
});

describe('reading a link from sysfs', () => {
  const root = mkdtempSync(join(tmpdir(), 'hbts-sysnet-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const iface = (name: string, flags: string, carrier?: string): void => {
    mkdirSync(join(root, name), { recursive: true });
    writeFileSync(join(root, name, 'flags'), `${flags}\n`);
    if (carrier !== undefined) writeFileSync(join(root, name, 'carrier'), `${carrier}\n`);
  };

  it('up = IFF_UP and carrier; admin-down, no carrier and a missing interface are down', () => {
    iface('up0', '0x1003', '1');
    iface('nocarrier0', '0x1003', '0');
    iface('admindown0', '0x1002', '0');
    iface('einval0', '0x1003');
    expect(readLinkUp('up0', root)).toEqual({ up: true, detail: 'carrier' });
    expect(readLinkUp('nocarrier0', root)).toEqual({ up: false, detail: 'no carrier' });
    expect(readLinkUp('admindown0', root)).toEqual({ up: false, detail: 'administratively down' });
    expect(readLinkUp('einval0', root)).toEqual({ up: false, detail: 'no carrier' });
    expect(readLinkUp('gone0', root)).toEqual({ up: false, detail: 'no such interface' });
  });

  it('reads the real loopback as up', () => {
    expect(readLinkUp('lo').up).toBe(true);
  });
});
