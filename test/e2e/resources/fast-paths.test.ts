// The shortcuts that make resource operations fast, checked for the
// behaviour they must keep (spec §9.1), for real in a network namespace:
// - a group start asks the built-in IPaddr "status, then start unless
//   running" in one listing: an address already up is skipped, not re-added;
// - two groups starting at once still get different alias labels;
// - IPaddr stop deletes in one `ip -force -batch` and still removes the
//   address when it is there with another prefix;
// - `ip -batch` failures name the failing command;
// - the nginx script polls instead of sleeping, re-sends SIGTERM (nginx loses
//   one sent just after it starts), and without `nginx -t` on every start
//   still reports a bad configuration as LSB 6.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { AgentFactory, GroupRunner, shippedScriptPath } from '../../../src/resources/index.js';
import { createLab, type Lab, type LabHost } from '../../helpers/netns.js';
import { writeNginxInstance } from '../../helpers/resources-nginx.js';
import {
  createScriptLab,
  groupOf,
  resourceRef,
  TEST_ARP,
  testResourceOptions,
  type ScriptLab,
} from '../../helpers/resources-scripts.js';

const NODE_IP = '198.51.100.1';

describe('resource fast paths (in a network namespace)', () => {
  let lab: Lab;
  let node: LabHost;
  let scripts: ScriptLab | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'node', ip: NODE_IP }] });
    node = lab.host('node');
  });
  afterAll(async () => {
    await lab?.destroy();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    scripts?.cleanup();
    scripts = undefined;
  });

  async function addressLines(): Promise<string[]> {
    return (await node.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout.split('\n');
  }

  function setUp(groups: readonly (readonly string[])[]): { runner: GroupRunner; lines: string[] } {
    scripts = createScriptLab();
    const memory = createMemoryLogger();
    const runner = new GroupRunner({
      groups: groups.map((tokens) => groupOf('node', tokens)),
      configDir: scripts.configDir,
      initDir: scripts.initDir,
      resources: testResourceOptions(),
      arp: TEST_ARP,
      logger: memory.logger,
      execPrefix: ['ip', 'netns', 'exec', node.ns],
    });
    cleanups.push(async () => {
      for (const tokens of groups) await runner.stop(tokens[0]!).catch(() => undefined);
      runner.dispose();
    });
    return { runner, lines: memory.lines };
  }

  it('a group start skips an IPaddr address that is already up, without a second listing or a start', async () => {
    const vip = 'IPaddr::198.51.100.20/24/eth0';
    const { runner, lines } = setUp([[vip]]);
    await node.exec('ip', ['addr', 'add', '198.51.100.20/24', 'dev', 'eth0', 'label', 'eth0:7']);
    const result = await runner.start(vip);
    expect(result.outcome).toBe('started');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({ action: 'skipped', result: { operation: 'status', outcome: 'running', stdout: 'running\n' } });
    expect(lines.filter((l) => l.includes('Running IPaddr'))).toEqual([]);
    // Left exactly as it was: one address, the admin's label.
    expect((await addressLines()).filter((l) => l.includes('inet 198.51.100.20/'))).toEqual([
      expect.stringMatching(/ eth0:7\\/),
    ]);
  });

  it('two groups starting at once on one interface get different alias labels', async () => {
    const a = 'IPaddr::198.51.100.21/24/eth0';
    const b = 'IPaddr::198.51.100.22/24/eth0';
    const { runner } = setUp([[a], [b]]);
    const [ra, rb] = await Promise.all([runner.start(a), runner.start(b)]);
    expect([ra.outcome, rb.outcome]).toEqual(['started', 'started']);
    const labels = (await addressLines())
      .filter((l) => /inet 198\.51\.100\.2[12]\//.test(l))
      .map((l) => /(eth0:\d+)\\/.exec(l)?.[1]);
    expect(labels.sort()).toEqual(['eth0:0', 'eth0:1']);
  });

  it('IPaddr stop removes the address even when it carries another prefix than configured', async () => {
    scripts = createScriptLab();
    const factory = new AgentFactory({
      configDir: scripts.configDir,
      initDir: scripts.initDir,
      logger: createMemoryLogger().logger,
      timeouts: testResourceOptions(),
      arp: TEST_ARP,
      execPrefix: ['ip', 'netns', 'exec', node.ns],
    });
    cleanups.push(() => factory.dispose());
    const agent = factory.agentFor(resourceRef('IPaddr::198.51.100.23/24/eth0'));
    await node.exec('ip', ['addr', 'add', '198.51.100.23/32', 'dev', 'eth0']);
    expect((await agent.status()).outcome).toBe('running');
    const stopped = await agent.stop();
    expect(stopped).toMatchObject({ outcome: 'stopped', stdout: 'removed 198.51.100.23\n' });
    expect((await addressLines()).join('\n')).not.toContain('198.51.100.23/');
    expect((await agent.stop()).stdout).toBe('198.51.100.23 was not up\n');
    expect((await agent.status()).outcome).toBe('stopped');
  });

  it('an IPaddr start that ip refuses fails with the refused command and ip\'s reason', async () => {
    const bad = 'IPaddr::198.51.100.24/24/nosuch0';
    const { runner } = setUp([[bad]]);
    const result = await runner.start(bad);
    expect(result.outcome).toBe('failed');
    if (result.outcome !== 'failed') return;
    expect(result.reason).toMatch(/^ip -4 addr add 198\.51\.100\.24\/24 brd 198\.51\.100\.255 dev nosuch0 label nosuch0:0 failed: .*nosuch0/);
  });

  describe('the shipped nginx script', () => {
    function nginxEnv(extra: Record<string, string> = {}): { script: string; env: Record<string, string> } {
      // One lab per call (a test may ask for several instances); each is removed after the test.
      const lab = createScriptLab();
      cleanups.push(() => lab.cleanup());
      const script = join(lab.configDir, 'resource.d', 'nginx');
      symlinkSync(shippedScriptPath('nginx'), script);
      const instance = writeNginxInstance(join(lab.stateDir, 'nginx'), `${NODE_IP}:8080`, 'fast paths');
      const env = { ...instance.env, ...extra };
      cleanups.push(async () => {
        await node.exec(script, ['stop'], { env, reject: false });
      });
      return { script, env };
    }

    it('stops nginx by SIGTERM even right after a start, every time', async () => {
      const { script, env } = nginxEnv({ NGINX_STOP_TIMEOUT: '5' });
      for (let i = 0; i < 10; i++) {
        const start = await node.exec(script, ['start'], { env, reject: false });
        expect(start.exitCode, start.stderr).toBe(0);
        const stop = await node.exec(script, ['stop'], { env, reject: false });
        expect({ exitCode: stop.exitCode, stdout: stop.stdout }, stop.stderr).toEqual({ exitCode: 0, stdout: 'Stopped nginx' });
      }
    });

    it('reports a bad configuration as LSB 6 with nginx -t\'s reason, with or without the test before start', async () => {
      for (const configtest of ['no', 'yes']) {
        const { script, env } = nginxEnv({ NGINX_CONFIGTEST_ON_START: configtest });
        writeFileSync(env.NGINX_CONF!, 'events {}\nhttp { server { listen 8080; bogus_directive on; } }\n');
        const r = await node.exec(script, ['start'], { env, reject: false });
        expect(r.exitCode, configtest).toBe(6);
        expect(r.stderr).toContain('configuration test failed');
        expect(r.stderr).toContain('bogus_directive');
        const status = await node.exec(script, ['status'], { env, reject: false });
        expect(status.stdout).toBe('nginx is not running');
      }
    });
  });
});
