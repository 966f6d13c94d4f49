// The pure parts of the real-Heartbeat lab: the ha.cf/authkeys builders, the
// independent wire-field reader used to look at captures, the tshark line
// parser and the outage arithmetic. (They live in the e2e project because the
// harness they belong to is e2e-only; they need neither root nor namespaces.)
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { haTime, realAuthkeys, realHaCf, realHaresources, realMediaLines, vipNginxGroup } from '../../helpers/real-heartbeat-config.js';
import { fieldOf, heartbeatCaptureFilter, parseTsharkLine, wireFields } from '../../helpers/real-heartbeat-capture.js';
import { computeOutage, parseProbeLine, type ProbeResult } from '../../helpers/real-heartbeat-outage.js';
import { parseLabTrace } from '../../helpers/real-heartbeat.js';

// spec §3.2 / vectors/01-status-md5.txt: a status heartbeat captured from the real daemon.
const STATUS_VECTOR_HEX =
  '2323230a31313a283029743d7374617475732c31323a28302973743d6163746976652c393a28302964743d6262382c31333a28302970726f746f636f6c3d312c31323a2830297372633d616c7068612c32373a283129737263757569643d8712749c2f8640728dbf27fea9302d792c393a2830297365713d31342c31343a28302968673d36623032336330382c31343a28302974733d36623032336339652c33323a2830296c643d302e323220302e313720302e303920332f3131332032343634332c383a28302974746c3d332c34323a283029617574683d312062363462343337303362373430366337623231613662326263336236313861652c2525250a33343a312039626331303732386535663966623637376163653564343062613030396234342c';

describe('ha.cf / authkeys / haresources builders', () => {
  it('writes times the way ha.cf reads them: whole seconds bare, else ms (spec §10)', () => {
    expect(haTime(1000)).toBe('1');
    expect(haTime(200)).toBe('200ms');
    expect(haTime(1500)).toBe('1500ms');
    expect(() => haTime(0)).toThrow(/positive/);
    expect(() => haTime(1.5)).toThrow(/whole/);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (ms) => {
        const t = haTime(ms);
        const back = t.endsWith('ms') ? Number(t.slice(0, -2)) : Number(t) * 1000;
        expect(back).toBe(ms);
      }),
    );
  });

  it('puts udpport before the media lines (spec §10: after them it is silently ignored)', () => {
    const lines = realHaCf({ nodes: ['alpha', 'bravo'], media: ['bcast eth0'], udpport: 6940, keepaliveMs: 200, deadtimeMs: 1000, initdeadMs: 1000, autoFailback: 'on' });
    expect(lines).toEqual(['keepalive 200ms', 'deadtime 1', 'initdead 1', 'udpport 6940', 'bcast eth0', 'auto_failback on', 'node alpha bravo']);
    expect(() => realHaCf({ nodes: [], media: ['bcast eth0'] })).toThrow(/node/);
    expect(() => realHaCf({ nodes: ['a'], media: [] })).toThrow(/medium/);
  });

  it('builds the three media of the spec lab (spec §1, §12.1)', () => {
    expect(realMediaLines('bcast', 'eth0', ['10.77.0.2'])).toEqual(['bcast eth0']);
    expect(realMediaLines('ucast', 'eth0', ['10.77.0.2'])).toEqual(['ucast eth0 10.77.0.2']);
    expect(realMediaLines('mcast', 'eth0', [])).toEqual(['mcast eth0 239.77.0.1 694 1 0']);
    expect(() => realMediaLines('ucast', 'eth0', [])).toThrow(/peer/);
  });

  it('writes authkeys as `auth N` + `N method key`, crc without key (spec §4.1)', () => {
    expect(realAuthkeys('md5')).toBe('auth 1\n1 md5 labsecret\n');
    expect(realAuthkeys('sha1', 'Sha1-Key', 2)).toBe('auth 2\n2 sha1 Sha1-Key\n');
    expect(realAuthkeys('crc')).toBe('auth 1\n1 crc\n');
  });

  it('writes one haresources line per group, IPaddr with ip/cidr/nic (spec §9.1 Debian caveat)', () => {
    expect(realHaresources([vipNginxGroup('alpha', '10.77.0.100', 24, 'eth0'), { home: 'bravo', resources: ['LabTrace::b1'] }])).toBe(
      'alpha IPaddr::10.77.0.100/24/eth0 nginx\nbravo LabTrace::b1\n',
    );
  });
});

describe('wire field reader (independent of the codec under test)', () => {
  it('reads the string fields of a real captured status packet in order (spec §3.2, §3.4)', () => {
    const fields = wireFields(Buffer.from(STATUS_VECTOR_HEX, 'hex'));
    expect(fields.map(([n]) => n)).toEqual(['t', 'st', 'dt', 'protocol', 'src', 'seq', 'hg', 'ts', 'ld', 'ttl', 'auth']);
    expect(fieldOf({ fields }, 't')).toBe('status');
    expect(fieldOf({ fields }, 'dt')).toBe('bb8');
    expect(fieldOf({ fields }, 'auth')).toBe('1 b64b43703b7406c7b21a6b2bc3b618ae');
  });

  it('reads classic text (spec §3.1) and ignores its typed fields', () => {
    const fields = wireFields(Buffer.from('>>>\nt=ask_resources\n(1)srcuuid=hxJ0nC+GQHKNvyf+qTAteQ==\nrsc_hold=all\ninfo=me\n<<<\n'));
    expect(fields).toEqual([
      ['t', 'ask_resources'],
      ['rsc_hold', 'all'],
      ['info', 'me'],
    ]);
  });

  it('never throws and stops at the first fault on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, netstring) => {
        const prefix = Buffer.from(netstring ? '###\n' : '>>>\n');
        const out = wireFields(Buffer.concat([prefix, Buffer.from(bytes)]));
        expect(Array.isArray(out)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    const truncated = Buffer.from(STATUS_VECTOR_HEX, 'hex').subarray(0, 60);
    expect(wireFields(truncated).map(([n]) => n)).toEqual(['t', 'st', 'dt']);
  });

  it('parses tshark field lines, skipping frames without a UDP payload (IP fragments, spec §3.5)', () => {
    const p = parseTsharkLine(`1795308702.936813465\t10.77.0.1\t10.77.0.255\t51308\t694\t${STATUS_VECTOR_HEX}`);
    expect(p?.src).toBe('10.77.0.1');
    expect(p?.dstPort).toBe(694);
    expect(p?.atMs).toBeCloseTo(1795308702936.8135, 1);
    expect(p?.payload.length).toBe(294);
    expect(fieldOf(p!, 'src')).toBe('alpha');
    expect(parseTsharkLine('1795308702.9\t10.77.0.1\t10.77.0.2\t\t\t')).toBeUndefined();
    expect(heartbeatCaptureFilter()).toBe('udp port 694 or (ip[6:2] & 0x1fff != 0)');
  });
});

describe('outage arithmetic', () => {
  const probe = (seq: number, startMs: number, ok: boolean, body?: string): ProbeResult => ({
    seq,
    startMs,
    endMs: startMs + 1,
    ok,
    ...(body ? { body } : {}),
  });

  it('measures from the first failed probe to the first answer from the expected node', () => {
    const results = [probe(0, 0, true, 'alpha'), probe(1, 20, true, 'alpha'), probe(2, 40, false), probe(3, 60, false), probe(4, 80, true, 'bravo'), probe(5, 100, true, 'bravo')];
    const o = computeOutage(results, 30, 'bravo');
    expect(o).toMatchObject({ outageMs: 40, eventToServedMs: 50, failedProbes: 2, lastServedBefore: 'alpha', servedAtMs: 80, firstFailAtMs: 40 });
  });

  it('is zero without a failed probe and undefined when the expected node never answers', () => {
    expect(computeOutage([probe(0, 0, true, 'alpha'), probe(1, 20, true, 'bravo')], 10, 'bravo')?.outageMs).toBe(0);
    expect(computeOutage([probe(0, 0, true, 'alpha'), probe(1, 20, false)], 10, 'bravo')).toBeUndefined();
    // An answer from the old node after the first failure does not end the outage.
    const flap = [probe(0, 0, false), probe(1, 20, true, 'alpha'), probe(2, 40, false), probe(3, 60, true, 'bravo')];
    expect(computeOutage(flap, 0, 'bravo')).toMatchObject({ outageMs: 60, failedProbes: 2 });
  });

  it('never reports a negative or event-preceding outage', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ok: fc.boolean(), who: fc.constantFrom('alpha', 'bravo') }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 1200 }),
        (steps, eventAt) => {
          const results = steps.map((s, i) => probe(i, i * 20, s.ok, s.ok ? s.who : undefined));
          const o = computeOutage(results, eventAt, 'bravo');
          if (o) {
            expect(o.outageMs).toBeGreaterThanOrEqual(0);
            expect(o.eventToServedMs).toBeGreaterThanOrEqual(0);
            expect(o.servedAtMs).toBeGreaterThanOrEqual(eventAt);
            expect(o.outageMs).toBeLessThanOrEqual(o.eventToServedMs);
          }
        },
      ),
    );
  });

  it('parses prober lines and rejects anything else', () => {
    expect(parseProbeLine('{"s":3,"t0":1.5,"t1":2,"ok":true,"body":"alpha"}')).toEqual({ seq: 3, startMs: 1.5, endMs: 2, ok: true, body: 'alpha' });
    expect(parseProbeLine('{"s":4,"t0":1,"t1":2,"ok":false,"err":"ECONNREFUSED"}')?.error).toBe('ECONNREFUSED');
    expect(parseProbeLine('not json')).toBeUndefined();
    expect(parseProbeLine('{"s":"x"}')).toBeUndefined();
  });
});

describe('LabTrace records', () => {
  it('parses `<ms> <node> <name> <op> <result>` lines and skips junk', () => {
    expect(parseLabTrace('1795317313846 alpha a1 start ok\ngarbage\n\n1795317313900 bravo b1 status stopped\n')).toEqual([
      { atMs: 1795317313846, node: 'alpha', name: 'a1', op: 'start', result: 'ok' },
      { atMs: 1795317313900, node: 'bravo', name: 'b1', op: 'status', result: 'stopped' },
    ]);
  });
});
