// The manager loop (issue 10 §5): one queue into the real resource manager,
// commands carried out through ports, admin requests answered by the
// manager's coded admin-result, and the triggering message kept for every
// operation of the activity it began (spec §9.8). Driven by the manager's
// own scenario files, so the events are the ones the manager is pinned on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagerLoop, type ExecutedCommand, type ManagerPorts } from '../../../src/daemon/manager-loop.js';
import { getString, messageOf, type HbMessage } from '../../../src/heartbeat/wire/message.js';
import { createManager, type ManagerEvent } from '../../../src/resources/index.js';
import { parseScenario, type Scenario } from '../manager/scenario.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/manager');
const scenario = (name: string): Scenario => parseScenario(name, readFileSync(join(FIXTURES, name), 'utf8'));

interface Executed {
  readonly command: ExecutedCommand;
  readonly trigger: HbMessage | undefined;
}

const loops: ManagerLoop[] = [];
afterEach(() => {
  for (const l of loops.splice(0)) l.close();
});

function harness(sc: Scenario, onExecute?: (c: ExecutedCommand, loop: ManagerLoop) => void) {
  // The manager clock moves on in real time from wherever a step set it.
  let offset = -performance.now();
  const clockNow = (): number => offset + performance.now();
  const setClock = (t: number): void => {
    offset = t - performance.now();
  };
  let depth = 0;
  let deepest = 0;
  const executed: Executed[] = [];
  const reduced: ManagerEvent['type'][] = [];
  const ports: ManagerPorts = {
    now: clockNow,
    execute: (command, _state, trigger) => {
      depth++;
      deepest = Math.max(deepest, depth);
      executed.push({ command, trigger });
      onExecute?.(command, loop);
      depth--;
    },
    afterStep: () => undefined,
    afterDrain: () => undefined,
    stopping: () => false,
    log: { crit: (t: string) => { throw new Error(`crit: ${t}`); }, debug: () => undefined } as unknown as ManagerPorts['log'],
  };
  const loop = new ManagerLoop(createManager(sc.init), ports);
  loops.push(loop);
  const original = loop.enqueue.bind(loop);
  loop.enqueue = (event, trigger) => {
    reduced.push(event.type);
    original(event, trigger);
  };
  /** Feed a scenario step's event as the daemon would: a received message comes with its raw form. */
  const feed = (event: ManagerEvent): void => {
    setClock(event.now);
    const trigger = event.type === 'message' ? messageOf(Object.entries(event.message) as Array<[string, string]>) : undefined;
    loop.enqueue(event, trigger);
  };
  return { loop, executed, reduced, feed, setClock, deepest: () => deepest };
}

describe('ManagerLoop', () => {
  it('every group start of an activity begun by a message gets that message (HA_* environment), not only the first', () => {
    const sc = scenario('standby-all-responder.scenario');
    const h = harness(sc);
    for (const st of sc.steps) h.feed(st.event);
    const starts = h.executed.filter((e) => e.command.kind === 'start-group');
    expect(starts.map((e) => (e.command as { key: string }).key)).toEqual(['10.77.0.100', '10.77.0.200']);
    for (const s of starts) {
      expect(s.trigger && getString(s.trigger, 't')).toBe('ask_resources');
      expect(s.trigger && getString(s.trigger, 'info')).toBe('done');
    }
    // What was not begun by a message carries none: the sends after the activity ended.
    const last = h.executed[h.executed.length - 1];
    expect(last?.command.kind).toBe('send');
    expect(last?.trigger).toBeUndefined();
  });

  it('an event enqueued while a command runs waits its turn (the reducer is never re-entered)', () => {
    const sc = scenario('standby-all-responder.scenario');
    const h = harness(sc, (c, loop) => {
      // The group runner answering at once, from inside the command.
      if (c.kind === 'start-group') loop.enqueue({ type: 'group-result', now: 0, key: c.key, op: 'start', ok: true });
    });
    for (const st of sc.steps) if (st.event.type !== 'group-result') h.feed(st.event);
    expect(h.executed.filter((e) => e.command.kind === 'start-group').map((e) => (e.command as { key: string }).key)).toEqual(['10.77.0.100', '10.77.0.200']);
    expect(h.deepest()).toBe(1);
    expect(h.loop.state.currentActivity).toBeNull();
  });

  describe('admin requests', () => {
    const timing = { answerWithinMs: 5_000, settleWaitMs: 5_000, retryEveryMs: 10 };

    it('a final refusal (nice_failback off) is answered at once with its code, never asked again', async () => {
      const sc = scenario('standby-no-other-node.scenario');
      const h = harness({ ...sc, init: { ...sc.init, autoFailback: 'legacy' } });
      const started = performance.now();
      const answer = await h.loop.request('standby', 'all', timing);
      expect(answer).toEqual({ accepted: false, code: 'nice-failback-off', text: 'Standby mode only implemented when nice_failback on' });
      expect(h.reduced.filter((t) => t === 'admin-standby')).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(timing.settleWaitMs);
    });

    it('a standby that was sent is answered by its outcome: "No reply" is final', async () => {
      const sc = scenario('standby-no-other-node.scenario');
      const h = harness(sc);
      for (const st of sc.steps) {
        if (st.event.type === 'admin-standby') break;
        h.feed(st.event);
      }
      h.setClock(20_000);
      const pending = h.loop.request('standby', 'all', timing);
      h.feed({ type: 'tick', now: 30_100 });
      expect(await pending).toEqual({ accepted: false, code: 'no-reply', text: 'No reply to standby request.  Standby request cancelled.' });
      expect(h.reduced.filter((t) => t === 'admin-standby')).toHaveLength(1);
    });

    it('without an outcome in time the answer says so (code timeout), on the manager clock', async () => {
      const sc = scenario('standby-no-other-node.scenario');
      const h = harness(sc);
      for (const st of sc.steps) {
        if (st.event.type === 'admin-standby') break;
        h.feed(st.event);
      }
      h.setClock(20_000);
      const answer = await h.loop.request('standby', 'all', { ...timing, answerWithinMs: 50, settleWaitMs: 200 });
      expect(answer).toEqual({ accepted: false, code: 'timeout', text: 'no outcome within 0.05 s' });
    });

    it('a refusal that may pass (comm not up) is asked again only after a change, and stops at the settle limit', async () => {
      const sc = scenario('standby-no-other-node.scenario');
      const h = harness(sc);
      const answer = await h.loop.request('takeover', 'all', { ...timing, settleWaitMs: 100 });
      expect(answer).toMatchObject({ accepted: false, code: 'comm-down', text: 'hb_takeover refused: communication is not up yet' });
      expect(h.reduced.filter((t) => t === 'admin-takeover')).toHaveLength(1);
    });

    it('close() answers a waiting request', async () => {
      const sc = scenario('standby-no-other-node.scenario');
      const h = harness(sc);
      for (const st of sc.steps) {
        if (st.event.type === 'admin-standby') break;
        h.feed(st.event);
      }
      const pending = h.loop.request('standby', 'all', timing);
      h.loop.close();
      expect(await pending).toEqual({ accepted: false, code: 'shutting-down', text: 'heartbeat is shutting down' });
    });
  });
});

describe('ManagerLoop: a command that throws', () => {
  it('does not drop the commands after it (a dropped start-group is an operation the manager waits for forever)', () => {
    const groups = [1, 2, 3].map((i) => ({ node: 'alpha', key: `IPaddr::10.0.0.${i}/24/eth0`, resources: [{ token: `IPaddr::10.0.0.${i}/24/eth0`, script: 'IPaddr', args: [`10.0.0.${i}/24/eth0`], line: i }], line: i }));
    const started: string[] = [];
    const crits: string[] = [];
    const ports: ManagerPorts = {
      now: () => 0,
      execute: (command) => {
        if (command.kind !== 'start-group') return;
        started.push(command.key);
        if (started.length === 1) throw new Error('bookkeeping broke');
      },
      afterStep: () => undefined,
      afterDrain: () => undefined,
      stopping: () => false,
      log: { crit: (t: string) => void crits.push(t), debug: () => undefined } as unknown as ManagerPorts['log'],
    };
    const loop = new ManagerLoop(createManager({ localNode: 'alpha', nodes: ['alpha', 'bravo'], groups, autoFailback: 'on', failedStartStandbyDelay: 30_000, parallelGroups: 3 }), ports);
    loops.push(loop);
    loop.enqueue({ type: 'start', now: 0 });
    loop.enqueue({ type: 'comm-up', now: 0, activePeers: ['bravo'] });
    loop.enqueue({ type: 'message', now: 100, message: { t: 'resource', src: 'bravo', rsc_hold: 'none', rtype: 'full', isstable: '1' } });
    expect(started).toEqual(groups.map((g) => g.key));
    expect(crits).toHaveLength(1);
    expect(crits[0]).toContain('start-group failed (the commands after it still run)');
  });
});
