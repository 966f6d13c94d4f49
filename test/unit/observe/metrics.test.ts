// The exposition built from a daemon status and the heartbeat counters:
// one-hot node status, the held gauge per group and node, counters from the
// heartbeat layer, moves, group operations and probes.
import { describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../../src/control/index.js';
import type { HeartbeatCounters } from '../../../src/heartbeat/index.js';
import { loadObserveHttp } from '../../../src/observe/index.js';
import { parseExposition, sample, statusSchemaErrors } from '../../helpers/observe-http.js';

const status: DaemonStatus = {
  schemaVersion: '1.0.0',
  version: '3.0.6 (heartbeat-ts 0.1.0)',
  node: 'bravo',
  pid: 4321,
  uuid: '8712749c2f8640728dbf27fea9302d79',
  generation: 7,
  status: 'active',
  managedBy: 'haresources',
  startedAt: '2026-12-03T11:00:00.000Z',
  configDir: '/etc/ha.d',
  nodes: [
    { name: 'alpha', type: 'normal', status: 'dead', isLocal: false, weight: 100, site: '', deadtimeMs: 1000, generation: 3, lastSeq: 9, uuid: null, lastHeardMsAgo: 4000, links: [{ name: 'eth0', status: 'dead', lastHeardMsAgo: 4000 }] },
    { name: 'bravo', type: 'normal', status: 'active', isLocal: true, weight: 100, site: '', deadtimeMs: 1000, generation: 7, lastSeq: 50, uuid: null, lastHeardMsAgo: 10, links: [{ name: 'eth0', status: 'up', lastHeardMsAgo: 10 }] },
    { name: 'gw', type: 'ping', status: 'ping', isLocal: false, weight: 100, site: '', deadtimeMs: 3000, generation: null, lastSeq: null, uuid: null, lastHeardMsAgo: 100, links: [{ name: 'ping', status: 'up', lastHeardMsAgo: 100 }] },
  ],
  resources: {
    rscstatus: 'all',
    autoFailback: 'on',
    stable: true,
    groups: [
      { key: 'IPaddr::10.0.0.1', home: 'alpha', resources: ['IPaddr::10.0.0.1', 'nginx'], holder: 'bravo', state: 'running', why: 'taken over', eligible: true },
      { key: 'IPaddr::10.0.0.2', home: 'bravo', resources: ['IPaddr::10.0.0.2'], holder: 'none', state: 'failed', why: 'failed', eligible: false },
    ],
  },
  timers: { keepaliveMs: 200, deadtimeMs: 1000, warntimeMs: 500, initdeadMs: 2000, deadpingMs: 3000 },
  parameters: { keepalive: '200ms' },
  probes: [],
  badPackets: 3,
  eventLoopLagMs: { p99: 1.5, max: 12 },
  events: [],
};

const counters: HeartbeatCounters = {
  heartbeatsSent: { eth0: 120, eth1: 120 },
  heartbeatsReceived: { alpha: { eth0: 40, eth1: 38 } },
  lateHeartbeats: { alpha: 2 },
  retransmissionsSent: 4,
  retransmitRequestsSent: 1,
  packetsRejected: { auth: 2, malformed: 1, replay: 5 },
};

async function metrics() {
  const { DaemonMetrics } = await loadObserveHttp();
  return new DaemonMetrics({ status: () => status, heartbeatCounters: () => counters }, { version: '0.1.0', protocol: '3.0.6' });
}

describe('DaemonMetrics', () => {
  it('the fixture is a valid status (schema/status.schema.json)', () => {
    expect(statusSchemaErrors(status)).toEqual([]);
    expect(statusSchemaErrors({ ...status, schemaVersion: '2.0.0' })).not.toEqual([]);
    expect(statusSchemaErrors({ ...status, surprise: 1 })).not.toEqual([]);
  });

  it('renders gauges from the status and counters from the heartbeat layer', async () => {
    const m = await metrics();
    const s = parseExposition(await m.render());
    expect(sample(s, 'heartbeat_ts_node_status{node="alpha",type="normal",status="dead"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_node_status{node="alpha",type="normal",status="active"}')).toBe(0);
    expect(sample(s, 'heartbeat_ts_node_status{node="alpha",type="normal",status="other"}')).toBe(0);
    expect(sample(s, 'heartbeat_ts_node_status{node="gw",type="ping",status="ping"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_link_up{node="alpha",link="eth0"}')).toBe(0);
    expect(s.has('heartbeat_ts_link_up{node="bravo",link="eth0"}')).toBe(false);
    expect(sample(s, 'heartbeat_ts_group_held{group="IPaddr::10.0.0.1",node="bravo"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_group_held{group="IPaddr::10.0.0.1",node="alpha"}')).toBe(0);
    expect(sample(s, 'heartbeat_ts_group_held{group="IPaddr::10.0.0.2",node="bravo"}')).toBe(0);
    expect(sample(s, 'heartbeat_ts_group_eligible{group="IPaddr::10.0.0.2"}')).toBe(0);
    expect(sample(s, 'heartbeat_ts_role{role="all"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_role{role="none"}')).toBe(0);
    expect(sample(s, 'heartbeat_ts_heartbeats_sent_total{link="eth1"}')).toBe(120);
    expect(sample(s, 'heartbeat_ts_heartbeats_received_total{node="alpha",link="eth1"}')).toBe(38);
    expect(sample(s, 'heartbeat_ts_late_heartbeats_total{node="alpha"}')).toBe(2);
    expect(sample(s, 'heartbeat_ts_retransmissions_total{direction="sent"}')).toBe(4);
    expect(sample(s, 'heartbeat_ts_retransmissions_total{direction="requested"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_packets_rejected_total{reason="replay"}')).toBe(5);
    expect(sample(s, 'heartbeat_ts_event_loop_lag_seconds{stat="max"}')).toBe(0.012);
    expect(sample(s, 'heartbeat_ts_start_time_seconds')).toBe(Date.parse('2026-12-03T11:00:00Z') / 1000);
    expect(sample(s, 'heartbeat_ts_takeovers_total{reason="peer_dead"}')).toBe(0);
    // Scraping twice gives the same counters, not doubled ones.
    const again = parseExposition(await m.render());
    expect(sample(again, 'heartbeat_ts_heartbeats_sent_total{link="eth1"}')).toBe(120);
  });

  it('counts moves, group operations and probe results as they happen', async () => {
    const m = await metrics();
    m.recordMove({ kind: 'takeover', reason: 'peer_dead', detail: 'x', started: ['g'], stopped: [], failed: [], durationMs: 420 });
    m.recordMove({ kind: 'acquire', reason: 'startup', detail: 'x', started: ['g'], stopped: [], failed: [], durationMs: 10 });
    m.recordGroupOperation({ key: 'g', op: 'start', ok: true, durationMs: 300 });
    m.recordGroupOperation({ key: 'g', op: 'stop', ok: false, durationMs: 2000 });
    m.recordProbe({ probe: 'web', group: 'g', counted: true, outcome: { kind: 'refused', durationMs: 3 } });
    m.recordProbe({ probe: 'web', group: 'g', counted: true, outcome: { kind: 'ok', status: 200, durationMs: 7 } });
    const s = parseExposition(await m.render());
    expect(sample(s, 'heartbeat_ts_takeovers_total{reason="peer_dead"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_last_move_duration_seconds{kind="takeover"}')).toBe(0.42);
    expect(s.has('heartbeat_ts_last_move_duration_seconds{kind="acquire"}')).toBe(false);
    expect(sample(s, 'heartbeat_ts_group_operation_duration_seconds_count{op="start"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_group_operation_duration_seconds_bucket{le="0.5",op="start"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_group_operation_failures_total{group="g",op="stop"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_group_last_operation_duration_seconds{group="g",op="stop"}')).toBe(2);
    expect(sample(s, 'heartbeat_ts_probe_results_total{probe="web",result="refused"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_probe_up{probe="web",group="g"}')).toBe(1);
    expect(sample(s, 'heartbeat_ts_probe_duration_seconds_count{probe="web"}')).toBe(2);
  });
});
