// One typed event out of HeartbeatNode (toHeartbeatEvent) and its pure
// mapping to the resource manager's events and the timeline (issue 10 §4).
import { describe, expect, it } from 'vitest';
import { timelineEntryOf, toManagerEvent } from '../../../src/daemon/membership-events.js';
import { toHeartbeatEvent, type HeartbeatEvent, type MembershipAction } from '../../../src/heartbeat/index.js';
import { messageOf } from '../../../src/heartbeat/wire/message.js';

const ctx = { now: 1234, activePeers: () => ['bravo'] };

describe('toHeartbeatEvent: membership actions for the layer above', () => {
  it('keeps datagrams and log lines in the shell', () => {
    expect(toHeartbeatEvent({ type: 'transmit', message: messageOf([['t', 'status']]), retransmit: false }, 'alpha')).toBeUndefined();
    expect(toHeartbeatEvent({ type: 'log', level: 'info', text: 'x' }, 'alpha')).toBeUndefined();
  });

  it('passes the other actions through with their fields, `type` named `kind`', () => {
    const actions: MembershipAction[] = [
      { type: 'commUp' },
      { type: 'peerDead', node: 'bravo', nodeType: 'normal' },
      { type: 'peerRestarted', node: 'bravo', generation: 8, previousGeneration: 7 },
      { type: 'peerReturnedAfterPartition', node: 'bravo' },
      { type: 'linkStatus', node: 'bravo', link: 'eth0', status: 'dead' },
      { type: 'lateHeartbeat', node: 'bravo', intervalMs: 900, beyondDeadtime: false },
      { type: 'localHeartbeatLost' },
      { type: 'nodeListChanged', added: ['charlie'], removed: [] },
    ];
    for (const a of actions) {
      const { type, ...fields } = a;
      expect(toHeartbeatEvent(a, 'alpha')).toEqual({ kind: type, ...fields });
    }
  });

  it('says whether a node status is ours, and names a delivered message `message` with its t as `type`', () => {
    expect(toHeartbeatEvent({ type: 'nodeStatus', node: 'alpha', nodeType: 'normal', status: 'up', previous: 'init' }, 'alpha')).toEqual({
      kind: 'nodeStatus', node: 'alpha', nodeType: 'normal', status: 'up', previous: 'init', isLocal: true,
    });
    expect(toHeartbeatEvent({ type: 'nodeStatus', node: 'bravo', nodeType: 'normal', status: 'active', previous: 'up' }, 'alpha')).toMatchObject({ isLocal: false });
    const message = messageOf([['t', 'ip-request'], ['src', 'bravo']]);
    expect(toHeartbeatEvent({ type: 'deliver', message, messageType: 'ip-request', from: 'bravo', fromSelf: false, link: 'eth0' }, 'alpha')).toEqual({
      kind: 'message', message, type: 'ip-request', from: 'bravo', fromSelf: false, link: 'eth0',
    });
  });
});

describe('toManagerEvent', () => {
  it('comm up carries the peers active at that moment', () => {
    expect(toManagerEvent({ kind: 'commUp' }, ctx)).toEqual({ event: { type: 'comm-up', now: 1234, activePeers: ['bravo'] } });
  });

  it('follows a normal peer through init, up and active; ignores our own status, ping nodes and dead (its own event)', () => {
    const status = (node: string, status: 'init' | 'up' | 'active' | 'dead' | 'ping', isLocal = false, nodeType: 'normal' | 'ping' = 'normal'): HeartbeatEvent =>
      ({ kind: 'nodeStatus', node, nodeType, status, previous: 'init', isLocal });
    for (const st of ['init', 'up', 'active'] as const) {
      expect(toManagerEvent(status('bravo', st), ctx)).toEqual({ event: { type: 'peer-status', now: 1234, peer: 'bravo', status: st } });
    }
    expect(toManagerEvent(status('bravo', 'dead'), ctx)).toBeUndefined();
    expect(toManagerEvent(status('alpha', 'active', true), ctx)).toBeUndefined();
    expect(toManagerEvent(status('gw', 'ping', false, 'ping'), ctx)).toBeUndefined();
  });

  it('maps a dead, restarted or returning peer; a dead ping node is not the manager\'s business', () => {
    expect(toManagerEvent({ kind: 'peerDead', node: 'bravo', nodeType: 'normal' }, ctx)).toEqual({ event: { type: 'peer-dead', now: 1234, peer: 'bravo' } });
    expect(toManagerEvent({ kind: 'peerDead', node: 'gw', nodeType: 'ping' }, ctx)).toBeUndefined();
    expect(toManagerEvent({ kind: 'peerRestarted', node: 'bravo', generation: 3, previousGeneration: 2 }, ctx)).toEqual({
      event: { type: 'peer-restarted', now: 1234, peer: 'bravo' },
    });
    expect(toManagerEvent({ kind: 'peerReturnedAfterPartition', node: 'bravo' }, ctx)).toEqual({ event: { type: 'peer-returned', now: 1234, peer: 'bravo' } });
  });

  it('a peer\'s cluster message becomes a manager message with the raw message as its trigger; our own and unusable ones do not', () => {
    const message = messageOf([['t', 'ip-request'], ['src', 'Bravo'], ['rsc_hold', 'local']]);
    const mapped = toManagerEvent({ kind: 'message', message, type: 'ip-request', from: 'bravo', fromSelf: false }, ctx);
    expect(mapped).toEqual({ event: { type: 'message', now: 1234, message: { t: 'ip-request', src: 'bravo', rsc_hold: 'local' } }, trigger: message });
    expect(toManagerEvent({ kind: 'message', message, type: 'ip-request', from: 'alpha', fromSelf: true }, ctx)).toBeUndefined();
    const noSrc = messageOf([['t', 'starting']]);
    expect(toManagerEvent({ kind: 'message', message: noSrc, type: 'starting', from: 'bravo', fromSelf: false }, ctx)).toEqual({
      unusable: 'cluster message from bravo not usable by the resource manager: cluster message t=starting without a src field',
    });
  });

  it('an overheard message (a peer\'s, for another node) reaches the manager without a trigger: it starts nothing by itself', () => {
    const message = messageOf([['t', 'ip-request-resp'], ['src', 'alpha'], ['dest', 'alpha'], ['ipaddr', '10.0.0.1'], ['ok', 'OK']]);
    expect(toManagerEvent({ kind: 'overheard', message, messageType: 'ip-request-resp', from: 'alpha' }, ctx)).toEqual({
      event: { type: 'message', now: 1234, message: { t: 'ip-request-resp', src: 'alpha', dest: 'alpha', ipaddr: '10.0.0.1', ok: 'OK' } },
    });
    expect(toManagerEvent({ kind: 'overheard', message: messageOf([['t', 'x']]), messageType: 'x', from: 'alpha' }, ctx)).toBeUndefined();
  });

  it('the shell\'s own signals do not reach the manager', () => {
    const ignored: HeartbeatEvent[] = [
      { kind: 'linkStatus', node: 'bravo', link: 'eth0', status: 'up' },
      { kind: 'lateHeartbeat', node: 'bravo', intervalMs: 900, beyondDeadtime: true },
      { kind: 'localHeartbeatLost' },
      { kind: 'nodeListChanged', added: [], removed: ['charlie'] },
      { kind: 'badPacket', address: '10.0.0.9', port: 694, link: 'eth0', reason: 'bad auth' },
    ];
    for (const e of ignored) expect(toManagerEvent(e, ctx)).toBeUndefined();
  });
});

describe('timelineEntryOf', () => {
  it('records deaths, returns, links of peers, restarts and partitions', () => {
    expect(timelineEntryOf({ kind: 'peerDead', node: 'gw', nodeType: 'ping' }, 'alpha')).toEqual({ kind: 'node-dead', node: 'gw', text: 'ping node gw is dead' });
    expect(timelineEntryOf({ kind: 'nodeStatus', node: 'bravo', nodeType: 'normal', status: 'active', previous: 'dead', isLocal: false }, 'alpha')).toEqual({
      kind: 'node-up', node: 'bravo', text: 'node bravo is back (active)',
    });
    expect(timelineEntryOf({ kind: 'nodeStatus', node: 'bravo', nodeType: 'normal', status: 'active', previous: 'up', isLocal: false }, 'alpha')).toBeUndefined();
    expect(timelineEntryOf({ kind: 'linkStatus', node: 'bravo', link: 'eth1', status: 'dead' }, 'alpha')).toEqual({ kind: 'link-dead', node: 'bravo', text: 'link bravo:eth1 dead' });
    expect(timelineEntryOf({ kind: 'linkStatus', node: 'alpha', link: 'eth1', status: 'dead' }, 'alpha')).toBeUndefined();
    expect(timelineEntryOf({ kind: 'peerRestarted', node: 'bravo', generation: 9, previousGeneration: 8 }, 'alpha')).toMatchObject({ kind: 'peer-restart', text: 'heartbeat restarted on bravo (generation 9)' });
    expect(timelineEntryOf({ kind: 'peerReturnedAfterPartition', node: 'bravo' }, 'alpha')).toMatchObject({ kind: 'partition', node: 'bravo' });
  });
});
