import { describe, expect, it } from 'vitest';
import { parseHaResources } from '../../../src/config/haresources.js';
import type { ConfigProblem } from '../../../src/config/types.js';

const NODES = ['alpha', 'bravo'];
const parse = (text: string, nodes: readonly string[] | undefined = NODES) => parseHaResources(text, 'haresources', nodes);
const show = (p: ConfigProblem): string => `${p.severity} ${p.line}: ${p.message}`;

describe('haresources (spec §9.1, ResourceManager ipres)', () => {
  it('parses the lab example: groups, keys, bare IPs as IPaddr::ADDR, :: arguments, continuation', () => {
    const r = parse(
      '# comment to end of line\n' +
        'alpha 10.77.0.100 LabTrace::a1 LabTrace::a2\n' +
        'bravo IPaddr::10.77.0.200/24/eth0 Filesystem::/dev/sdb1::/data::ext4 \\\n' +
        '      httpd\n',
    );
    expect(r.problems).toEqual([]);
    expect(r.value.groups).toEqual([
      {
        node: 'alpha',
        key: '10.77.0.100',
        line: 2,
        resources: [
          { token: '10.77.0.100', script: 'IPaddr', args: ['10.77.0.100'], line: 2 },
          { token: 'LabTrace::a1', script: 'LabTrace', args: ['a1'], line: 2 },
          { token: 'LabTrace::a2', script: 'LabTrace', args: ['a2'], line: 2 },
        ],
      },
      {
        node: 'bravo',
        key: 'IPaddr::10.77.0.200/24/eth0',
        line: 3,
        resources: [
          { token: 'IPaddr::10.77.0.200/24/eth0', script: 'IPaddr', args: ['10.77.0.200/24/eth0'], line: 3 },
          { token: 'Filesystem::/dev/sdb1::/data::ext4', script: 'Filesystem', args: ['/dev/sdb1', '/data', 'ext4'], line: 3 },
          { token: 'httpd', script: 'httpd', args: [], line: 4 },
        ],
      },
    ]);
  });

  it('a bare address with /cidr/nic/broadcast is still IPaddr (the shell glob [0-9]*.[0-9]*.[0-9]*.[0-9]*)', () => {
    const r = parse('alpha 135.9.216.3/28/eth0/135.9.216.12 httpd\n');
    expect(r.value.groups[0]!.resources[0]).toEqual({
      token: '135.9.216.3/28/eth0/135.9.216.12',
      script: 'IPaddr',
      args: ['135.9.216.3/28/eth0/135.9.216.12'],
      line: 1,
    });
  });

  it('matches node names case-insensitively and lower-cases them', () => {
    const r = parse('ALPHA 10.0.0.1\n\tBravo\t10.0.0.2   nginx\n');
    expect(r.problems).toEqual([]);
    expect(r.value.groups.map((g) => g.node)).toEqual(['alpha', 'bravo']);
  });

  it('a node not in ha.cf is an error (Heartbeat: "Bad nodename")', () => {
    expect(parse('charlie 10.0.0.1\n').problems.map(show)).toEqual([
      'error 1: unknown node "charlie": a haresources line starts with the group\'s home node, one of ha.cf\'s nodes (alpha, bravo); Heartbeat refuses "Bad nodename"',
    ]);
  });

  it('without the node list (ha.cf unreadable) node names are not checked', () => {
    expect(parseHaResources('charlie 10.0.0.1\n', 'haresources').problems).toEqual([]);
  });

  it('the same resource in two groups is an error, whatever its spelling', () => {
    expect(parse('alpha 10.0.0.1 nginx\nbravo IPaddr::10.0.0.1\n').problems.map(show)).toEqual([
      'error 2: resource IPaddr::10.0.0.1 is already in the group of line 1 (node alpha): a resource can belong to one group only',
    ]);
    expect(parse('alpha 10.0.0.1 nginx\nbravo 10.0.0.2 nginx\n').problems.map(show)).toEqual([
      'error 2: resource nginx is already in the group of line 1 (node alpha): a resource can belong to one group only',
    ]);
    expect(parse('alpha 10.0.0.1 nginx nginx\n').problems.map(show)).toEqual(['error 1: resource nginx is listed twice in this group']);
  });

  it('a line with a node and no resources is an error', () => {
    expect(parse('alpha\n').problems.map(show)).toEqual(['error 1: node alpha is given no resources: write "alpha RESOURCE…" or remove the line']);
  });

  it('joins continued lines with nothing in between, as sed does, and warns when two words merge', () => {
    const r = parse('alpha 10.0.0.1 ngi\\\nnx\n');
    expect(r.value.groups[0]!.resources.map((x) => x.token)).toEqual(['10.0.0.1', 'nginx']);
    expect(r.problems.map(show)).toEqual([
      'warning 1: "ngi" and "nx" join into one word "nginx" across the line break (as in Heartbeat, the backslash joins lines with nothing in between): put a blank before the backslash if they are two resources',
    ]);
  });

  it('refuses a comment on a continuation line (ResourceManager would read its words as resources)', () => {
    expect(parse('alpha 10.0.0.1 \\\n  nginx # web server\n').problems.map(show)).toEqual([
      "error 2: a comment on a continuation line is not removed by Heartbeat's ResourceManager (its words would become resources): put the comment on a line of its own",
    ]);
  });

  it('a comment after a backslash ends the line (the backslash is then not at the end)', () => {
    const r = parse('alpha 10.0.0.1 # no continuation \\\nbravo 10.0.0.2\n');
    expect(r.problems).toEqual([]);
    expect(r.value.groups).toHaveLength(2);
  });

  it('refuses DOS line ends', () => {
    expect(parse('alpha 10.0.0.1\r\n').problems.map(show)[0]).toMatch(/^error 1: line contains a carriage return/);
  });

  it('refuses a last line ending in a backslash', () => {
    expect(parse('alpha 10.0.0.1 \\').problems.map(show)).toEqual(['error 1: the last line ends with "\\" but no line follows it']);
  });

  it('refuses empty :: arguments, script names with / or :, and invalid addresses', () => {
    const r = parse('alpha Filesystem::::/data a/b::x 10.0.0.300 IPaddr2 IPaddr2::eth0 ::x\n');
    expect(r.problems.map(show)).toEqual([
      'error 1: resource "Filesystem::::/data": an argument is empty (Heartbeat\'s ResourceManager would silently drop it and shift the others)',
      'error 1: resource "a/b::x": "a/b" is not a script name (a name in resource.d/ or /etc/init.d/, without "/" or a single ":")',
      'error 1: resource "10.0.0.300": looks like an IP address (Heartbeat reads it as IPaddr::10.0.0.300) but "10.0.0.300" is not a valid IPv4 address',
      'error 1: resource "IPaddr2": IPaddr2 needs an address: IPaddr2::ADDRESS[/CIDR[/NIC[/BROADCAST]]]',
      'error 1: resource "IPaddr2::eth0": "eth0" is not a valid IPv4 address',
      'error 1: resource "::x": no script name before "::"',
    ]);
    expect(r.value.groups).toEqual([]);
  });

  it('an empty file (or only comments) has no groups and a warning', () => {
    expect(parse('# nothing\n\n').problems.map(show)).toEqual([
      'warning 0: haresources defines no resource group: this cluster would manage no resources',
    ]);
  });
});
