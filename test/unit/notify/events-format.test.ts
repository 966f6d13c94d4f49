import { describe, expect, it } from 'vitest';
import {
  eventArgs,
  eventEnvironment,
  eventLine,
  groupReason,
  MAX_LINE_BYTES,
  NOTIFY_EVENT_NAMES,
  NOTIFY_REASONS,
  type NotifyEvent,
  type StampedEvent,
} from '../../../src/notify/index.js';
import type { Activity } from '../../../src/observe/index.js';

const homes = new Map([
  ['IPaddr::10.0.0.100', 'alpha'],
  ['IPaddr::10.0.0.101', 'bravo'],
]);
const reason = (a: Activity | undefined, key = 'IPaddr::10.0.0.100', local = 'alpha'): string => groupReason(a, local, (k) => homes.get(k), key);
const stamp = (event: NotifyEvent, seq = 7, dropped = 0): StampedEvent => ({ seq, at: '2026-12-03T14:00:00.000Z', event, dropped });

describe('group reasons from the manager activity', () => {
  it('names every reason the issue asks for, ipfail and link included', () => {
    for (const r of ['takeover', 'standby', 'probe', 'ipfail', 'link', 'failback', 'shutdown', 'startup']) expect(NOTIFY_REASONS).toContain(r);
    expect(NOTIFY_EVENT_NAMES).toEqual([
      'node-up', 'node-dead', 'group-acquiring', 'group-held', 'group-releasing', 'group-released', 'group-failed', 'probe-fall', 'probe-rise', 'config-reloaded',
    ]);
  });

  it.each<[string, Activity | undefined, string, string]>([
    ['a dead peer', { kind: 'mach-down', peer: 'bravo', reason: 'node bravo is dead' }, 'IPaddr::10.0.0.101', 'takeover'],
    ['a peer that shut down', { kind: 'mach-down', peer: 'bravo', reason: 'bravo shut down' }, 'IPaddr::10.0.0.101', 'takeover'],
    ['start-up', { kind: 'acquire-local', getAnyway: false, reason: 'start-up', ask: true }, 'IPaddr::10.0.0.100', 'startup'],
    ['start-up alone, the peer dead', { kind: 'acquire-local', getAnyway: true, reason: 'bravo is dead', ask: false }, 'IPaddr::10.0.0.100', 'takeover'],
    ['auto_failback, the giver', { kind: 'standby-release', rsc: 2, reason: 'given to the other node (auto_failback)' } as Activity, 'IPaddr::10.0.0.101', 'failback'],
    ['hb_standby, the giver', { kind: 'standby-release', rsc: 1, reason: 'given to the other node (hb_standby all)' } as Activity, 'IPaddr::10.0.0.100', 'standby'],
    ['groups coming home, the taker', { kind: 'standby-acquire', rsc: 2, acquire: 1, reason: 'given by bravo (standby [foreign])' } as Activity, 'IPaddr::10.0.0.100', 'failback'],
    ['groups leaving home, the taker', { kind: 'standby-acquire', rsc: 1, acquire: 2, reason: 'given by bravo (standby [local])' } as Activity, 'IPaddr::10.0.0.101', 'standby'],
    ['an application probe hand-over', { kind: 'standby-release', rsc: 1, reason: 'given to the other node (hand-over of IPaddr::10.0.0.100: application probe: web failed 3 times)' } as Activity, 'IPaddr::10.0.0.100', 'probe'],
    ['an ipfail hand-over', { kind: 'standby-release', rsc: 1, reason: 'given to the other node (hand-over of IPaddr::10.0.0.100: ipfail: ping nodes lost)' } as Activity, 'IPaddr::10.0.0.100', 'ipfail'],
    ['a link hand-over', { kind: 'standby-release', rsc: 1, reason: 'given to the other node (hand-over of IPaddr::10.0.0.100: track_interface eth1 down)' } as Activity, 'IPaddr::10.0.0.100', 'link'],
    ['a failed start hand-over', { kind: 'standby-release', rsc: 1, reason: 'given to the other node (hand-over of IPaddr::10.0.0.100: failed to start here)' } as Activity, 'IPaddr::10.0.0.100', 'failed-start'],
    ['shutdown', { kind: 'giveup-all', reason: 'shutdown' }, 'IPaddr::10.0.0.100', 'shutdown'],
    ['partition heal', { kind: 'release', keys: ['IPaddr::10.0.0.100'], reason: 'partition heal: bravo holds it' }, 'IPaddr::10.0.0.100', 'partition'],
    ['start-up conflict', { kind: 'release', keys: ['IPaddr::10.0.0.100'], reason: 'found running at start-up' }, 'IPaddr::10.0.0.100', 'startup'],
    ['a release for nothing known', { kind: 'release', keys: ['IPaddr::10.0.0.100'], reason: 'because' }, 'IPaddr::10.0.0.100', 'other'],
    ['legacy ip-request, the giver', { kind: 'legacy-give', key: 'IPaddr::10.0.0.100', asker: 'bravo' }, 'IPaddr::10.0.0.100', 'ip-request'],
    ['legacy ip-request-resp, the taker', { kind: 'legacy-take', key: 'IPaddr::10.0.0.100', from: 'bravo' }, 'IPaddr::10.0.0.100', 'ip-request'],
    ['an aborted standby', { kind: 'reacquire', keys: ['IPaddr::10.0.0.100'], reason: 'standby aborted' }, 'IPaddr::10.0.0.100', 'standby'],
    ['completing a half-running group', { kind: 'complete', keys: ['IPaddr::10.0.0.100'], reason: 'half running at start-up' }, 'IPaddr::10.0.0.100', 'startup'],
    ['no activity', undefined, 'IPaddr::10.0.0.100', 'other'],
  ])('%s: %s', (_name, activity, key, expected) => {
    expect(reason(activity, key)).toBe(expected);
    expect(NOTIFY_REASONS).toContain(expected);
  });
});

describe('an event as arguments, environment and line', () => {
  const held = stamp({ kind: 'group-held', group: 'IPaddr::10.0.0.100/24/eth0', reason: 'takeover', detail: 'node alpha is dead' });

  it('group events: EVENT GROUP REASON, HA_NOTIFY_* with group and reason', () => {
    expect(eventArgs(held, '/etc/ha.d')).toEqual(['group-held', 'IPaddr::10.0.0.100/24/eth0', 'takeover']);
    expect(eventEnvironment(held, '/etc/ha.d')).toEqual({
      HA_NOTIFY_EVENT: 'group-held',
      HA_NOTIFY_SEQ: '7',
      HA_NOTIFY_TIME: '2026-12-03T14:00:00.000Z',
      HA_NOTIFY_SUBJECT: 'IPaddr::10.0.0.100/24/eth0',
      HA_NOTIFY_DETAIL: 'node alpha is dead',
      HA_NOTIFY_DROPPED: '0',
      HA_NOTIFY_GROUP: 'IPaddr::10.0.0.100/24/eth0',
      HA_NOTIFY_REASON: 'takeover',
    });
    expect(eventLine(held, '/etc/ha.d')).toBe('2026-12-03T14:00:00.000Z 7 group-held IPaddr::10.0.0.100/24/eth0 takeover node alpha is dead\n');
  });

  it('group-failed carries the operation', () => {
    const failed = stamp({ kind: 'group-failed', group: 'g', reason: 'failback', op: 'start', detail: 'start failed (x)' });
    expect(eventArgs(failed, '/c')).toEqual(['group-failed', 'g', 'failback']);
    expect(eventEnvironment(failed, '/c')).toMatchObject({ HA_NOTIFY_OP: 'start', HA_NOTIFY_GROUP: 'g', HA_NOTIFY_REASON: 'failback' });
  });

  it('node events: EVENT NODE, with type and status', () => {
    const up = stamp({ kind: 'node-up', node: 'alpha', nodeType: 'normal', status: 'up' });
    const dead = stamp({ kind: 'node-dead', node: '10.0.0.254', nodeType: 'ping' });
    expect(eventArgs(up, '/c')).toEqual(['node-up', 'alpha']);
    expect(eventEnvironment(up, '/c')).toMatchObject({ HA_NOTIFY_NODE: 'alpha', HA_NOTIFY_NODE_TYPE: 'normal', HA_NOTIFY_STATUS: 'up', HA_NOTIFY_DETAIL: 'node alpha is up' });
    expect(eventEnvironment(up, '/c')).not.toHaveProperty('HA_NOTIFY_REASON');
    expect(eventLine(dead, '/c')).toBe('2026-12-03T14:00:00.000Z 7 node-dead 10.0.0.254 - ping node 10.0.0.254 is dead\n');
    expect(eventEnvironment(dead, '/c')).toMatchObject({ HA_NOTIFY_STATUS: 'dead', HA_NOTIFY_NODE_TYPE: 'ping' });
  });

  it('probe and reload events', () => {
    const fall = stamp({ kind: 'probe-fall', probe: 'web check', group: 'g', detail: '3 failures:\nHTTP 503' });
    expect(eventArgs(fall, '/c')).toEqual(['probe-fall', 'web check']);
    expect(eventEnvironment(fall, '/c')).toMatchObject({ HA_NOTIFY_PROBE: 'web check', HA_NOTIFY_GROUP: 'g', HA_NOTIFY_DETAIL: '3 failures: HTTP 503' });
    // Fields never hold white space: `read time seq event subject reason detail` splits right.
    expect(eventLine(fall, '/c')).toBe('2026-12-03T14:00:00.000Z 7 probe-fall web_check - 3 failures: HTTP 503\n');
    const rise = stamp({ kind: 'probe-rise', probe: 'node', detail: 'passes' });
    expect(eventEnvironment(rise, '/c')).not.toHaveProperty('HA_NOTIFY_GROUP');
    const reload = stamp({ kind: 'config-reloaded', detail: 'applied: keepalive' });
    expect(eventArgs(reload, '/etc/ha.d')).toEqual(['config-reloaded', '/etc/ha.d']);
    expect(eventLine(reload, '/etc/ha.d')).toBe('2026-12-03T14:00:00.000Z 7 config-reloaded /etc/ha.d - applied: keepalive\n');
  });

  it('says how many events were dropped before this one', () => {
    const e = stamp({ kind: 'node-up', node: 'a', nodeType: 'normal', status: 'active' }, 12, 3);
    expect(eventEnvironment(e, '/c').HA_NOTIFY_DROPPED).toBe('3');
    expect(eventLine(e, '/c')).toMatch(/ \(3 earlier event\(s\) dropped\)\n$/);
  });

  it('a line is never longer than PIPE_BUF, so a FIFO write stays atomic', () => {
    for (const filler of ['x', 'é', '日', '😀']) {
      const e = stamp({ kind: 'config-reloaded', detail: filler.repeat(5000) });
      const line = eventLine(e, '/c');
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
      expect(Buffer.byteLength(line)).toBeGreaterThan(MAX_LINE_BYTES - 8);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
    }
  });
});
