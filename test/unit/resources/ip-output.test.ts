// Reading iproute2's one-line output, and the interface / label choices made from it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  connectedRouteFor,
  firstFreeAliasLabel,
  parseAddrShow,
  parseConnectedRoutes,
  type InterfaceAddress,
} from '../../../src/resources/agents/ip-output.js';

// Captured from iproute2 6.1 in a namespace.
const ADDR_SHOW = String.raw`1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
3: eth0    inet 198.51.100.1/24 brd 198.51.100.255 scope global eth0\       valid_lft forever preferred_lft forever
3: eth0    inet 198.51.100.10/24 brd 198.51.100.255 scope global secondary eth0:0\       valid_lft forever preferred_lft forever
3: eth0    inet 198.51.100.11/24 scope global secondary eth0\       valid_lft forever preferred_lft forever
4: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\       valid_lft forever preferred_lft forever
5: eth1    inet6 fe80::1/64 scope link \       valid_lft forever preferred_lft forever`;

const ROUTE_SHOW = `default via 192.0.2.1 dev eth1 
192.0.2.0/24 dev eth1 proto kernel scope link src 192.0.2.7 
198.51.100.0/24 dev eth0 proto kernel scope link src 198.51.100.1 
198.51.100.0/25 dev eth2 proto kernel scope link src 198.51.100.2 
203.0.113.0/24 via 192.0.2.1 dev eth1 
blackhole 10.0.0.0/8 
10.9.9.9 dev eth3 scope link `;

describe('ip output parsing', () => {
  it('reads addresses with their labels', () => {
    expect(parseAddrShow(ADDR_SHOW)).toEqual([
      { iface: 'lo', address: '127.0.0.1', prefixLength: 8, label: 'lo' },
      { iface: 'eth0', address: '198.51.100.1', prefixLength: 24, label: 'eth0' },
      { iface: 'eth0', address: '198.51.100.10', prefixLength: 24, label: 'eth0:0' },
      { iface: 'eth0', address: '198.51.100.11', prefixLength: 24, label: 'eth0' },
      { iface: 'tun0', address: '10.8.0.1', prefixLength: 32, label: 'tun0' },
    ]);
  });

  it('reads only directly connected routes', () => {
    expect(parseConnectedRoutes(ROUTE_SHOW)).toEqual([
      { network: '192.0.2.0', prefixLength: 24, iface: 'eth1' },
      { network: '198.51.100.0', prefixLength: 24, iface: 'eth0' },
      { network: '198.51.100.0', prefixLength: 25, iface: 'eth2' },
      { network: '10.9.9.9', prefixLength: 32, iface: 'eth3' },
    ]);
  });

  it('picks the most specific connected subnet, optionally on a named interface', () => {
    const routes = parseConnectedRoutes(ROUTE_SHOW);
    expect(connectedRouteFor('198.51.100.10', routes)?.iface).toBe('eth2');
    expect(connectedRouteFor('198.51.100.200', routes)?.iface).toBe('eth0');
    expect(connectedRouteFor('198.51.100.10', routes, 'eth0')).toEqual({ network: '198.51.100.0', prefixLength: 24, iface: 'eth0' });
    expect(connectedRouteFor('203.0.113.5', routes)).toBeUndefined();
    expect(connectedRouteFor('192.0.2.9', routes, 'eth0')).toBeUndefined();
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        parseAddrShow(text);
        parseConnectedRoutes(text);
      }),
    );
  });
});

describe('alias labels (IPaddr: IFACE:N, first free N)', () => {
  const on = (iface: string, labels: string[]): InterfaceAddress[] =>
    labels.map((label, i) => ({ iface, address: `10.0.0.${i + 1}`, prefixLength: 24, label }));

  it('takes the lowest unused number', () => {
    expect(firstFreeAliasLabel('eth0', on('eth0', ['eth0']))).toBe('eth0:0');
    expect(firstFreeAliasLabel('eth0', on('eth0', ['eth0', 'eth0:0', 'eth0:2']))).toBe('eth0:1');
    expect(firstFreeAliasLabel('eth0', on('eth1', ['eth1:0']))).toBe('eth0:0');
  });

  it('gives up when no label fits in 15 characters', () => {
    expect(firstFreeAliasLabel('abcdefghijklm', [])).toBe('abcdefghijklm:0');
    expect(firstFreeAliasLabel('abcdefghijklmn', [])).toBeUndefined();
  });

  it('never returns a label already taken', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(30)), (taken) => {
        const addresses = on('eth0', taken.map((n) => `eth0:${n}`));
        const label = firstFreeAliasLabel('eth0', addresses)!;
        expect(taken.map((n) => `eth0:${n}`)).not.toContain(label);
        const n = Number(label.split(':')[1]);
        for (let k = 0; k < n; k++) expect(taken).toContain(k);
      }),
    );
  });
});
