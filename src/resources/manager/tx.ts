// One step of the reducer is a transaction: a private mutable copy of the
// state, the time of the event, and the commands produced so far. Handlers
// mutate the copy; `finish` freezes it, so the state a caller holds can never
// change under it (and a handler that touched the input would throw).
import { deepFreeze } from '../../config/index.js';
import type { LogLevel } from '../../log/index.js';
import type { OutgoingMessage } from './cluster-message.js';
import type { ManagerCommand, ManagerState, StateData, StepResult } from './types.js';

export interface Tx {
  readonly s: StateData;
  readonly now: number;
  readonly out: ManagerCommand[];
}

export function begin(state: ManagerState, now: number): Tx {
  const { config, ...rest } = state as StateData;
  const copy = structuredClone(rest) as Omit<StateData, 'config'>;
  const s: StateData = { config, ...copy };
  // A clock that goes backwards must not undo deadlines: time only moves forward.
  const t = Number.isFinite(now) && now > s.now ? now : s.now;
  s.now = t;
  return { s, now: t, out: [] };
}

export function freezeState(s: StateData): ManagerState {
  return deepFreeze(s) as ManagerState;
}

export function finish(tx: Tx): StepResult {
  return { state: freezeState(tx.s), commands: tx.out };
}

export function log(tx: Tx, level: LogLevel, text: string): void {
  tx.out.push({ kind: 'log', level, text });
}

export function send(tx: Tx, message: OutgoingMessage): void {
  tx.out.push({ kind: 'send', ...message });
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
