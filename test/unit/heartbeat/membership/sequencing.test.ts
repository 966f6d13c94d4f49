// Sequence tracking, retransmission, ACKs, addressing, loopback and bad input
// (spec §1, §3.4, §5.1, §7.2, §7.3).
import { describe, expect, it } from 'vitest';
import { getBinary, getString, messageOf } from '../../../../src/heartbeat/wire/message.js';
import { ALPHA_UUID, activePair, baseConfig, Driver, events, fieldNames, logs, ofType, Peer } from './harness.js';

const custom = (n: number): Array<[string, string]> => [
  ['t', 'custom'],
  ['n', String(n)],
];

describe('sequence tracking (spec §7.2)', () => {
  it('delivers in-order messages once; a duplicate only refreshes the link', () => {
    const { d, bravo } = activePair();
    const m = bravo.message(custom(1));
    expect(events(d.receive(m), 'deliver')).toHaveLength(1);
    expect(events(d.receive(m, 'eth0'), 'deliver')).toEqual([]);
  });

  it('logs a gap, asks for each missing seq after a random 50–250 ms, repeats every 250 ms', () => {
    const { d, bravo } = activePair();
    const base = bravo.seq;
    bravo.seq += 2; // base+1 and base+2 lost
    const out = d.receive(bravo.message(custom(3)));
    // Heartbeat's line, at info: a gap is usually reordering (spec §7.2).
    expect(logs(out, 'info')).toContain(`2 lost packet(s) for [bravo] [${base}:${base + 3}]`);
    expect(logs(out, 'warn')).toEqual([]);
    expect(events(out, 'deliver')).toHaveLength(1);
    expect(ofType(out, 'NS_rexmit')).toEqual([]);
    // the first request goes out within [50, 250] ms
    d.now = 49;
    expect(ofType(d.tick(), 'NS_rexmit')).toEqual([]);
    const firstOut = d.advance(250 - 49);
    const firstRound = ofType(firstOut, 'NS_rexmit');
    // A gap still open when we must ask for it is worth a warning.
    expect(logs(firstOut, 'warn')).toContain(`packet ${base + 1} from bravo is still missing: asking for a retransmission`);
    expect(firstRound.map((m) => [getString(m, 'firstseq'), getString(m, 'lastseq')]).sort()).toEqual(
      [
        [String(base + 1), String(base + 1)],
        [String(base + 2), String(base + 2)],
      ].sort(),
    );
    const req = firstRound[0]!;
    expect(getString(req, 'dest')).toBe('bravo');
    expect(fieldNames(req)).toEqual(['t', 'dest', 'firstseq', 'lastseq', 'destuuid', 'src', 'srcuuid', 'hg', 'ts', 'ttl']);
    const secondRound = ofType(d.advance(250), 'NS_rexmit');
    expect(secondRound).toHaveLength(2);
  });

  it('accepts the retransmitted seqs, says so when the gap closes, and stops asking', () => {
    const { d, bravo } = activePair();
    const base = bravo.seq;
    const lost = [bravo.message(custom(1)), bravo.message(custom(2))];
    d.receive(bravo.message(custom(3)));
    expect(events(d.receive(lost[1]!), 'deliver')).toHaveLength(1);
    const out = d.receive(lost[0]!);
    expect(events(out, 'deliver')).toHaveLength(1);
    expect(logs(out, 'info')).toContain('No pkts missing from bravo!');
    expect(ofType(d.advance(2000), 'NS_rexmit')).toEqual([]);
    expect(d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!.lastSeq).toBe(base + 3);
  });

  it('tolerates reordering (seq N+1 before N, spec §7.2)', () => {
    const { d, bravo } = activePair();
    const a = bravo.message(custom(1));
    const b = bravo.message(custom(2));
    expect(events(d.receive(b), 'deliver')).toHaveLength(1);
    expect(events(d.receive(a), 'deliver')).toHaveLength(1);
    expect(events(d.receive(a), 'deliver')).toEqual([]);
  });

  it('starts tracking afresh when more than 250 are missing', () => {
    const { d, bravo } = activePair();
    bravo.seq += 251;
    const out = d.receive(bravo.message(custom(1)));
    expect(logs(out, 'error')).toContain('lost a lot of packets!');
    expect(ofType(d.advance(1000), 'NS_rexmit')).toEqual([]);
    expect(d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!.missing).toEqual([]);
  });

  it('remembers at most 499 missing seqs per peer, dropping the oldest (MAXMISSING, spec §7.2)', () => {
    const { d, bravo } = activePair();
    const base = bravo.seq;
    bravo.seq += 250;
    d.receive(bravo.message(custom(1))); // 250 missing: base+1 … base+250
    bravo.seq += 250;
    d.receive(bravo.message(custom(2))); // 250 more
    const missing = d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!.missing;
    expect(missing).toHaveLength(499);
    expect(missing).not.toContain(base + 1);
    expect(missing).toContain(base + 2);
    expect(missing.at(-1)).toBe(base + 501);
  });

  it('stops asking a peer that is no longer up or active', () => {
    const { d, bravo } = activePair();
    bravo.seq += 1;
    d.receive(bravo.message(custom(1)));
    d.now = 3001;
    d.tick(); // bravo dead: tracking reset
    expect(ofType(d.advance(1000), 'NS_rexmit')).toEqual([]);
  });

  it('gives up on a seq the sender NAKs: "Irretrievably lost packet"', () => {
    const { d, bravo } = activePair();
    const base = bravo.seq;
    bravo.seq += 1;
    d.receive(bravo.message(custom(1)));
    const nak = bravo.message([
      ['t', 'NS_nak_rexmit'],
      ['firstseq', (base + 1).toString(16)],
      ['dest', 'alpha'],
      ['info', 'seqno too low'],
    ]);
    const out = d.receive(nak);
    expect(logs(out, 'error')).toContain(`Irretrievably lost packet: node bravo seq ${base + 1}`);
    expect(d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!.missing).toEqual([]);
  });

  it('tracks messages addressed to other nodes, then drops them (spec §7.2)', () => {
    const config = baseConfig({ nodes: ['alpha', 'bravo', 'charlie'] });
    const { d, bravo } = activePair(config);
    expect(events(d.receive(bravo.message([['t', 'custom'], ['dest', 'charlie']])), 'deliver')).toEqual([]);
    const out = d.receive(bravo.message(custom(2)));
    expect(logs(out, 'info').filter((l) => l.includes('lost packet'))).toEqual([]);
    expect(events(out, 'deliver')).toHaveLength(1);
  });

  it('lets destuuid take precedence over dest (spec §5)', () => {
    const { d, bravo } = activePair();
    const msg = bravo.message([['t', 'custom'], ['dest', 'somebody']]);
    const withUuid = { fields: [...msg.fields, { name: 'destuuid', type: 1 as const, value: ALPHA_UUID }] };
    expect(events(d.receive(withUuid), 'deliver')).toHaveLength(1);
  });
});

describe('retransmission answers (spec §7.2)', () => {
  function pairWithHistory(count: number): ReturnType<typeof activePair> {
    const pair = activePair();
    for (let i = 0; i < count; i++) pair.d.send(messageOf(custom(i)));
    return pair;
  }
  const rexmit = (bravo: Peer, first: number, last: number) =>
    bravo.message([
      ['t', 'NS_rexmit'],
      ['dest', 'alpha'],
      ['firstseq', String(first)],
      ['lastseq', String(last)],
    ]);

  it('re-sends the identical stored message, at most once per 240 ms', () => {
    const { d, bravo } = pairWithHistory(3);
    const sent = ofType(d.all, 'custom');
    const seq = Number.parseInt(getString(sent[1]!, 'seq')!, 16);
    d.now = 100;
    const out = d.receive(rexmit(bravo, seq, seq));
    const resent = out.filter((a) => a.type === 'transmit' && a.retransmit);
    expect(resent).toHaveLength(1);
    expect(resent[0]).toMatchObject({ type: 'transmit', seq, retransmit: true });
    expect((resent[0] as { message: unknown }).message).toBe(sent[1]);
    d.now = 339;
    expect(d.receive(rexmit(bravo, seq, seq)).filter((a) => a.type === 'transmit')).toEqual([]);
    d.now = 340;
    expect(d.receive(rexmit(bravo, seq, seq)).filter((a) => a.type === 'transmit')).toHaveLength(1);
  });

  it('answers at most 50 per request', () => {
    const { d, bravo } = pairWithHistory(80);
    const out = d.receive(rexmit(bravo, 1, 80));
    expect(out.filter((a) => a.type === 'transmit' && a.retransmit)).toHaveLength(50);
  });

  it('NAKs what fell out of the 500-message history (hex firstseq, info = reason)', () => {
    const { d, bravo } = pairWithHistory(520);
    const out = d.receive(rexmit(bravo, 3, 3));
    const [nak] = ofType(out, 'NS_nak_rexmit');
    expect(getString(nak!, 'firstseq')).toBe('3');
    expect(getString(nak!, 'info')).toBe('seqno too low');
    expect(getString(nak!, 'dest')).toBe('bravo');
    expect(logs(out, 'error')).toContain('Cannot rexmit pkt 3 for bravo: seqno too low');
  });

  it('warns about a request beyond what we sent', () => {
    const { d, bravo } = pairWithHistory(1);
    const max = d.machine.snapshot().lastSentSeq;
    const out = d.receive(rexmit(bravo, max + 5, max + 5));
    expect(logs(out, 'warn')).toContain(`Rexmit of seq ${max + 5} requested. ${max} is max.`);
    expect(out.filter((a) => a.type === 'transmit')).toEqual([]);
  });

  it('ignores invalid or foreign requests', () => {
    const { d, bravo } = pairWithHistory(3);
    expect(logs(d.receive(rexmit(bravo, 5, 2)), 'error')).toContain('Invalid rexmit seqnos');
    const foreign = bravo.message([
      ['t', 'NS_rexmit'],
      ['dest', 'charlie'],
      ['firstseq', '1'],
      ['lastseq', '1'],
    ]);
    expect(d.receive(foreign).filter((a) => a.type === 'transmit')).toEqual([]);
  });

  it('skips seqs the requester already ACKed', () => {
    const { d, bravo } = pairWithHistory(3);
    const last = d.machine.snapshot().lastSentSeq;
    d.receive(bravo.message([['t', 'NS_ackmsg'], ['dest', 'alpha'], ['ackseq', last.toString(16)]]));
    expect(d.receive(rexmit(bravo, last, last)).filter((a) => a.type === 'transmit')).toEqual([]);
  });
});

describe('ACKs (spec §7.3)', () => {
  it("ACKs the peer's in-order seqs whose value mod 10 equals its random trigger", () => {
    const { d, bravo } = activePair();
    const acks: string[] = [];
    for (let i = 0; i < 30; i++) {
      for (const m of ofType(d.receive(bravo.message(custom(i))), 'NS_ackmsg')) {
        if (getString(m, 'dest') === 'bravo') acks.push(getString(m, 'ackseq')!);
      }
    }
    const values = acks.map((a) => Number.parseInt(a, 16));
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(new Set(values.map((v) => v % 10)).size).toBe(1);
    const ack = ofType(d.all, 'NS_ackmsg').find((m) => getString(m, 'dest') === 'bravo')!;
    expect(fieldNames(ack)).toEqual(['t', 'dest', 'ackseq', 'destuuid', 'src', 'srcuuid', 'hg', 'ts', 'ttl']);
  });

  it('ACKs its own messages too (src=alpha dest=alpha)', () => {
    const { d } = activePair();
    for (let i = 0; i < 20; i++) d.send(messageOf(custom(i)));
    expect(ofType(d.all, 'NS_ackmsg').some((m) => getString(m, 'dest') === 'alpha')).toBe(true);
  });

  it('sends no ACKs once flow control is off', () => {
    const d = new Driver();
    const bravo = new Peer();
    d.start();
    d.receive(bravo.status('up', { protocol: false }));
    for (let i = 0; i < 30; i++) d.receive(bravo.message(custom(i)));
    expect(ofType(d.all, 'NS_ackmsg')).toEqual([]);
  });
});

describe('our own messages (spec §1 loopback, §3.4 stamping)', () => {
  it('delivers a message we send to ourselves, marked fromSelf', () => {
    const { d } = activePair();
    const out = d.send(
      messageOf([
        ['t', 'ip-request-resp'],
        ['dest', 'alpha'],
        ['ipaddr', '10.77.0.100'],
        ['weown', 'yes'],
        ['ok', 'OK'],
      ]),
    );
    const [delivered] = events(out, 'deliver');
    expect(delivered).toMatchObject({ type: 'deliver', messageType: 'ip-request-resp', from: 'alpha', fromSelf: true });
    const [sent] = ofType(out, 'ip-request-resp');
    expect(fieldNames(sent!)).toEqual(['t', 'dest', 'ipaddr', 'weown', 'ok', 'destuuid', 'src', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl']);
    expect(Array.from(getBinary(sent!, 'destuuid')!)).toEqual(Array.from(ALPHA_UUID));
  });

  it('does not deliver our message to a peer to ourselves', () => {
    const { d } = activePair();
    expect(events(d.send(messageOf([['t', 'custom'], ['dest', 'bravo']])), 'deliver')).toEqual([]);
  });

  it('drops our own datagram coming back from the network as a duplicate (spec §1)', () => {
    const { d } = activePair();
    const [sent] = ofType(d.send(messageOf(custom(1))), 'custom');
    expect(events(d.receive(sent!), 'deliver')).toEqual([]);
  });

  it('gives NS_* messages no seq and no ld, and does not use up a seq number', () => {
    const { d } = activePair();
    const before = d.machine.snapshot().lastSentSeq;
    const [m] = ofType(d.send(messageOf([['t', 'NS_custom']])), 'NS_custom');
    expect(fieldNames(m!)).toEqual(['t', 'src', 'srcuuid', 'hg', 'ts', 'ttl']);
    expect(d.machine.snapshot().lastSentSeq).toBe(before);
  });

  it('replaces control fields the creator put in, in place', () => {
    const { d } = activePair();
    const [m] = ofType(d.send(messageOf([['t', 'custom'], ['src', 'forged'], ['x', '1']])), 'custom');
    expect(fieldNames(m!)).toEqual(['t', 'src', 'x', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl']);
    expect(getString(m!, 'src')).toBe('alpha');
  });

  it('refuses to send a message without t', () => {
    const { d } = activePair();
    const out = d.send(messageOf([['x', '1']]));
    expect(logs(out, 'error')).toContain('Invalid message in send_cluster_msg: no t field');
    expect(out.filter((a) => a.type === 'transmit')).toEqual([]);
  });
});

describe('bad input (spec §4.5, §5.1)', () => {
  it('drops a message from a node not in ha.cf with the daemon\'s log line', () => {
    const { d } = activePair();
    const charlie = new Peer({ name: 'charlie' });
    const before = d.machine.snapshot();
    const out = d.receive(charlie.status('active'));
    expect(logs(out, 'error')).toContain('process_status_message: bad node [charlie] in message');
    expect(d.machine.snapshot()).toEqual(before);
  });

  it('drops messages without t, src or ts, or without seq (non-NS), or with ts 0', () => {
    const { d } = activePair();
    const noSrc = messageOf([['t', 'status'], ['ts', '1'], ['seq', '1']]);
    expect(logs(d.receive(noSrc), 'error')[0]).toMatch(/missing from\/ts\/type/);
    const noSeq = messageOf([['t', 'custom'], ['src', 'bravo'], ['ts', '1']]);
    expect(logs(d.receive(noSeq), 'error')[0]).toMatch(/missing seqno/);
    const badSeq = messageOf([['t', 'custom'], ['src', 'bravo'], ['ts', '1'], ['seq', 'zz']]);
    expect(logs(d.receive(badSeq), 'error')[0]).toMatch(/has bad cseq/);
    const zeroTs = messageOf([['t', 'custom'], ['src', 'bravo'], ['ts', '0'], ['seq', '99']]);
    expect(d.receive(zeroTs)).toEqual([]);
  });

  it('drops a status without st', () => {
    const { d, bravo } = activePair();
    const out = d.receive(bravo.message([['t', 'status'], ['dt', 'bb8']]));
    expect(logs(out, 'error')).toContain('HBDoMsg_T_STATUS: status update without st field');
  });

  it('ignores everything before start', () => {
    const d = new Driver();
    expect(d.receive(new Peer().status('up'))).toEqual([]);
    expect(d.keepalive()).toEqual([]);
  });

  it('does not deliver membership-internal types upwards', () => {
    const { d, bravo } = activePair();
    const out = d.receive(bravo.message([['t', 'reqnodes'], ['dest', 'alpha']]));
    expect(events(out, 'deliver')).toEqual([]);
  });
});
