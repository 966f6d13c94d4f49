// Property tests of the four configuration parsers: generated valid files
// read back to what generated them, whatever their layout; arbitrary input
// never throws and every problem points at a line that exists.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAuthKeys } from '../../../src/config/authkeys.js';
import { parseExtensionOptions } from '../../../src/config/extension-options.js';
import { DIRECTIVES } from '../../../src/config/hacf-directives.js';
import { parseHaCf } from '../../../src/config/hacf.js';
import { parseHaResources } from '../../../src/config/haresources.js';
import { formatProblem } from '../../../src/config/problems.js';
import type { AutoFailback, ConfigProblem } from '../../../src/config/types.js';

const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------- garbage

const lineCount = (text: string): number => text.split('\n').length;

function checkProblems(problems: readonly ConfigProblem[], text: string, file: string): void {
  const max = lineCount(text);
  for (const p of problems) {
    expect(p.file).toBe(file);
    expect(Number.isInteger(p.line) && p.line >= 0 && p.line <= max).toBe(true);
    expect(p.message.length).toBeGreaterThan(0);
    expect(['error', 'warning']).toContain(p.severity);
    expect(typeof formatProblem(p)).toBe('string');
  }
}

/** Lines that look like configuration: known words, numbers, separators, comments, junk. */
const configish = fc
  .array(
    fc
      .array(
        fc.oneof(
          fc.constantFrom(...DIRECTIVES.keys(), 'auth', '[resources]', '[arp]', '[log]', 'alpha', 'bravo', '10.0.0.1', 'IPaddr::10.0.0.1/24/eth0'),
          fc.constantFrom('#', '\\', '=', ',', '::', ';', '\t', '\r', '  ', 'ms', 'us', '2s', '1.5', '0', '-1', 'on', 'legacy', 'md5', 'crc', 'sha1'),
          fc.string({ maxLength: 8 }),
          fc.integer({ min: -5, max: 100_000 }).map(String),
        ),
        { maxLength: 7 },
      )
      .map((words) => words.join(' ')),
    { maxLength: 25 },
  )
  .map((lines) => lines.join('\n'));

const anyText = fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), configish);

describe('the parsers never throw and locate every problem on an existing line', () => {
  it('ha.cf', () => {
    fc.assert(fc.property(anyText, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), (text, node) => {
      const r = parseHaCf(text, 'ha.cf', node === undefined ? {} : { localNode: node });
      checkProblems(r.problems, text, 'ha.cf');
    }), RUNS);
  });
  it('haresources', () => {
    fc.assert(fc.property(anyText, (text) => checkProblems(parseHaResources(text, 'haresources', ['alpha', 'bravo']).problems, text, 'haresources')), RUNS);
  });
  it('authkeys', () => {
    fc.assert(fc.property(anyText, (text) => checkProblems(parseAuthKeys(text, 'authkeys').problems, text, 'authkeys')), RUNS);
  });
  it('heartbeat-ts.ini', () => {
    fc.assert(fc.property(anyText, (text) => checkProblems(parseExtensionOptions(text, 'x.ini').problems, text, 'x.ini')), RUNS);
  });
  it('an empty or garbage ha.cf always yields at least one error (it can never be usable by accident)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }).filter((s) => !/node|bcast|ucast|mcast|ping/.test(s)), (text) => {
        expect(parseHaCf(text, 'ha.cf').problems.some((p) => p.severity === 'error')).toBe(true);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- layout helpers

const sep = fc.constantFrom(' ', '\t', '  ', ' \t ');
const optionalComment = fc.option(fc.constantFrom(' # comment', '\t#x', '#'), { nil: '' });
const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,9}$/);
const ifaceName = fc.stringMatching(/^(eth|ens|br)[0-9]{1,2}$/);
const octet = fc.integer({ min: 1, max: 254 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

/** A time in ms, written in one of the forms Heartbeat accepts. */
function timeText(ms: number): fc.Arbitrary<string> {
  const forms: fc.Arbitrary<string>[] = [fc.constant(`${ms}ms`), fc.constant(`${ms * 1000}us`), fc.constant(`${ms}MS`)];
  if (ms % 1000 === 0) forms.push(fc.constant(String(ms / 1000)));
  if (ms % 100 === 0) forms.push(fc.constant((ms / 1000).toFixed(1)));
  return fc.oneof(...forms);
}

// ---------------------------------------------------------------- ha.cf round trip

interface HaCfModel {
  nodes: string[];
  keepalive: number;
  deadtime: number;
  warntime: number;
  initdead: number;
  udpport: number;
  autoFailback: AutoFailback;
  media: ({ kind: 'bcast'; iface: string } | { kind: 'ucast'; iface: string; peer: string } | { kind: 'mcast'; iface: string; group: string; port: number; ttl: number; loop: boolean })[];
  ping: string[];
}

const haCfModel: fc.Arbitrary<HaCfModel> = fc
  .record({
    nodes: fc.uniqueArray(nodeName, { minLength: 1, maxLength: 4 }),
    keepalive: fc.integer({ min: 1, max: 50 }).map((n) => n * 100),
    deadFactor: fc.integer({ min: 3, max: 10 }),
    warnFraction: fc.double({ min: 0.5, max: 0.9, noNaN: true }),
    initFactor: fc.integer({ min: 2, max: 4 }),
    udpport: fc.integer({ min: 1, max: 65535 }),
    autoFailback: fc.constantFrom<AutoFailback>('on', 'off', 'legacy'),
    media: fc.array(
      fc.oneof(
        ifaceName.map((iface) => ({ kind: 'bcast' as const, iface })),
        fc.record({ kind: fc.constant('ucast' as const), iface: ifaceName, peer: ipv4 }),
        fc.record({
          kind: fc.constant('mcast' as const),
          iface: ifaceName,
          group: fc.tuple(fc.integer({ min: 224, max: 239 }), octet, octet, octet).map((o) => o.join('.')),
          port: fc.integer({ min: 1, max: 65535 }),
          ttl: fc.integer({ min: 0, max: 4 }),
          loop: fc.boolean(),
        }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    ping: fc.uniqueArray(ipv4, { maxLength: 2 }),
  })
  .map((m) => {
    const deadtime = m.keepalive * m.deadFactor;
    const warntime = Math.max(m.keepalive + 100, Math.round((deadtime * m.warnFraction) / 100) * 100);
    const media = m.media.filter((x, i) => x.kind !== 'bcast' || m.media.findIndex((y) => y.kind === 'bcast' && y.iface === x.iface) === i);
    return {
      nodes: m.nodes,
      keepalive: m.keepalive,
      deadtime,
      warntime: Math.min(warntime, deadtime - 100),
      initdead: Math.max(20_000, deadtime * m.initFactor),
      udpport: m.udpport,
      autoFailback: m.autoFailback,
      media,
      ping: m.ping,
    };
  });

function renderHaCf(m: HaCfModel): fc.Arbitrary<string> {
  const failbackWord = { on: fc.constantFrom('on', 'yes', 'true', 'Y', '1'), off: fc.constantFrom('off', 'no', 'false', 'N', '0'), legacy: fc.constantFrom('legacy', 'Legacy') }[m.autoFailback];
  const nodeLines = fc.constantFrom(
    m.nodes.map((n) => `node ${n}`),
    [`node ${m.nodes.join(' ')}`],
    [`node ${m.nodes.join(',')}`],
    [`node\t${m.nodes.map((n) => n.toUpperCase()).join(' , ')}`],
  );
  const mediaLines = m.media.map((x) => {
    switch (x.kind) {
      case 'bcast':
        return fc.constant(`bcast ${x.iface}`);
      case 'ucast':
        return sep.map((s) => `ucast${s}${x.iface}${s}${x.peer}`);
      case 'mcast':
        return sep.map((s) => ['mcast', x.iface, x.group, x.port, x.ttl, x.loop ? 1 : 0].join(s));
    }
  });
  return fc
    .tuple(
      timeText(m.keepalive),
      timeText(m.deadtime),
      timeText(m.warntime),
      timeText(m.initdead),
      failbackWord,
      nodeLines,
      fc.tuple(...mediaLines),
      fc.array(fc.tuple(sep, optionalComment), { minLength: 12, maxLength: 12 }),
      fc.boolean(),
    )
    .map(([ka, dt, wt, id, fb, nodes, media, fmt, blankLines]) => {
      const lines = [
        '# generated',
        'logfacility daemon',
        `keepalive${fmt[0]![0]}${ka}${fmt[0]![1]}`,
        `deadtime${fmt[1]![0]}${dt}${fmt[1]![1]}`,
        `warntime${fmt[2]![0]}${wt}`,
        `initdead${fmt[3]![0]}${id}${fmt[3]![1]}`,
        `udpport${fmt[4]![0]}${m.udpport}${fmt[4]![1]}`,
        ...media.map((l, i) => `${l}${fmt[5 + (i % 5)]![1]}`),
        ...(m.ping.length > 0 ? [`ping ${m.ping.join(' ')}`] : []),
        `auto_failback${fmt[10]![0]}${fb}${fmt[10]![1]}`,
        ...nodes,
      ];
      return lines.join(blankLines ? '\n\n' : '\n') + '\n';
    });
}

describe('ha.cf round trip', () => {
  it('any valid configuration, in any accepted layout, reads back to its values', () => {
    fc.assert(
      fc.property(
        haCfModel.chain((m) => renderHaCf(m).map((text) => ({ m, text }))),
        ({ m, text }) => {
          const r = parseHaCf(text, 'ha.cf', { localNode: m.nodes[0]! });
          expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
          const v = r.value;
          expect(v.nodes).toEqual(m.nodes);
          expect([v.keepalive, v.deadtime, v.warntime, v.initdead, v.udpport]).toEqual([m.keepalive, m.deadtime, m.warntime, m.initdead, m.udpport]);
          expect(v.autoFailback).toBe(m.autoFailback);
          expect(v.media.map(({ line: _line, ...rest }) => rest)).toEqual(
            m.media.map((x) => (x.kind === 'mcast' ? x : { ...x, port: m.udpport })),
          );
          expect(v.pingNodes.map((p) => p.name)).toEqual(m.ping);
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- haresources round trip

const scriptName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,11}$/).filter((s) => !/^[0-9]/.test(s) && s !== 'IPaddr' && s !== 'IPaddr2');
const argument = fc.stringMatching(/^[A-Za-z0-9/_.=-]{1,12}$/);
const resourceToken = fc.oneof(
  ipv4,
  fc.tuple(ipv4, fc.integer({ min: 8, max: 32 }), ifaceName).map(([ip, cidr, nic]) => `IPaddr::${ip}/${cidr}/${nic}`),
  fc.tuple(ipv4, fc.integer({ min: 8, max: 32 })).map(([ip, cidr]) => `IPaddr2::${ip}/${cidr}`),
  scriptName,
  fc.tuple(scriptName, fc.array(argument, { minLength: 1, maxLength: 3 })).map(([s, args]) => [s, ...args].join('::')),
);

const haResourcesModel = fc
  .tuple(fc.uniqueArray(nodeName, { minLength: 1, maxLength: 3 }), fc.uniqueArray(resourceToken, { minLength: 1, maxLength: 12 }))
  .chain(([nodes, tokens]) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: nodes.length - 1 }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: tokens.length })
      .map((shape) => {
        const groups: { node: string; tokens: string[] }[] = [];
        let next = 0;
        for (const [n, size] of shape) {
          if (next >= tokens.length) break;
          groups.push({ node: nodes[n]!, tokens: tokens.slice(next, next + size) });
          next += size;
        }
        return { nodes, groups };
      }),
  );

function renderGroup(g: { node: string; tokens: string[] }): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(fc.tuple(sep, fc.boolean()), { minLength: g.tokens.length, maxLength: g.tokens.length }),
      fc.constantFrom(g.node, g.node.toUpperCase()),
      fc.constantFrom('', ' ', '\t'),
      optionalComment,
    )
    .map(([seps, node, indent, comment]) => {
      let out = `${indent}${node}`;
      g.tokens.forEach((t, i) => {
        const [s, breakBefore] = seps[i]!;
        // A continuation: blank before the backslash, indentation after it.
        out += breakBefore ? ` \\\n${s}${t}` : `${s}${t}`;
      });
      // A comment on a continuation line is (rightly) refused: only on one-line groups.
      return seps.some(([, breakBefore]) => breakBefore) ? out : out + comment;
    });
}

describe('haresources round trip', () => {
  it('any valid set of groups, in any accepted layout, reads back to its groups', () => {
    fc.assert(
      fc.property(
        haResourcesModel.chain((m) =>
          fc
            .tuple(...m.groups.map(renderGroup), fc.array(fc.constantFrom('', '# comment', '   ', '\t# x'), { minLength: m.groups.length, maxLength: m.groups.length }))
            .map(([...parts]) => {
              const fillers = parts.pop() as unknown as string[];
              const lines = (parts as string[]).flatMap((g, i) => [fillers[i]!, g]);
              return { m, text: lines.join('\n') + '\n' };
            }),
        ),
        ({ m, text }) => {
          const r = parseHaResources(text, 'haresources', m.nodes);
          expect(r.problems).toEqual([]);
          expect(r.value.groups.map((g) => ({ node: g.node, tokens: g.resources.map((x) => x.token) }))).toEqual(m.groups);
          for (const g of r.value.groups) {
            expect(g.key).toBe(g.resources[0]!.token);
            for (const x of g.resources) {
              const canonical = /^[0-9]/.test(x.token) ? `IPaddr::${x.token}` : x.token;
              expect([x.script, ...x.args].join('::')).toBe(canonical);
            }
          }
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- authkeys round trip

const secret = fc.stringMatching(/^[!-~]{1,40}$/).filter((s) => !s.startsWith('#'));
const keysModel = fc
  .uniqueArray(
    fc.record({ index: fc.integer({ min: 0, max: 15 }), method: fc.constantFrom('md5' as const, 'sha1' as const, 'crc' as const), secret }),
    { minLength: 1, maxLength: 5, selector: (k) => k.index },
  )
  .chain((keys) => fc.record({ keys: fc.constant(keys), active: fc.constantFrom(...keys.map((k) => k.index)) }));

describe('authkeys round trip', () => {
  it('any valid key set reads back to its keys', () => {
    fc.assert(
      fc.property(keysModel, sep, fc.boolean(), ({ keys, active }, s, comments) => {
        const lines = [`auth${s}${active}`, ...keys.map((k) => [k.index, k.method, ...(k.method === 'crc' ? [] : [k.secret])].join(s))];
        const text = (comments ? lines.flatMap((l) => ['# c', l]) : lines).join('\n') + '\n';
        const r = parseAuthKeys(text, 'authkeys');
        expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
        expect(r.value?.active).toBe(active);
        expect([...r.value!.keys.values()]).toEqual(
          [...keys].sort((a, b) => a.index - b.index).map((k) => ({ ...k, secret: k.method === 'crc' ? '' : k.secret })),
        );
      }),
      RUNS,
    );
  });
});
