// Small helpers the manager's unit tests share: a one-address group, and the
// reducer run over a list of events (its state threaded, its commands collected).
import type { ResourceGroupConfig } from '../../../src/config/types.js';
import { step, type ManagerCommand, type ManagerEvent, type ManagerState } from '../../../src/resources/manager/index.js';

export function group(node: string, key: string, line = 1): ResourceGroupConfig {
  return { node, key, resources: [{ token: key, script: 'IPaddr', args: [key], line }], line };
}

export function run(state: ManagerState, events: readonly ManagerEvent[]): { state: ManagerState; commands: ManagerCommand[] } {
  const commands: ManagerCommand[] = [];
  for (const e of events) {
    const r = step(state, e);
    state = r.state;
    commands.push(...r.commands);
  }
  return { state, commands };
}
