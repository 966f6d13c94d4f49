// The shared command-line layer (src/cli/options.ts, main.ts), `heartbeat`'s
// argument parsing and the --check report, run in-process on real
// configuration directories.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/cli/check.js';
import { parseHeartbeatArgs } from '../../../src/cli/heartbeat.js';
import { CliError, UsageError, describeFailure, type CliIo } from '../../../src/cli/main.js';
import { parseCommandLine, resolveCommonOptions, COMMON_OPTIONS, type CommonOptions } from '../../../src/cli/options.js';
import { EXTENSION_DEFAULTS, loadClusterConfig, parseExtensionOptions } from '../../../src/config/index.js';
import { makeConfigDir, removeAllConfigDirs, VALID_HA_CF } from './config-dir-fixture.js';

afterEach(removeAllConfigDirs);

const EXAMPLE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../etc/ha.d');
const noFiles = { hostname: () => 'Host-A', readFile: () => undefined };

describe('resolveCommonOptions: option, then environment, then Heartbeat default', () => {
  it('defaults', () => {
    expect(resolveCommonOptions({}, {}, noFiles)).toEqual({
      configDir: '/etc/ha.d',
      stateDir: '/var/lib/heartbeat',
      runDir: '/run/heartbeat',
      node: 'host-a',
      nodeSource: 'hostname',
    });
  });

  it('HA_DIR, HA_VARLIB, HA_VARRUN; options win over them', () => {
    const env = { HA_DIR: '/srv/ha', HA_VARLIB: '/srv/lib', HA_VARRUN: '/srv/run' };
    expect(resolveCommonOptions({}, env, noFiles)).toMatchObject({ configDir: '/srv/ha', stateDir: '/srv/lib', runDir: '/srv/run' });
    expect(resolveCommonOptions({ 'config-dir': 'etc/ha.d/', 'state-dir': '/a', 'run-dir': '/b' }, env, noFiles)).toMatchObject({
      configDir: 'etc/ha.d/',
      stateDir: '/a',
      runDir: '/b',
    });
  });

  it('node: --node, else <config-dir>/nodeinfo first line (spec §9.8), else uname -n; lower-cased', () => {
    expect(resolveCommonOptions({ node: 'Alpha' }, {}, noFiles)).toMatchObject({ node: 'alpha', nodeSource: 'option' });
    const files = { hostname: () => 'x', readFile: (f: string) => (f === '/etc/ha.d/nodeinfo' ? 'Bravo\nignored\n' : undefined) };
    expect(resolveCommonOptions({}, {}, files)).toMatchObject({ node: 'bravo', nodeSource: 'nodeinfo' });
  });

  it('refuses node names Heartbeat could not read', () => {
    expect(() => resolveCommonOptions({ node: 'a b' }, {}, noFiles)).toThrow(UsageError);
    expect(() => resolveCommonOptions({ node: '' }, {}, noFiles)).toThrow('--node gives an empty node name');
  });
});

describe('parseCommandLine', () => {
  it('accepts options after positional words', () => {
    const r = parseCommandLine(['nodestatus', 'node-a', '--run-dir', '/tmp/r'], COMMON_OPTIONS);
    expect(r.positionals).toEqual(['nodestatus', 'node-a']);
    expect(r.values['run-dir']).toBe('/tmp/r');
  });
  it('turns bad usage into a UsageError sentence', () => {
    expect(() => parseCommandLine(['--bogus'], COMMON_OPTIONS)).toThrow(new UsageError('unknown option --bogus'));
    expect(() => parseCommandLine(['--node'], COMMON_OPTIONS)).toThrow(new UsageError("option --node <value> needs a value"));
  });
});

describe('heartbeat arguments', () => {
  it('has a mode per flag, the daemon by default', () => {
    const env = { HA_DIR: '/x' };
    expect(parseHeartbeatArgs(['--check', '--node', 'a'], env)).toMatchObject({ mode: 'check', common: { configDir: '/x', node: 'a' } });
    expect(parseHeartbeatArgs(['-k', '--node', 'a'], env)).toMatchObject({ mode: 'kill' });
    expect(parseHeartbeatArgs(['-s', '--node', 'a'], env)).toMatchObject({ mode: 'status' });
    expect(parseHeartbeatArgs(['-r', '--node', 'a'], env)).toMatchObject({ mode: 'reload' });
    expect(parseHeartbeatArgs(['--node', 'a'], env)).toMatchObject({ mode: 'daemon' });
    expect(parseHeartbeatArgs(['--help'], env)).toEqual({ help: true });
  });
  it('refuses two modes and stray words', () => {
    expect(() => parseHeartbeatArgs(['--check', '-k', '--node', 'a'], {})).toThrow('choose one of --check, -k, -s, -r, -R (got 2)');
    expect(() => parseHeartbeatArgs(['start', '--node', 'a'], {})).toThrow('unexpected argument "start"');
  });

  // Heartbeat 3.0.6's getopt string is "dDkMrRsvWlC:Vf" (Debian's build; heartbeat.c main()).
  const plain = { debugLevel: 0, verbose: false, noRealtime: false };
  it('takes every command line of Debian\'s heartbeat.service and /etc/init.d/heartbeat', () => {
    // ExecStart=/usr/lib(exec)/heartbeat/heartbeat -f ; ExecStop=… -k ; the init script: no flag, -k, -s, -r.
    expect(parseHeartbeatArgs(['-f', '--node', 'a'], {})).toEqual(expect.objectContaining({ mode: 'daemon', flags: plain }));
    expect(parseHeartbeatArgs(['--node', 'a'], {})).toEqual(expect.objectContaining({ mode: 'daemon', flags: plain }));
    for (const [flag, mode] of [['-k', 'kill'], ['-s', 'status'], ['-r', 'reload']] as const) {
      expect(parseHeartbeatArgs([flag, '--node', 'a'], {})).toMatchObject({ mode });
    }
  });
  it('-d counts (repeatable, bundled or not), -v and -l are daemon flags, -W alone changes nothing', () => {
    expect(parseHeartbeatArgs(['-d', '--node', 'a'], {})).toMatchObject({ mode: 'daemon', flags: { ...plain, debugLevel: 1 } });
    expect(parseHeartbeatArgs(['-ddd', '--node', 'a'], {})).toMatchObject({ flags: { debugLevel: 3 } });
    expect(parseHeartbeatArgs(['-d', '-f', '-d', '--node', 'a'], {})).toMatchObject({ flags: { debugLevel: 2 } });
    expect(parseHeartbeatArgs(['-fdvl', '--node', 'a'], {})).toMatchObject({
      mode: 'daemon',
      flags: { debugLevel: 1, verbose: true, noRealtime: true },
    });
    expect(parseHeartbeatArgs(['-W', '--node', 'a'], {})).toMatchObject({ mode: 'daemon', flags: plain });
    // With a control mode the daemon flags are harmless too: `heartbeat -d -k` still just stops.
    expect(parseHeartbeatArgs(['-d', '-k', '--node', 'a'], {})).toMatchObject({ mode: 'kill' });
  });
  it('-V prints the version and -D the defaults before anything else, as Heartbeat does', () => {
    expect(parseHeartbeatArgs(['-V'], {})).toEqual({ help: false, mode: 'version' });
    expect(parseHeartbeatArgs(['--version', '-k'], {})).toEqual({ help: false, mode: 'version' });
    expect(parseHeartbeatArgs(['-D'], {})).toEqual({ help: false, mode: 'print-defaults', wiki: false });
    expect(parseHeartbeatArgs(['-DW'], {})).toEqual({ help: false, mode: 'print-defaults', wiki: true });
  });
  it('-R [-C STATE] is its own mode; -C needs -R, -r and -R exclude each other, -M is refused with the reason', () => {
    expect(parseHeartbeatArgs(['-R', '--node', 'a'], {})).toMatchObject({ mode: 'restart-exec' });
    expect(parseHeartbeatArgs(['-R', '-C', 'local', '--node', 'a'], {})).toMatchObject({ mode: 'restart-exec' });
    expect(() => parseHeartbeatArgs(['-C', 'all', '--node', 'a'], {})).toThrow(new UsageError('-C is only valid with -R'));
    expect(() => parseHeartbeatArgs(['-R', '-C', 'mine', '--node', 'a'], {})).toThrow(/-C takes none, local, foreign, all .*not "mine"/);
    expect(() => parseHeartbeatArgs(['-R', '-r', '--node', 'a'], {})).toThrow(new UsageError('-r is mutually exclusive with -R'));
    expect(() => parseHeartbeatArgs(['-M', '--node', 'a'], {})).toThrow(/-M \(run without resource management.*not supported/);
  });
  it('still refuses what Heartbeat does not take', () => {
    expect(() => parseHeartbeatArgs(['-x'], {})).toThrow(new UsageError('unknown option -x'));
    expect(() => parseHeartbeatArgs(['-C'], {})).toThrow(UsageError);
  });
});

describe('describeFailure: a sentence and an exit code, never a stack trace', () => {
  it('usage errors exit 2 with a hint', () => {
    expect(describeFailure('heartbeat', new UsageError('unknown option --x'))).toEqual({
      text: "heartbeat: unknown option --x\nTry 'heartbeat --help'.\n",
      exitCode: 2,
    });
  });
  it('CliError keeps its exit code; anything else is an internal error without stack', () => {
    expect(describeFailure('cl_status', new CliError('heartbeat is not running', 1)).exitCode).toBe(1);
    const internal = describeFailure('heartbeat', new Error('boom'));
    expect(internal.exitCode).toBe(1);
    expect(internal.text).toMatch(/^heartbeat: internal error: boom\n/);
    expect(internal.text).not.toMatch(/at .*\.ts:\d+/);
  });
});

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

const common = (configDir: string, node = 'alpha'): CommonOptions => ({
  configDir,
  stateDir: '/var/lib/heartbeat',
  runDir: '/run/heartbeat',
  node,
  nodeSource: 'option',
});

describe('heartbeat --check report', () => {
  it('says what ipfail and track_interface will do (issue 13)', () => {
    const dir = makeConfigDir({
      'ha.cf': VALID_HA_CF + 'ping 10.0.0.254\nping_group uplinks 10.0.0.252 10.0.0.253\nrespawn hacluster /usr/lib/heartbeat/ipfail\n',
      'heartbeat-ts.ini': '[ipfail]\ntrack_interface = eth0\n',
    });
    const io = capture();
    expect(runCheck(common(dir), io, loadClusterConfig)).toBe(0);
    expect(io.err).toBe('');
    const rows = io.out.split('\n').filter((l, i, all) => l.startsWith('  ipfail') || (i > 0 && all[i - 1]!.startsWith('  ipfail')) || (i > 1 && all[i - 2]!.startsWith('  ipfail')));
    expect(rows).toEqual([
      '  ipfail         on (ha.cf respawns ipfail (built in: no process is started)); 2 ping nodes/groups',
      '                 a node that reaches fewer ping nodes than its peer for 2 s (giveup_delay) hands its groups over (standby); it takes them back after reaching as many again for 10 s (return_delay) with auto_failback on',
      '                 track_interface: eth0: loss of carrier or admin-down hands the groups over after 2 s; back after 10 s of link (auto_failback on)',
    ]);
    const legacy = makeConfigDir({ 'ha.cf': VALID_HA_CF.replace('auto_failback on', 'auto_failback legacy') + 'ping 10.0.0.254\nrespawn hacluster /usr/lib/heartbeat/ipfail\n' });
    const io2 = capture();
    expect(runCheck(common(legacy), io2, loadClusterConfig)).toBe(0);
    expect(io2.out).toContain('  ipfail         NOT active: auto_failback legacy cannot hand groups to a live node (ipfail itself refuses to run with it)');
  });

  it('on a machine that is not a node, a name from uname -n checks as the first node with a warning; --node NAME does not', () => {
    const dir = makeConfigDir({ haresources: 'alpha 10.0.0.100\n' });
    const fromHostname = capture();
    expect(runCheck({ ...common(dir), node: 'workstation', nodeSource: 'hostname' }, fromHostname, loadClusterConfig)).toBe(0);
    expect(fromHostname.err).toContain('this machine (uname -n: workstation) is not a node of ha.cf; checking as node alpha');
    expect(fromHostname.out).toContain("as node alpha (ha.cf's first node");
    const fromOption = capture();
    expect(runCheck({ ...common(dir), node: 'workstation', nodeSource: 'option' }, fromOption, loadClusterConfig)).toBe(1);
    expect(fromOption.err).toMatch(/ha\.cf:\d+: error: this node "workstation" is not in the node list/);
  });

  it('a usable configuration: summary on stdout, exit 0', () => {
    const dir = makeConfigDir({
      'ha.cf': VALID_HA_CF + 'ping 10.0.0.254\n',
      haresources: 'alpha IPaddr::10.0.0.100/24/eth0 nginx\nbravo 10.0.0.101 httpd\n',
      'probes.ini':
        '[web]\nurl = http://127.0.0.1/\ninterval = 5\ngroup = IPaddr::10.0.0.100/24/eth0\n' +
        '[alive]\ncommand = pidof nginx\ninterval = 2\nfall = 2\ngroup = IPaddr::10.0.0.100/24/eth0\n',
    });
    const io = capture();
    // The summary itself; resolving `nginx` and `httpd` to scripts is the daemon's loader (e2e check-cli).
    expect(runCheck(common(dir), io, loadClusterConfig)).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toBe(
      [
        `heartbeat-ts configuration in ${dir}, as node alpha (from --node):`,
        '  nodes          alpha (this node), bravo',
        '  ping nodes     10.0.0.254',
        '  media          bcast eth0 (udp port 694)',
        '  auth           sha1 (key 1 signs)',
        '  timers         keepalive 1 s, warntime 5 s, deadtime 10 s, initdead 30 s, deadping 10 s',
        '  auto_failback  on: a group returns to its home node as soon as that node is back',
        '  groups         IPaddr::10.0.0.100/24/eth0 nginx  (home: this node)',
        '                 10.0.0.101 httpd  (home: bravo)',
        '  probes         web: GET http://127.0.0.1/ every 5 s, 3 failures -> standby of group IPaddr::10.0.0.100/24/eth0',
        '                 alive: runs "pidof nginx" every 2 s, 2 failures -> standby of group IPaddr::10.0.0.100/24/eth0',
        '  resources      timeouts start 120 s, stop 120 s, status 30 s; stop retried 10 x 1 s, then block',
        '  notify         no notify.d scripts',
        '  ipfail         off: ping nodes are followed and reported, but losing them moves nothing (to act on them: `respawn hacluster /usr/lib/heartbeat/ipfail` in ha.cf, or [ipfail] enabled = on)',
        "  failover       a crashed peer's groups start here at most 10.25 s after its last heartbeat",
        "                 (deadtime 10 s + up to 250 ms: liveness is checked at each peer's deadline, at least every 250 ms),",
        '                 plus the time the resources take to start (at most start_timeout 120 s each;',
        '                 an address and an init script usually start in well under a second).',
        '                 Started alone, a node waits initdead 30 s for its peer before taking over its groups.',
        '',
        'Configuration usable (0 errors, 0 warnings).',
        '',
      ].join('\n'),
    );
  });

  it('names the notification targets: notify.d (the default when present), FIFO, line file, rc.d hooks', () => {
    const dir = makeConfigDir({
      haresources: 'alpha 10.0.0.100\n',
      'heartbeat-ts.ini': '[notify]\nfifo = /run/hb-events.fifo\nfile = /var/log/hb-events.log\ntimeout = 5\n',
    });
    fs.mkdirSync(path.join(dir, 'notify.d'));
    fs.mkdirSync(path.join(dir, 'rc.d'));
    const io = capture();
    expect(runCheck(common(dir), io, loadClusterConfig)).toBe(0);
    expect(io.out).toContain(
      [
        `  notify         scripts in ${dir}/notify.d, one at a time, in name order (timeout 5 s each)`,
        '                 one line per event to the FIFO /run/hb-events.fifo',
        '                 one line per event appended to /var/log/hb-events.log',
        `                 Heartbeat's message hooks: ${dir}/rc.d/<message type> for types heartbeat-ts does not handle itself`,
      ].join('\n'),
    );
  });

  it('a [notify] dir that does not exist: the node would not start, exit 1', () => {
    const dir = makeConfigDir({ haresources: 'alpha 10.0.0.100\n', 'heartbeat-ts.ini': '[notify]\ndir = /nonexistent/notify.d\n' });
    const io = capture();
    expect(runCheck(common(dir), io, loadClusterConfig)).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toContain(`${dir}/heartbeat-ts.ini: error: [notify] dir /nonexistent/notify.d does not exist`);
    expect(io.err).toContain('would refuse to start');
  });

  it('a [notify] fifo path taken by a regular file, or a file in a missing directory: exit 1, each named', () => {
    const dir = makeConfigDir({ haresources: 'alpha 10.0.0.100\n' });
    fs.writeFileSync(path.join(dir, 'plain'), '');
    fs.writeFileSync(path.join(dir, 'heartbeat-ts.ini'), `[notify]\nfifo = ${dir}/plain\nfile = ${dir}/missing/events.log\n`);
    const io = capture();
    expect(runCheck(common(dir), io, loadClusterConfig)).toBe(1);
    expect(io.err).toContain(`${dir}/heartbeat-ts.ini: error: [notify] fifo ${dir}/plain exists and is not a FIFO: remove it or name another path\n`);
    expect(io.err).toContain(`${dir}/heartbeat-ts.ini: error: [notify] file ${dir}/missing/events.log: its directory ${dir}/missing does not exist\n`);
  });

  it('an unusable configuration: every problem on stderr, no summary, exit 1', () => {
    const dir = makeConfigDir({ 'ha.cf': VALID_HA_CF + 'keepalve 2\n' }, 0o644);
    const io = capture();
    expect(runCheck(common(dir), io)).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toContain(`${dir}/ha.cf:10: error: unknown directive "keepalve"`);
    expect(io.err).toContain('    keepalve 2\n');
    expect(io.err).toContain(`${dir}/authkeys: error: authkeys is readable by every user (mode 0644)`);
    expect(io.err).toContain(`chmod 600 ${dir}/authkeys`);
    expect(io.err).toContain(`heartbeat-ts would refuse to start with ${dir} as node alpha (2 errors, 0 warnings)`);
  });

  it('a missing interface is only a warning for --check (it may run on another machine)', () => {
    const dir = makeConfigDir({ 'ha.cf': VALID_HA_CF.replace('bcast eth0', 'bcast nosuchif0') });
    const io = capture();
    expect(runCheck(common(dir), io)).toBe(0);
    expect(io.err).toContain(`${dir}/ha.cf:6: warning: network interface nosuchif0 (used by bcast) does not exist on this host`);
  });
});

describe('the shipped example (etc/ha.d)', () => {
  it('is usable for both nodes once authkeys is chmod 600; its only warning is the placeholder secret', () => {
    const dir = makeConfigDir({
      'ha.cf': fs.readFileSync(path.join(EXAMPLE_DIR, 'ha.cf'), 'utf8'),
      haresources: fs.readFileSync(path.join(EXAMPLE_DIR, 'haresources'), 'utf8'),
      authkeys: fs.readFileSync(path.join(EXAMPLE_DIR, 'authkeys'), 'utf8'),
      'heartbeat-ts.ini': fs.readFileSync(path.join(EXAMPLE_DIR, 'heartbeat-ts.ini'), 'utf8'),
      'probes.ini': fs.readFileSync(path.join(EXAMPLE_DIR, 'probes.ini'), 'utf8'),
    });
    for (const node of ['alpha', 'bravo']) {
      const io = capture();
      expect(runCheck(common(dir, node), io)).toBe(0);
      const problemLines = io.err.split('\n').filter((l) => / (error|warning): /.test(l) && !/network interface/.test(l));
      expect(problemLines).toEqual([expect.stringMatching(/authkeys:\d+: warning: this is the placeholder secret of the example/)]);
      expect(io.out).toContain('IPaddr::192.168.1.100/24/eth0 nginx  (home: ');
      expect(io.out).toContain('probes         nginx: GET http://127.0.0.1/ every 5 s');
    }
  });

  it('every value in the example heartbeat-ts.ini is the default', () => {
    const r = parseExtensionOptions(fs.readFileSync(path.join(EXAMPLE_DIR, 'heartbeat-ts.ini'), 'utf8'), 'x');
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ file: 'x', ...EXTENSION_DEFAULTS });
  });
});
