// Invariants of the machine under arbitrary input (spec §7.2: duplicates
// suppressed by seq, reordering tolerated; §5.1: bad input never changes
// more than it should and never throws).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getString, messageOf, type HbMessage } from '../../../../src/heartbeat/wire/message.js';
import { activePair, Driver, baseConfig, events, Peer, seededRandom } from './harness.js';

describe('duplicate suppression and reordering (spec §7.2)', () => {
  it('never delivers a message twice, whatever the order and duplication of the stream', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
        fc.array(fc.constantFrom('eth0', 'eth1'), { minLength: 1, maxLength: 200 }),
        (count, picks, links) => {
          const { d, bravo } = activePair(baseConfig({ links: ['eth0', 'eth1'] }));
          const stream: HbMessage[] = [];
          for (let i = 0; i < count; i++) stream.push(bravo.message([['t', 'custom'], ['n', String(i)]]));
          const delivered: string[] = [];
          picks.forEach((p, i) => {
            d.now += 1;
            for (const e of events(d.receive(stream[p % count]!, links[i % links.length]!), 'deliver')) {
              delivered.push(getString(e.message, 'n')!);
            }
          });
          expect(new Set(delivered).size).toBe(delivered.length);
          for (const n of delivered) expect(Number(n)).toBeLessThan(count);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('delivers every message exactly once when each arrives at least once after its predecessors were sent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat({ max: 3 }), { minLength: 40, maxLength: 40 }), (count, dups) => {
        const { d, bravo } = activePair();
        const stream: HbMessage[] = [];
        for (let i = 0; i < count; i++) stream.push(bravo.message([['t', 'custom'], ['n', String(i)]]));
        let delivered = 0;
        stream.forEach((m, i) => {
          for (let k = 0; k <= dups[i]!; k++) delivered += events(d.receive(m), 'deliver').length;
        });
        expect(delivered).toBe(count);
      }),
      { numRuns: 200 },
    );
  });
});

const fieldName = fc.constantFrom('t', 'src', 'seq', 'hg', 'ts', 'st', 'dt', 'dest', 'firstseq', 'lastseq', 'ackseq', 'nodelist', 'delnodelist', 'protocol', 'x');
const fieldValue = fc.oneof(
  fc.constantFrom('status', 'NS_rexmit', 'NS_ackmsg', 'NS_nak_rexmit', 'reqnodes', 'repnodes', 'custom', 'bravo', 'alpha', 'charlie', 'active', 'dead', '0', '1', '-1', 'ffffffffffffffffffff', ' ', ''),
  fc.stringMatching(/^[0-9a-f]{0,12}$/),
  fc.string({ maxLength: 20 }),
);

describe('arbitrary input', () => {
  it('never throws and keeps the local node in init/up/active, whatever arrives and whenever', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('msg' as const), fields: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 12 }) }),
            fc.record({ kind: fc.constant('peer' as const), t: fc.constantFrom('status', 'custom', 'reqnodes', 'repnodes', 'NS_rexmit', 'NS_ackmsg'), seqJump: fc.integer({ min: -3, max: 300 }), gen: fc.integer({ min: -1, max: 1 }) }),
            fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
            fc.record({ kind: fc.constant('keepalive' as const) }),
            fc.record({ kind: fc.constant('send' as const), dest: fc.option(fc.constantFrom('alpha', 'bravo', 'nobody')) }),
          ),
          { maxLength: 80 },
        ),
        fc.integer(),
        (steps, seed) => {
          const d = new Driver(baseConfig({ random: seededRandom(seed), pingNodes: ['10.0.0.254'] }));
          d.start();
          const bravo = new Peer();
          for (const step of steps) {
            switch (step.kind) {
              case 'msg':
                d.receive(messageOf(step.fields));
                break;
              case 'peer': {
                bravo.generation += step.gen;
                bravo.seq = Math.max(0, bravo.seq + step.seqJump - 1);
                const fields: Array<[string, string]> =
                  step.t === 'status'
                    ? [['t', 'status'], ['st', 'active'], ['dt', 'bb8'], ['protocol', '1']]
                    : step.t === 'NS_rexmit'
                      ? [['t', 'NS_rexmit'], ['dest', 'alpha'], ['firstseq', '1'], ['lastseq', '999999999']]
                      : step.t === 'repnodes'
                        ? [['t', 'repnodes'], ['dest', 'alpha'], ['nodelist', 'alpha bravo '], ['delnodelist', ' ']]
                        : [['t', step.t], ['dest', 'alpha'], ['ackseq', 'ffff']];
                d.receive(bravo.message(fields));
                break;
              }
              case 'time':
                d.advance(step.ms);
                break;
              case 'keepalive':
                d.keepalive();
                break;
              case 'send':
                d.send(messageOf(step.dest === null ? [['t', 'custom']] : [['t', 'custom'], ['dest', step.dest]]));
                break;
            }
            if (step.kind === 'time') d.pingReply('10.0.0.254');
          }
          const snap = d.machine.snapshot();
          expect(['init', 'up', 'active']).toContain(snap.localStatus);
          expect(snap.nodes.find((n) => n.isLocal)?.name).toBe('alpha');
          for (const a of d.all) if (a.type === 'transmit') expect(getString(a.message, 'src')).toBe('alpha');
        },
      ),
      { numRuns: 300 },
    );
  });
});
