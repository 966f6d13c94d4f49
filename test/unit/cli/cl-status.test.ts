// cl_status: sub-commands, output texts and exit codes as the real tool
// (spec §11; cluster-glue cl_status.c): 0 ok, 1 normal failure, 11 bad
// sub-command/parameters, 13 unknown error; -m for sentences; options may
// follow parameters (GNU getopt permutation, CONTRACT.md).
import { describe, expect, it } from 'vitest';
import { parseClStatusArgs, runClStatus } from '../../../src/cli/cl-status-command.js';
import type { DaemonStatus } from '../../../src/control/status.js';

const status: DaemonStatus = {
  schemaVersion: '1.0.0',
  version: '3.0.6 (heartbeat-ts 0.1.0)',
  node: 'alpha',
  pid: 1234,
  uuid: '8712749c2f8640728dbf27fea9302d79',
  generation: 1795308552,
  status: 'active',
  managedBy: 'haresources',
  startedAt: '2026-11-22T00:00:00.000Z',
  configDir: '/etc/ha.d',
  nodes: [
    {
      name: 'alpha', type: 'normal', status: 'active', isLocal: true, weight: 100, site: '', deadtimeMs: 3000,
      generation: 1795308552, lastSeq: 20, uuid: null, lastHeardMsAgo: 10, links: [{ name: 'eth0', status: 'up', lastHeardMsAgo: 10 }],
    },
    {
      name: 'bravo', type: 'normal', status: 'dead', isLocal: false, weight: 100, site: '', deadtimeMs: 3000,
      generation: 1795308553, lastSeq: 30, uuid: null, lastHeardMsAgo: 9000, links: [{ name: 'eth0', status: 'dead', lastHeardMsAgo: 9000 }],
    },
    {
      name: '10.77.0.254', type: 'ping', status: 'ping', isLocal: false, weight: 100, site: '', deadtimeMs: 3000,
      generation: null, lastSeq: null, uuid: null, lastHeardMsAgo: 100, links: [{ name: 'ping', status: 'up', lastHeardMsAgo: 100 }],
    },
  ],
  resources: { rscstatus: 'all', autoFailback: 'on', stable: true, groups: [] },
  timers: { keepaliveMs: 500, deadtimeMs: 3000, warntimeMs: 1500, initdeadMs: 12000, deadpingMs: 3000 },
  parameters: { keepalive: '500ms', deadtime: '3', auto_failback: 'on', udpport: '694' },
  probes: [],
  badPackets: 0,
  eventLoopLagMs: { p99: 1, max: 2 },
  events: [{ at: '2026-12-03T11:00:00.000Z', kind: 'takeover', text: 'took over 10.0.0.1 from bravo (bravo is dead)', node: 'bravo', groups: ['10.0.0.1'], reason: 'peer_dead', durationMs: 840 }],
};

function run(args: string[]) {
  return runClStatus(parseClStatusArgs(args), status);
}

function runStopped(args: string[]) {
  return runClStatus(parseClStatusArgs(args), undefined, 'heartbeat is not running');
}

describe('cl_status (spec §11)', () => {
  it.each([
    [['hbstatus'], 'Heartbeat is running on this machine.\n', 0],
    [['listnodes'], 'alpha\nbravo\n10.77.0.254\n', 0],
    [['listnodes', '-n'], 'alpha\nbravo\n', 0],
    [['listnodes', '-p'], '10.77.0.254\n', 0],
    [['nodestatus', 'alpha'], 'active\n', 0],
    [['nodestatus', 'bravo'], 'dead\n', 1],
    [['nodestatus', '10.77.0.254'], 'ping\n', 0],
    [['nodestatus', '-m', 'bravo'], 'The cluster node bravo is dead\n', 1],
    [['nodestatus', 'bravo', '-m'], 'The cluster node bravo is dead\n', 1],
    [['nodestatus', 'BRAVO'], 'dead\n', 1],
    [['nodetype', '10.77.0.254'], 'ping\n', 0],
    [['nodetype', 'alpha'], 'normal\n', 0],
    [['nodeweight', 'alpha'], '100\n', 0],
    [['nodesite', 'alpha'], '\n', 0],
    [['listhblinks', 'alpha'], '\teth0\n', 0],
    [['listhblinks', '-v', 'bravo'], '\teth0\tdead\n', 0],
    [['hblinkstatus', 'alpha', 'eth0'], 'up\n', 0],
    [['hblinkstatus', 'bravo', 'eth0'], 'dead\n', 1],
    [['rscstatus'], 'all\n', 0],
    [['rscstatus', '-m'], 'This node is holding all resources.\n', 0],
    [['hbparameter', '-p', 'keepalive'], '500ms\n', 0],
    [['hbparameter', '-p', 'deadtime'], '3\n', 0],
    [['hbparameter', '-pauto_failback'], 'on\n', 0],
    [['clientstatus', 'alpha', 'ipfail'], 'offline\n', 1],
  ])('%j prints %j and exits %i', (args, stdout, code) => {
    const r = run(args);
    expect(r.stdout).toBe(stdout);
    expect(r.exitCode).toBe(code);
  });

  it('listnodes -v and hbstatus -v print the verbose node walk', () => {
    expect(run(['listnodes', '-v']).stdout).toBe(
      '\nalpha\tactive\t(nodetype: normal)\n\teth0\tup\n' +
        '\nbravo\tdead\t(nodetype: normal)\n\teth0\tdead\n' +
        '\n10.77.0.254\tping\t(nodetype: ping)\n\tping\tup\n',
    );
    const v = run(['hbstatus', '-v']);
    expect(v.stdout.startsWith('version:\t3.0.6 (heartbeat-ts 0.1.0)\nmanaged by:\t"haresources"\n\nalpha\tactive')).toBe(true);
  });

  it.each([
    [['nodestatus', 'charlie'], 'Error. May be due to incorrect node name', 11],
    [['nodestatus'], 'Not enough parameters.', 11],
    [['nodetype'], 'No enough parameter.', 11],
    [['nodeweight', 'charlie'], 'Error. Maybe due to incorrect node name.', 11],
    [['hblinkstatus', 'alpha'], 'No enough parameter.', 11],
    [['hblinkstatus', 'alpha', 'eth9'], 'Cannot get heartbeat link status', 13],
    [['listhblinks', 'charlie'], 'Cannot start heartbeat link interface walk.', 13],
    [['hbparameter'], 'parameter name required', 11],
    [['hbparameter', '-p', 'nosuch'], "Cannot get parameter nosuch's value", 1],
    [['frobnicate'], 'frobnicate: invalid sub-command.', 11],
    [['nodestatus', '-x', 'alpha'], "invalid option -- 'x'", 11],
  ])('%j fails with %j, exit %i', (args, message, code) => {
    const r = run(args);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.exitCode).toBe(code);
  });

  it('a stopped daemon: hbstatus says so with exit 1, other sub-commands cannot sign on (exit 1)', () => {
    expect(runStopped(['hbstatus'])).toEqual({ stdout: 'Heartbeat is stopped on this machine.\n', stderr: '', exitCode: 1 });
    const r = runStopped(['nodestatus', 'alpha']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Cannot signon with heartbeat');
    expect(r.stderr).toContain('heartbeat is not running');
  });

  it('no arguments, -h and --help print the usage and exit 0', () => {
    for (const args of [[], ['-h'], ['--help']]) {
      const r = run(args);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('Usage: cl_status <sub-command> [<options>] [<parameters>]');
    }
  });

  it('--json dumps the whole node view; --run-dir may come anywhere', () => {
    const inv = parseClStatusArgs(['--json', '--run-dir', '/tmp/x']);
    expect(inv.kind).toBe('json');
    expect(inv.runDir).toBe('/tmp/x');
    const r = runClStatus(inv, status);
    expect(JSON.parse(r.stdout)).toEqual(status);
    expect(parseClStatusArgs(['nodestatus', 'alpha', '--run-dir', '/r']).runDir).toBe('/r');
    expect(parseClStatusArgs(['nodestatus', '--run-dir=/r', 'alpha']).params).toEqual(['alpha']);
  });

  it('takes the shared options every command takes (README), anywhere', () => {
    const inv = parseClStatusArgs(['--config-dir', '/etc/ha.d', 'nodestatus', '--state-dir=/s', 'alpha', '--node', 'alpha', '--run-dir', '/r']);
    expect(inv.kind).toBe('subcommand');
    expect(inv.subcommand).toBe('nodestatus');
    expect(inv.params).toEqual(['alpha']);
    expect(inv.runDir).toBe('/r');
    const missing = parseClStatusArgs(['hbstatus', '--config-dir']);
    expect(missing.kind).toBe('error');
    expect(missing.error?.stderr).toBe('cl_status: --config-dir needs a value\n');
    expect(missing.error?.exitCode).toBe(11);
  });
});
