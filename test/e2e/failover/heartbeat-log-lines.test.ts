// Issue 9 part 5: the log lines Heartbeat's watchers rely on. Heartbeat's own
// Cluster Test System greps its logs with the `Pat:` patterns of
// /usr/share/heartbeat/cts/CM_hb.py (Debian's package, copied below) and
// fails a run on its BadRegexes; admins' watchers do the same. This test runs
// two heartbeat-ts nodes (the built daemon, nginx, a client) through the
// events CM_hb.py has patterns for — start, standby, takeover, crash, a
// partition that heals, a graceful stop, hb_standby with no other node — and
// checks every pattern against their logs, plus the stable lines README
// promises. A pattern with no heartbeat-ts equivalent is listed with the
// reason (NO_EQUIVALENT), never silently skipped.
//
// CTS reads syslog, where each line is "<date> <hostname> <ident>[pid]: …"
// and the host name is the node name (Heartbeat requires `uname -n` = node
// name). heartbeat-ts writes the same line to its logfile without the host
// part; syslogView() prefixes the date and node name as syslog would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';
import { DIST_CLI } from '../../helpers/hbts-node.js';
import { createLab, type Lab } from '../../helpers/netns.js';
import { waitUntil } from '../../helpers/wait.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
const NODES = ['alpha', 'bravo'] as const;

/** CM_hb.py's patterns, verbatim (`%s` = a node name). */
const CM_HB_PATTERNS = {
  'Pat:We_started': ' (%s) .* Initial resource acquisition complete',
  'Pat:They_started': ' (%s) .* Initial resource acquisition complete',
  'Pat:We_stopped': '%s heartbeat.*Heartbeat shutdown complete',
  'Pat:Logd_stopped': '%s logd:.*Exiting write process',
  'Pat:They_stopped': '%s heartbeat.*node (%s).*: is dead',
  'Pat:They_dead': 'node (%s).*: is dead',
  'Pat:All_stopped': ' (%s).*heartbeat.*Heartbeat shutdown complete',
  'Pat:StandbyOK': 'Standby resource acquisition done',
  'Pat:StandbyNONE': 'No reply to standby request',
  'Pat:StandbyTRANSIENT': 'standby message.*ignored.*in flux',
  'Pat:Return_partition': 'Cluster node %s returning after partition',
} as const;

const CM_HB_BAD_REGEXES = [/Shutting down\./, /Forcing shutdown\./, /Both machines own .* resources!/, /No one owns .* resources!/, /, exiting\./, /ERROR:/, /CRIT.*:/];

/** Patterns that have no heartbeat-ts equivalent, and why. */
const NO_EQUIVALENT: Readonly<Record<string, string>> = {
  'Pat:Logd_stopped':
    'heartbeat-ts has no ha_logd process: the daemon writes its logfile, debugfile and syslog lines itself (asynchronously) and closes them before "Heartbeat shutdown complete."; there is no separate logger to stop.',
};

/**
 * Bad lines CTS would flag that are right in this run, each with its reason:
 * a split brain is a real fault, and Heartbeat logs the same lines for it.
 */
const EXPECTED_BAD_LINES: ReadonlyArray<readonly [RegExp, string]> = [
  [/CRIT: Cluster node (alpha|bravo) returning after partition\./, 'the partition test: Heartbeat logs this CRIT line too (spec §7.1)'],
  [/ERROR: Both machines own (our|foreign) resources!/, 'the partition test: during the heal both nodes really hold the group until one releases it'],
  [
    /CRIT: Late heartbeat: Node (alpha|bravo): interval \d+ ms \(> deadtime\)/,
    'the partition test: the first heartbeat after the heal comes more than deadtime after the last one (Heartbeat logs the same CRIT, spec §8)',
  ],
];

function fill(pattern: string, ...nodes: string[]): RegExp {
  let i = 0;
  return new RegExp(pattern.replace(/%s/g, () => nodes[i++] ?? '%s'));
}

describe('Heartbeat\'s log lines (CTS CM_hb.py patterns) from two heartbeat-ts nodes', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;

  beforeAll(async () => {
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    // Heartbeat's start-up fallback (10 s): the "in flux" window of the last test.
    pair = await startOurFailoverPair(lab, { keepaliveMs: KEEPALIVE_MS, deadtimeMs: DEADTIME_MS, autoFailback: 'on' });
  });

  afterAll(async () => {
    await pair?.dispose();
    await lab?.destroy();
  });

  const p = (): OurFailoverPair => pair!;
  /** The whole log of a node (every run), as syslog would store it. */
  const syslogView = (node: string): string[] =>
    readFileSync(p().node(node).logPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `Dec  3 12:00:00 ${node} ${l}`);
  const offset = (node: string): number => p().node(node).logSize();
  const linesSince = (node: string, from: number, re: RegExp): string[] => p().logLines(node, re, from);

  it('start: both nodes log "Initial resource acquisition complete" (We_started, They_started)', async () => {
    await p().steady();
    for (const n of NODES) {
      await waitUntil(`${n} Initial resource acquisition complete`, 10_000, () =>
        syslogView(n).some((l) => fill(CM_HB_PATTERNS['Pat:We_started'], n).test(l)) ? true : undefined,
      );
    }
  });

  it('standby and takeover: the acquiring node logs "Standby resource acquisition done" (StandbyOK)', async () => {
    const from = offset('bravo');
    const fromA = offset('alpha');
    const r = await p().node('alpha').hbStandby('all');
    expect(r.exitCode, r.stderr).toBe(0);
    await p().waitHolders({ [GROUP]: 'bravo' });
    expect(linesSince('bravo', from, new RegExp(CM_HB_PATTERNS['Pat:StandbyOK']))).not.toEqual([]);
    expect(linesSince('alpha', fromA, /info: Going standby \[all\]\./)).toHaveLength(1);
    // hb_takeover on alpha brings the group home.
    await p().bringGroupsHome();
    await p().steady();
  });

  it('crash: the survivor logs "node alpha: is dead" (They_dead) and takes over (mach_down)', async () => {
    const from = offset('bravo');
    const at = await p().crash('alpha');
    await p().servedBy('bravo', at, DEADTIME_MS + 20_000);
    await p().backup().waitForLog(/mach_down takeover complete\./, 10_000, { from });
    expect(linesSince('bravo', from, fill(CM_HB_PATTERNS['Pat:They_dead'], 'alpha'))).not.toEqual([]);
    await p().start('alpha');
    await p().steady();
  });

  it('partition: both log "Cluster node X returning after partition" and, once the heal settled, the start milestone again', async () => {
    await p().waitPastStartup();
    const fromA = offset('alpha');
    const fromB = offset('bravo');
    const w = p().watcher!;
    w.allowOverlapBegin('partition: alpha unplugged while both nodes live');
    await lab!.host('alpha').setLink(false);
    await waitUntil('bravo holds the group', DEADTIME_MS + 20_000, async () => {
      const s = await p().status('bravo');
      return s.resources.groups.every((g) => g.holder === 'bravo' && g.state === 'running') ? true : undefined;
    }, 100);
    // A split both sides saw: alpha too must have declared bravo dead before the
    // cable is back (on a loaded machine its check may come a little later).
    await p().node('alpha').waitForLog(fill(CM_HB_PATTERNS['Pat:They_dead'], 'bravo'), DEADTIME_MS + 20_000, { from: fromA });
    await lab!.host('alpha').setLink(true);
    await p().waitHolders({ [GROUP]: 'alpha' }, 30_000);
    for (const [n, other, from] of [['alpha', 'bravo', fromA], ['bravo', 'alpha', fromB]] as const) {
      await p().node(n).waitForLog(fill(CM_HB_PATTERNS['Pat:Return_partition'], other), 10_000, { from });
      // CTS's Split_brain test then waits for We_started from each node.
      await p().node(n).waitForLog(/info: Initial resource acquisition complete \(partition with \w+ healed; no restart\)/, 20_000, { from });
    }
    await w.allowOverlapEnd();
    w.assertExclusive('partition heal');
  });

  it('graceful stop: "<node> Heartbeat shutdown complete." ends it (We_stopped, All_stopped); the peer logs it dead (They_stopped)', async () => {
    const fromA = offset('alpha');
    const fromB = offset('bravo');
    await p().stop('bravo');
    const last = readFileSync(p().node('bravo').logPath, 'utf8').trimEnd().split('\n');
    const tail = last.slice(-3).join('\n');
    expect(tail).toMatch(/info: bravo Heartbeat shutdown complete\./);
    expect(syslogView('bravo').slice(-3).some((l) => fill(CM_HB_PATTERNS['Pat:We_stopped'], 'bravo').test(l))).toBe(true);
    expect(syslogView('bravo').some((l) => fill(CM_HB_PATTERNS['Pat:All_stopped'], 'bravo').test(l))).toBe(true);
    await p().node('alpha').waitForLog(/node bravo: is dead/, DEADTIME_MS + 10_000, { from: fromA });
    expect(syslogView('alpha').some((l) => fill(CM_HB_PATTERNS['Pat:They_stopped'], 'alpha', 'bravo').test(l))).toBe(true);
    expect(fromB).toBeGreaterThan(0);
  });

  it('hb_standby with no other node (--config-dir accepted): "local resources in flux", "Going standby [all].", then one "No reply to standby request" — the client waits for it', async () => {
    // alpha restarts alone: while its start-up fallback runs (10 s) its resources are in flux.
    await p().stop('alpha');
    await p().start('alpha');
    const alpha = p().node('alpha');
    await alpha.waitForLog(/No other node is alive: start-up negotiation ends by the/, 20_000, { from: 0 });
    const from = offset('alpha');
    const t0 = Date.now();
    const r = await execa('node', [join(DIST_CLI, 'hb_standby.js'), '--config-dir', alpha.configDir, '--run-dir', alpha.runDir], { reject: false, timeout: 60_000 });
    const waited = Date.now() - t0;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('hb_standby: No reply to standby request.  Standby request cancelled.\n'.trimEnd());
    // Heartbeat's standby answer timer is 10 s; the daemon's answer came after it.
    expect(waited).toBeGreaterThanOrEqual(10_000);
    expect(linesSince('alpha', from, new RegExp(CM_HB_PATTERNS['Pat:StandbyTRANSIENT']))).toHaveLength(1);
    expect(linesSince('alpha', from, /info: Going standby \[all\]\./)).toHaveLength(1);
    expect(linesSince('alpha', from, /WARN: No reply to standby request\.  Standby request cancelled\./)).toHaveLength(1);
    // No flood: the only WARN lines are the refusal in flux and the time-out.
    expect(linesSince('alpha', from, /WARN:/)).toHaveLength(2);
    // Nothing moved.
    const s = await p().status('alpha');
    expect(s.resources.groups.find((g) => g.key === GROUP)?.holder).toBe('alpha');
  });

  it('every CM_hb.py pattern matches the logs of this run, no unexpected BadRegexes line, and README\'s stable lines are there', () => {
    const logs = { alpha: syslogView('alpha'), bravo: syslogView('bravo') };
    const all = [...logs.alpha, ...logs.bravo];
    const has = (lines: readonly string[], re: RegExp): boolean => lines.some((l) => re.test(l));
    const checks: Record<string, () => boolean> = {
      'Pat:We_started': () => NODES.every((n) => has(logs[n], fill(CM_HB_PATTERNS['Pat:We_started'], n))),
      'Pat:They_started': () => NODES.every((n) => has(all, fill(CM_HB_PATTERNS['Pat:They_started'], n))),
      'Pat:We_stopped': () => NODES.every((n) => has(logs[n], fill(CM_HB_PATTERNS['Pat:We_stopped'], n))),
      'Pat:They_stopped': () => has(logs.alpha, fill(CM_HB_PATTERNS['Pat:They_stopped'], 'alpha', 'bravo')),
      'Pat:They_dead': () => NODES.every((n) => has(all, fill(CM_HB_PATTERNS['Pat:They_dead'], n))),
      'Pat:All_stopped': () => NODES.every((n) => has(all, fill(CM_HB_PATTERNS['Pat:All_stopped'], n))),
      'Pat:StandbyOK': () => has(all, new RegExp(CM_HB_PATTERNS['Pat:StandbyOK'])),
      'Pat:StandbyNONE': () => has(all, new RegExp(CM_HB_PATTERNS['Pat:StandbyNONE'])),
      'Pat:StandbyTRANSIENT': () => has(all, new RegExp(CM_HB_PATTERNS['Pat:StandbyTRANSIENT'])),
      'Pat:Return_partition': () => has(logs.alpha, fill(CM_HB_PATTERNS['Pat:Return_partition'], 'bravo')) && has(logs.bravo, fill(CM_HB_PATTERNS['Pat:Return_partition'], 'alpha')),
    };
    // Every pattern is either checked or listed as having no equivalent.
    expect(Object.keys(CM_HB_PATTERNS).filter((k) => !(k in checks) && !(k in NO_EQUIVALENT))).toEqual([]);
    const missing = Object.entries(checks).filter(([, ok]) => !ok()).map(([k]) => k);
    expect(missing).toEqual([]);

    const bad = all.filter((l) => CM_HB_BAD_REGEXES.some((re) => re.test(l)) && !EXPECTED_BAD_LINES.some(([re]) => re.test(l)));
    expect(bad).toEqual([]);

    // README, "Run": stable lines for the events that matter.
    expect(has(logs.alpha, /WARN: node bravo: is dead/)).toBe(true);
    expect(has(all, /info: Resource group IPaddr::10\.77\.0\.100\/24\/eth0: started in \d+ ms/)).toBe(true);
    expect(has(logs.alpha, /info: Going standby \[all\]\./)).toBe(true);
    expect(has(logs.bravo, /info: mach_down takeover complete\./)).toBe(true);
  });
});
