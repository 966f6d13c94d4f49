// One contract for every agent (like ocf-tester / Heartbeat CTS), run for
// real inside a network namespace: stop on stopped → success, status →
// stopped, start → running, start on started → success, status → running,
// stop → stopped, stop again → success, status → stopped. Each agent's
// effect is also checked from outside (the address on the interface and
// reachable from another namespace, nginx answering HTTP, the exact script
// call line).
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { AgentFactory, shippedScriptPath, type OperationResult, type ResourceAgent } from '../../../src/resources/index.js';
import { createLab, type Lab, type LabHost } from '../../helpers/netns.js';
import { writeNginxInstance } from '../../helpers/resources-nginx.js';
import {
  createScriptLab,
  resourceRef,
  TEST_ARP,
  testResourceOptions,
  waitFor,
  type ScriptLab,
} from '../../helpers/resources-scripts.js';

interface Context {
  readonly node: LabHost;
  readonly client: LabHost;
  readonly scripts: ScriptLab;
  readonly factory: AgentFactory;
}

interface AgentCase {
  readonly name: string;
  readonly token: string;
  /** Extra environment the agent's scripts need. */
  readonly prepare?: (scripts: ScriptLab) => Readonly<Record<string, string>>;
  readonly verifyRunning: (ctx: Context) => Promise<void>;
  readonly verifyStopped: (ctx: Context) => Promise<void>;
}

async function addresses(node: LabHost): Promise<string> {
  return (await node.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
}

async function pingable(from: LabHost, address: string): Promise<boolean> {
  const r = await from.exec('ping', ['-c', '1', '-W', '2', address], { reject: false });
  return r.exitCode === 0;
}

function addressCase(name: string, token: string, address: string, expectedLine: RegExp): AgentCase {
  return {
    name,
    token,
    verifyRunning: async ({ node, client, factory }) => {
      expect(await addresses(node)).toMatch(expectedLine);
      expect(await pingable(client, address)).toBe(true);
      // The gratuitous ARP series was launched in the background.
      const arp = factory.pendingArp(address);
      expect(arp.processes + arp.scheduled).toBeGreaterThan(0);
    },
    verifyStopped: async ({ node, factory }) => {
      expect(await addresses(node)).not.toContain(`inet ${address}/`);
      // stop ended the ARP series: nothing scheduled, every arping ended by PID.
      expect(factory.pendingArp(address).scheduled).toBe(0);
      await waitFor('the ARP series to end', () => factory.pendingArp(address).processes === 0);
    },
  };
}

const CASES: readonly AgentCase[] = [
  addressCase(
    'IPaddr (built-in) ADDR/CIDR/IFACE',
    'IPaddr::198.51.100.10/24/eth0',
    '198.51.100.10',
    /inet 198\.51\.100\.10\/24 brd 198\.51\.100\.255 scope global secondary eth0:0\\/,
  ),
  addressCase(
    'IPaddr (built-in) bare address, interface and prefix from the route',
    '198.51.100.11',
    '198.51.100.11',
    /inet 198\.51\.100\.11\/24 brd 198\.51\.100\.255 scope global secondary eth0:0\\/,
  ),
  addressCase(
    "IPaddr (built-in) the tutorial's ADDR/CIDR/IFACE:ALIAS keeps the admin's label",
    // eth0:3, not the first free eth0:0: the label is the one written.
    'IPaddr::198.51.100.15/24/eth0:3',
    '198.51.100.15',
    /inet 198\.51\.100\.15\/24 brd 198\.51\.100\.255 scope global secondary eth0:3\\/,
  ),
  addressCase(
    'IPaddr2 (built-in) ADDR/CIDR/IFACE/BROADCAST, no label',
    'IPaddr2::198.51.100.12/24/eth0/198.51.100.255',
    '198.51.100.12',
    /inet 198\.51\.100\.12\/24 brd 198\.51\.100\.255 scope global secondary eth0\\/,
  ),
  addressCase(
    'IPaddr2 (built-in) IFACE:LABEL',
    'IPaddr2::198.51.100.13/24/eth0:web',
    '198.51.100.13',
    /inet 198\.51\.100\.13\/24 brd 198\.51\.100\.255 scope global secondary eth0:web\\/,
  ),
  {
    name: 'nginx (shipped LSB script)',
    token: 'nginx',
    prepare: (scripts) => {
      symlinkSync(shippedScriptPath('nginx'), join(scripts.configDir, 'resource.d', 'nginx'));
      return writeNginxInstance(join(scripts.stateDir, 'nginx'), '0.0.0.0:80', 'hello from the compliance suite').env;
    },
    verifyRunning: async ({ client, node }) => {
      const r = await client.exec('curl', ['-s', '--max-time', '5', `http://${node.ip}/`]);
      expect(r.stdout).toBe('hello from the compliance suite');
    },
    verifyStopped: async ({ client, node }) => {
      const r = await client.exec('curl', ['-s', '--max-time', '5', `http://${node.ip}/`], { reject: false });
      expect(r.exitCode).not.toBe(0);
    },
  },
  {
    name: 'custom resource.d script with :: arguments',
    token: 'LabTrace::a1::/srv/data',
    prepare: (scripts) => {
      scripts.addScript('LabTrace');
      return {};
    },
    verifyRunning: async ({ scripts }) => {
      expect(scripts.isRunning('LabTrace')).toBe(true);
    },
    verifyStopped: async ({ scripts }) => {
      expect(scripts.isRunning('LabTrace')).toBe(false);
      // Called exactly as Heartbeat calls it: script arg1 arg2 op (spec §9.1).
      expect(scripts.invocations()).toEqual([
        'LabTrace a1 /srv/data status',
        'LabTrace a1 /srv/data stop',
        'LabTrace a1 /srv/data start',
        'LabTrace a1 /srv/data start',
        'LabTrace a1 /srv/data status',
        'LabTrace a1 /srv/data stop',
      ]);
    },
  },
];

describe('resource agent compliance (in a network namespace)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'node', ip: '198.51.100.1' }, { name: 'client', ip: '198.51.100.2' }] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  describe.each(CASES)('$name', (agentCase) => {
    it('start/stop are idempotent and status follows them', async () => {
      const scripts = createScriptLab();
      const { logger, lines } = createMemoryLogger();
      let factory: AgentFactory | undefined;
      let agent: ResourceAgent | undefined;
      try {
        const env = agentCase.prepare?.(scripts) ?? {};
        const node = lab.host('node');
        factory = new AgentFactory({
          configDir: scripts.configDir,
          initDir: scripts.initDir,
          logger,
          timeouts: testResourceOptions(),
          arp: TEST_ARP,
          env,
          execPrefix: ['ip', 'netns', 'exec', node.ns],
        });
        const ctx: Context = { node, client: lab.host('client'), scripts, factory };
        agent = factory.agentFor(resourceRef(agentCase.token));
        const expectOutcome = (r: OperationResult, outcome: OperationResult['outcome']): void => {
          expect(r, `${r.operation}: ${r.reason ?? ''}\n${lines.join('\n')}`).toMatchObject({ outcome, resource: agentCase.token });
          expect(r.durationMs).toBeGreaterThan(0);
        };

        expectOutcome(await agent.status(), 'stopped');
        expectOutcome(await agent.stop(), 'stopped');
        expectOutcome(await agent.start(), 'running');
        await agentCase.verifyRunning(ctx);
        expectOutcome(await agent.start(), 'running');
        expectOutcome(await agent.status(), 'running');
        expectOutcome(await agent.stop(), 'stopped');
        await agentCase.verifyStopped(ctx);
        expectOutcome(await agent.stop(), 'stopped');
        expectOutcome(await agent.status(), 'stopped');
      } finally {
        // A failed case must not leave its address or nginx behind.
        await agent?.stop().catch(() => undefined);
        factory?.dispose();
        scripts.cleanup();
      }
    });
  });
});
