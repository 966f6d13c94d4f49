// The scenario format of test/fixtures/manager/*.scenario (see README.md in
// that folder): configuration lines, then timed events, each followed by the
// commands the manager must return (`>`) and assertions on its state (`?`).
import type { ResourceGroupConfig, ResourceRef } from '../../../src/config/types.js';
import type { LogLevel } from '../../../src/log/index.js';
import {
  createManager,
  groupViews,
  isStable,
  nextDeadline,
  resourceState,
  rscStatus,
  step,
  type ManagerCommand,
  type ManagerEvent,
  type ManagerInit,
  type ManagerState,
} from '../../../src/resources/manager/index.js';

export interface Expectation {
  readonly line: number;
  /** Canonical text of a non-log command, or undefined for a log expectation. */
  readonly command?: string;
  readonly log?: { readonly level: LogLevel; readonly text: string };
}

export interface Assertion {
  readonly line: number;
  readonly what: string;
  readonly args: readonly string[];
}

export interface ScenarioStep {
  readonly line: number;
  readonly text: string;
  readonly event: ManagerEvent;
  readonly expect: Expectation[];
  readonly assert: Assertion[];
}

export interface Scenario {
  readonly file: string;
  readonly init: ManagerInit;
  readonly steps: ScenarioStep[];
}

export class ScenarioSyntaxError extends Error {}

/** Splits a line into words like a shell: blanks separate, "double quotes" keep blanks (and are removed). */
export function words(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(current);
  return out;
}

function quoteIfNeeded(v: string): string {
  return /\s/.test(v) || v === '' ? `"${v}"` : v;
}

/** The canonical text of a command, as scenario files write it. */
export function describeCommand(c: ManagerCommand): string {
  switch (c.kind) {
    case 'send':
      return `send ${c.fields.map(([n, v]) => `${n}=${quoteIfNeeded(v)}`).join(' ')}`;
    case 'start-group':
      return `start ${c.key}`;
    case 'stop-group':
      return `stop ${c.key}`;
    case 'reannounce-group':
      return `reannounce ${c.key}`;
    case 'stop-failed':
      return `stop-failed ${c.key}`;
    case 'shutdown-complete':
      return 'shutdown-complete';
    case 'shutdown-blocked':
      return `shutdown-blocked ${c.keys.join(',')}`;
    case 'admin-result':
      return `admin-result ${c.accepted ? 'accepted' : 'refused'}`;
    case 'log':
      return `log ${c.level} ${c.text}`;
  }
}

function seconds(value: string, where: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ScenarioSyntaxError(`${where}: "${value}" is not a time in seconds`);
  return Math.round(n * 1000);
}

function resourceRef(token: string, line: number): ResourceRef {
  const parts = token.split('::');
  const script = /^\d+\.\d+\.\d+\.\d+/.test(token) ? 'IPaddr' : (parts[0] ?? token);
  return { token, script, args: script === 'IPaddr' && parts.length === 1 ? [token] : parts.slice(1), line };
}

const LEVELS = new Set(['crit', 'error', 'warn', 'info', 'debug']);
const STANDBY = new Set(['all', 'local', 'foreign', 'failback']);

function parseEvent(w: string[], now: number, where: string): ManagerEvent {
  const [name, ...rest] = w;
  const need = (n: number): void => {
    if (rest.length < n) throw new ScenarioSyntaxError(`${where}: ${name} needs ${n} argument(s)`);
  };
  switch (name) {
    case 'start':
      return { type: 'start', now };
    case 'tick':
      return { type: 'tick', now };
    case 'startup-probe': {
      // startup-probe KEY… [partial KEY…]
      const at = rest.indexOf('partial');
      if (at < 0) return { type: 'startup-probe', now, running: rest };
      return { type: 'startup-probe', now, running: rest.slice(0, at), partial: rest.slice(at + 1) };
    }
    case 'comm-up':
      return { type: 'comm-up', now, activePeers: rest };
    case 'peer-status': {
      need(2);
      const status = rest[1];
      if (status !== 'init' && status !== 'up' && status !== 'active') throw new ScenarioSyntaxError(`${where}: bad status ${status}`);
      return { type: 'peer-status', now, peer: rest[0] as string, status };
    }
    case 'peer-dead':
    case 'peer-restarted':
    case 'peer-returned':
      need(1);
      return { type: name, now, peer: rest[0] as string };
    case 'recv': {
      need(2);
      const fields: Record<string, string> = { src: rest[0] as string };
      for (const pair of rest.slice(1)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new ScenarioSyntaxError(`${where}: "${pair}" is not name=value`);
        fields[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      if (fields.t === undefined) throw new ScenarioSyntaxError(`${where}: recv needs a t= field`);
      return { type: 'message', now, message: fields as unknown as { t: string; src: string } };
    }
    case 'admin-standby':
    case 'admin-takeover': {
      need(1);
      const rsc = rest[0] as string;
      if (!STANDBY.has(rsc)) throw new ScenarioSyntaxError(`${where}: ${rsc} is not all|local|foreign|failback`);
      return { type: name, now, rsc: rsc as 'all' };
    }
    case 'shutdown':
      return rest.length > 0 ? { type: 'shutdown', now, reason: rest.join(' ') } : { type: 'shutdown', now };
    case 'probe-release':
    case 'probe-eligible': {
      need(2);
      const group = rest[0] === '*' ? undefined : rest[0];
      const reason = rest.slice(1).join(' ');
      return group === undefined ? { type: name, now, reason } : { type: name, now, group, reason };
    }
    // The network watch (issue 13: ipfail, track_interface) asks on the probes' path, node-wide.
    case 'ipfail-release':
      need(1);
      return { type: 'probe-release', now, reason: rest.join(' '), by: 'ipfail' };
    case 'ipfail-eligible':
      need(1);
      return { type: 'probe-eligible', now, reason: rest.join(' ') };
    case 'result': {
      need(3);
      const [op, key, outcome, resource, ...why] = rest;
      if (op !== 'start' && op !== 'stop') throw new ScenarioSyntaxError(`${where}: result op must be start|stop`);
      if (outcome === 'ok') return { type: 'group-result', now, key: key as string, op, ok: true };
      if (outcome !== 'failed' || resource === undefined) throw new ScenarioSyntaxError(`${where}: result … ok | failed RESOURCE reason`);
      return { type: 'group-result', now, key: key as string, op, ok: false, resource, reason: why.join(' ') };
    }
    default:
      throw new ScenarioSyntaxError(`${where}: unknown event "${name ?? ''}"`);
  }
}

function parseExpectation(text: string, line: number, where: string): Expectation {
  const w = words(text);
  if (w[0] === 'log') {
    const level = w[1];
    if (level === undefined || !LEVELS.has(level)) throw new ScenarioSyntaxError(`${where}: log needs a level (crit|error|warn|info|debug)`);
    const rest = text.replace(/^\s*log\s+\S+\s*/, '');
    const unquoted = /^".*"$/.test(rest) ? rest.slice(1, -1) : rest;
    return { line, log: { level: level as LogLevel, text: unquoted } };
  }
  if (w.length === 0) throw new ScenarioSyntaxError(`${where}: empty expectation`);
  if (w[0] === 'send') {
    return { line, command: `send ${w.slice(1).map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new ScenarioSyntaxError(`${where}: "${pair}" is not name=value`);
      return `${pair.slice(0, eq)}=${quoteIfNeeded(pair.slice(eq + 1))}`;
    }).join(' ')}` };
  }
  return { line, command: w.join(' ') };
}

export function parseScenario(file: string, text: string): Scenario {
  const lines = text.split('\n');
  const settings: Record<string, string> = {};
  const groups: ResourceGroupConfig[] = [];
  const steps: ScenarioStep[] = [];
  let lastTime = -1;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const where = `${file}:${line}`;
    const text = raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '').trimEnd();
    if (text.trim() === '') return;
    const trimmed = text.trim();
    if (trimmed.startsWith('>') || trimmed.startsWith('?')) {
      const current = steps[steps.length - 1];
      if (current === undefined) throw new ScenarioSyntaxError(`${where}: expectation before any event`);
      const body = trimmed.slice(1).trim();
      if (trimmed.startsWith('>')) current.expect.push(parseExpectation(body, line, where));
      else {
        const [what, ...args] = words(body);
        if (what === undefined) throw new ScenarioSyntaxError(`${where}: empty assertion`);
        current.assert.push({ line, what, args });
      }
      return;
    }
    const w = words(trimmed);
    if (w[0] === 'config') {
      for (const pair of w.slice(1)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new ScenarioSyntaxError(`${where}: "${pair}" is not name=value`);
        settings[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return;
    }
    if (w[0] === 'group') {
      const [, home, ...tokens] = w;
      if (home === undefined || tokens.length === 0) throw new ScenarioSyntaxError(`${where}: group HOME RESOURCE…`);
      groups.push({ node: home, key: tokens[0] as string, resources: tokens.map((t) => resourceRef(t, line)), line });
      return;
    }
    if (w[0]?.startsWith('@') === true) {
      const now = seconds(w[0].slice(1), where);
      if (now < lastTime) throw new ScenarioSyntaxError(`${where}: time goes backwards`);
      lastTime = now;
      steps.push({ line, text: trimmed, event: parseEvent(w.slice(1), now, where), expect: [], assert: [] });
      return;
    }
    throw new ScenarioSyntaxError(`${where}: cannot read "${trimmed}"`);
  });
  const node = settings.node;
  const nodes = settings.nodes?.split(',');
  const af = settings.auto_failback;
  if (node === undefined || nodes === undefined || af === undefined) {
    throw new ScenarioSyntaxError(`${file}: config needs node=, nodes= and auto_failback=`);
  }
  const timer = (name: string): number | undefined => (settings[name] === undefined ? undefined : seconds(settings[name], file));
  const timers: Record<string, number> = {};
  for (const [setting, key] of [
    ['rqst_delay', 'rqstDelay'],
    ['standby_reply_timeout', 'standbyReplyTimeout'],
    ['partition_heal_wait', 'partitionHealWait'],
    ['shutdown_settle_limit', 'shutdownSettleLimit'],
  ] as const) {
    const v = timer(setting);
    if (v !== undefined) timers[key] = v;
  }
  const init: ManagerInit = {
    localNode: node,
    nodes,
    groups,
    autoFailback: af as ManagerInit['autoFailback'],
    failedStartStandbyDelay: timer('failed_start_delay') ?? 30_000,
    timers,
  };
  return { file, init, steps };
}

export interface StepOutcome {
  readonly step: ScenarioStep;
  readonly commands: readonly ManagerCommand[];
  readonly state: ManagerState;
}

/** Runs a scenario and returns, per step, a list of problems (empty = as expected). */
export function runScenario(sc: Scenario): { problems: string[]; outcomes: StepOutcome[] } {
  let state = createManager(sc.init);
  const problems: string[] = [];
  const outcomes: StepOutcome[] = [];
  for (const st of sc.steps) {
    const where = `${sc.file}:${st.line} (${st.text})`;
    const result = step(state, st.event);
    state = result.state;
    outcomes.push({ step: st, commands: result.commands, state });
    const actual = result.commands.filter((c) => c.kind !== 'log').map(describeCommand);
    const expected = st.expect.filter((e) => e.command !== undefined).map((e) => e.command as string);
    // `> *` marks a set-up step whose commands other scenarios pin; only its logs and assertions are checked.
    const unchecked = expected.length === 1 && expected[0] === '*';
    if (!unchecked && JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(`${where}: commands differ\n  expected:\n${expected.map((c) => `    > ${c}`).join('\n') || '    (none)'}\n  actual:\n${actual.map((c) => `    > ${c}`).join('\n') || '    (none)'}`);
    }
    const logs = result.commands.filter((c): c is Extract<ManagerCommand, { kind: 'log' }> => c.kind === 'log');
    const matched = new Set<number>();
    let from = 0;
    for (const e of st.expect) {
      if (e.log === undefined) continue;
      const want = e.log;
      const idx = logs.findIndex((l, i) => i >= from && l.level === want.level && l.text.includes(want.text));
      if (idx < 0) {
        problems.push(`${where}: expected log ${want.level} "${want.text}" (in order) not found; logs were:\n${logs.map((l) => `    ${l.level} ${l.text}`).join('\n')}`);
      } else {
        matched.add(idx);
        from = idx + 1;
      }
    }
    logs.forEach((l, i) => {
      if ((l.level === 'crit' || l.level === 'error') && !matched.has(i)) problems.push(`${where}: unexpected ${l.level.toUpperCase()} log: ${l.text}`);
    });
    for (const a of st.assert) problems.push(...checkAssertion(sc.file, a, state));
  }
  return { problems, outcomes };
}

function checkAssertion(file: string, a: Assertion, state: ManagerState): string[] {
  const where = `${file}:${a.line}`;
  const want = a.args[0];
  const differ = (what: string, actual: string, expected: string): string[] =>
    actual === expected ? [] : [`${where}: ${what} is ${actual}, expected ${expected}`];
  switch (a.what) {
    case 'rscstatus':
      return differ('rscstatus', rscStatus(state), want ?? '');
    case 'state':
      return differ('resource state', resourceState(state), want ?? '');
    case 'stable':
      return differ('stable', isStable(state) ? 'yes' : 'no', want ?? '');
    case 'standby':
      return differ('standby phase', state.standby.phase, want ?? '');
    case 'next-deadline': {
      const d = nextDeadline(state);
      return differ('next deadline', d === undefined ? 'none' : String(d / 1000), want ?? '');
    }
    case 'group': {
      const [key, ...props] = a.args;
      const view = groupViews(state).find((g) => g.key === key);
      if (view === undefined) return [`${where}: no group ${key ?? ''}`];
      const out: string[] = [];
      for (const p of props) {
        const [name, value] = p.split(/=|~/, 2) as [string, string | undefined];
        const contains = p.includes('~');
        const actual =
          name === 'holder' ? view.holder
          : name === 'state' ? view.state
          : name === 'eligible' ? (view.eligible ? 'yes' : 'no')
          : name === 'held' ? (view.heldHere ? 'yes' : 'no')
          : name === 'why' ? view.why
          : undefined;
        if (actual === undefined) out.push(`${where}: unknown group property ${name}`);
        else if (contains ? !actual.includes(value ?? '') : actual !== value) {
          out.push(`${where}: group ${key ?? ''} ${name} is "${actual}", expected ${contains ? 'to contain ' : ''}"${value ?? ''}"`);
        }
      }
      return out;
    }
    default:
      return [`${where}: unknown assertion ${a.what}`];
  }
}
