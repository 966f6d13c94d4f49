// The issue's "done when": a group `IPaddr::198.51.100.10/24/eth0 nginx` in a
// node namespace starts in order (the VIP answers HTTP from a client
// namespace, and a gratuitous ARP from the VIP is seen there), stops in
// reverse, and a failing middle resource rolls the started ones back in
// reverse with Heartbeat's CRIT line (spec §9.1).
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { GroupRunner, shippedScriptPath } from '../../../src/resources/index.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { writeNginxInstance, type NginxInstance } from '../../helpers/resources-nginx.js';
import {
  createScriptLab,
  groupOf,
  TEST_ARP,
  testResourceOptions,
  waitFor,
  type ScriptLab,
} from '../../helpers/resources-scripts.js';

const VIP = '198.51.100.10';
const VIP_RESOURCE = `IPaddr::${VIP}/24/eth0`;

describe('resource group in a namespace lab', () => {
  let lab: Lab;
  let scripts: ScriptLab;
  let nginx: NginxInstance;
  let runner: GroupRunner | undefined;
  let log: { lines: string[] };

  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'node', ip: '198.51.100.1' }, { name: 'client', ip: '198.51.100.2' }] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });
  afterEach(async () => {
    // A failed test must not leave the VIP or nginx behind for the next one.
    if (runner) await runner.stop(VIP_RESOURCE).catch(() => undefined);
    runner?.dispose();
    runner = undefined;
    scripts?.cleanup();
  });

  /** `prepare` installs the group's scripts: the runner resolves each resource once, when it is built. */
  function setUp(tokens: readonly string[], prepare: (lab: ScriptLab) => void = () => undefined): GroupRunner {
    scripts = createScriptLab();
    symlinkSync(shippedScriptPath('nginx'), join(scripts.configDir, 'resource.d', 'nginx'));
    prepare(scripts);
    nginx = writeNginxInstance(join(scripts.stateDir, 'nginx'), `${VIP}:80`, 'served by the group');
    const memory = createMemoryLogger();
    log = memory;
    runner = new GroupRunner({
      groups: [groupOf('node', tokens)],
      configDir: scripts.configDir,
      initDir: scripts.initDir,
      resources: testResourceOptions(),
      arp: TEST_ARP,
      logger: memory.logger,
      env: { ...nginx.env, HA_CURHOST: 'node' },
      execPrefix: ['ip', 'netns', 'exec', lab.host('node').ns],
    });
    return runner;
  }

  /** The agents' `Running … start|stop` lines, in order, as `resource op`. */
  function runningLines(): string[] {
    return log.lines
      .map((l) => /info: Running (?:IPaddr \(built-in\) (\S+)|\S+\/resource\.d\/(\S+?)(?: (\S+))?) (start|stop)\b/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => (m[1] ? `IPaddr ${m[4]}` : `${m[2]}${m[3] ? ` ${m[3]}` : ''} ${m[4]}`));
  }

  async function curlVip(): Promise<{ exitCode?: number; stdout: string }> {
    return lab.host('client').exec('curl', ['-s', '--max-time', '3', `http://${VIP}/`], { reject: false });
  }

  /** TCP listeners on port 80 in the node namespace (a curl to a removed VIP would only time out). */
  async function port80Listeners(): Promise<string> {
    return (await lab.host('node').exec('ss', ['-Hltn', 'sport = :80'])).stdout.trim();
  }

  it('starts in order (HTTP on the VIP, gratuitous ARP seen by the client) and stops in reverse', async () => {
    const r = setUp([VIP_RESOURCE, 'nginx']);
    const client = lab.host('client');

    // Capture ARP on the client before the start; tshark says "Capturing on" once it listens.
    const tshark = client.spawn(
      'tshark',
      ['-i', 'eth0', '-l', '-n', '-f', 'arp', '-T', 'fields', '-e', 'arp.opcode', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4'],
      { buffer: false },
    );
    let captured = '';
    let tsharkErr = '';
    tshark.stdout?.on('data', (d: Buffer) => (captured += d.toString()));
    tshark.stderr?.on('data', (d: Buffer) => (tsharkErr += d.toString()));
    try {
      await waitFor('tshark to listen', () => tsharkErr.includes('Capturing on'), 30_000);

      const started = await r.start(VIP_RESOURCE);
      expect(started.outcome, log.lines.join('\n')).toBe('started');
      expect(started.steps.map((s) => `${s.resource}:${s.action}`)).toEqual([`${VIP_RESOURCE}:started`, 'nginx:started']);
      expect(runningLines()).toEqual(['IPaddr start', 'nginx start']);

      expect(await port80Listeners()).toContain(`${VIP}:80`);
      const http = await curlVip();
      expect(http.stdout).toBe('served by the group');

      // Gratuitous ARP: sender and target are both the VIP; mode "both" sends requests (1) and replies (2).
      const gratuitous = (): string[] =>
        captured.split('\n').filter((l) => l.split('\t')[1] === VIP && l.split('\t')[2] === VIP);
      await waitFor('a gratuitous ARP request and reply from the VIP', () => {
        const ops = new Set(gratuitous().map((l) => l.split('\t')[0]));
        return ops.has('1') && ops.has('2');
      }, 10_000);

      const status = await r.status(VIP_RESOURCE);
      expect(status.state).toBe('running');

      // Announced again on request (after a partition heal): a new series once the first has ended.
      await waitFor('the first ARP series to end', () => {
        const p = r.pendingArp(VIP);
        return p.processes === 0 && p.scheduled === 0;
      }, 10_000);
      // Mode "both": a request and a reply per packet of the series.
      const perSeries = 2 * TEST_ARP.count;
      await waitFor('tshark to print the whole first series', () => gratuitous().length >= perSeries, 10_000);
      expect(gratuitous()).toHaveLength(perSeries);
      expect(await r.reannounce(VIP_RESOURCE)).toEqual([`${VIP} on eth0`]);
      await waitFor('a second gratuitous ARP series from the VIP', () => gratuitous().length >= 2 * perSeries, 10_000);

      const stopped = await r.stop(VIP_RESOURCE);
      expect(stopped.outcome, log.lines.join('\n')).toBe('stopped');
      expect(stopped.steps.map((s) => s.resource)).toEqual(['nginx', VIP_RESOURCE]);
      expect(runningLines()).toEqual(['IPaddr start', 'nginx start', 'nginx stop', 'IPaddr stop']);
      expect(await port80Listeners()).toBe('');
      const addrs = await lab.host('node').exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0']);
      expect(addrs.stdout).not.toContain(`inet ${VIP}/`);
      expect((await r.status(VIP_RESOURCE)).state).toBe('stopped');
      expect(await r.reannounce(VIP_RESOURCE)).toEqual([]); // nothing up here: nothing to announce
    } finally {
      tshark.kill('SIGTERM');
      await tshark.catch(() => undefined);
    }
  });

  it('a failing middle resource rolls the started ones back in reverse with a clear log line', async () => {
    const r = setUp([VIP_RESOURCE, 'nginx', 'LabFail::x', 'LabTrace::after'], (lab) => {
      lab.addScript('LabFail', { failStart: true });
      lab.addScript('LabTrace');
    });

    const result = await r.start(VIP_RESOURCE);
    expect(result.outcome).toBe('failed');
    if (result.outcome !== 'failed') return;
    expect(result.resource).toBe('LabFail::x');
    expect(result.reason).toBe('start exited with code 1');
    expect(result.startedByThisAttempt).toEqual([VIP_RESOURCE, 'nginx']);
    expect(result.rollback.outcome).toBe('stopped');
    expect(log.lines.filter((l) => l.includes('CRIT: Giving up resources due to failure of LabFail::x'))).toHaveLength(1);
    // Started left to right up to the failure, then the whole group right to left.
    expect(runningLines()).toEqual([
      'IPaddr start',
      'nginx start',
      'LabFail x start',
      'LabTrace after stop',
      'LabFail x stop',
      'nginx stop',
      'IPaddr stop',
    ]);
    // Nothing of the group is left running.
    expect(await port80Listeners()).toBe('');
    const addrs = await lab.host('node').exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    expect(addrs.stdout).not.toContain(`inet ${VIP}/`);
    expect((await r.status(VIP_RESOURCE)).state).toBe('stopped');
    expect(scripts.invocations()).toEqual(['LabFail x status', 'LabFail x start', 'LabTrace after stop', 'LabFail x stop', 'LabFail x status', 'LabTrace after status']);
  });
});
