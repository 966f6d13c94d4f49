// The sequence filter on its own (spec §7.1–§7.3): a pure function from the
// peer's stream state and one message to a verdict, the next track and the
// effects, in order. The machine-level behaviour is in sequencing.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SeqTrack } from '../../../../src/heartbeat/membership/node-table.js';
import {
  filterMessage,
  MAX_GAP,
  MAX_MISSING,
  REPLAY_LOG_INTERVAL_MS,
  type FilterEffect,
  type FilterInput,
  type PeerStream,
} from '../../../../src/heartbeat/membership/sequence-filter.js';
import { messageOf, type HbMessage } from '../../../../src/heartbeat/wire/message.js';
import { ALPHA_UUID, Peer } from './harness.js';

const GEN = 0x6b023c0e;
const input: FilterInput = { localName: 'alpha', localUuid: ALPHA_UUID, flowControl: true, now: 10_000 };

function track(over: Partial<SeqTrack> = {}): SeqTrack {
  return { generation: GEN, missing: [], firstMissing: 0, ackTrigger: 3, ackseq: 0, ...over };
}

function stream(over: Partial<PeerStream> = {}): PeerStream {
  return { name: 'bravo', status: 'active', statusSeq: 0, track: track(), ...over };
}

/** A bravo message with this seq (and generation), stamped as its daemon does. */
function msg(seq: number, fields: Array<[string, string]> = [['t', 'custom']], generation = GEN): HbMessage {
  const peer = new Peer({ generation });
  return peer.message(fields, { seq });
}

const status = (seq: number, generation = GEN): HbMessage =>
  msg(seq, [['t', 'status'], ['st', 'active'], ['dt', 'bb8'], ['protocol', '1']], generation);

const ofType = <T extends FilterEffect['type']>(effects: readonly FilterEffect[], type: T) =>
  effects.filter((e): e is Extract<FilterEffect, { type: T }> => e.type === type);
const logTexts = (effects: readonly FilterEffect[]) => ofType(effects, 'log').map((e) => `${e.level}: ${e.text}`);

describe('sequence filter verdicts (spec §7.2)', () => {
  it('keeps the first seq and the next one, and never touches the track it was given', () => {
    const given = track();
    const frozen = JSON.stringify(given);
    const first = filterMessage(input, stream({ track: given }), msg(41), 'custom', 41);
    expect(first.verdict).toBe('keep');
    expect(first.track.lastSeq).toBe(41);
    expect(first.track).not.toBe(given);
    expect(JSON.stringify(given)).toBe(frozen);
    const next = filterMessage(input, stream({ track: first.track }), msg(42), 'custom', 42);
    expect(next.verdict).toBe('keep');
    expect(next.track.lastSeq).toBe(42);
    expect(first.track.lastSeq).toBe(41);
  });

  it('calls the same seq again a duplicate, with no effect', () => {
    const r = filterMessage(input, stream({ track: track({ lastSeq: 42 }) }), msg(42), 'custom', 42);
    expect(r.verdict).toBe('duplicate');
    expect(r.effects).toEqual([]);
  });

  it('keeps a message after a gap and plans one retransmission request per missing seq, in order', () => {
    const r = filterMessage(input, stream({ track: track({ lastSeq: 40 }) }), msg(44), 'custom', 44);
    expect(r.verdict).toBe('keep');
    expect(r.effects).toEqual([
      { type: 'log', level: 'info', text: '3 lost packet(s) for [bravo] [40:44]' },
      { type: 'requestLater', seq: 41 },
      { type: 'requestLater', seq: 42 },
      { type: 'requestLater', seq: 43 },
    ]);
    expect(r.track).toMatchObject({ lastSeq: 44, missing: [41, 42, 43], firstMissing: 41 });
  });

  it('keeps a missing seq when it arrives late, cancels its request, and says when the gap closes', () => {
    const gap = track({ lastSeq: 44, missing: [43], firstMissing: 43 });
    const r = filterMessage(input, stream({ track: gap }), msg(43), 'custom', 43);
    expect(r.verdict).toBe('keep');
    expect(ofType(r.effects, 'cancelRequest')).toEqual([{ type: 'cancelRequest', seq: 43 }]);
    expect(logTexts(r.effects)).toContain('info: No pkts missing from bravo!');
    expect(r.track).toMatchObject({ missing: [], firstMissing: 0, lastSeq: 44 });
  });

  it('drops an old seq that was never missing', () => {
    const r = filterMessage(input, stream({ track: track({ lastSeq: 44 }) }), msg(30), 'custom', 30);
    expect(r.verdict).toBe('drop');
    expect(r.effects).toEqual([]);
  });

  it('tracks a message addressed to another node, then drops it', () => {
    const r = filterMessage(input, stream({ track: track({ lastSeq: 40 }) }), msg(41, [['t', 'custom'], ['dest', 'charlie']]), 'custom', 41);
    expect(r.verdict).toBe('drop');
    expect(r.track.lastSeq).toBe(41);
  });

  it(`starts tracking afresh after more than ${MAX_GAP} lost`, () => {
    const old = track({ lastSeq: 10, missing: [5], firstMissing: 5 });
    const seq = 10 + MAX_GAP + 2;
    const r = filterMessage(input, stream({ track: old }), msg(seq), 'custom', seq);
    expect(r.verdict).toBe('keep');
    expect(ofType(r.effects, 'cancelAllRequests')).toHaveLength(1);
    expect(ofType(r.effects, 'requestLater')).toEqual([]);
    expect(logTexts(r.effects)).toContain('error: lost a lot of packets!');
    expect(r.track).toMatchObject({ lastSeq: seq, missing: [], firstMissing: 0 });
  });

  it(`forgets the oldest missing seq when ${MAX_MISSING - 1} are remembered (MAXMISSING)`, () => {
    const missing = Array.from({ length: MAX_MISSING - 1 }, (_, i) => 1000 + 2 * i);
    const last = missing[missing.length - 1]! + 1;
    const r = filterMessage(input, stream({ track: track({ lastSeq: last, missing, firstMissing: 1000 }) }), msg(last + 2), 'custom', last + 2);
    expect(ofType(r.effects, 'cancelRequest')).toEqual([{ type: 'cancelRequest', seq: 1000 }]);
    expect(ofType(r.effects, 'requestLater')).toEqual([{ type: 'requestLater', seq: last + 1 }]);
    expect(r.track.missing).toHaveLength(MAX_MISSING - 1);
    expect(r.track.missing).not.toContain(1000);
  });

  it('keeps unsequenced NS_* messages to us or to all, drops those to others, without tracking', () => {
    const toUs = msg(0, [['t', 'NS_ackmsg'], ['dest', 'alpha'], ['ackseq', '5']]);
    const toOther = msg(0, [['t', 'NS_ackmsg'], ['dest', 'charlie'], ['ackseq', '5']]);
    expect(filterMessage(input, stream(), toUs, 'NS_ackmsg', 0).verdict).toBe('keep');
    expect(filterMessage(input, stream(), toOther, 'NS_ackmsg', 0).verdict).toBe('drop');
    expect(filterMessage(input, stream(), toUs, 'NS_ackmsg', 0).track.lastSeq).toBeUndefined();
  });

  it('gives up a missing seq the sender NAKs: "Irretrievably lost packet", request cancelled', () => {
    const nak = msg(0, [['t', 'NS_nak_rexmit'], ['firstseq', '2b'], ['dest', 'alpha'], ['info', 'seqno too low']]);
    const r = filterMessage(input, stream({ track: track({ lastSeq: 44, missing: [43], firstMissing: 43 }) }), nak, 'NS_nak_rexmit', 0);
    expect(r.verdict).toBe('drop');
    expect(logTexts(r.effects)).toContain('error: Irretrievably lost packet: node bravo seq 43');
    expect(ofType(r.effects, 'cancelRequest')).toEqual([{ type: 'cancelRequest', seq: 43 }]);
    expect(r.track.missing).toEqual([]);
  });

  it('drops a bad seq or a bad generation with the daemon\'s line', () => {
    expect(logTexts(filterMessage(input, stream(), msg(1), 'custom', 0).effects)).toEqual([
      'error: should_drop_message: bad sequence number',
    ]);
    const badGen = messageOf([['t', 'custom'], ['src', 'bravo'], ['seq', '1'], ['hg', 'zz'], ['ts', '1']]);
    const r = filterMessage(input, stream(), badGen, 'custom', 1);
    expect(r.verdict).toBe('drop');
    expect(logTexts(r.effects)).toEqual(['error: should_drop_message: bad generation number']);
  });
});

describe('ACK decisions (spec §7.3)', () => {
  it("asks for an ACK of an in-order seq on this peer's trigger, and only then", () => {
    const on = filterMessage(input, stream({ track: track({ lastSeq: 42 }) }), msg(43), 'custom', 43);
    expect(ofType(on.effects, 'ack')).toEqual([{ type: 'ack', seq: 43 }]);
    const off = filterMessage(input, stream({ track: track({ lastSeq: 43 }) }), msg(44), 'custom', 44);
    expect(ofType(off.effects, 'ack')).toEqual([]);
  });

  it('asks for no ACK while an older seq is missing, nor with flow control off', () => {
    const gap = track({ lastSeq: 52, missing: [40], firstMissing: 40 });
    expect(ofType(filterMessage(input, stream({ track: gap }), msg(53), 'custom', 53).effects, 'ack')).toEqual([]);
    const noFlow = { ...input, flowControl: false };
    expect(ofType(filterMessage(noFlow, stream({ track: track({ lastSeq: 42 }) }), msg(43), 'custom', 43).effects, 'ack')).toEqual([]);
  });

  it('sends the ACK held back for the oldest missing seq once it arrives while others remain', () => {
    const gap = track({ lastSeq: 60, missing: [41, 55], firstMissing: 41 });
    const r = filterMessage(input, stream({ track: gap }), msg(41), 'custom', 41);
    expect(r.verdict).toBe('keep');
    // everything up to 54 is in: the last trigger seq at or below it is 53
    expect(ofType(r.effects, 'ack')).toEqual([{ type: 'ack', seq: 53 }]);
    expect(r.track.firstMissing).toBe(55);
  });
});

describe('generations (spec §7.1)', () => {
  it('drops an older generation as a replay, logging it once per interval with the count not logged', () => {
    const old = GEN - 1;
    const first = filterMessage(input, stream({ track: track({ lastSeq: 9 }) }), msg(10, undefined, old), 'custom', 10);
    expect(first.verdict).toBe('drop');
    expect(first.effects).toEqual([
      { type: 'replayRejected' },
      {
        type: 'log',
        level: 'warn',
        text: `should_drop_message: attempted replay attack [bravo]? [gen = ${old}, curgen = ${GEN}]`,
      },
    ]);
    const second = filterMessage({ ...input, now: input.now + 1 }, stream({ track: first.track }), msg(11, undefined, old), 'custom', 11);
    expect(second.effects).toEqual([{ type: 'replayRejected' }]);
    expect(second.track.replaysNotLogged).toBe(1);
    const later = { ...input, now: input.now + REPLAY_LOG_INTERVAL_MS };
    const third = filterMessage(later, stream({ track: second.track }), msg(12, undefined, old), 'custom', 12);
    expect(logTexts(third.effects)[0]).toMatch(/\(1 more since the last one not logged\)$/);
  });

  it('takes a status from a newer generation as a restart: stream reset, requests cancelled, generation adopted', () => {
    const before = track({ lastSeq: 900, missing: [850], firstMissing: 850 });
    const r = filterMessage(input, stream({ track: before }), status(1, GEN + 1), 'status', 1);
    expect(r.verdict).toBe('keep');
    expect(r.effects.filter((e) => e.type !== 'log')).toEqual([
      { type: 'restarted', generation: GEN + 1, previousGeneration: GEN },
      { type: 'cancelAllRequests' },
    ]);
    expect(logTexts(r.effects)).toEqual(['info: Heartbeat restart on node bravo']);
    expect(r.track).toMatchObject({ generation: GEN + 1, lastSeq: 1, missing: [], firstMissing: 0 });
  });

  it('reports no restart for the first generation seen, but still resets', () => {
    const r = filterMessage(input, stream({ track: track({ generation: 0 }) }), status(5), 'status', 5);
    expect(r.effects.filter((e) => e.type !== 'log')).toEqual([
      { type: 'restarted', generation: GEN, previousGeneration: 0 },
      { type: 'cancelAllRequests' },
    ]);
    expect(logTexts(r.effects)).toEqual([]);
  });

  it('takes a dead peer\'s newer status in the same generation as a return after a partition (§8.4); an older one is stale', () => {
    const dead = stream({ status: 'dead', statusSeq: 20, track: track() });
    const back = filterMessage(input, dead, status(30), 'status', 30);
    expect(back.verdict).toBe('keep');
    expect(ofType(back.effects, 'returnedAfterPartition')).toHaveLength(1);
    expect(logTexts(back.effects)[0]).toBe('crit: Cluster node bravo returning after partition.');
    const stale = filterMessage(input, dead, status(20), 'status', 20);
    expect(stale.verdict).toBe('drop');
    expect(stale.effects).toEqual([]);
  });

  it('adopts the new stream of a returning peer from a seq below the last one, with its ts', () => {
    const dead = stream({ status: 'dead', statusSeq: 20, track: track({ lastSeq: 40 }) });
    const m = status(30);
    const r = filterMessage(input, dead, m, 'status', 30);
    expect(r.verdict).toBe('keep');
    const tail = r.effects.filter((e) => e.type !== 'log' && e.type !== 'returnedAfterPartition');
    expect(tail).toEqual([{ type: 'remoteTs', ts: new Peer().wallSeconds }, { type: 'cancelAllRequests' }]);
    expect(r.track.lastSeq).toBe(30);
  });
});

describe('purity', () => {
  it('gives the same result for the same input, and leaves the input as it was', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
        fc.uniqueArray(fc.integer({ min: 1, max: 600 }), { maxLength: 20 }),
        fc.integer({ min: -1, max: 1 }),
        fc.constantFrom('custom', 'status'),
        fc.boolean(),
        (seq, lastSeq, missing, genStep, t, flowControl) => {
          const given: PeerStream = stream({
            status: seq % 3 === 0 ? 'dead' : 'active',
            statusSeq: 7,
            track: track({ ...(lastSeq === undefined ? {} : { lastSeq }), missing, firstMissing: missing.length ? Math.min(...missing) : 0 }),
          });
          const frozen = JSON.stringify(given);
          const m = t === 'status' ? status(seq, GEN + genStep) : msg(seq, undefined, GEN + genStep);
          const a = filterMessage({ ...input, flowControl }, given, m, t, seq);
          const b = filterMessage({ ...input, flowControl }, given, m, t, seq);
          expect(b).toEqual(a);
          expect(JSON.stringify(given)).toBe(frozen);
        },
      ),
      { numRuns: 500 },
    );
  });
});
