// Liveness: dead time, warntime, links, generations, partitions, ping nodes,
// self-monitoring (spec §7.1, §8.1, §8.2, §8.5, §8.6).
import { describe, expect, it } from 'vitest';
import { getString } from '../../../../src/heartbeat/wire/message.js';
import { activePair, baseConfig, Driver, events, logs, ofType, Peer } from './harness.js';

describe('dead time (spec §8.1)', () => {
  it("declares a peer dead after the SENDER's advertised dt, not ours", () => {
    const { d, bravo } = activePair();
    d.now = 1000;
    d.receive(bravo.status('active', { dt: 1500 })); // bravo asks for 1.5 s; our deadtime is 3 s
    d.now = 2500;
    expect(events(d.tick(), 'peerDead')).toEqual([]);
    d.now = 2501;
    const out = d.tick();
    expect(events(out, 'peerDead')).toEqual([{ type: 'peerDead', node: 'bravo', nodeType: 'normal' }]);
    expect(events(out, 'nodeStatus')).toEqual([
      { type: 'nodeStatus', node: 'bravo', nodeType: 'normal', status: 'dead', previous: 'active' },
    ]);
    expect(logs(out, 'warn')).toContain('node bravo: is dead');
    expect(logs(out, 'info')).toContain('Link bravo:eth0 dead.');
  });

  it('asks for a tick exactly at the next deadline', () => {
    const { d, bravo } = activePair();
    d.now = 1000;
    d.receive(bravo.status('active', { dt: 1500 }));
    expect(d.machine.nextDeadline()).toBeLessThanOrEqual(2500);
  });

  it('uses initdead for every node until all nodes have been heard from or declared dead', () => {
    const d = new Driver(baseConfig({ nodes: ['alpha', 'bravo', 'delta'] }));
    const bravo = new Peer();
    d.start();
    d.receive(bravo.status('up', { dt: 1000 }));
    // delta not heard yet: initdead (12 s) applies to bravo too, not its 1 s
    d.now = 5000;
    expect(events(d.tick(), 'peerDead')).toEqual([]);
    d.now = 12001;
    expect(events(d.tick(), 'peerDead').map((e) => e.node)).toEqual(['bravo', 'delta']);
  });

  it('refreshes liveness only with status messages, links with any packet (spec §8.1)', () => {
    const { d, bravo } = activePair();
    d.now = 2000;
    d.receive(bravo.message([['t', 'custom']]));
    d.now = 3001;
    const out = d.tick();
    expect(events(out, 'peerDead')).toHaveLength(1);
  });

  it('does not resurrect a dead peer from stale packets, but a new generation restarts it', () => {
    const { d, bravo } = activePair();
    d.now = 3001;
    d.tick();
    const stale = bravo.status('active', { seq: 1 });
    expect(events(d.receive(stale), 'nodeStatus')).toEqual([]);
    const restarted = new Peer({ generation: bravo.generation + 1 });
    const out = d.receive(restarted.status('init'));
    expect(logs(out, 'info')).toContain('Heartbeat restart on node bravo');
    expect(events(out, 'nodeStatus')[0]).toMatchObject({ status: 'init', previous: 'dead' });
  });
});

describe('late heartbeats (spec §8.1 warntime)', () => {
  it('warns with the measured interval when a status comes later than warntime', () => {
    const { d, bravo } = activePair();
    d.now = 2960;
    d.receive(bravo.status('active')); // activePair's last status was at 0
    const out = d.all.filter((a) => a.type === 'log' && a.level === 'warn').map((a) => (a as { text: string }).text);
    expect(out).toContain('Late heartbeat: Node bravo: interval 2960 ms');
    expect(events(d.all, 'lateHeartbeat').at(-1)).toEqual({ type: 'lateHeartbeat', node: 'bravo', intervalMs: 2960, beyondDeadtime: false });
  });

  it('beyond deadtime: CRIT, the node is marked dead and at once processed as alive again', () => {
    const config = baseConfig();
    const { d, bravo } = activePair(config);
    d.now = 4000; // no tick ran in between: the event loop was "frozen"
    const out = d.receive(bravo.status('active'));
    expect(logs(out, 'crit')).toContain('Late heartbeat: Node bravo: interval 4000 ms (> deadtime)');
    expect(events(out, 'nodeStatus').map((e) => e.status)).toEqual(['dead', 'active']);
  });
});

describe('generations (spec §7.1)', () => {
  it('drops a lower generation as a replay, with the daemon\'s log line (a WARN: nothing is wrong here)', () => {
    const { d, bravo } = activePair();
    expect(d.machine.snapshot().replaysRejected).toBe(0);
    const old = new Peer({ generation: bravo.generation - 1 });
    const out = d.receive(old.message([['t', 'custom']]));
    // Counted for heartbeat_ts_packets_rejected_total{reason="replay"}.
    expect(d.machine.snapshot().replaysRejected).toBe(1);
    expect(logs(out, 'warn')).toContain(
      `should_drop_message: attempted replay attack [bravo]? [gen = ${bravo.generation - 1}, curgen = ${bravo.generation}]`,
    );
    expect(logs(out, 'error')).toEqual([]);
    expect(events(out, 'deliver')).toEqual([]);
  });

  // Issue 9 part 3: a 30 s flood of replayed packets made ~200 ERROR lines.
  it('a flood of replays is logged once per peer, then once a minute with the count of those not logged', () => {
    const { d, bravo } = activePair();
    const old = new Peer({ generation: bravo.generation - 1 });
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      d.now = 1000 + i * 150; // 30 s of flood
      const out = d.receive(old.message([['t', 'custom']]));
      expect(events(out, 'deliver')).toEqual([]);
      lines.push(...logs(out, 'warn').filter((t) => t.includes('replay')), ...logs(out, 'error'));
    }
    expect(lines).toHaveLength(1);
    d.now = 1000 + 60_000;
    const later = logs(d.receive(old.message([['t', 'custom']])), 'warn').filter((t) => t.includes('replay'));
    expect(later).toEqual([
      `should_drop_message: attempted replay attack [bravo]? [gen = ${bravo.generation - 1}, curgen = ${bravo.generation}] (199 more since the last one not logged)`,
    ]);
  });

  it('a higher generation on a status is a restart: seq tracking starts over', () => {
    const { d, bravo } = activePair();
    for (let i = 0; i < 5; i++) d.receive(bravo.message([['t', 'custom']]));
    const again = new Peer({ generation: bravo.generation + 1 });
    const out = d.receive(again.status('init'));
    expect(events(out, 'peerRestarted')).toEqual([
      { type: 'peerRestarted', node: 'bravo', generation: bravo.generation + 1, previousGeneration: bravo.generation },
    ]);
    // seq 2 from the new process is in order, not a duplicate of the old stream
    expect(events(d.receive(again.message([['t', 'custom']])), 'deliver')).toHaveLength(1);
    expect(d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!.generation).toBe(bravo.generation + 1);
  });

  it('a higher generation on a non-status message is not a restart', () => {
    const { d, bravo } = activePair();
    const again = new Peer({ generation: bravo.generation + 1 });
    again.seq = 100;
    const out = d.receive(again.message([['t', 'custom']]));
    expect(events(out, 'peerRestarted')).toEqual([]);
  });

  it('a dead peer with the same generation and a newer seq is returning after partition', () => {
    const { d, bravo } = activePair();
    d.now = 3001;
    d.tick();
    const out = d.receive(bravo.status('active'));
    expect(logs(out, 'crit')).toContain('Cluster node bravo returning after partition.');
    expect(events(out, 'peerReturnedAfterPartition')).toEqual([{ type: 'peerReturnedAfterPartition', node: 'bravo' }]);
    expect(ofType(out, 'status')).toHaveLength(1); // Heartbeat sends its status at once
  });

  it('ignores a stale status from a dead peer (seq not newer)', () => {
    const { d, bravo } = activePair();
    d.now = 3001;
    d.tick();
    const out = d.receive(bravo.status('active', { seq: bravo.seq }));
    expect(events(out, 'peerReturnedAfterPartition')).toEqual([]);
  });
});

describe('links (spec §8.2)', () => {
  it('tracks each medium separately; a packet on any medium keeps the node alive', () => {
    const config = baseConfig({ links: ['eth0', 'eth1'] });
    const d = new Driver(config);
    const bravo = new Peer();
    d.start();
    const first = d.receive(bravo.status('up'), 'eth0');
    expect(events(first, 'linkStatus')).toEqual([{ type: 'linkStatus', node: 'bravo', link: 'eth0', status: 'up' }]);
    const dup = d.receive(bravo.status('up', { seq: bravo.seq }), 'eth1');
    expect(events(dup, 'linkStatus')).toEqual([{ type: 'linkStatus', node: 'bravo', link: 'eth1', status: 'up' }]);
    expect(events(dup, 'nodeStatus')).toEqual([]);
    const links = d.machine.snapshot().nodes.find((n) => n.name === 'bravo')!.links;
    expect(links.map((l) => l.status)).toEqual(['up', 'up']);
  });
});

describe('ping nodes (spec §8.6)', () => {
  const config = baseConfig({ pingNodes: ['10.77.0.254'], deadping: 2000 });

  it('a reply makes it `ping`; deadping without replies makes it dead; a reply brings it back', () => {
    const d = new Driver(config);
    d.start();
    let out = d.pingReply('10.77.0.254');
    expect(events(out, 'nodeStatus')).toEqual([
      { type: 'nodeStatus', node: '10.77.0.254', nodeType: 'ping', status: 'ping', previous: 'init' },
    ]);
    expect(events(out, 'linkStatus')).toEqual([{ type: 'linkStatus', node: '10.77.0.254', link: '10.77.0.254', status: 'up' }]);
    // comm up needs bravo too; let it be declared dead after initdead, then deadping applies
    for (let t = 1000; t <= 12000; t += 1000) {
      d.now = t;
      d.pingReply('10.77.0.254');
    }
    d.now = 12001;
    d.tick();
    expect(d.machine.snapshot().commUp).toBe(true);
    d.now = 14000;
    expect(events(d.tick(), 'peerDead')).toEqual([]);
    d.now = 14001;
    out = d.tick();
    expect(events(out, 'peerDead')).toEqual([{ type: 'peerDead', node: '10.77.0.254', nodeType: 'ping' }]);
    expect(logs(out, 'warn')).toContain('node 10.77.0.254: is dead');
    out = d.pingReply('10.77.0.254');
    expect(events(out, 'nodeStatus')[0]).toMatchObject({ status: 'ping', previous: 'dead' });
  });

  it('counts towards comm up (spec §8.3 step 2)', () => {
    const d = new Driver(config);
    const bravo = new Peer();
    d.start();
    expect(ofType(d.receive(bravo.status('up')), 'reqnodes')).toEqual([]);
    expect(ofType(d.pingReply('10.77.0.254'), 'reqnodes')).toHaveLength(1);
  });

  it('ignores replies for unknown ping nodes', () => {
    const d = new Driver(config);
    d.start();
    expect(d.pingReply('10.0.0.9')).toEqual([]);
  });
});

describe('self-monitoring (spec §8.5)', () => {
  it('reports once when our own status messages stop coming back', () => {
    const { d, bravo } = activePair();
    void bravo;
    d.now = 6000;
    d.tick(); // start-up dt ends: dt back to 3000
    d.now = 9001; // no keepalive since 6000
    const out = d.tick();
    expect(logs(out, 'error')).toContain('No local heartbeat. Forcing restart.');
    expect(events(out, 'localHeartbeatLost')).toHaveLength(1);
    d.now = 9500;
    expect(events(d.tick(), 'localHeartbeatLost')).toEqual([]);
    expect(d.machine.snapshot().localStatus).toBe('active');
    d.keepalive();
    d.now = 12600;
    expect(events(d.tick(), 'localHeartbeatLost')).toHaveLength(1);
  });

  it('warns about our own late keepalive like about any node', () => {
    const { d } = activePair();
    d.now = 2100;
    const out = d.keepalive();
    expect(logs(out, 'warn')).toContain('Late heartbeat: Node alpha: interval 2100 ms');
    expect(getString(ofType(out, 'status')[0]!, 'st')).toBe('active');
  });
});
