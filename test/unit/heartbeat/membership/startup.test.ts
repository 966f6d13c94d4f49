// Start-up, keepalive, dt advertisement, comm up, reqnodes/repnodes (spec §8.1–§8.3).
import { describe, expect, it } from 'vitest';
import type { MembershipAction } from '../../../../src/heartbeat/membership/index.js';
import { getBinary, getString } from '../../../../src/heartbeat/wire/message.js';
import { activePair, baseConfig, Driver, events, fieldNames, logs, ofType, Peer, transmits } from './harness.js';

describe('start-up sequence (spec §8.3 step 1)', () => {
  it('sends st=init with seq 1 then st=up, advertising deadtime+2000 (spec §8.1)', () => {
    const d = new Driver();
    const out = d.start();
    const statuses = ofType(out, 'status');
    expect(statuses.map((m) => getString(m, 'st'))).toEqual(['init', 'up']);
    expect(statuses.map((m) => getString(m, 'seq'))).toEqual(['1', '2']);
    // 3000 + 2000 = 5000 = 0x1388 (spec §8.1: dt=1388 with deadtime 3 s)
    expect(statuses.map((m) => getString(m, 'dt'))).toEqual(['1388', '1388']);
    expect(logs(out, 'info')).toContain("Local status now set to: 'up'");
  });

  it('stamps status fields in the daemon order t,st,dt,protocol,src,srcuuid,seq,hg,ts,ld,ttl (spec §3.4, §5.1)', () => {
    const d = new Driver();
    d.machine.handle({ type: 'loadAverage', text: '0.22 0.17 0.09 3/113 24643\n' });
    const [first] = ofType(d.start(), 'status');
    expect(fieldNames(first!)).toEqual(['t', 'st', 'dt', 'protocol', 'src', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl']);
    expect(getString(first!, 'src')).toBe('alpha');
    expect(getString(first!, 'hg')).toBe('6b023c08');
    expect(getString(first!, 'ts')).toBe('6b023c9e');
    expect(getString(first!, 'ld')).toBe('0.22 0.17 0.09 3/113 24643');
    expect(getString(first!, 'ttl')).toBe('3'); // hopfudge 1 + 2 nodes (spec §5)
    expect(getString(first!, 'protocol')).toBe('1');
    expect(Array.from(getBinary(first!, 'srcuuid')!)).toEqual(Array.from(baseConfig().uuid));
  });

  it('counts ping nodes in ttl (spec §5: 4 with one ping node)', () => {
    const d = new Driver(baseConfig({ pingNodes: ['10.77.0.254'] }));
    expect(getString(ofType(d.start(), 'status')[0]!, 'ttl')).toBe('4');
  });

  it('sends a status every keepalive with the current state', () => {
    const d = new Driver();
    d.start();
    d.now = 500;
    const [m] = ofType(d.keepalive(), 'status');
    expect(getString(m!, 'st')).toBe('up');
    expect(getString(m!, 'seq')).toBe('3');
  });

  it('drops the start-up dt extra after 5 s and says so at once (spec §8.1: 1388 then bb8)', () => {
    const d = new Driver();
    d.start();
    // Repeats of earlier statuses (MembershipConfig.repeatStatus) are not new statuses.
    const fresh = (actions: MembershipAction[]): MembershipAction[] => actions.filter((a) => a.type !== 'transmit' || !a.retransmit);
    d.now = 4999;
    expect(ofType(fresh(d.tick()), 'status')).toEqual([]);
    d.now = 5000;
    const [m] = ofType(fresh(d.tick()), 'status');
    expect(getString(m!, 'dt')).toBe('bb8');
    expect(d.machine.snapshot().advertisedDeadtime).toBe(3000);
  });

  it('advertises deadtime+30000 on request and back (spec §8.1: 80e8 while restarting)', () => {
    const d = new Driver();
    d.start();
    d.now = 6000;
    d.tick();
    const out = d.machine.handle({ type: 'advertiseDeadtime', extra: 30000, now: d.now, wallSeconds: d.wallSeconds });
    expect(getString(ofType(out, 'status')[0]!, 'dt')).toBe('80e8');
    const back = d.machine.handle({ type: 'advertiseDeadtime', extra: 0, now: d.now, wallSeconds: d.wallSeconds });
    expect(getString(ofType(back, 'status')[0]!, 'dt')).toBe('bb8');
  });

  it('takes new timers (SIGHUP): a new deadtime is advertised at once', () => {
    const d = new Driver();
    d.start();
    d.now = 6000;
    d.tick();
    const out = d.machine.handle({ type: 'timers', timers: { deadtime: 5000, warntime: 2500 } });
    expect(getString(ofType(out, 'status')[0]!, 'dt')).toBe('1388');
    expect(d.machine.snapshot().timers).toMatchObject({ deadtime: 5000, warntime: 2500 });
  });

  it('starts every peer in state init with dead links (spec §8.2)', () => {
    const d = new Driver();
    d.start();
    const bravo = d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!;
    expect(bravo.status).toBe('init');
    expect(bravo.links).toEqual([{ name: 'eth0', status: 'dead' }]);
    expect(d.machine.snapshot().localStatus).toBe('up');
  });
});

describe('comm up (spec §8.3)', () => {
  it('asks the first live peer for its node list once every node has been heard from', () => {
    const d = new Driver();
    const bravo = new Peer();
    d.start();
    const out = d.receive(bravo.status('up'));
    const [req] = ofType(out, 'reqnodes');
    expect(getString(req!, 'dest')).toBe('bravo');
    // destuuid follows the creator's fields once the peer's uuid is known (spec §3.4)
    expect(fieldNames(req!).slice(0, 4)).toEqual(['t', 'dest', 'destuuid', 'src']);
    expect(fieldNames(req!)).toContain('seq'); // reqnodes is sequenced (not NS_*)
    expect(Array.from(getBinary(req!, 'destuuid')!)).toEqual(Array.from(bravo.uuid));
    expect(events(out, 'commUp')).toEqual([]);
  });

  it('counts a peer only once its status is known: an NS_ackmsg heard first does not start comm up (heartbeat-ts is stricter than §8.3 step 2)', () => {
    const d = new Driver();
    const bravo = new Peer();
    d.start();
    // A survivor acks our st=up before its next keepalive reaches us (seen against Heartbeat 3.0.6).
    const ack = d.receive(
      bravo.message([
        ['t', 'NS_ackmsg'],
        ['dest', 'alpha'],
        ['ackseq', '2'],
      ]),
    );
    expect(ofType(ack, 'reqnodes')).toEqual([]);
    expect(events(ack, 'commUp')).toEqual([]);
    const out = d.receive(bravo.status('active'));
    expect(ofType(out, 'reqnodes')).toHaveLength(1);
    expect(d.machine.snapshot().nodes.find((n) => n.name === 'bravo')?.status).toBe('active');
  });

  it('repeats reqnodes every second while unanswered', () => {
    const d = new Driver();
    const bravo = new Peer();
    d.start();
    d.receive(bravo.status('up'));
    d.now = 999;
    expect(ofType(d.tick(), 'reqnodes')).toEqual([]);
    d.now = 1000;
    expect(ofType(d.tick(), 'reqnodes')).toHaveLength(1);
  });

  it('goes active on repnodes: sends a status at once and emits commUp', () => {
    const d = new Driver();
    const bravo = new Peer();
    d.start();
    d.receive(bravo.status('up'));
    const out = d.receive(
      bravo.message([
        ['dest', 'alpha'],
        ['t', 'repnodes'],
        ['nodelist', 'alpha bravo '],
        ['delnodelist', ' '],
      ]),
    );
    expect(logs(out, 'info')).toContain('Comm_now_up(): updating status to active');
    expect(getString(ofType(out, 'status')[0]!, 'st')).toBe('active');
    expect(events(out, 'commUp')).toHaveLength(1);
    expect(d.machine.snapshot().commUp).toBe(true);
    d.now = 2000;
    expect(ofType(d.tick(), 'reqnodes')).toEqual([]);
  });

  it('a lone node goes active after initdead with no reqnodes (spec §8.3 step 5)', () => {
    const d = new Driver();
    d.start();
    d.now = 12000;
    expect(events(d.tick(), 'commUp')).toEqual([]);
    d.now = 12001;
    const out = d.tick();
    expect(logs(out, 'warn')).toContain('node bravo: is dead');
    expect(ofType(out, 'reqnodes')).toEqual([]);
    expect(events(out, 'commUp')).toHaveLength(1);
    expect(d.machine.snapshot().localStatus).toBe('active');
  });

  it('skips reqnodes and stops sending protocol=1 when a peer has no protocol field (spec §5.1)', () => {
    const d = new Driver();
    const bravo = new Peer();
    d.start();
    const out = d.receive(bravo.status('up', { protocol: false }));
    expect(logs(out, 'info')).toContain('flow control disabled due to different version heartbeat');
    expect(ofType(out, 'reqnodes')).toEqual([]);
    expect(events(out, 'commUp')).toHaveLength(1);
    const active = ofType(out, 'status').at(-1)!;
    expect(getString(active, 'st')).toBe('active');
    expect(fieldNames(active)).not.toContain('protocol');
  });

  it('answers reqnodes with nodelist "alpha bravo " and delnodelist " ", dest first (spec §3.4, §5)', () => {
    const { d, bravo } = activePair();
    const out = d.receive(bravo.message([['t', 'reqnodes'], ['dest', 'alpha']]));
    const [rep] = ofType(out, 'repnodes');
    expect(fieldNames(rep!).slice(0, 6)).toEqual(['dest', 't', 'nodelist', 'delnodelist', 'destuuid', 'src']);
    expect(getString(rep!, 'nodelist')).toBe('alpha bravo ');
    expect(getString(rep!, 'delnodelist')).toBe(' ');
  });

  it('ignores a reqnodes addressed to another node', () => {
    const { d, bravo } = activePair();
    expect(ofType(d.receive(bravo.message([['t', 'reqnodes'], ['dest', 'charlie']])), 'repnodes')).toEqual([]);
  });

  it('lets the repnodes node list replace ours (spec §8.3 step 3)', () => {
    const d = new Driver(baseConfig({ nodes: ['alpha', 'bravo', 'delta'] }));
    const bravo = new Peer();
    d.start();
    d.receive(bravo.status('up'));
    d.now = 12001;
    d.tick(); // delta declared dead → links up → reqnodes to bravo
    const out = d.receive(
      bravo.message([
        ['dest', 'alpha'],
        ['t', 'repnodes'],
        ['nodelist', 'alpha bravo charlie '],
        ['delnodelist', ' '],
      ]),
    );
    expect(events(out, 'nodeListChanged')).toEqual([{ type: 'nodeListChanged', added: ['charlie'], removed: ['delta'] }]);
    expect(d.machine.snapshot().nodes.map((n) => n.name)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(getString(transmits(d.keepalive())[0]!, 'ttl')).toBe('4');
  });
});
