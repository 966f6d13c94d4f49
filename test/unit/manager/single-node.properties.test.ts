// One manager against an adversarial environment: random (also malformed or
// out-of-order) cluster messages, membership changes, admin and probe
// requests, group results and ticks. The invariants of issue 5 are checked
// after every step by NodeHarness.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResourceGroupConfig } from '../../../src/config/types.js';
import { createManager, nextDeadline, type ManagerEvent } from '../../../src/resources/manager/index.js';
import { NodeHarness } from './harness.js';

const NODES = ['alpha', 'bravo', 'charlie'];
const RSC = ['none', 'local', 'foreign', 'all', 'failback', 'bogus'];
const INFO = ['me', 'other', 'done', 'standby', 'mach_down', 'shutdown', 'req_our_resources()', 'standby_aborted'];

const configArb = fc.record({
  autoFailback: fc.constantFrom('on' as const, 'off' as const, 'legacy' as const),
  nodeCount: fc.constantFrom(2, 2, 2, 3),
  homes: fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 4 }),
});

const actionArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('msg' as const), from: fc.nat({ max: 2 }), t: fc.constantFrom('starting', 'resource', 'resource', 'ask_resources', 'ask_resources', 'hb_takeover', 'ip-request', 'ip-request-resp', 'shutdone', 'stonith', 'status'), rsc: fc.option(fc.constantFrom(...RSC)), full: fc.boolean(), stable: fc.option(fc.constantFrom('0', '1')), info: fc.option(fc.constantFrom(...INFO)), key: fc.nat({ max: 4 }), dest: fc.option(fc.nat({ max: 3 })), ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('comm-up' as const), active: fc.array(fc.nat({ max: 2 }), { maxLength: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('peer-dead' as const, 'peer-restarted' as const, 'peer-returned' as const), peer: fc.nat({ max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('peer-status' as const), peer: fc.nat({ max: 2 }), status: fc.constantFrom('init' as const, 'up' as const, 'active' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('admin-standby' as const, 'admin-takeover' as const), rsc: fc.constantFrom('all' as const, 'local' as const, 'foreign' as const, 'failback' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('probe-release' as const, 'probe-eligible' as const), key: fc.option(fc.nat({ max: 4 })) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('startup-probe' as const), keys: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }), partial: fc.array(fc.nat({ max: 4 }), { maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('shutdown' as const) }) },
  { weight: 8, arbitrary: fc.record({ k: fc.constant('result' as const), ok: fc.boolean(), okBias: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 20_000 }) }) },
);

function groupsFor(homes: readonly number[], nodes: readonly string[]): ResourceGroupConfig[] {
  return homes.map((h, i) => ({
    node: nodes[h % nodes.length] as string,
    key: `10.0.0.${i + 1}`,
    resources: [{ token: `10.0.0.${i + 1}`, script: 'IPaddr', args: [`10.0.0.${i + 1}`], line: i + 1 }],
    line: i + 1,
  }));
}

describe('resource manager invariants, one node, random events (fast-check)', () => {
  it('never starts a group a peer holds, never holds a failed group, releases everything on shutdown, stays consistent', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(actionArb, { maxLength: 80 }), async (cfg, actions) => {
        await yieldToEventLoop();
        const nodes = NODES.slice(0, cfg.nodeCount);
        const groups = groupsFor(cfg.homes, nodes);
        const keys = groups.map((g) => g.key);
        const me = nodes[0] as string;
        const h = new NodeHarness(me, createManager({ localNode: me, nodes, groups, autoFailback: cfg.autoFailback, failedStartStandbyDelay: 30_000 }));
        let now = 0;
        h.apply({ type: 'start', now });
        const peer = (i: number): string => nodes[1 + (i % (nodes.length - 1))] as string;
        for (const a of actions) {
          now += 50;
          let ev: ManagerEvent | undefined;
          switch (a.k) {
            case 'msg': {
              const m: Record<string, string> = { t: a.t, src: peer(a.from) };
              if (a.rsc !== null) m.rsc_hold = a.rsc;
              if (a.full) m.rtype = 'full';
              if (a.stable !== null) m.isstable = a.stable;
              if (a.info !== null) m.info = a.info;
              if (a.t.startsWith('ip-request')) {
                m.ipaddr = keys[a.key % (keys.length + 1)] ?? 'bogus';
                m.weown = a.ok ? 'yes' : 'no';
                m.ok = a.ok ? 'OK' : 'NO';
              }
              if (a.t === 'shutdone') m.st = 'dead';
              if (a.t === 'stonith') m.node = me;
              if (a.dest !== null) m.dest = [me, ...nodes.slice(1), 'zulu'][a.dest % (nodes.length + 1)] as string;
              ev = { type: 'message', now, message: m as unknown as { t: string; src: string } };
              break;
            }
            case 'comm-up':
              ev = { type: 'comm-up', now, activePeers: [...new Set(a.active.map(peer))] };
              break;
            case 'peer-dead':
            case 'peer-restarted':
            case 'peer-returned':
              ev = { type: a.k, now, peer: peer(a.peer) };
              break;
            case 'peer-status':
              ev = { type: 'peer-status', now, peer: peer(a.peer), status: a.status };
              break;
            case 'admin-standby':
            case 'admin-takeover':
              ev = { type: a.k, now, rsc: a.rsc };
              break;
            case 'probe-release':
            case 'probe-eligible':
              ev = a.key === null ? { type: a.k, now, reason: 'probe' } : { type: a.k, now, group: keys[a.key % keys.length] as string, reason: 'probe' };
              break;
            case 'startup-probe':
              ev = { type: 'startup-probe', now, running: a.keys.map((k) => keys[k % keys.length] as string), partial: a.partial.map((k) => keys[k % keys.length] as string) };
              break;
            case 'shutdown':
              ev = { type: 'shutdown', now };
              break;
            case 'result':
              h.result(now, a.ok || a.okBias);
              continue;
            case 'tick': {
              const d = nextDeadline(h.state);
              now = d === undefined ? now + 1000 : Math.max(now, d);
              ev = { type: 'tick', now };
              break;
            }
            case 'advance':
              now += a.ms;
              ev = { type: 'tick', now };
              break;
          }
          if (ev !== undefined) h.apply(ev);
        }
        // Whatever happened, a shutdown with every operation succeeding ends with nothing held.
        now += 1000;
        h.apply({ type: 'shutdown', now });
        for (let i = 0; i < 200 && !h.shutdownComplete; i++) {
          now += 100;
          if (h.result(now, true) === undefined) {
            const d = nextDeadline(h.state);
            now = d === undefined ? now + 1000 : Math.max(now, d);
            h.apply({ type: 'tick', now });
          }
        }
        expect(h.shutdownComplete).toBe(true);
      }),
      { numRuns: Number(process.env.MANAGER_FC_RUNS ?? 1000) },
    );
  }, 900_000);
});
