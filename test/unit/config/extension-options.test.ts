import { describe, expect, it } from 'vitest';
import { EXTENSION_DEFAULTS, parseExtensionOptions } from '../../../src/config/extension-options.js';
import type { ConfigProblem } from '../../../src/config/types.js';

const parse = (text: string) => parseExtensionOptions(text, 'heartbeat-ts.ini');
const show = (p: ConfigProblem): string => `${p.severity} ${p.line}: ${p.message}`;

describe('heartbeat-ts.ini', () => {
  it('an empty file gives the documented defaults', () => {
    const r = parse('');
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ file: 'heartbeat-ts.ini', ...EXTENSION_DEFAULTS });
    expect(EXTENSION_DEFAULTS).toEqual({
      resources: {
        startTimeout: 120_000,
        stopTimeout: 120_000,
        statusTimeout: 30_000,
        stopRetries: 10,
        stopRetryInterval: 1000,
        onStopFailure: 'block',
        failedStartStandbyDelay: 30_000,
        // Heartbeat's RQSTDELAY (spec §9.3)
        startupFallbackDelay: 10_000,
        // issue 12: groups of one move start or stop up to 16 at a time
        parallelGroups: 16,
      },
      // resource-agents IPaddr2: arp_count 5, arp_interval 200 (ms); send_arp sends request + reply
      arp: { count: 5, interval: 200, mode: 'both' },
      log: { format: 'text' },
      // off unless [http] listen is set (issue 14)
      http: { listen: null },
      notify: { dir: null, fifo: null, file: null, timeout: 30_000 },
      // issue 13: on with ha.cf's `respawn … ipfail`; giveup_delay null = 2 × keepalive (ipfail's)
      ipfail: { enabled: 'auto', giveupDelay: null, returnDelay: 10_000, trackInterfaces: [] },
    });
  });

  it('[ipfail]: switch, delays and tracked interfaces (issue 13)', () => {
    const r = parse('[ipfail]\nenabled = On\ngiveup_delay = 500ms\nreturn_delay = 30s\ntrack_interface = eth0, eth1 eth1 bond0.100\n');
    expect(r.problems).toEqual([]);
    expect(r.value.ipfail).toEqual({ enabled: 'on', giveupDelay: 500, returnDelay: 30_000, trackInterfaces: ['eth0', 'eth1', 'bond0.100'] });
    expect(parse('[ipfail]\nenabled = maybe\ntrack_interface = eth0 bad/name\ngiveup_dely = 1\n').problems.map(show)).toEqual([
      'error 2: enabled: "maybe" is not one of auto, on, off',
      'error 3: track_interface: "bad/name" is not a network interface name (1 to 15 characters, no "/", space or ":")',
      'error 4: unknown key "giveup_dely" in [ipfail] (did you mean "giveup_delay"?); known keys: enabled, giveup_delay, return_delay, track_interface',
    ]);
  });

  it('reads every key, with Heartbeat times (and an s suffix), comments and case-insensitive choices', () => {
    const r = parse(
      [
        '; comment',
        '[resources]',
        'start_timeout = 60',
        'stop_timeout = 1500ms ; inline comment',
        'status_timeout = 10s',
        'stop_retries = 3',
        'stop_retry_interval = 500ms',
        'on_stop_failure = Reboot',
        'failed_start_standby_delay = 0',
        'startup_fallback_delay = 2',
        'parallel_groups = 4',
        '# another comment',
        '[arp]',
        'count = 3',
        'interval = 1',
        'mode = request',
        '[log]',
        'format = json',
      ].join('\n'),
    );
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({
      file: 'heartbeat-ts.ini',
      resources: {
        startTimeout: 60_000,
        stopTimeout: 1500,
        statusTimeout: 10_000,
        stopRetries: 3,
        stopRetryInterval: 500,
        onStopFailure: 'reboot',
        failedStartStandbyDelay: 0,
        startupFallbackDelay: 2_000,
        parallelGroups: 4,
      },
      arp: { count: 3, interval: 1000, mode: 'request' },
      log: { format: 'json' },
      http: { listen: null },
      notify: { dir: null, fifo: null, file: null, timeout: 30_000 },
      ipfail: EXTENSION_DEFAULTS.ipfail,
    });
  });

  it.each([
    ['[resource]\nstart_timeout = 5\n', 'error 1: unknown section [resource] (did you mean [resources]?); known sections: [resources], [arp], [log], [http], [notify], [ipfail]'],
    ['[resources]\nstart_timout = 5\n', 'error 2: unknown key "start_timout" in [resources] (did you mean "start_timeout"?); known keys: start_timeout, stop_timeout, status_timeout, stop_retries, stop_retry_interval, on_stop_failure, failed_start_standby_delay, startup_fallback_delay, parallel_groups'],
    ['[resources]\nparallel_groups = 0\n', 'error 2: parallel_groups: 0 is out of range (expected 1..256)'],
    ['[resources]\nstart_timeout = 2 min\n', 'error 2: start_timeout: "2 min" is not a Heartbeat time: there is no minute unit; write seconds (120)'],
    ['[resources]\nstart_timeout = 2 hours\n', 'error 2: start_timeout: "2 hours" is not a time: write seconds (2, 1.5) or milliseconds (1500ms) or microseconds (500us)'],
    ['[resources]\nstart_timeout = 0\n', 'error 2: start_timeout: "0" is too short: at least 1 ms'],
    ['[resources]\non_stop_failure = panic\n', 'error 2: on_stop_failure: "panic" is not one of block, shutdown, reboot'],
    ['[arp]\nmode = gratuitous\n', 'error 2: mode: "gratuitous" is not one of request, reply, both'],
    ['[arp]\ncount = -1\n', 'error 2: count: "-1" is not a whole number (expected 0..1000)'],
    ['[log]\nformat = xml\n', 'error 2: format: "xml" is not one of text, json'],
    ['format = json\n', 'error 1: "format" is outside any section: put it under a [section] line'],
    ['[log]\nformat\n', 'error 2: "format" is neither a [section] nor a "key = value" line'],
    ['[log]\nformat = text\nformat = json\n', 'error 3: format is set twice in [log] (first on line 2)'],
    ['[log]\n[log]\n', 'error 2: section [log] appears twice (first on line 1): merge them'],
    ['[log\n', 'error 1: "[log" is not a section header: write [name] alone on its line'],
    ['[log]\nformat =\n', 'error 2: format has no value'],
  ])('%j is refused with its line', (text, message) => {
    expect(parse(text).problems.map(show)).toEqual([message]);
  });

  describe('[http] listen', () => {
    it('takes IPv4 and bracketed IPv6 literals with a port', () => {
      expect(parse('[http]\nlisten = 127.0.0.1:9644\n').value.http.listen).toEqual({ host: '127.0.0.1', port: 9644 });
      expect(parse('[http]\nlisten = [::1]:9644\n').value.http.listen).toEqual({ host: '::1', port: 9644 });
      expect(parse('[http]\nlisten = 127.0.0.1:9644\n').problems).toEqual([]);
    });

    it('refuses what is not ADDRESS:PORT, naming the line', () => {
      const cases: Array<[string, RegExp]> = [
        ['9644', /is not ADDRESS:PORT/],
        ['localhost:9644', /"localhost" is not an IP address/],
        ['::1:9644', /is not ADDRESS:PORT/],
        ['[127.0.0.1]:9644', /not an IP address \(IPv6\)/],
        ['127.0.0.1:0', /port 0 is out of range/],
        ['127.0.0.1:70000', /port 70000 is out of range/],
        ['300.1.1.1:9644', /not an IP address/],
      ];
      for (const [value, message] of cases) {
        const r = parse(`[http]\n\nlisten = ${value}\n`);
        expect(r.problems.map(show)).toEqual([expect.stringMatching(new RegExp(`^error 3: listen: .*${message.source}`))]);
        expect(r.value.http.listen).toBeNull();
      }
      expect(parse('[http]\nlisten =\n').problems.map(show)).toEqual(['error 2: listen has no value']);
      expect(parse('[http]\nlisen = 127.0.0.1:1\n').problems.map(show)).toEqual([expect.stringMatching(/^error 2: unknown key "lisen" in \[http\] \(did you mean "listen"\?\)/)]);
    });

    it('warns, on the listen line, when the address is not loopback (no authentication)', () => {
      const r = parse('[log]\nformat = text\n[http]\nlisten = 0.0.0.0:9644\n');
      expect(r.value.http.listen).toEqual({ host: '0.0.0.0', port: 9644 });
      expect(r.problems.map(show)).toEqual([expect.stringMatching(/^warning 4: http listen 0\.0\.0\.0:9644 is not a loopback address/)]);
    });
  });

  describe('[notify]', () => {
    it('reads dir, fifo, file and timeout', () => {
      const r = parse('[notify]\ndir = /etc/ha.d/notify.d\nfifo = /run/hb.fifo\nfile = /var/log/hb-events\ntimeout = 5s\n');
      expect(r.problems).toEqual([]);
      expect(r.value.notify).toEqual({ dir: '/etc/ha.d/notify.d', fifo: '/run/hb.fifo', file: '/var/log/hb-events', timeout: 5000 });
      expect(parse('[notify]\ndir = None\n').value.notify.dir).toBe('none');
    });

    it.each([
      ['[notify]\ndir = notify.d\n', 'error 2: dir: "notify.d" is not an absolute path: write the full path of the notify.d directory (or none)'],
      ['[notify]\nfifo = hb.fifo\n', 'error 2: fifo: "hb.fifo" is not an absolute path: write the full path of the FIFO'],
      ['[notify]\nfile = none\n', 'error 2: file: "none" is not an absolute path: write the full path of the event file'],
      ['[notify]\ntimeout = 0\n', 'error 2: timeout: "0" is too short: at least 1 ms'],
      ['[notify]\nfifo =\n', 'error 2: fifo has no value'],
      ['[notify]\ndirectory = /x\n', 'error 2: unknown key "directory" in [notify]; known keys: dir, fifo, file, timeout'],
    ])('%j is refused with its line', (text, message) => {
      expect(parse(text).problems.map(show)).toEqual([message]);
    });
  });
});
