// Issue 9: a peer that (re)starts decides from the first packet it hears from
// us. Heartbeat's comm up counts any packet (spec §8.3) and legacy
// req_our_resources then counts the peers whose status is active (§9.4): if
// our NS_ackmsg of its first seqs reaches it before any status of ours, it sees
// nobody active and takes its groups itself while we hold them. Our status must
// therefore leave before anything else we send after its first status.
import { describe, expect, it } from 'vitest';
import { getString, type HbMessage } from '../../../../src/heartbeat/wire/message.js';
import { activePair, baseConfig, Driver, Peer, seededRandom, transmits } from './harness.js';

function describeMsg(m: HbMessage): string {
  const t = getString(m, 't') ?? '?';
  return t === 'status' ? `status ${getString(m, 'st')}` : `${t}${getString(m, 'dest') ? ` dest=${getString(m, 'dest')}` : ''}`;
}

/** What we send while a started peer's first ten messages arrive (its ACK trigger is one of them). */
function firstAnswers(d: Driver, peer: Peer): string[] {
  const out: string[] = [];
  out.push(...transmits(d.receive(peer.status('init'))).map(describeMsg));
  for (let i = 0; i < 9; i++) out.push(...transmits(d.receive(peer.status('up'))).map(describeMsg));
  return out;
}

describe('a peer that starts hears our status before anything else (spec §8.3, §9.4)', () => {
  it('restart after a crash: for every ACK trigger, our status leaves before the first NS_ackmsg to it', () => {
    let acksSeen = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { d, bravo } = activePair(baseConfig({ random: seededRandom(seed) }));
      d.now = 3001;
      d.tick(); // bravo declared dead
      const reborn = new Peer({ generation: bravo.generation + 1 });
      const answers = firstAnswers(d, reborn);
      if (answers.includes('NS_ackmsg dest=bravo')) acksSeen++;
      expect(answers[0], `seed ${seed}: ${answers.join(', ')}`).toBe('status active');
    }
    // The check bites: in these runs our ACK of its first seqs went out too.
    expect(acksSeen).toBeGreaterThan(20);
  });

  it('a heartbeat restart faster than the dead time (the peer was never declared dead): the same', () => {
    const { d, bravo } = activePair(baseConfig({ random: seededRandom(3) }));
    d.now = 500;
    const answers = firstAnswers(d, new Peer({ generation: bravo.generation + 1 }));
    expect(answers[0]).toBe('status active');
  });

  it('a peer heard for the first time after we came up alone (initdead): the same', () => {
    const d = new Driver(baseConfig({ random: seededRandom(5) }));
    d.start();
    d.now = 12_001;
    d.advance(1); // initdead: bravo declared dead, comm up alone
    const answers = firstAnswers(d, new Peer());
    expect(answers[0]).toBe('status active');
  });
});

describe("a peer's message for another node is overheard, never delivered (issue 9)", () => {
  const dontAsk = (bravo: Peer): HbMessage =>
    bravo.message([
      ['t', 'ip-request-resp'],
      ['dest', 'bravo'],
      ['ipaddr', '10.77.0.100'],
      ['weown', 'yes'],
      ['ok', 'OK'],
    ]);
  const kinds = (actions: ReturnType<Driver['receive']>): string[] => actions.filter((a) => a.type === 'deliver' || a.type === 'overheard').map((a) => a.type);

  it('in sequence and from the current generation: overheard; the same for us: delivered', () => {
    const { d, bravo } = activePair();
    expect(kinds(d.receive(dontAsk(bravo)))).toEqual(['overheard']);
    expect(kinds(d.receive(bravo.message([['t', 'ip-request-resp'], ['dest', 'alpha'], ['ipaddr', 'k'], ['ok', 'OK']])))).toEqual(['deliver']);
  });

  it('a duplicate, or a message of an older generation (replay): nothing', () => {
    const { d, bravo } = activePair();
    const m = dontAsk(bravo);
    d.receive(m);
    expect(kinds(d.receive(m))).toEqual([]);
    const old = new Peer({ generation: bravo.generation - 1 });
    old.seq = bravo.seq;
    expect(kinds(d.receive(dontAsk(old)))).toEqual([]);
  });
});
