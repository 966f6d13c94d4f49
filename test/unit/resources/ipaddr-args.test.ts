// Heartbeat's IPaddr / IPaddr2 argument syntax (spec §9.1: `ip/cidr/nic/broadcast`,
// as the resource.d wrappers split it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpAddrArguments } from '../../../src/resources/index.js';
import { broadcastAddress, formatIpv4, maskToPrefixLength, parseIpv4, prefixMask } from '../../../src/resources/agents/ipv4.js';

describe('IPaddr argument syntax (spec §9.1)', () => {
  it.each([
    ['10.0.0.5', { address: '10.0.0.5' }],
    ['10.0.0.5/24', { address: '10.0.0.5', prefixLength: 24 }],
    ['10.0.0.5/255.255.0.0', { address: '10.0.0.5', prefixLength: 16 }],
    ['10.0.0.5/24/eth1', { address: '10.0.0.5', prefixLength: 24, iface: 'eth1' }],
    ['10.0.0.5/24/eth1/10.0.0.255', { address: '10.0.0.5', prefixLength: 24, iface: 'eth1', broadcast: '10.0.0.255' }],
    // A third part starting with a digit is the broadcast (the wrappers' `case $NIC in [0-9]*`).
    ['10.0.0.5/24/10.0.0.127', { address: '10.0.0.5', prefixLength: 24, broadcast: '10.0.0.127' }],
    ['10.0.0.5/24/', { address: '10.0.0.5', prefixLength: 24 }],
    // Runs of "/" are one separator (the wrappers' `sed 's%^BASEIP/*%%'`).
    ['10.0.0.5//24', { address: '10.0.0.5', prefixLength: 24 }],
    ['10.0.0.5/24//eth1', { address: '10.0.0.5', prefixLength: 24, iface: 'eth1' }],
    // The seed tutorial's line: IPaddr keeps the label the admin wrote.
    ['10.10.10.100/24/eth0:0', { address: '10.10.10.100', prefixLength: 24, iface: 'eth0', label: 'eth0:0' }],
    ['10.0.0.5/24/eth0:web/10.0.0.255', { address: '10.0.0.5', prefixLength: 24, iface: 'eth0', label: 'eth0:web', broadcast: '10.0.0.255' }],
    // An empty label is the plain interface, as in both agents.
    ['10.0.0.5/24/eth0:', { address: '10.0.0.5', prefixLength: 24, iface: 'eth0' }],
    ['10.0.0.5/32', { address: '10.0.0.5', prefixLength: 32 }],
  ])('IPaddr %s', (arg, spec) => {
    expect(parseIpAddrArguments('IPaddr', [arg])).toEqual({ ok: true, spec });
  });

  it('IPaddr and IPaddr2 both accept IFACE:LABEL, a label with ":" inside too', () => {
    for (const kind of ['IPaddr', 'IPaddr2'] as const) {
      expect(parseIpAddrArguments(kind, ['10.0.0.5/24/eth0:web'])).toEqual({
        ok: true,
        spec: { address: '10.0.0.5', prefixLength: 24, iface: 'eth0', label: 'eth0:web' },
      });
      expect(parseIpAddrArguments(kind, ['10.0.0.5/24/eth0:a:b'])).toEqual({
        ok: true,
        spec: { address: '10.0.0.5', prefixLength: 24, iface: 'eth0', label: 'eth0:a:b' },
      });
    }
  });

  it.each([
    [[], /exactly one argument, got 0/],
    [['10.0.0.5', 'eth0'], /exactly one argument, got 2/],
    [['10.0.0.256'], /not an IPv4 address/],
    [['10.0.0'], /not an IPv4 address/],
    [['010.0.0.1'], /not an IPv4 address/],
    [['ip=10.0.0.5'], /not an IPv4 address/],
    [['10.0.0.5/33'], /neither a prefix length/],
    [['10.0.0.5/0'], /neither a prefix length/],
    [['10.0.0.5/0.0.0.0'], /neither a prefix length/],
    [['10.0.0.5/024'], /neither a prefix length/],
    [['10.0.0.5/255.0.255.0'], /neither a prefix length/],
    [['10.0.0.5//eth0'], /"eth0" is neither a prefix length/],
    [['10.0.0.5/eth0'], /the second part is always the netmask/],
    [['/10.0.0.5'], /starts with "\/"/],
    [['10.0.0.5/24/eth0/10.0.0.255/x'], /too many .*silently ignore "x"/],
    [['10.0.0.5/24/eth0:we b'], /invalid label/],
    [['10.0.0.5/24/eth0/bcast'], /broadcast "bcast"/],
    [['10.0.0.5/24/10.0.0.255/eth0'], /nothing may follow it .*silently ignore "eth0"/],
    [['10.0.0.5/24/averyveryverylongname'], /longer than 15/],
    [['10.0.0.5/24/et h0'], /not a valid interface name/],
  ])('rejects %j', (args, message) => {
    const r = parseIpAddrArguments('IPaddr2', args as string[]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(message);
  });

  it('labels longer than 15 characters are refused', () => {
    for (const kind of ['IPaddr', 'IPaddr2'] as const) {
      const r = parseIpAddrArguments(kind, ['10.0.0.5/24/eth0:abcdefghijk']);
      expect(!r.ok && r.error).toMatch(/label "eth0:abcdefghijk" is longer than 15/);
    }
    expect(parseIpAddrArguments('IPaddr2', ['10.0.0.5/24/eth0:abcdefghij']).ok).toBe(true);
  });

  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
  const iface = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);

  it('parses every well-formed ADDR/CIDR/IFACE/BROADCAST back to its parts', () => {
    fc.assert(
      fc.property(ipv4, fc.option(fc.integer({ min: 1, max: 32 })), fc.option(iface), fc.option(ipv4), (address, prefix, nic, brd) => {
        const parts = [address];
        if (prefix !== null) {
          parts.push(String(prefix));
          if (nic !== null) parts.push(nic);
          if (brd !== null) parts.push(brd);
        }
        const r = parseIpAddrArguments('IPaddr', [parts.join('/')]);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.spec.address).toBe(address);
        expect(r.spec.prefixLength).toBe(prefix ?? undefined);
        expect(r.spec.iface).toBe(prefix !== null ? (nic ?? undefined) : undefined);
        expect(r.spec.broadcast).toBe(prefix !== null ? (brd ?? undefined) : undefined);
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }), (args) => {
        const r = parseIpAddrArguments('IPaddr2', args);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

describe('IPv4 helpers', () => {
  it('formats what it parses', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), (n) => {
        expect(parseIpv4(formatIpv4(n))).toBe(n);
      }),
    );
  });

  it('converts every contiguous netmask to its prefix length', () => {
    fc.assert(
      fc.property(fc.nat(32), (p) => {
        expect(maskToPrefixLength(formatIpv4(prefixMask(p)))).toBe(p);
      }),
    );
  });

  it('computes directed broadcasts, none for /31 and /32', () => {
    expect(formatIpv4(broadcastAddress(parseIpv4('198.51.100.10')!, 24)!)).toBe('198.51.100.255');
    expect(formatIpv4(broadcastAddress(parseIpv4('10.1.2.3')!, 8)!)).toBe('10.255.255.255');
    expect(broadcastAddress(parseIpv4('10.1.2.3')!, 31)).toBeUndefined();
    expect(broadcastAddress(parseIpv4('10.1.2.3')!, 32)).toBeUndefined();
  });
});
