// The export's pure parts: resource mapping, stickiness arithmetic, warnings
// for what cannot be carried over, bad input as FILE:LINE, the corosync
// mapping, and the command line. Pacemaker's own tools check the output in
// test/e2e/export/pacemaker-offline.test.ts.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/cli/check.js';
import { runExport } from '../../../src/cli/export-command.js';
import { parseHeartbeatArgs } from '../../../src/cli/heartbeat.js';
import { UsageError, type CliIo } from '../../../src/cli/main.js';
import type { CommonOptions } from '../../../src/cli/options.js';
import { loadClusterConfig, type ResourceRef } from '../../../src/config/index.js';
import {
  HOME_SCORE,
  buildPacemakerModel,
  loadExportInput,
  mapResource,
  mapStonithHost,
  renderCorosync,
  renderPcs,
  stickinessFor,
  tokenForDeadtime,
  type ExportInput,
} from '../../../src/export/index.js';
import { makeConfigDir, removeAllConfigDirs, VALID_HA_CF } from '../config/config-dir-fixture.js';

afterEach(removeAllConfigDirs);

function ref(token: string): ResourceRef {
  const [script, ...args] = token.split('::');
  return { token, script: script!, args, line: 1 };
}

function params(token: string): Record<string, string> {
  const r = mapResource(ref(token));
  if (!r.ok) throw new Error(r.error);
  return Object.fromEntries(r.agent.params.map((p) => [p.name, p.value]));
}

describe('resource mapping', () => {
  it.each([
    ['IPaddr::10.0.0.1', { ip: '10.0.0.1' }],
    ['IPaddr::10.0.0.1/24', { ip: '10.0.0.1', cidr_netmask: '24' }],
    ['IPaddr::10.0.0.1/255.255.252.0/eth1', { ip: '10.0.0.1', cidr_netmask: '22', nic: 'eth1' }],
    ['IPaddr::10.0.0.1/16/10.0.255.255', { ip: '10.0.0.1', cidr_netmask: '16', broadcast: '10.0.255.255' }],
    ['IPaddr2::10.0.0.1/24/eth0:web', { ip: '10.0.0.1', cidr_netmask: '24', nic: 'eth0', iflabel: 'web' }],
    ['IPaddr2::10.0.0.1/24/eth0:web/10.0.0.255', { ip: '10.0.0.1', cidr_netmask: '24', nic: 'eth0', iflabel: 'web', broadcast: '10.0.0.255' }],
    ['IPaddr2::10.0.0.1/24/', { ip: '10.0.0.1', cidr_netmask: '24' }],
  ])('%s → ocf:heartbeat:IPaddr2 %o (the split of Heartbeat\'s IPaddr2 wrapper)', (token, expected) => {
    const r = mapResource(ref(token));
    expect(r.ok && [r.agent.class, r.agent.provider, r.agent.type]).toEqual(['ocf', 'heartbeat', 'IPaddr2']);
    expect(params(token)).toEqual(expected);
  });

  it.each([
    ['IPaddr::300.0.0.1', /not an IPv4 address/],
    ['IPaddr::10.0.0.1/33', /neither a prefix length/],
    ['IPaddr::10.0.0.1/255.0.255.0', /neither a prefix length/],
    ['IPaddr2::10.0.0.1/24/10.0.0.255/eth0', /nothing may follow/],
    ['IPaddr2::10.0.0.1/24/eth0:', /not IFACE or IFACE:LABEL/],
    ['IPaddr2::10.0.0.1/24/eth0:averyverylonglabel', /at most 15/],
    ['IPaddr::10.0.0.1::x', /exactly one argument/],
    ['Filesystem::/dev/sda1', /at least 2/],
    ['portblock::tcp::80', /at least 3/],
    ['Delay::1::2::3', /at most 2/],
  ])('%s is refused: %s', (token, why) => {
    const r = mapResource(ref(token));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });

  it("resource.d wrappers become the OCF agent they run, with the wrapper's parameter names", () => {
    expect(params('Filesystem::/dev/drbd0::/srv::ext4::noatime')).toEqual({ device: '/dev/drbd0', directory: '/srv', fstype: 'ext4', options: 'noatime' });
    expect(params('MailTo::ops@example.com::failover')).toEqual({ email: 'ops@example.com', subject: 'failover' });
    expect(params('AudibleAlarm::a::b')).toEqual({ nodelist: 'a b' });
    expect(params('SendArp::10.0.0.1/eth0')).toEqual({ ip: '10.0.0.1', nic: 'eth0' });
    expect(params('WAS::9080')).toEqual({ port: '9080' });
    expect(params('WAS::/etc/was.conf')).toEqual({ config: '/etc/was.conf' });
    const fs = mapResource(ref('Filesystem::/dev/sda1::/data'));
    expect(fs.ok && fs.agent.warning).toMatch(/requires fstype/);
  });

  it('an init script is lsb:NAME; arguments to a script without an OCF agent are a warning, never silently dropped', () => {
    const plain = mapResource(ref('nginx'));
    expect(plain.ok && [plain.agent.class, plain.agent.type, plain.agent.warning]).toEqual(['lsb', 'nginx', undefined]);
    const drbd = mapResource(ref('drbddisk::r0'));
    expect(drbd.ok && drbd.agent.class).toBe('lsb');
    expect(drbd.ok && drbd.agent.warning).toMatch(/arguments \(r0\) cannot be passed.*ocf:linbit:drbd/);
    const local = mapResource(ref('myscript'), true);
    expect(local.ok && local.agent.warning).toMatch(/copy it to \/etc\/init\.d/);
  });
});

describe('stickiness arithmetic', () => {
  it('auto_failback on: n x s < HOME_SCORE with the largest such s; off: n x s > HOME_SCORE with the smallest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), (n) => {
        const on = stickinessFor('on', n);
        const off = stickinessFor('off', n);
        expect(n * on).toBeLessThan(HOME_SCORE);
        expect(on === 0 || n * (on + 1) >= HOME_SCORE).toBe(true);
        expect(n * off).toBeGreaterThan(HOME_SCORE);
        expect(n * (off - 1)).toBeLessThanOrEqual(HOME_SCORE);
      }),
    );
    expect([stickinessFor('on', 2), stickinessFor('off', 2), stickinessFor('on', 4), stickinessFor('off', 4)]).toEqual([49, 51, 24, 26]);
  });
});

function inputFor(files: Parameters<typeof makeConfigDir>[0]): ExportInput {
  const loaded = loadExportInput(makeConfigDir(files));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  return loaded.input;
}

describe('building the Pacemaker model', () => {
  it('one group per haresources line in order, members in order, a home location each, stickiness per group size', () => {
    const input = inputFor({ haresources: 'alpha 10.0.0.1 nginx\nbravo IPaddr2::10.0.0.2/24/eth0 Delay::2 postfix\n' });
    const { model, errors } = buildPacemakerModel(input);
    expect(errors).toEqual([]);
    expect(model.groups.map((g) => g.members.map((m) => m.id))).toEqual([['ip-10.0.0.1', 'nginx'], ['ip-10.0.0.2', 'delay-2', 'postfix']]);
    expect(model.groups.map((g) => g.meta.find((m) => m.name === 'resource-stickiness')?.value)).toEqual(['49', '33']);
    expect(model.constraints.map((c) => (c.kind === 'location' ? [c.rsc, c.node, c.score] : []))).toEqual([
      ['grp-ip-10.0.0.1', 'alpha', '100'],
      ['grp-ip-10.0.0.2', 'bravo', '100'],
    ]);
    for (const m of model.groups.flatMap((g) => g.members)) expect(m.ops.some((o) => o.name === 'monitor')).toBe(true);
    expect(model.properties).toEqual([
      { name: 'stonith-enabled', value: 'false' },
      { name: 'no-quorum-policy', value: 'ignore' },
    ]);
    expect(model.propertyComments.join('\n')).toMatch(/STONITH IS DISABLED/);
  });

  it('auto_failback legacy (or none) is exported as off with a warning that names the line', () => {
    const input = inputFor({ 'ha.cf': VALID_HA_CF.replace('auto_failback on', 'auto_failback legacy') });
    const { model, warnings } = buildPacemakerModel(input);
    expect(model.groups[0]!.meta.find((m) => m.name === 'resource-stickiness')?.value).toBe('51');
    expect(warnings).toContainEqual(expect.objectContaining({ line: 7, message: expect.stringMatching(/legacy has no Pacemaker counterpart.*exported as off/) }));
  });

  it('ping nodes + ipfail → a ping clone and a connectivity rule per group; ping without ipfail → a warning', () => {
    const withIpfail = buildPacemakerModel(
      inputFor({ 'ha.cf': `${VALID_HA_CF}ping 10.0.0.254\nrespawn hacluster /usr/lib/heartbeat/ipfail\n` }),
    );
    expect(withIpfail.model.clones.map((c) => [c.primitive.type, c.primitive.params.find((p) => p.name === 'host_list')?.value])).toEqual([
      ['ping', '10.0.0.254'],
    ]);
    expect(withIpfail.model.constraints.filter((c) => c.kind === 'location-attribute')).toHaveLength(1);
    const without = buildPacemakerModel(inputFor({ 'ha.cf': `${VALID_HA_CF}ping 10.0.0.254\n` }));
    expect(without.model.clones).toEqual([]);
    expect(without.warnings).toContainEqual(expect.objectContaining({ line: 10, message: expect.stringMatching(/without ipfail/) }));
  });

  it('stonith_host lines with a known plugin become fencing devices and enable STONITH; an unknown one is a warning and keeps it off', () => {
    const fenced = buildPacemakerModel(
      inputFor({ 'ha.cf': `${VALID_HA_CF}stonith_host alpha external/ipmi bravo 10.9.0.2 admin pw lanplus\nstonith_host bravo external/ipmi alpha 10.9.0.1 admin pw lanplus\n` }),
    );
    expect(fenced.model.stonith.map((s) => s.type)).toEqual(['external/ipmi', 'external/ipmi']);
    expect(fenced.model.properties[0]).toEqual({ name: 'stonith-enabled', value: 'true' });
    const unknown = buildPacemakerModel(inputFor({ 'ha.cf': `${VALID_HA_CF}stonith_host * frobnicator 1 2 3\n` }));
    expect(unknown.model.properties[0]).toEqual({ name: 'stonith-enabled', value: 'false' });
    expect(unknown.warnings).toContainEqual(expect.objectContaining({ line: 10, message: expect.stringMatching(/frobnicator/) }));
    expect(mapStonithHost('* external/ssh a b c')).toEqual({
      ok: true,
      device: { hostFrom: '*', type: 'external/ssh', params: [{ name: 'hostlist', value: 'a b c' }] },
    });
  });

  it('a probe on a group with nginx → ocf:heartbeat:nginx with a depth-10 monitor; fall/rise are warnings', () => {
    const input = inputFor({
      'probes.ini': '[web]\nurl = http://127.0.0.1/\ninterval = 5\ntimeout = 2\nfall = 3\nrise = 2\ngroup = IPaddr::10.0.0.100/24/eth0\n',
    });
    const { model, warnings } = buildPacemakerModel(input);
    const nginx = model.groups[0]!.members[1]!;
    expect([nginx.class, nginx.provider, nginx.type]).toEqual(['ocf', 'heartbeat', 'nginx']);
    expect(nginx.params).toContainEqual({ name: 'status10url', value: 'http://127.0.0.1/' });
    expect(nginx.ops.find((o) => o.name === 'monitor')).toEqual({ name: 'monitor', interval: '5s', timeout: '20s', checkLevel: 10, onFail: 'restart' });
    expect(model.groups[0]!.meta).toContainEqual({ name: 'migration-threshold', value: '1' });
    expect(warnings.some((w) => /fall = 3 and rise = 2/.test(w.message) && w.line === 1)).toBe(true);
  });

  it('every warning names its file; ha.cf directives without a counterpart are listed, never dropped', () => {
    const { warnings } = buildPacemakerModel(inputFor({ 'ha.cf': `${VALID_HA_CF}warntime 5\nwatchdog /dev/watchdog\napiauth foo uid=root\n` }));
    for (const w of warnings) expect(w.file).toMatch(/\/(ha\.cf|haresources|probes\.ini|heartbeat-ts\.ini)$/);
    expect(warnings.map((w) => [w.line, w.message.split(':')[0]])).toEqual(
      expect.arrayContaining([
        [10, 'warntime is not exported'],
        [11, 'watchdog is not exported'],
        [12, 'apiauth is not exported'],
      ]),
    );
  });

  it('a resource the export cannot map is an error at its haresources line', () => {
    const { errors } = buildPacemakerModel(inputFor({ haresources: 'alpha IPaddr::10.0.0.1\nbravo IPaddr2::10.0.0.2/24/eth0:\n' }));
    expect(errors).toEqual([expect.objectContaining({ file: expect.stringMatching(/haresources$/), line: 2, severity: 'error' })]);
  });
});

describe('the pcs script', () => {
  // Run for real by test/e2e/export/pacemaker-offline.test.ts; here its two modes' switch is pinned.
  const script = renderPcs(buildPacemakerModel(inputFor({ haresources: 'alpha 10.0.0.1 postfix\n' })).model);

  it('takes and pushes the live CIB on a node, and with CIB_file set builds into that file and pushes nothing', () => {
    expect(script).toContain('if [ -n "${CIB_file:-}" ]; then\n  CIB=$CIB_file\n  LSB_FORCE=--force\nelse\n');
    expect(script).toMatch(/^ {2}pcs cluster cib "\$CIB"$/m);
    expect(script).toMatch(/^if \[ -z "\$\{CIB_file:-\}" \]; then pcs cluster cib-push "\$CIB"; fi$/m);
    expect(script.match(/^pcs -f "\$CIB" /gm)?.length).toBe(script.match(/^\s*pcs /gm)!.length - 1);
  });

  it('forces only lsb: agents, and only where $LSB_FORCE is set (offline)', () => {
    const creates = script.split('\n').filter((l) => / resource create /.test(l));
    expect(creates.filter((l) => l.endsWith(' $LSB_FORCE')).map((l) => l.split(' ')[6])).toEqual(['lsb:postfix']);
    expect(creates.filter((l) => l.includes('--force'))).toEqual([]);
  });
});

describe('corosync mapping', () => {
  it('token = deadtime / 2.2 (token + consensus of 1.2 x token = deadtime), at least 1 s', () => {
    expect(tokenForDeadtime(10_000)).toBe(4545);
    expect(tokenForDeadtime(1_000)).toBe(1000);
    fc.assert(
      fc.property(fc.integer({ min: 2200, max: 600_000 }), (deadtime) => {
        const token = tokenForDeadtime(deadtime);
        expect(Math.abs(token * 2.2 - deadtime)).toBeLessThanOrEqual(1.1);
      }),
    );
  });

  it('addresses: --node-addr, else ucast addresses in node order with a warning; an unknown --node-addr name is an error', () => {
    const input = inputFor({ 'ha.cf': VALID_HA_CF.replace('bcast eth0', 'ucast eth0 10.0.0.1\nucast eth0 10.0.0.2') });
    const base = { haCf: input.haCf, haCfText: input.haCfText, authKeysFile: 'authkeys' };
    const byOrder = renderCorosync({ ...base, nodeAddresses: new Map() });
    expect(byOrder.text).toMatch(/name: alpha\n\s+nodeid: 1\n\s+ring0_addr: 10\.0\.0\.1/);
    expect(byOrder.warnings.some((w) => /in node order/.test(w.message))).toBe(true);
    const given = renderCorosync({ ...base, nodeAddresses: new Map([['alpha', '192.168.0.1'], ['bravo', '192.168.0.2']]) });
    expect(given.text).toMatch(/ring0_addr: 192\.168\.0\.2/);
    expect(renderCorosync({ ...base, nodeAddresses: new Map([['charlie', '1.2.3.4']]) }).errors).toHaveLength(1);
  });

  it('initdead: two nodes wait for the peer (two_node implies wait_for_all); three need a majority', () => {
    const two = inputFor({ 'ha.cf': `${VALID_HA_CF}initdead 20\n` });
    const twoOut = renderCorosync({ haCf: two.haCf, haCfText: two.haCfText, authKeysFile: 'authkeys', nodeAddresses: new Map() });
    expect(twoOut.text).toMatch(/two_node: 1/);
    expect(twoOut.warnings.find((w) => /initdead/.test(w.message))?.message).toMatch(/wait_for_all/);
    const three = inputFor({ 'ha.cf': `${VALID_HA_CF}initdead 20\nnode charlie\n` });
    const threeOut = renderCorosync({ haCf: three.haCf, haCfText: three.haCfText, authKeysFile: 'authkeys', nodeAddresses: new Map() });
    expect(threeOut.text).not.toMatch(/two_node/);
    expect(threeOut.warnings.find((w) => /initdead/.test(w.message))?.message).toMatch(/majority \(2 of 3\)/);
  });
});

function capture(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

const common = (configDir: string, node = 'alpha'): CommonOptions => ({
  configDir,
  stateDir: '/var/lib/heartbeat',
  runDir: '/run/heartbeat',
  node,
  nodeSource: 'option',
});

describe('heartbeat --export command line', () => {
  it('parses --export, --format and repeated --node-addr', () => {
    const args = parseHeartbeatArgs(['--export', 'corosync', '--node-addr', 'Alpha=10.0.0.1', '--node-addr', 'bravo=10.0.0.2', '--node', 'x']);
    expect(!args.help && args.mode).toBe('export');
    expect(!args.help && 'exportOptions' in args && args.exportOptions).toEqual({
      target: 'corosync',
      format: 'cib',
      nodeAddresses: new Map([['alpha', '10.0.0.1'], ['bravo', '10.0.0.2']]),
    });
  });

  it.each([
    [['--export', 'heartbeat'], /pacemaker or corosync/],
    [['--export', 'pacemaker', '--format', 'json'], /cib, crm or pcs/],
    [['--format', 'crm'], /goes with --export pacemaker/],
    [['--export', 'corosync', '--format', 'crm'], /goes with --export pacemaker/],
    [['--export', 'pacemaker', '--node-addr', 'a=1'], /goes with --export corosync/],
    [['--export', 'corosync', '--node-addr', 'alpha'], /NAME=ADDR/],
    [['--export', 'pacemaker', '--check'], /cannot be combined with --check/],
  ])('%o is a usage error', (argv, why) => {
    expect(() => parseHeartbeatArgs([...argv, '--node', 'x'])).toThrow(UsageError);
    expect(() => parseHeartbeatArgs([...argv, '--node', 'x'])).toThrow(why);
  });

  it('bad input: every error as FILE:LINE on stderr, nothing on stdout, exit 1', () => {
    const dir = makeConfigDir({ haresources: 'alpha IPaddr::10.0.0.1/99\ncharlie nginx\n' });
    const io = capture();
    expect(runExport(common(dir), { target: 'pacemaker', format: 'cib', nodeAddresses: new Map() }, io)).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toMatch(/haresources:2: error: .*charlie/);
    expect(io.err).toMatch(/nothing exported/);
  });

  it('heartbeat --check points to the export when ha.cf has more than two nodes', () => {
    const dir = makeConfigDir({ 'ha.cf': `${VALID_HA_CF}node charlie\n`, haresources: 'alpha 10.0.0.100\n' });
    const io = capture();
    expect(runCheck(common(dir), io, loadClusterConfig)).toBe(0);
    expect(io.out).toMatch(/3 nodes: haresources is a two-node design/);
    expect(io.out).toMatch(/`heartbeat --export pacemaker`/);
  });
});
