import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIRECTIVES } from '../../../src/config/hacf-directives.js';
import { parseHaCf } from '../../../src/config/hacf.js';
import type { ConfigProblem } from '../../../src/config/types.js';

// A minimal usable ha.cf; each test adds the lines it is about.
const BASE = 'logfacility daemon\nnode alpha bravo\nbcast eth0\nauto_failback on\n';

function parse(text: string, localNode: string | undefined = 'alpha') {
  return parseHaCf(text, 'ha.cf', localNode === undefined ? {} : { localNode });
}
const show = (p: ConfigProblem): string => `${p.line}: ${p.message}`;
const errorsOf = (text: string, localNode?: string): string[] =>
  parse(text, localNode).problems.filter((p) => p.severity === 'error').map(show);
const warningsOf = (text: string): string[] =>
  parse(text).problems.filter((p) => p.severity === 'warning').map(show);

describe('ha.cf syntax (spec §10, heartbeat/config.c parse_config)', () => {
  it('a minimal file is usable, with Heartbeat defaults (spec §8.1)', () => {
    const { value, problems } = parse(BASE + 'initdead 60\n');
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(value).toMatchObject({
      nodes: ['alpha', 'bravo'],
      keepalive: 1000,
      deadtime: 30_000,
      warntime: 15_000,
      deadping: 30_000,
      udpport: 694,
      autoFailback: 'on',
      autoFailbackExplicit: true,
      hopfudge: 1,
      hbgenmethod: 'file',
      uuidfrom: 'file',
      msgfmt: 'classic',
      compression: 'zlib',
      compressionThreshold: 2,
      traditionalCompression: false,
      maxRexmitDelay: 250,
      debug: 0,
      logBadpack: true,
      realtime: true,
      memreserve: 6500,
      coredumps: true,
      cluster: 'linux-ha',
      autojoin: 'none',
      useLogd: false,
      logfacility: 'daemon',
    });
    expect(value.media).toEqual([{ kind: 'bcast', iface: 'eth0', port: 694, line: 3 }]);
  });

  it('"#" starts a comment anywhere; blank lines and indentation are ignored', () => {
    const { value, problems } = parse(`  # heading\n\n\tlogfacility daemon # syslog\nnode alpha # me\nnode bravo\nbcast eth0#x\nauto_failback on\ninitdead 60\n`);
    expect(problems).toEqual([]);
    expect(value.nodes).toEqual(['alpha', 'bravo']);
    expect(value.media.map((m) => m.iface)).toEqual(['eth0']);
  });

  it('splits values on blanks, tabs and commas and applies each token (node a b = two nodes)', () => {
    const { value } = parse('logfacility daemon\nnode alpha,bravo\tcharlie , delta\nbcast eth0, eth1\tth2\nauto_failback on\n');
    expect(value.nodes).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect(value.media.map((m) => m.iface)).toEqual(['eth0', 'eth1', 'th2']);
  });

  it('lower-cases node names and ignores a repeated node with a warning', () => {
    const r = parse('logfacility daemon\nnode Alpha BRAVO\nnode alpha\nbcast eth0\nauto_failback on\ninitdead 60\n');
    expect(r.value.nodes).toEqual(['alpha', 'bravo']);
    expect(r.problems.map(show)).toEqual(['3: node "alpha" is already listed (line 2); the repeat is ignored']);
  });

  it('"keepalive 500 ms" is two settings, the second invalid (spec §10 [V])', () => {
    const errors = errorsOf(BASE + 'keepalive 500 ms\n');
    expect(errors).toContain('5: keepalive: "ms" is not a time: write seconds (2, 1.5) or milliseconds (1500ms) or microseconds (500us)');
  });

  it('refuses "2s" as a time (spec §10 [V])', () => {
    expect(errorsOf(BASE + 'deadtime 2s\n')).toEqual([
      '5: deadtime: "2s" is not a Heartbeat time: a bare number already means seconds (write 2), or use ms/us',
    ]);
  });

  it('a repeated directive: the later value wins, with a warning', () => {
    const r = parse(BASE + 'keepalive 2\nkeepalive 500ms\ninitdead 60\n');
    expect(r.value.keepalive).toBe(500);
    expect(r.problems.map(show)).toEqual(['6: keepalive is set again (first on line 5); the later value wins']);
  });

  it('unknown directive: error with a suggestion (Heartbeat: "Illegal directive")', () => {
    expect(errorsOf(BASE + 'keepalve 2\n')).toEqual([
      '5: unknown directive "keepalve" (did you mean "keepalive"?); Heartbeat refuses it too ("Illegal directive")',
    ]);
  });

  it('the old "udp" directive means bcast, with a warning', () => {
    const r = parse('logfacility daemon\nnode alpha bravo\nudp eth0\nauto_failback on\ninitdead 60\n');
    expect(r.value.media).toEqual([{ kind: 'bcast', iface: 'eth0', port: 694, line: 3 }]);
    expect(r.problems.map(show)).toEqual(['3: directive "udp" is an old name for "bcast"; write bcast']);
  });

  it('a directive with no value is ignored with a warning, as Heartbeat ignores it', () => {
    expect(warningsOf(BASE + 'initdead 60\nkeepalive\n')).toEqual(['6: keepalive has no value; Heartbeat ignores this line']);
  });

  it('accepts CRLF line ends (config.c cuts the line at the first CR)', () => {
    const r = parse(BASE.replace(/\n/g, '\r\n') + 'initdead 60\r\n');
    expect(r.problems).toEqual([]);
    expect(r.value.nodes).toEqual(['alpha', 'bravo']);
  });
});

describe('ha.cf media', () => {
  it('ucast IFACE PEER, one line per peer; extra words are ignored with a warning', () => {
    const r = parse('logfacility daemon\nnode alpha bravo\nucast eth0 10.0.0.2\nucast eth1 bravo.example.com extra\nauto_failback on\ninitdead 60\n');
    expect(r.value.media).toEqual([
      { kind: 'ucast', iface: 'eth0', peer: '10.0.0.2', port: 694, line: 3 },
      { kind: 'ucast', iface: 'eth1', peer: 'bravo.example.com', port: 694, line: 4 },
    ]);
    expect(r.problems.map(show)).toEqual(['4: ucast takes an interface and one peer; "extra" is ignored (one line per peer)']);
  });

  it('ucast without a peer is refused', () => {
    expect(errorsOf(BASE + 'ucast eth0\n')).toContain('5: ucast eth0: missing the peer\'s IP address (ucast IFACE PEER-IP)');
  });

  it('mcast IFACE GROUP PORT TTL LOOP with Heartbeat\'s bounds (ttl 0..4, loop 0/1, class D group)', () => {
    const ok = parse(BASE + 'mcast eth1 239.77.0.1 695 1 0\ninitdead 60\n');
    expect(ok.value.media[1]).toEqual({ kind: 'mcast', iface: 'eth1', group: '239.77.0.1', port: 695, ttl: 1, loop: false, line: 5 });
    expect(errorsOf(BASE + 'mcast eth0 239.0.0.1 694 5 0\n')[0]).toMatch(/^5: mcast eth0: bad ttl: 5 is out of range \(expected 0\.\.4\)/);
    expect(errorsOf(BASE + 'mcast eth0 239.0.0.1 694 1 2\n')[0]).toMatch(/^5: mcast eth0: bad loop flag/);
    expect(errorsOf(BASE + 'mcast eth0 10.0.0.1 694 1 0\n')[0]).toMatch(/^5: mcast eth0: "10.0.0.1" is not a multicast address/);
    expect(errorsOf(BASE + 'mcast eth0 239.0.0.1 694\n')[0]).toMatch(/^5: mcast eth0: missing the ttl/);
  });

  it('udpport applies to the bcast/ucast media declared after it only (spec §10 [V])', () => {
    const r = parse('logfacility daemon\nnode alpha bravo\nudpport 700\nbcast eth0\nudpport 800\nbcast eth1\nucast eth0 10.0.0.2\nauto_failback on\ninitdead 60\n');
    expect(r.value.media.map((m) => [m.kind, m.iface, m.port])).toEqual([
      ['bcast', 'eth0', 700],
      ['bcast', 'eth1', 700], // the bcast plugin read udpport once, at its first medium
      ['ucast', 'eth0', 800],
    ]);
    expect(r.value.udpport).toBe(800);
    expect(r.value.directives.udpport).toBe('800');
    expect(r.problems.map(show)).toEqual([
      '5: udpport is set again (first on line 3); the later value wins',
      '5: udpport 800 comes after the first bcast line (line 4): as in Heartbeat, bcast media keep port 700; put udpport above the media lines',
    ]);
  });

  it('ping and ping_group declare ping nodes', () => {
    const r = parse(BASE + 'ping 10.0.0.254 gw.example.com\nping_group group1 10.0.0.253 10.0.0.252\ninitdead 60\n');
    expect(r.problems).toEqual([]);
    expect(r.value.pingNodes).toEqual([
      { name: '10.0.0.254', kind: 'ping', hosts: ['10.0.0.254'], line: 5 },
      { name: 'gw.example.com', kind: 'ping', hosts: ['gw.example.com'], line: 5 },
      { name: 'group1', kind: 'ping_group', hosts: ['10.0.0.253', '10.0.0.252'], line: 6 },
    ]);
  });

  it('a cluster node must not be a ping node', () => {
    expect(errorsOf(BASE + 'ping bravo\n')).toContain('5: ping node "bravo" is also a cluster node: a cluster node must not be used as a ping node');
  });

  it('serial, ucast6, mcast6 and ping6 exist in Heartbeat but not in heartbeat-ts', () => {
    expect(errorsOf(BASE + 'serial /dev/ttyS0\n')).toEqual([
      '5: the serial medium is not supported by heartbeat-ts (Heartbeat has it); use bcast, ucast or mcast over IPv4',
    ]);
  });

  it('no media at all is an error (Heartbeat: "No heartbeat media defined")', () => {
    expect(errorsOf('logfacility daemon\nnode alpha bravo\nauto_failback on\n')).toEqual([
      '0: no heartbeat media defined: add e.g. "bcast eth0", "ucast eth0 PEER-IP" or "mcast eth0 239.0.0.1 694 1 0"',
    ]);
  });
});

describe('ha.cf timers (spec §8.1)', () => {
  it('warntime defaults to deadtime/2, deadping to deadtime', () => {
    const r = parse(BASE + 'keepalive 500ms\ndeadtime 3\n');
    expect(r.value).toMatchObject({ keepalive: 500, deadtime: 3000, warntime: 1500, deadping: 3000 });
  });

  it.each([
    [3_000, 12_000],
    [5_999, 12_000],
    [6_000, 12_000],
    [8_000, 16_000],
    [10_000, 20_000],
    [10_001, 10_001],
    [30_000, 30_000],
  ])('initdead defaults from deadtime %i ms to %i ms', (deadtime, initdead) => {
    const r = parse(BASE + `keepalive 100ms\ndeadtime ${deadtime}ms\n`);
    expect(r.value.initdead).toBe(initdead);
    expect(r.value.directives.initdead).toBe(`${initdead}ms`);
  });

  it('deadtime must be more than twice keepalive', () => {
    expect(errorsOf(BASE + 'keepalive 2\ndeadtime 4\n')).toEqual([
      '6: deadtime (4 s) must be more than twice keepalive (2 s); Heartbeat refuses "Dead time [4000] is too small compared to keeplive [2000]"',
    ]);
  });

  it('initdead below deadtime is an error, below 10 s a warning, below twice deadtime a warning', () => {
    expect(errorsOf(BASE + 'deadtime 30\ninitdead 20\n')).toEqual([
      '6: initdead (20 s) is smaller than deadtime (30 s); it must be at least deadtime, and should be at least twice it',
    ]);
    expect(warningsOf(BASE + 'keepalive 1\ndeadtime 3\ninitdead 5\n')).toEqual([
      '7: initdead (5 s) may be too small: it covers slow network start-up and should be at least 10 s (and at least deadtime)',
    ]);
    expect(warningsOf(BASE + 'deadtime 30\ninitdead 40\n')).toEqual([
      "6: initdead (40 s) is less than twice deadtime (30 s); Heartbeat's sample ha.cf recommends at least twice deadtime for slow network start-up",
    ]);
    expect(warningsOf(BASE + 'deadtime 30\n')[0]).toMatch(/^0: initdead is not set: Heartbeat then waits only deadtime \(30 s\)/);
  });

  it('deadping, when given, must be more than twice keepalive', () => {
    expect(errorsOf(BASE + 'initdead 60\nkeepalive 2\ndeadping 3\n')).toEqual(['7: deadping (3 s) must be more than twice keepalive (2 s)']);
  });

  it('warntime must be positive; not less than deadtime or not more than keepalive is warned about', () => {
    expect(errorsOf(BASE + 'initdead 60\nwarntime 0\n')).toEqual(['6: warntime: warntime must be greater than 0 (got "0")']);
    expect(warningsOf(BASE + 'initdead 60\nwarntime 40\n')).toEqual([
      '6: warntime (40 s) is not less than deadtime (30 s): no late-heartbeat warning can come before a node is declared dead',
    ]);
    expect(warningsOf(BASE + 'initdead 60\nwarntime 1\n')).toEqual([
      '6: warntime (1 s) is not more than keepalive (1 s): almost every heartbeat would be reported late',
    ]);
  });

  it('keepalive must be positive', () => {
    expect(errorsOf(BASE + 'keepalive 0\n')).toContain('5: keepalive: keepalive must be greater than 0 (got "0")');
  });
});

describe('ha.cf nodes', () => {
  it('no node lines is an error', () => {
    expect(errorsOf('logfacility daemon\nbcast eth0\nauto_failback on\n', undefined)).toEqual([
      '0: no nodes defined: add a "node NAME" line for every cluster member (names as `uname -n` prints them)',
    ]);
  });

  it('the local node must be listed (spec §10 [V]); names compare case-insensitively', () => {
    expect(errorsOf(BASE + 'initdead 60\n', 'charlie')).toEqual([
      '2: this node "charlie" is not in the node list (alpha, bravo): add "node charlie", or check as another node with --node NAME (node names are `uname -n`)',
    ]);
    expect(errorsOf(BASE + 'initdead 60\n', 'BRAVO')).toEqual([]);
  });
});

describe('ha.cf auto_failback and nice_failback (spec §9.2, §10)', () => {
  it.each([
    ['on', 'on'],
    ['true', 'on'],
    ['Y', 'on'],
    ['off', 'off'],
    ['0', 'off'],
    ['legacy', 'legacy'],
    ['LEGACY', 'legacy'],
  ])('auto_failback %s = %s', (word, mode) => {
    const r = parse(`logfacility daemon\nnode alpha bravo\nbcast eth0\nauto_failback ${word}\n`);
    expect(r.value.autoFailback).toBe(mode);
    expect(r.value.directives.auto_failback).toBe(word);
  });

  it('refuses anything else', () => {
    expect(errorsOf(BASE.replace('auto_failback on', 'auto_failback sometimes'))).toEqual([
      '4: auto_failback: "sometimes" must be on, off (or another boolean) or legacy',
    ]);
  });

  it('missing auto_failback: legacy, with a warning', () => {
    const r = parse('logfacility daemon\nnode alpha bravo\nbcast eth0\ninitdead 60\n');
    expect(r.value.autoFailback).toBe('legacy');
    expect(r.value.autoFailbackExplicit).toBe(false);
    expect(r.value.directives.auto_failback).toBe('legacy');
    expect(r.problems.map(show)).toEqual([
      '0: auto_failback is not set: Heartbeat then uses the deprecated "legacy" mode; write "auto_failback on" (groups return to their home node) or "auto_failback off" (they stay where they are)',
    ]);
  });

  it('explicit legacy is deprecated: warning', () => {
    expect(warningsOf(BASE.replace('auto_failback on', 'auto_failback legacy') + 'initdead 60\n')).toEqual([
      '4: auto_failback legacy is deprecated (Heartbeat warns too): convert to "auto_failback on" or "off"; hb_standby and hb_takeover need on/off',
    ]);
  });

  it('nice_failback on always becomes legacy (spec §10 [V])', () => {
    const r = parse('logfacility daemon\nnode alpha bravo\nbcast eth0\nnice_failback on\ninitdead 60\n');
    expect(r.value.autoFailback).toBe('legacy');
    expect(r.problems.map(show)).toEqual([
      '4: nice_failback is obsolete: Heartbeat reads "nice_failback on" as "auto_failback legacy"; write auto_failback on or off instead',
    ]);
    expect(r.value.directives.nice_failback).toBeUndefined();
  });

  it('nice_failback after auto_failback on/off turns it off (config.c set_nice_failback)', () => {
    const r = parse(BASE + 'nice_failback on\ninitdead 60\n');
    expect(r.value.autoFailback).toBe('off');
  });
});

describe('ha.cf CRM/Pacemaker directives: heartbeat-ts runs haresources mode', () => {
  it.each(['crm yes', 'crm on', 'crm respawn', 'pacemaker on', 'pacemaker respawn', 'pacemaker minimal'])('%s is refused', (line) => {
    const [directive, word] = line.split(' ');
    expect(errorsOf(BASE + 'initdead 60\n' + line + '\n')).toEqual([
      `6: ${directive}: "${word}" hands resource management to Pacemaker, and heartbeat-ts runs haresources mode only (resources from haresources): remove the line or write "${directive} off"`,
    ]);
  });

  it.each(['crm off', 'crm no', 'pacemaker off', 'pacemaker false'])('%s is fine and recorded as pacemaker', (line) => {
    const r = parse(BASE + 'initdead 60\n' + line + '\n');
    expect(r.problems).toEqual([]);
    expect(r.value.directives.pacemaker).toBe(line.split(' ')[1]);
  });

  it.each(['crm_daemon_dir /usr/lib/pacemaker', 'crmd_spawns_pengine yes', 'record_config_changes on', 'record_pengine_inputs off', 'enable_config_writes on', 'quorum_server q1'])(
    '%s only matters to Pacemaker: error',
    (line) => {
      expect(errorsOf(BASE + 'initdead 60\n' + line + '\n')).toEqual([
        `6: ${line.split(' ')[0]}: this directive only matters to the CRM/Pacemaker cluster manager, and heartbeat-ts runs haresources mode only (resources from haresources): remove this line`,
      ]);
    },
  );

  it('crm twice is refused, as Heartbeat refuses it', () => {
    expect(errorsOf(BASE + 'initdead 60\ncrm off\npacemaker off\n')).toEqual([
      '7: pacemaker: the pacemaker/crm directive is used more than once (first on line 6)',
    ]);
  });

  it('autojoin other/any conflicts with haresources', () => {
    expect(errorsOf(BASE + 'initdead 60\nautojoin any\n')).toEqual([
      '6: autojoin any conflicts with haresources resource management (Heartbeat refuses it without crm): use autojoin none',
    ]);
  });
});

describe('ha.cf other directives', () => {
  it('parses the rest of the directive table', () => {
    const r = parse(
      BASE +
        [
          'initdead 60',
          'hopfudge 2',
          'hbgenmethod time',
          'uuidfrom nodename',
          'msgfmt netstring',
          'compression bz2',
          'compression_threshold 4',
          'traditional_compression yes',
          'max_rexmit_delay 400',
          'logfile /var/log/ha-log',
          'debugfile /var/log/ha-debug',
          'use_logd no',
          'debug 3',
          'log_badpack off',
          'realtime no',
          'rtprio 10',
          'memreserve 10000',
          'coredumps false',
          'coreroot /var/lib/heartbeat/cores',
          'cluster prod',
          'conn_logd_time 30',
          'syslogmsgfmt off',
          'env FOO=bar,BAZ=',
          'watchdog /dev/watchdog',
          'baud 19200',
          'apiauth ipfail gid=haclient uid=hacluster',
          'apiauth default gid=haclient',
        ].join('\n') + '\n',
    );
    expect(r.problems).toEqual([]);
    expect(r.value).toMatchObject({
      hopfudge: 2,
      hbgenmethod: 'time',
      uuidfrom: 'nodename',
      msgfmt: 'netstring',
      compression: 'bz2',
      compressionThreshold: 4,
      traditionalCompression: true,
      maxRexmitDelay: 400,
      logfile: '/var/log/ha-log',
      debugfile: '/var/log/ha-debug',
      useLogd: false,
      debug: 3,
      logBadpack: false,
      realtime: false,
      rtprio: 10,
      memreserve: 10_000,
      coredumps: false,
      coreroot: '/var/lib/heartbeat/cores',
      cluster: 'prod',
      env: { FOO: 'bar', BAZ: '' },
      watchdog: '/dev/watchdog',
      apiauth: ['ipfail gid=haclient uid=hacluster', 'default gid=haclient'],
    });
  });

  it.each([
    ['hopfudge 256', '6: hopfudge: 256 is out of range (expected 0..255)'],
    ['hbgenmethod clock', '6: hbgenmethod: "clock" is not one of file, time'],
    ['msgfmt Classic', '6: msgfmt: "Classic" is not one of classic, netstring'],
    ['compression gzip', '6: compression: "gzip" is not one of zlib, bz2'],
    ['logfacility local9', expect.stringMatching(/^6: logfacility: "local9" is not one of none, auth, /)],
    ['rtprio 100', '6: rtprio: 100 is out of range (expected 1..99)'],
    ['realtime maybe', '6: realtime: "maybe" is not a boolean: write one of true, on, yes, y, 1 or false, off, no, n, 0'],
    ['env NOVALUE', '6: env: "NOVALUE" is not NAME=value (env exports HA_NAME to scripts; values cannot contain blanks or commas)'],
    ['apiauth ipfail', '6: apiauth: no uid or gid list for ipfail (apiauth CLIENT uid=LIST and/or gid=LIST)'],
    ['respawn hacluster ipfail', '6: respawn: command "ipfail" is not a full path name'],
    ['udpport 0', '6: udpport: 0 is out of range (expected 1..65535)'],
    ['coreroot cores', '6: coreroot: coreroot "cores" must be an absolute directory path'],
    ['baud 1234', '6: baud: invalid baud rate "1234" (one of 9600, 19200, 38400, 57600, 115200, 230400, 460800)'],
  ])('%s is refused', (line, message) => {
    expect(errorsOf(BASE + 'initdead 60\n' + line + '\n')).toEqual([message]);
  });

  it('apiauth for the same client twice and watchdog twice are refused, as by Heartbeat', () => {
    expect(errorsOf(BASE + 'initdead 60\napiauth ping gid=haclient\napiauth ping uid=root\n')).toEqual([
      '7: apiauth: duplicate apiauth directive for API client ping (first on line 6) (apiauth CLIENT uid=LIST and/or gid=LIST)',
    ]);
    expect(errorsOf(BASE + 'initdead 60\nwatchdog /dev/watchdog\nwatchdog /dev/watchdog1\n')).toEqual([
      '7: watchdog: watchdog is specified more than once (first on line 6); Heartbeat refuses that',
    ]);
  });

  it('keeps stonith, stonith_host, respawn and failfast lines verbatim, warning that heartbeat-ts does not run them (ipfail is built in: no warning)', () => {
    const r = parse(
      BASE +
        'initdead 60\nstonith baytech /etc/ha.d/conf/stonith.baytech\nstonith_host *  baytech 10.0.0.3 mylogin mysecretpassword\nrespawn hacluster /usr/lib/heartbeat/ipfail\nfailfast hacluster /usr/bin/true -x\n',
    );
    expect(r.value.stonith).toEqual(['baytech /etc/ha.d/conf/stonith.baytech']);
    expect(r.value.stonithHost).toEqual(['*  baytech 10.0.0.3 mylogin mysecretpassword']);
    expect(r.value.respawn).toEqual(['hacluster /usr/lib/heartbeat/ipfail']);
    expect(r.value.failfast).toEqual(['hacluster /usr/bin/true -x']);
    expect(r.problems.map((p) => [p.severity, p.line])).toEqual([
      ['warning', 6],
      ['warning', 7],
      ['warning', 9],
    ]);
    const other = parse(BASE + 'initdead 60\nrespawn hacluster /usr/lib/heartbeat/ipfailover\n');
    expect(other.problems.map((p) => [p.severity, p.line])).toEqual([['warning', 6]]);
  });

  it('logging: with no logfile, debugfile or logfacility logd is used; use_logd off is then refused', () => {
    const noLog = 'node alpha bravo\nbcast eth0\nauto_failback on\ninitdead 60\n';
    const r = parse(noLog);
    expect(r.value.useLogd).toBe(true);
    expect(r.value.directives.use_logd).toBe('yes');
    expect(errorsOf(noLog + 'use_logd off\n')).toEqual([
      '5: use_logd is off but there is no logfile, debugfile or logfacility: nothing would be logged (Heartbeat refuses this); add e.g. "logfacility daemon"',
    ]);
    expect(parse(noLog + 'logfacility none\n').value.useLogd).toBe(true);
    expect(parse(noLog + 'logfacility none\n').value.logfacility).toBeUndefined();
  });
});

describe('ha.cf recorded directives (HA_<directive>, cl_status hbparameter: spec §9.8, §11)', () => {
  it('records each value as written, last one winning, plus the defaults Heartbeat records', () => {
    const r = parse('logfacility local0\nkeepalive 500ms\ndeadtime 3\nnode alpha bravo\nbcast eth0\nauto_failback on\n');
    expect(r.value.directives).toEqual({
      logfacility: 'local0',
      keepalive: '500ms',
      deadtime: '3',
      auto_failback: 'on',
      cluster: 'linux-ha',
      hopfudge: '1',
      baud: '19200',
      hbgenmethod: 'file',
      realtime: 'true',
      msgfmt: 'classic',
      conn_logd_time: '60',
      log_badpack: 'true',
      syslogmsgfmt: 'true',
      coredumps: 'true',
      pacemaker: 'false',
      autojoin: 'none',
      uuidfrom: 'file',
      compression: 'zlib',
      compression_threshold: '2',
      traditional_compression: 'no',
      max_rexmit_delay: '250',
      record_config_changes: 'on',
      record_pengine_inputs: 'on',
      enable_config_writes: 'on',
      memreserve: '6500',
      debug: '0',
      warntime: '1500ms',
      initdead: '12000ms',
      deadping: '3000ms',
      udpport: '694',
      logfile: '/dev/null',
      debugfile: '/dev/null',
    });
  });

  it('has exactly the defaults the real daemon prints with heartbeat -D (test/fixtures/config/heartbeat-D.txt)', () => {
    const table = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/config/heartbeat-D.txt'), 'utf8');
    const real = Object.fromEntries(
      table
        .split('\n')
        .slice(2)
        .filter((l) => l.trim() !== '')
        .map((l) => l.split(/\s+/).slice(0, 2)),
    );
    expect(Object.keys(real)).toHaveLength(24);
    const ours = Object.fromEntries(
      [...DIRECTIVES].flatMap(([name, d]) => (d.kind === 'tokens' && d.defaultValue !== undefined ? [[name, d.defaultValue]] : [])),
    );
    expect(ours).toEqual(real);
    // …and an empty-ish ha.cf records every one of them.
    const recorded = parse(BASE + 'initdead 60\n').value.directives;
    for (const [name, value] of Object.entries(real)) if (name !== 'auto_failback') expect(recorded[name]).toBe(value);
  });

  it('does not record node, media or whole-line directives (Heartbeat does not either)', () => {
    const r = parse(BASE + 'initdead 60\nping 10.0.0.1\napiauth x uid=root\n');
    for (const k of ['node', 'bcast', 'ping', 'apiauth']) expect(r.value.directives[k]).toBeUndefined();
  });
});
