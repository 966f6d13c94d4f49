// probes.ini (issue 6): good files parse to the typed ProbeConfig, every bad
// one is refused with FILE:LINE and a sentence, and no input ever throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProbes, parseProbeTime, PROBE_DEFAULTS } from '../../../src/config/probes.js';
import type { ProbeConfig } from '../../../src/config/types.js';

const FILE = '/etc/ha.d/probes.ini';
const GROUPS = ['10.0.0.100', 'IPaddr::10.0.0.101/24', 'nginx'];

function formatted(text: string, groups: readonly string[] = GROUPS): string[] {
  return parseProbes(text, FILE, groups).problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
}

// The example of issue 6, verbatim.
const ISSUE_SAMPLE = `[nginx]
url = http://127.0.0.1/index.html
expect_status = 200
; optional: expect_md5 = <md5 of the body>, like keepalived's HTTP_GET digest
schedule = */5 * * * * *   ; cron with seconds field (node-cron)
; or: interval = 500ms
timeout = 2s
fall = 2        ; consecutive failures before acting
rise = 2        ; consecutive successes before the node is eligible again
group = 10.0.0.100   ; the haresources group this probe guards (first resource names it)
action = standby     ; standby | shutdown
`;

describe('parseProbes: good files', () => {
  it("parses issue 6's sample verbatim, inline comments included", () => {
    const { probes, problems } = parseProbes(ISSUE_SAMPLE, FILE, GROUPS);
    expect(problems).toEqual([]);
    expect(probes).toEqual<ProbeConfig[]>([
      {
        name: 'nginx',
        line: 1,
        url: 'http://127.0.0.1/index.html',
        expectStatus: 200,
        schedule: '*/5 * * * * *',
        timeout: 2000,
        fall: 2,
        rise: 2,
        group: '10.0.0.100',
        action: 'standby',
      },
    ]);
  });

  it('an empty file, or one with only comments, means no probes', () => {
    for (const text of ['', '\n\n', '; nothing\n# here\n   \n']) {
      expect(parseProbes(text, FILE, GROUPS)).toEqual({ probes: [], problems: [] });
    }
  });

  it('fills defaults (HAProxy-like fall 3 / rise 2, status 200, standby) and keeps several probes in order', () => {
    const text = [
      '# two probes',
      '[web]',
      'url = https://localhost:8443/health',
      'schedule = */1 * * * *',
      '',
      '[api]',
      'url=http://[::1]:8080/ping',
      'interval=500ms',
      'expect_md5 = D41D8CD98F00B204E9800998ECF8427E',
      'action = shutdown',
      'expect_status = 204',
    ].join('\n');
    const { probes, problems } = parseProbes(text, FILE, GROUPS);
    expect(problems).toEqual([]);
    expect(probes).toEqual<ProbeConfig[]>([
      {
        name: 'web',
        line: 2,
        url: 'https://localhost:8443/health',
        schedule: '*/1 * * * *',
        expectStatus: PROBE_DEFAULTS.expectStatus,
        timeout: 2000,
        fall: 3,
        rise: 2,
        action: 'standby',
      },
      {
        name: 'api',
        line: 6,
        url: 'http://[::1]:8080/ping',
        interval: 500,
        // default timeout is at most half the interval, so it ends before the next run
        timeout: 250,
        expectMd5: 'd41d8cd98f00b204e9800998ecf8427e',
        expectStatus: 204,
        fall: 3,
        rise: 2,
        action: 'shutdown',
      },
    ]);
  });

  it('reads CRLF files, a BOM, # comments, quoted values with ; inside, and a comment after a section header', () => {
    const text = '\uFEFF[a] ; the first\r\nurl = "http://127.0.0.1/a;b"\r\ninterval = 3 # seconds\r\ntimeout = 1500000us\r\ngroup = \'IPaddr::10.0.0.101/24\'\r\n';
    const { probes, problems } = parseProbes(text, FILE, GROUPS);
    expect(problems).toEqual([]);
    expect(probes[0]).toMatchObject({
      name: 'a',
      url: 'http://127.0.0.1/a;b',
      interval: 3000,
      timeout: 1500,
      group: 'IPaddr::10.0.0.101/24',
    });
  });

  it('accepts a dotted probe name as one probe (ini.parse would nest it)', () => {
    const { probes, problems } = parseProbes('[web.v2]\nurl = http://h/\ninterval = 1\n', FILE, GROUPS);
    expect(problems).toEqual([]);
    expect(probes.map((p) => p.name)).toEqual(['web.v2']);
  });
});

describe('parseProbes: command probes (keepalived vrrp_script, "pidof nginx")', () => {
  it('takes a command instead of a url, with the same schedule, timeout, fall, rise, group and action', () => {
    const text = '[nginx-alive]\ncommand = pidof nginx\ninterval = 2\ntimeout = 1s\nfall = 2\nrise = 3\ngroup = nginx\n\n[script]\ncommand = "/usr/local/bin/check; echo done"\nschedule = */5 * * * * *\n';
    const { probes, problems } = parseProbes(text, FILE, GROUPS);
    expect(problems).toEqual([]);
    expect(probes).toEqual([
      { name: 'nginx-alive', line: 1, command: 'pidof nginx', expectStatus: 200, interval: 2000, timeout: 1000, fall: 2, rise: 3, group: 'nginx', action: 'standby' },
      {
        name: 'script',
        line: 9,
        command: '/usr/local/bin/check; echo done',
        expectStatus: 200,
        schedule: '*/5 * * * * *',
        timeout: PROBE_DEFAULTS.timeout,
        fall: 3,
        rise: 2,
        action: 'standby',
      },
    ]);
  });

  it.each([
    [
      'both url and command',
      '[a]\nurl = http://x/\ncommand = true\ninterval = 1\n',
      [`${FILE}:3: [a] sets both url (line 2) and command (line 3); a probe is one or the other`],
    ],
    [
      'an HTTP-only key on a command probe',
      '[a]\ncommand = true\nexpect_status = 204\nexpect_md5 = 0123456789abcdef0123456789abcdef\ninterval = 1\n',
      [
        `${FILE}:3: expect_status is for url probes; [a] runs a command, whose success is exit status 0`,
        `${FILE}:4: expect_md5 is for url probes; [a] runs a command, whose success is exit status 0`,
      ],
    ],
    ['an empty command', '[a]\ncommand =\ninterval = 1\n', [`${FILE}:2: command in [a] has no value`]],
    ['a command with a control character', '[a]\ncommand = true\u0007\ninterval = 1\n', [`${FILE}:2: command "true\u0007" contains a control character`]],
    ['the timeout not below the interval', '[a]\ncommand = true\ninterval = 1\ntimeout = 1\n', [`${FILE}:4: timeout 1s must be shorter than interval 1s in [a], so that a probe ends before the next one is due`]],
  ])('%s', (_name, text, expected) => {
    expect(formatted(text)).toEqual(expected);
    expect(parseProbes(text, FILE, GROUPS).probes).toEqual([]);
  });
});

describe('parseProbeTime: Heartbeat times plus an s suffix', () => {
  it.each([
    ['2', 2000],
    ['1.5', 1500],
    ['.25', 250],
    ['500ms', 500],
    ['2s', 2000],
    ['1500000us', 1500],
    ['2000usec', 2],
    ['86400', 86_400_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseProbeTime(text)).toBe(ms);
  });

  it.each([
    ['2 s', 'is not a time'],
    ['30sec', 'is not a time'],
    ['-1', 'is not a time'],
    ['1e3', 'is not a time'],
    ['', 'is not a time'],
    ['0', 'is too short'],
    ['100us', 'is too short'],
    ['86401', 'is too long'],
    ['9'.repeat(400), 'is too long'],
  ])('%s is refused (%s)', (text, why) => {
    expect(parseProbeTime(text)).toEqual(expect.stringContaining(why));
  });
});

describe('parseProbes: broken files, each problem at FILE:LINE', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'key before any section',
      'url = http://x/\n',
      [`${FILE}:1: "url" is outside any probe: start a probe with a [name] line first`],
    ],
    [
      'a bare word',
      '[a]\nurl = http://x/\ninterval = 1\nfall\n',
      [`${FILE}:4: "fall" is neither a [section] nor a \"key = value\" line`],
    ],
    [
      'unknown key',
      '[a]\nurl = http://x/\ninterval = 1\nretries = 3\n',
      [
        `${FILE}:4: unknown key "retries" in [a]; known keys: url, command, expect_status, expect_md5, schedule, interval, timeout, fall, rise, group, action`,
      ],
    ],
    [
      'duplicate section',
      '[a]\nurl = http://x/\ninterval = 1\n\n[a]\nurl = http://y/\ninterval = 1\n',
      [`${FILE}:5: probe [a] is defined twice (first on line 1)`],
    ],
    [
      'duplicate key',
      '[a]\nurl = http://x/\ninterval = 1\nurl = http://y/\n',
      [`${FILE}:4: url is given twice in [a] (first on line 2)`],
    ],
    [
      'bad section header',
      '[a\nurl = http://x/\n',
      [
        `${FILE}:1: "[a" is not a section header: write [name] alone on its line`,
        `${FILE}:2: "url" is outside any probe: start a probe with a [name] line first`,
      ],
    ],
    [
      'bad section name',
      '[my probe]\nurl = http://x/\ninterval = 1\n',
      [`${FILE}:1: probe name "my probe" must be 1 to 64 letters, digits or _ . : @ -, starting with a letter or digit`],
    ],
    [
      'empty section name',
      '[]\nurl = http://x/\ninterval = 1\n',
      [`${FILE}:1: probe name "" must be 1 to 64 letters, digits or _ . : @ -, starting with a letter or digit`],
    ],
    ['no key', '[a]\nurl = http://x/\ninterval = 1\n= 3\n', [`${FILE}:4: "= 3" has no key before "="`]],
    [
      'missing url and timing',
      '[a]\nfall = 2\n',
      [
        `${FILE}:1: [a] needs a url (url = http://127.0.0.1/) or a command (command = pidof nginx)`,
        `${FILE}:1: [a] needs a schedule (cron, e.g. */5 * * * * *) or an interval (e.g. 500ms)`,
      ],
    ],
    ['empty value', '[a]\nurl =\ninterval = 1\n', [`${FILE}:2: url in [a] has no value`]],
    ['ftp url', '[a]\nurl = ftp://x/\ninterval = 1\n', [`${FILE}:2: url "ftp://x/" must start with http:// or https://`]],
    [
      'not a url',
      '[a]\nurl = 127.0.0.1/index.html\ninterval = 1\n',
      [`${FILE}:2: url "127.0.0.1/index.html" is not a valid URL (e.g. http://127.0.0.1/index.html)`],
    ],
    [
      'bad status',
      '[a]\nurl = http://x/\ninterval = 1\nexpect_status = 2000\n',
      [`${FILE}:4: expect_status "2000" must be an HTTP status code from 100 to 599`],
    ],
    [
      'status out of range',
      '[a]\nurl = http://x/\ninterval = 1\nexpect_status = 099\n',
      [`${FILE}:4: expect_status "099" must be an HTTP status code from 100 to 599`],
    ],
    [
      'bad md5',
      '[a]\nurl = http://x/\ninterval = 1\nexpect_md5 = abc\n',
      [`${FILE}:4: expect_md5 "abc" must be 32 hexadecimal digits (the md5 of the expected body)`],
    ],
    [
      'cron with too few fields',
      '[a]\nurl = http://x/\nschedule = * * *\n',
      [`${FILE}:3: schedule "* * *" is not a valid cron expression: expected 5 or 6 fields but got 3`],
    ],
    [
      'cron with a bad minute',
      '[a]\nurl = http://x/\nschedule = 61 * * * *\n',
      [`${FILE}:3: schedule "61 * * * *" is not a valid cron expression: 61 is a invalid expression for minute`],
    ],
    [
      'schedule and interval',
      '[a]\nurl = http://x/\nschedule = * * * * *\ninterval = 5\n',
      [`${FILE}:4: [a] sets both schedule (line 3) and interval (line 4); keep one of them`],
    ],
    [
      'interval with a space',
      '[a]\nurl = http://x/\ninterval = 2 s\n',
      [`${FILE}:3: interval "2 s" is not a time: write seconds (2, 1.5) or a number with ms, us or s (500ms, 2s)`],
    ],
    [
      'timeout not below interval',
      '[a]\nurl = http://x/\ninterval = 1\ntimeout = 1s\n',
      [
        `${FILE}:4: timeout 1s must be shorter than interval 1s in [a], so that a probe ends before the next one is due`,
      ],
    ],
    [
      'zero timeout',
      '[a]\nurl = http://x/\ninterval = 1\ntimeout = 0\n',
      [`${FILE}:4: timeout "0" is too short: at least 1ms`],
    ],
    [
      'fall zero',
      '[a]\nurl = http://x/\ninterval = 1\nfall = 0\n',
      [`${FILE}:4: fall "0" must be a whole number from 1 to 1000`],
    ],
    [
      'rise not a number',
      '[a]\nurl = http://x/\ninterval = 1\nrise = two\n',
      [`${FILE}:4: rise "two" must be a whole number from 1 to 1000`],
    ],
    [
      'unknown group',
      '[a]\nurl = http://x/\ninterval = 1\ngroup = 10.0.0.9\n',
      [
        `${FILE}:4: group "10.0.0.9" is not a haresources group (the first resource of a line names it); haresources groups: 10.0.0.100, IPaddr::10.0.0.101/24, nginx`,
      ],
    ],
    [
      'bad action',
      '[a]\nurl = http://x/\ninterval = 1\naction = reboot\n',
      [`${FILE}:4: action "reboot" must be standby or shutdown`],
    ],
    [
      'every error of a file at once, in line order per probe',
      '[a]\nurl = gopher://x/\ninterval = soon\n[b]\nurl = http://x/\nfall = -1\n',
      [
        `${FILE}:2: url "gopher://x/" must start with http:// or https://`,
        `${FILE}:3: interval "soon" is not a time: write seconds (2, 1.5) or a number with ms, us or s (500ms, 2s)`,
        `${FILE}:6: fall "-1" must be a whole number from 1 to 1000`,
        `${FILE}:4: [b] needs a schedule (cron, e.g. */5 * * * * *) or an interval (e.g. 500ms)`,
      ],
    ],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(formatted(text)).toEqual(expected);
    const { probes, problems } = parseProbes(text, FILE, GROUPS);
    expect(problems.every((p) => p.severity === 'error' && p.text !== '')).toBe(true);
    // a section with an error never yields a probe, so nothing is half-applied
    const bad = new Set(problems.map((p) => p.line));
    for (const probe of probes) expect(bad.has(probe.line)).toBe(false);
  });

  it('says so when haresources has no group at all', () => {
    expect(formatted('[a]\nurl = http://x/\ninterval = 1\ngroup = web\n', [])).toEqual([
      `${FILE}:4: group "web" is not a haresources group (the first resource of a line names it); haresources defines no group`,
    ]);
  });
});

describe('parseProbes: properties', () => {
  it('never throws on garbage, and every problem points at a line of the file', () => {
    const pieces = fc.constantFrom(
      '[',
      ']',
      '=',
      ';',
      '#',
      '"',
      "'",
      '\\',
      '\n',
      '\r\n',
      ' ',
      'url',
      'interval',
      'schedule',
      'timeout',
      'group',
      'fall',
      'http://',
      '*/5',
      '500ms',
      '__proto__',
      'constructor',
      '[a]',
    );
    const garbage = fc.oneof(fc.string({ maxLength: 200 }), fc.array(pieces, { maxLength: 60 }).map((a) => a.join('')));
    fc.assert(
      fc.property(garbage, fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), (text, groups) => {
        const lineCount = text.replace(/^\uFEFF/, '').split(/\r?\n/).length;
        const { probes, problems } = parseProbes(text, FILE, groups);
        for (const p of problems) {
          expect(p.file).toBe(FILE);
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(lineCount);
          expect(p.message.length).toBeGreaterThan(0);
        }
        for (const probe of probes) {
          expect(probe.schedule === undefined).not.toBe(probe.interval === undefined);
          if (probe.interval !== undefined) expect(probe.timeout).toBeLessThan(probe.interval);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a generated valid file parses back to exactly the probes written', () => {
    const probeArb = fc.record({
      name: fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,10}$/),
      port: fc.integer({ min: 1, max: 65535 }),
      expectStatus: fc.integer({ min: 100, max: 599 }),
      expectMd5: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: undefined }),
      timing: fc.oneof(
        fc.record({ schedule: fc.constantFrom('*/1 * * * *', '*/5 * * * * *', '0 */2 * * * *', '@hourly') }),
        fc.record({ intervalMs: fc.integer({ min: 100, max: 600_000 }) }),
      ),
      timeoutFraction: fc.option(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { nil: undefined }),
      fall: fc.integer({ min: 1, max: 1000 }),
      rise: fc.integer({ min: 1, max: 1000 }),
      group: fc.option(fc.constantFrom(...GROUPS), { nil: undefined }),
      action: fc.constantFrom('standby' as const, 'shutdown' as const),
      comment: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(probeArb, { selector: (p) => p.name, maxLength: 5 }), (specs) => {
        const lines: string[] = [];
        const expected: ProbeConfig[] = [];
        for (const s of specs) {
          const line = lines.length + 1;
          const c = s.comment ? '   ; note' : '';
          lines.push(`[${s.name}]`, `url = http://127.0.0.1:${s.port}/x${c}`, `expect_status = ${s.expectStatus}`);
          let timeout: number = PROBE_DEFAULTS.timeout;
          let timing: Partial<ProbeConfig>;
          if ('schedule' in s.timing) {
            lines.push(`schedule = ${s.timing.schedule}${c}`);
            timing = { schedule: s.timing.schedule };
            if (s.timeoutFraction !== undefined) timeout = Math.max(1, Math.round(s.timeoutFraction * 10_000));
          } else {
            const iv = s.timing.intervalMs;
            lines.push(`interval = ${iv}ms`);
            timing = { interval: iv };
            timeout =
              s.timeoutFraction !== undefined
                ? Math.max(1, Math.floor(s.timeoutFraction * iv))
                : Math.min(PROBE_DEFAULTS.timeout, Math.floor(iv / 2));
          }
          if (s.timeoutFraction !== undefined) lines.push(`timeout = ${timeout}ms`);
          if (s.expectMd5) lines.push(`expect_md5 = ${s.expectMd5}`);
          lines.push(`fall = ${s.fall}`, `rise = ${s.rise}`, `action = ${s.action}${c}`);
          if (s.group) lines.push(`group = ${s.group}`);
          lines.push('');
          expected.push({
            name: s.name,
            line,
            url: `http://127.0.0.1:${s.port}/x`,
            expectStatus: s.expectStatus,
            ...(s.expectMd5 ? { expectMd5: s.expectMd5 } : {}),
            ...timing,
            timeout,
            fall: s.fall,
            rise: s.rise,
            ...(s.group ? { group: s.group } : {}),
            action: s.action,
          });
        }
        const { probes, problems } = parseProbes(lines.join('\n'), FILE, GROUPS);
        expect(problems).toEqual([]);
        expect(probes).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
