// A table of broken configuration directories, each loaded for real from a
// temporary directory, with the exact FILE:LINE error it must produce and
// no other error.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadClusterConfig } from '../../../src/config/index.js';
import { VALID_HA_CF, makeConfigDir, removeAllConfigDirs, type ConfigFiles } from './config-dir-fixture.js';

afterAll(removeAllConfigDirs);

/** VALID_HA_CF with line N (1-based) replaced; `null` removes it. */
function haCfWithLine(n: number, text: string | null): string {
  const lines = VALID_HA_CF.split('\n');
  if (text === null) lines.splice(n - 1, 1);
  else lines[n - 1] = text;
  return lines.join('\n');
}
const haCfPlus = (...lines: string[]): string => VALID_HA_CF + lines.join('\n') + '\n';

interface Case {
  readonly name: string;
  readonly files: ConfigFiles;
  readonly authMode?: number;
  /** The error lines (first line of each formatted problem, directory stripped), in order. */
  readonly errors: readonly string[];
}

const CASES: readonly Case[] = [
  // ---- ha.cf (VALID_HA_CF has 9 lines; appended lines are line 10) ----
  {
    name: 'unknown directive',
    files: { 'ha.cf': haCfPlus('keepalve 2') },
    errors: ['ha.cf:10: error: unknown directive "keepalve" (did you mean "keepalive"?); Heartbeat refuses it too ("Illegal directive")'],
  },
  {
    name: 'bad time unit',
    files: { 'ha.cf': haCfWithLine(3, 'deadtime 10s') },
    errors: ['ha.cf:3: error: deadtime: "10s" is not a Heartbeat time: a bare number already means seconds (write 10), or use ms/us'],
  },
  {
    name: 'time split in two tokens',
    files: { 'ha.cf': haCfWithLine(2, 'keepalive 500 ms') },
    errors: [
      'ha.cf:2: error: keepalive: "ms" is not a time: write seconds (2, 1.5) or milliseconds (1500ms) or microseconds (500us)',
      'ha.cf:3: error: deadtime (10 s) must be more than twice keepalive (500 s); Heartbeat refuses "Dead time [10000] is too small compared to keeplive [500000]"',
    ],
  },
  {
    name: 'deadtime not above twice keepalive',
    files: { 'ha.cf': haCfWithLine(3, 'deadtime 2') },
    errors: ['ha.cf:3: error: deadtime (2 s) must be more than twice keepalive (1 s); Heartbeat refuses "Dead time [2000] is too small compared to keeplive [1000]"'],
  },
  {
    name: 'initdead below deadtime',
    files: { 'ha.cf': haCfWithLine(4, 'initdead 5') },
    errors: ['ha.cf:4: error: initdead (5 s) is smaller than deadtime (10 s); it must be at least deadtime, and should be at least twice it'],
  },
  {
    name: 'keepalive zero',
    files: { 'ha.cf': haCfWithLine(2, 'keepalive 0') },
    errors: ['ha.cf:2: error: keepalive: keepalive must be greater than 0 (got "0")'],
  },
  {
    name: 'deadping too small',
    files: { 'ha.cf': haCfPlus('deadping 2') },
    errors: ['ha.cf:10: error: deadping (2 s) must be more than twice keepalive (1 s)'],
  },
  {
    name: 'crm on',
    files: { 'ha.cf': haCfPlus('crm on') },
    errors: ['ha.cf:10: error: crm: "on" hands resource management to Pacemaker, and heartbeat-ts runs haresources mode only (resources from haresources): remove the line or write "crm off"'],
  },
  {
    name: 'pacemaker respawn',
    files: { 'ha.cf': haCfPlus('pacemaker respawn') },
    errors: ['ha.cf:10: error: pacemaker: "respawn" hands resource management to Pacemaker, and heartbeat-ts runs haresources mode only (resources from haresources): remove the line or write "pacemaker off"'],
  },
  {
    name: 'crm_daemon_dir',
    files: { 'ha.cf': haCfPlus('crm_daemon_dir /usr/lib/pacemaker') },
    errors: ['ha.cf:10: error: crm_daemon_dir: this directive only matters to the CRM/Pacemaker cluster manager, and heartbeat-ts runs haresources mode only (resources from haresources): remove this line'],
  },
  {
    name: 'auto_failback not a boolean',
    files: { 'ha.cf': haCfWithLine(7, 'auto_failback maybe') },
    errors: ['ha.cf:7: error: auto_failback: "maybe" must be on, off (or another boolean) or legacy'],
  },
  {
    name: 'mcast ttl out of range',
    files: { 'ha.cf': haCfPlus('mcast eth0 239.0.0.1 694 7 0') },
    errors: ['ha.cf:10: error: mcast eth0: bad ttl: 7 is out of range (expected 0..4) (mcast IFACE GROUP PORT TTL LOOP, e.g. mcast eth0 239.0.0.1 694 1 0)'],
  },
  {
    name: 'ucast without peer',
    files: { 'ha.cf': haCfPlus('ucast eth0') },
    errors: ["ha.cf:10: error: ucast eth0: missing the peer's IP address (ucast IFACE PEER-IP)"],
  },
  {
    name: 'udpport out of range',
    files: { 'ha.cf': haCfWithLine(5, 'udpport 70000') },
    errors: ['ha.cf:5: error: udpport: 70000 is out of range (expected 1..65535)'],
  },
  {
    name: 'serial medium',
    files: { 'ha.cf': haCfPlus('serial /dev/ttyS0') },
    errors: ['ha.cf:10: error: the serial medium is not supported by heartbeat-ts (Heartbeat has it); use bcast, ucast or mcast over IPv4'],
  },
  {
    name: 'local node not listed',
    files: { 'ha.cf': haCfWithLine(8, 'node charlie'), haresources: 'bravo IPaddr::10.0.0.100/24/eth0 nginx\n' },
    errors: ['ha.cf:8: error: this node "alpha" is not in the node list (charlie, bravo): add "node alpha", or check as another node with --node NAME (node names are `uname -n`)'],
  },
  {
    name: 'no media',
    files: { 'ha.cf': haCfWithLine(6, null) },
    errors: ['ha.cf: error: no heartbeat media defined: add e.g. "bcast eth0", "ucast eth0 PEER-IP" or "mcast eth0 239.0.0.1 694 1 0"'],
  },
  {
    name: 'no nodes',
    files: { 'ha.cf': haCfWithLine(8, null).replace('node bravo\n', ''), haresources: '# none\n' },
    errors: ['ha.cf: error: no nodes defined: add a "node NAME" line for every cluster member (names as `uname -n` prints them)'],
  },
  {
    name: 'logfacility unknown',
    files: { 'ha.cf': haCfWithLine(1, 'logfacility local9') },
    errors: [expect.stringMatching(/^ha\.cf:1: error: logfacility: "local9" is not one of none, auth, authpriv, /) as unknown as string],
  },
  {
    name: 'ping_group without hosts',
    files: { 'ha.cf': haCfPlus('ping_group group1') },
    errors: ['ha.cf:10: error: ping_group needs a name and at least one host (ping_group NAME HOST…)'],
  },
  {
    name: 'autojoin any',
    files: { 'ha.cf': haCfPlus('autojoin any') },
    errors: ['ha.cf:10: error: autojoin any conflicts with haresources resource management (Heartbeat refuses it without crm): use autojoin none'],
  },
  {
    name: 'duplicate apiauth client',
    files: { 'ha.cf': haCfPlus('apiauth ipfail uid=hacluster', 'apiauth ipfail gid=haclient') },
    errors: ['ha.cf:11: error: apiauth: duplicate apiauth directive for API client ipfail (first on line 10) (apiauth CLIENT uid=LIST and/or gid=LIST)'],
  },
  // ---- haresources ----
  {
    name: 'haresources node not in ha.cf',
    files: { haresources: 'alpha 10.0.0.100 nginx\ncharlie 10.0.0.101\n' },
    errors: ['haresources:2: error: unknown node "charlie": a haresources line starts with the group\'s home node, one of ha.cf\'s nodes (alpha, bravo); Heartbeat refuses "Bad nodename"'],
  },
  {
    name: 'resource claimed by two lines',
    files: { haresources: 'alpha 10.0.0.100 nginx\nbravo 10.0.0.101 nginx\n' },
    errors: ['haresources:2: error: resource nginx is already in the group of line 1 (node alpha): a resource can belong to one group only'],
  },
  {
    name: 'empty :: argument',
    files: { haresources: 'alpha 10.0.0.100 Filesystem::/dev/sdb1::::ext4\n' },
    errors: ['haresources:1: error: resource "Filesystem::/dev/sdb1::::ext4": an argument is empty (Heartbeat\'s ResourceManager would silently drop it and shift the others)'],
  },
  {
    name: 'comment on a continuation line',
    files: { haresources: 'alpha 10.0.0.100 \\\n  nginx # the web server\n' },
    errors: ["haresources:2: error: a comment on a continuation line is not removed by Heartbeat's ResourceManager (its words would become resources): put the comment on a line of its own"],
  },
  {
    name: 'bad bare address',
    files: { haresources: 'alpha 10.0.0.256 nginx\n' },
    errors: ['haresources:1: error: resource "10.0.0.256": looks like an IP address (Heartbeat reads it as IPaddr::10.0.0.256) but "10.0.0.256" is not a valid IPv4 address'],
  },
  {
    name: 'DOS line ends in haresources',
    files: { haresources: '# x\r\nalpha 10.0.0.100 nginx\r\n' },
    errors: [
      "haresources:1: error: line contains a carriage return (DOS line end): Heartbeat's ResourceManager would read it as part of a resource name; convert the file with dos2unix",
      "haresources:2: error: line contains a carriage return (DOS line end): Heartbeat's ResourceManager would read it as part of a resource name; convert the file with dos2unix",
    ],
  },
  {
    name: 'node without resources',
    files: { haresources: 'alpha 10.0.0.100 nginx\nbravo\n' },
    errors: ['haresources:2: error: node bravo is given no resources: write "bravo RESOURCE…" or remove the line'],
  },
  // ---- authkeys ----
  {
    name: 'world-readable authkeys',
    files: {},
    authMode: 0o644,
    errors: ['authkeys: error: authkeys is readable by every user (mode 0644); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 authkeys'],
  },
  {
    name: 'group-readable authkeys',
    files: {},
    authMode: 0o640,
    errors: ['authkeys: error: authkeys is readable by its group (mode 0640); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 authkeys'],
  },
  {
    name: 'md5 without a key',
    files: { authkeys: 'auth 1\n1 md5\n' },
    errors: ['authkeys:2: error: auth method md5 requires a key: write "1 md5 SECRET" (e.g. the output of openssl rand -hex 20)'],
  },
  {
    name: 'crc with a key',
    files: { authkeys: 'auth 1\n1 crc secret\n' },
    errors: ['authkeys:2: error: auth method crc does not use a key: write "N crc" alone'],
  },
  {
    name: 'unknown auth method',
    files: { authkeys: 'auth 1\n1 sha256 secret\n' },
    errors: ['authkeys:2: error: unknown auth method "sha256": Heartbeat has md5, sha1 and crc'],
  },
  {
    name: 'selected key missing',
    files: { authkeys: 'auth 3\n1 sha1 secret\n' },
    errors: ['authkeys:1: error: auth 3 names key 3, which is not defined: add a line "3 sha1 SECRET"'],
  },
  {
    name: 'no auth line',
    files: { authkeys: '1 sha1 secret\n' },
    errors: ['authkeys: error: no "auth N" line: authkeys must start with one, naming the key that signs outgoing messages'],
  },
  {
    name: 'key index out of range',
    files: { authkeys: 'auth 1\n1 sha1 secret\n16 md5 other\n' },
    errors: ['authkeys:3: error: invalid key index 16: must be 0..15'],
  },
  // ---- heartbeat-ts.ini ----
  {
    name: 'unknown section in heartbeat-ts.ini',
    files: { 'heartbeat-ts.ini': '[arps]\ncount = 3\n' },
    errors: ['heartbeat-ts.ini:1: error: unknown section [arps] (did you mean [arp]?); known sections: [resources], [arp], [log], [http], [notify], [ipfail]'],
  },
  {
    name: 'bad time in heartbeat-ts.ini',
    files: { 'heartbeat-ts.ini': '[resources]\n\nstop_timeout = soon\n' },
    errors: ['heartbeat-ts.ini:3: error: stop_timeout: "soon" is not a time: write seconds (2, 1.5) or milliseconds (1500ms) or microseconds (500us)'],
  },
  {
    name: 'unknown key in heartbeat-ts.ini',
    files: { 'heartbeat-ts.ini': '[arp]\nrepeat = 3\n' },
    errors: ['heartbeat-ts.ini:2: error: unknown key "repeat" in [arp]; known keys: count, interval, mode'],
  },
  // ---- probes.ini (parser of issue 6, called by the loader with the group keys) ----
  {
    name: 'probe guarding an unknown group',
    files: { 'probes.ini': '[web]\nurl = http://127.0.0.1/\ninterval = 5\ngroup = 10.9.9.9\n' },
    errors: ['probes.ini:4: error: group "10.9.9.9" is not a haresources group (the first resource of a line names it); haresources groups: IPaddr::10.0.0.100/24/eth0'],
  },
];

describe(`broken configurations (${CASES.length} cases): each gives exactly its FILE:LINE errors`, () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)('$name', ({ files, authMode, errors }) => {
    const dir = makeConfigDir(files, authMode);
    const r = loadClusterConfig({ configDir: dir, localNode: 'alpha', interfaceExists: () => true });
    const got = r.problems
      .filter((p) => p.severity === 'error')
      .map((p) => formatProblem(p).split('\n')[0]!.replaceAll(`${dir}${path.sep}`, ''));
    expect(got).toEqual(errors);
    expect(r.config).toBeUndefined();
  });
});
