// Issue 14: the HTTP listener of two real daemons in a failover pair.
// /metrics passes `promtool check metrics`; /status.json is what
// `cl_status --json` prints and matches schema/status.schema.json; after a
// crash of the primary the survivor's takeover counter went up by one and
// the group's held gauge moved to it; the timeline shows the takeover with
// its duration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { OBSERVE_PORT, httpGet, parseExposition, promtoolCheck, sample, statusSchemaErrors } from '../../helpers/observe-http.js';
import type { DaemonStatus } from '../../../src/control/index.js';
import { labHaCf, startOurNode } from '../../helpers/hbts-node.js';

const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;

/** A probe of nginx on the group, so that probe results show; fall is high so it never moves the group. */
const PROBES_INI = `[nginx]\nurl = http://127.0.0.1/\nexpect_status = 200\ninterval = 1\ntimeout = 900ms\nfall = 1000\nrise = 1\ngroup = ${GROUP}\naction = standby\n`;
const TAKEOVER = 'heartbeat_ts_takeovers_total{reason="peer_dead"}';
const held = (node: string): string => `heartbeat_ts_group_held{group="${GROUP}",node="${node}"}`;

const VOLATILE = ['lastHeardMsAgo', 'lastSeq', 'eventLoopLagMs', 'lastResultAt', 'lastOutcome', 'runs', 'successes', 'failures'];

/** Fields that change between two reads of the same daemon. */
function stable(status: DaemonStatus): unknown {
  return JSON.parse(JSON.stringify(status), (key: string, value: unknown) =>
    VOLATILE.includes(key) ? undefined : value,
  );
}

describe('HTTP listener: /metrics, /status.json, / on a failover pair', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: 200,
      deadtimeMs: 1000,
      startupFallbackDelay: '2',
      autoFailback: 'on',
      probesIni: () => PROBES_INI,
      extraIni: () => `[http]\nlisten = 127.0.0.1:${OBSERVE_PORT}\n`,
    });
  });

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  const metricsOf = async (node: string): Promise<{ text: string; samples: Map<string, number> }> => {
    const r = await httpGet(lab!.host(node), '/metrics');
    expect(r.status).toBe(200);
    return { text: r.body, samples: parseExposition(r.body) };
  };

  it('serves /metrics that promtool accepts, with the documented families', async () => {
    await p().steady();
    for (const node of ['alpha', 'bravo']) {
      const r = await httpGet(lab!.host(node), '/metrics');
      expect(r.headers).toMatch(/content-type: text\/plain; version=0\.0\.4; charset=utf-8/i);
      const check = await promtoolCheck(r.body);
      expect(check.output).toBe('');
      expect(check.exitCode).toBe(0);
      const s = parseExposition(r.body);
      const other = node === 'alpha' ? 'bravo' : 'alpha';
      expect(sample(s, `heartbeat_ts_node_status{node="${other}",type="normal",status="active"}`)).toBe(1);
      expect(sample(s, `heartbeat_ts_node_status{node="${other}",type="normal",status="dead"}`)).toBe(0);
      expect(sample(s, `heartbeat_ts_link_up{node="${other}",link="eth0"}`)).toBe(1);
      expect(sample(s, 'heartbeat_ts_heartbeats_sent_total{link="eth0"}')).toBeGreaterThan(5);
      expect(sample(s, `heartbeat_ts_heartbeats_received_total{node="${other}",link="eth0"}`)).toBeGreaterThan(5);
      expect(sample(s, held('alpha'))).toBe(1);
      expect(sample(s, held('bravo'))).toBe(0);
      const rscstatus = (await p().status(node)).resources.rscstatus;
      expect(sample(s, `heartbeat_ts_role{role="${rscstatus}"}`)).toBe(1);
      expect(['none', 'local', 'foreign', 'all', 'transition'].reduce((sum, role) => sum + sample(s, `heartbeat_ts_role{role="${role}"}`), 0)).toBe(1);
      expect(sample(s, 'heartbeat_ts_packets_rejected_total{reason="auth"}')).toBe(0);
      expect(sample(s, 'heartbeat_ts_cluster_stable')).toBe(1);
      expect([...s.keys()].some((k) => k.startsWith('heartbeat_ts_build_info{version="0.1.0",protocol="3.0.6"'))).toBe(true);
      expect(sample(s, 'heartbeat_ts_event_loop_lag_seconds{stat="max"}')).toBeGreaterThanOrEqual(0);
    }
    // alpha started its group: one start observed by the histogram.
    const a = parseExposition((await httpGet(lab!.host('alpha'), '/metrics')).body);
    expect(sample(a, 'heartbeat_ts_group_operation_duration_seconds_count{op="start"}')).toBe(1);
    expect(sample(a, `heartbeat_ts_group_last_operation_duration_seconds{group="${GROUP}",op="start"}`)).toBeGreaterThan(0);
  });

  it('serves /status.json: what cl_status --json prints, valid against the schema', async () => {
    for (const node of ['alpha', 'bravo']) {
      const http = await httpGet(lab!.host(node), '/status.json');
      expect(http.status).toBe(200);
      expect(http.headers).toMatch(/content-type: application\/json/i);
      const cli = await p().node(node).clStatus('--json');
      expect(cli.exitCode).toBe(0);
      const fromHttp = JSON.parse(http.body) as DaemonStatus;
      const fromCli = JSON.parse(cli.stdout) as DaemonStatus;
      expect(statusSchemaErrors(fromHttp)).toEqual([]);
      expect(statusSchemaErrors(fromCli)).toEqual([]);
      expect(fromHttp.schemaVersion).toBe('1.0.0');
      expect(stable(fromHttp)).toEqual(stable(fromCli));
      // Same bytes apart from the values that move between two reads: same formatting.
      const mask = (text: string): string =>
        text.replace(/"(lastHeardMsAgo|lastSeq|p99|max|lastResultAt|runs|successes|failures)": [\d.]+/g, '"$1": N').replace(/"lastOutcome": (?:"[^"]*"|null)/g, '"lastOutcome": S');
      expect(mask(http.body)).toBe(mask(cli.stdout.endsWith('\n') ? cli.stdout : `${cli.stdout}\n`));
      expect(fromHttp.events.map((e) => e.kind)).toContain('daemon-start');
    }
  });

  it('serves the status page at / (self-contained, with a CSP) and 404 elsewhere', async () => {
    const page = await httpGet(lab!.host('bravo'), '/');
    expect(page.status).toBe(200);
    expect(page.headers).toMatch(/content-type: text\/html; charset=utf-8/i);
    expect(page.headers).toMatch(/content-security-policy: default-src 'none'/i);
    expect(page.body).toContain('<title>heartbeat-ts</title>');
    expect(page.body).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//);
    expect((await httpGet(lab!.host('bravo'), '/nope')).status).toBe(404);
  });

  it('after a crash of alpha: bravo\'s takeover counter went up by one and the held gauge moved to bravo', async () => {
    const before = (await metricsOf('bravo')).samples;
    expect(sample(before, TAKEOVER)).toBe(0);
    expect(sample(before, held('alpha'))).toBe(1);
    const starts = sample(before, 'heartbeat_ts_group_operation_duration_seconds_count{op="start"}');

    await p().crash('alpha');
    // Generous: dead time 1 s, the takeover itself well under a second.
    const deadline = Date.now() + 30_000;
    let after = before;
    while (Date.now() < deadline) {
      after = (await metricsOf('bravo')).samples;
      // The link dies a little after the node: its last packet is the status's repeat, half a keepalive later.
      const linkDown = sample(after, 'heartbeat_ts_link_up{node="alpha",link="eth0"}') === 0;
      if (sample(after, TAKEOVER) >= 1 && sample(after, held('bravo')) === 1 && sample(after, 'heartbeat_ts_cluster_stable') === 1 && linkDown) break;
      await delay(200);
    }
    expect(sample(after, TAKEOVER)).toBe(1);
    expect(sample(after, held('bravo'))).toBe(1);
    expect(sample(after, held('alpha'))).toBe(0);
    expect(sample(after, 'heartbeat_ts_node_status{node="alpha",type="normal",status="dead"}')).toBe(1);
    expect(sample(after, 'heartbeat_ts_link_up{node="alpha",link="eth0"}')).toBe(0);
    expect(sample(after, `heartbeat_ts_role{role="${(await p().status('bravo')).resources.rscstatus}"}`)).toBe(1);
    expect(sample(after, 'heartbeat_ts_group_operation_duration_seconds_count{op="start"}')).toBe(starts + 1);
    expect(sample(after, 'heartbeat_ts_last_move_duration_seconds{kind="takeover"}')).toBeGreaterThan(0);
    for (const other of ['peer_shutdown', 'standby', 'ip_request']) expect(sample(after, `heartbeat_ts_takeovers_total{reason="${other}"}`)).toBe(0);
    // bravo's probe runs now that it holds the group: results and latency show.
    const probeDeadline = Date.now() + 20_000;
    let probed = after;
    while (Date.now() < probeDeadline) {
      probed = (await metricsOf('bravo')).samples;
      if ((probed.get('heartbeat_ts_probe_results_total{probe="nginx",result="ok"}') ?? 0) >= 1) break;
      await delay(200);
    }
    expect(sample(probed, 'heartbeat_ts_probe_results_total{probe="nginx",result="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(probed, `heartbeat_ts_probe_up{probe="nginx",group="${GROUP}"}`)).toBe(1);
    expect(sample(probed, 'heartbeat_ts_probe_duration_seconds_count{probe="nginx"}')).toBeGreaterThanOrEqual(1);
    const check = await promtoolCheck((await metricsOf('bravo')).text);
    expect(check.exitCode, check.output).toBe(0);

    const status = JSON.parse((await httpGet(lab!.host('bravo'), '/status.json')).body) as DaemonStatus;
    expect(statusSchemaErrors(status)).toEqual([]);
    const kinds = status.events.map((e) => e.kind);
    expect(kinds).toContain('node-dead');
    const takeover = status.events.find((e) => e.kind === 'takeover');
    expect(takeover).toMatchObject({ reason: 'peer_dead', node: 'alpha', groups: [GROUP] });
    expect(takeover!.durationMs).toBeGreaterThan(0);
    expect(kinds.indexOf('node-dead')).toBeLessThan(kinds.indexOf('takeover'));
  });

  it('a listen address the node cannot use stops the start before any heartbeat, naming [http] listen', async () => {
    const client = lab!.host('client');
    const failed = await startOurNode(client, {
      nodeName: 'client',
      haCf: labHaCf({ nodes: ['client', 'other'] }),
      haresources: '',
      authkeys: 'auth 1\n1 sha1 observe-test-key\n',
      // Not an address of the client's namespace.
      heartbeatTsIni: '[http]\nlisten = 10.77.0.222:9644\n',
      startTimeoutMs: 20_000,
    }).catch((e: unknown) => e as Error);
    expect(failed).toBeInstanceOf(Error);
    const text = (failed as Error).message;
    expect(text).toMatch(/exited during start-up \(code 1\)/);
    expect(text).toMatch(/cannot listen on 10\.77\.0\.222:9644 \(\[http\] listen in heartbeat-ts\.ini\): no such address on this host/);
    expect(text).not.toMatch(/heartbeat-ts running on node client/);
  });
});
