// The resources benchmark's worker: runs the agents and a GroupRunner inside
// a node namespace with no exec prefix, exactly as the daemon does when it
// runs in that namespace, and times each operation on request.
//
//   ip netns exec NS node --import tsx test/helpers/resources-bench-worker.ts SETUP.json
//
// SETUP.json: { configDir, initDir, scratchDir, env, arp, group: [tokens…] }
// stdin: one JSON command per line, answered by one JSON line on stdout:
//   {"cmd":"agent","token":T,"op":"start|stop|status","env":{…}}
//       → {"outcome","ms","reason"?}
//   {"cmd":"group","op":"start|stop|status"}
//       → {"outcome","ms","t0"}   t0 = epoch ms (sub-ms) just before the call
//   {"cmd":"spawn","via":"execa|spawn","file":F,"args":[…]}
//       → {"ms"}                  one bare process run, for the spawn floor
//   {"cmd":"quit"}                    → {"outcome":"bye"}, then it exits
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { ExtensionOptions } from '../../src/config/types.js';
import { createMemoryLogger } from '../../src/log/index.js';
import { AgentFactory, GroupRunner } from '../../src/resources/index.js';
import { groupOf, resourceRef, testResourceOptions } from './resources-scripts.js';

export interface BenchWorkerSetup {
  readonly configDir: string;
  readonly initDir: string;
  readonly scratchDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly arp: ExtensionOptions['arp'];
  readonly group: readonly string[];
}

type Command =
  | { cmd: 'agent'; token: string; op: 'start' | 'stop' | 'status'; env?: Record<string, string> }
  | { cmd: 'group'; op: 'start' | 'stop' | 'status' }
  | { cmd: 'spawn'; via: 'execa' | 'spawn'; file: string; args: string[] }
  | { cmd: 'quit' };

const epochNow = (): number => performance.timeOrigin + performance.now();

function spawnOnce(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.resume();
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

async function main(): Promise<void> {
  const setupPath = process.argv[2];
  if (!setupPath) throw new Error('usage: resources-bench-worker.ts SETUP.json');
  const setup = JSON.parse(readFileSync(setupPath, 'utf8')) as BenchWorkerSetup;
  const { logger } = createMemoryLogger();
  const common = {
    configDir: setup.configDir,
    initDir: setup.initDir,
    logger,
    arp: setup.arp,
    env: setup.env,
    scratchDir: setup.scratchDir,
  };
  const factory = new AgentFactory({ ...common, timeouts: testResourceOptions() });
  const runner = new GroupRunner({ ...common, groups: [groupOf('node', setup.group)], resources: testResourceOptions() });
  const key = setup.group[0]!;
  const reply = (data: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(data)}\n`);

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line) as Command;
    switch (command.cmd) {
      case 'agent': {
        const agent = factory.agentFor(resourceRef(command.token));
        const options = command.env ? { env: command.env } : undefined;
        const r = await agent[command.op](options);
        reply({ outcome: r.outcome, ms: r.durationMs, ...(r.reason ? { reason: r.reason } : {}) });
        break;
      }
      case 'group': {
        const t0 = epochNow();
        const started = performance.now();
        const r = command.op === 'status' ? await runner.status(key) : await runner[command.op](key);
        const ms = performance.now() - started;
        const outcome = 'outcome' in r ? r.outcome : r.state;
        reply({ outcome, ms, t0, ...('reason' in r ? { reason: r.reason } : {}) });
        break;
      }
      case 'spawn': {
        const started = performance.now();
        if (command.via === 'execa') {
          await execa(command.file, command.args, { reject: false, stdin: 'ignore' });
        } else {
          await spawnOnce(command.file, command.args);
        }
        reply({ ms: performance.now() - started });
        break;
      }
      case 'quit':
        reply({ outcome: 'bye' });
        factory.dispose();
        runner.dispose();
        lines.close();
        return;
    }
  }
  factory.dispose();
  runner.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`resources-bench-worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
