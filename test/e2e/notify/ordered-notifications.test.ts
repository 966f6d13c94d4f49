// Issue 13, notifications: two real daemons in network namespaces, each with
// a notify.d holding a slow script (it sleeps longer than the gap between
// two events, within the timeout) and a recording script, a FIFO with a
// reader and a line file. Across a crash of the primary and its failback,
// the recording script sees every event exactly once and in order, the same
// stream as the FIFO reader and the line file. Then a reload and a probe's
// fall and rise come next in the stream; the restarted primary runs
// Heartbeat's rc.d hook for `resource` messages, never the stock
// ask_resources one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createLab, type Lab } from '../../helpers/netns.js';
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair, type OurFailoverPair } from '../../helpers/failover-pair.js';

const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;
/** Longer than the gap between an acquiring and its held (an address and nginx start in well under a second). */
const SLOW_SCRIPT_SECONDS = 1;

describe('ordered notifications through a crash and a failback', () => {
  let lab: Lab | undefined;
  let pair: OurFailoverPair | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'hbts-notify-e2e-'));
  const readers: ChildProcess[] = [];
  const fifoText = new Map<string, string>();
  const at = (node: string, name: string): string => join(scratch, node, name);

  beforeAll(async () => {
    for (const node of ['alpha', 'bravo']) {
      const dir = at(node, 'notify.d');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '10-slow'), `#!/bin/sh\nsleep ${SLOW_SCRIPT_SECONDS}\n`);
      // One line per call: sequence number, arguments, and a few environment variables.
      writeFileSync(
        join(dir, '20-record'),
        `#!/bin/sh\necho "$HA_NOTIFY_SEQ $* node=$HA_CURHOST group=\${HA_NOTIFY_GROUP:--} reason=\${HA_NOTIFY_REASON:--}" >> ${at(node, 'record')}\n`,
      );
      for (const s of ['10-slow', '20-record']) chmodSync(join(dir, s), 0o755);
    }
    lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
    pair = await startOurFailoverPair(lab, {
      keepaliveMs: 200,
      deadtimeMs: 1000,
      startupFallbackDelay: '2',
      autoFailback: 'on',
      // A node-wide probe on bravo the test fails and heals by a flag file; bravo holds nothing, so its fall moves nothing.
      probesIni: (node) =>
        node === 'bravo' ? `[flag]\ncommand = test ! -e ${at('bravo', 'probe-fails')}\ninterval = 1\ntimeout = 900ms\nfall = 1\nrise = 1\naction = standby\n` : '',
      extraIni: (node) =>
        `[notify]\ndir = ${at(node, 'notify.d')}\nfifo = ${at(node, 'events.fifo')}\nfile = ${at(node, 'events.log')}\ntimeout = 10\n`,
    });
    // The daemon made the FIFO before its first heartbeat; a reader on bravo's from now on.
    const reader = spawn('cat', [at('bravo', 'events.fifo')], { stdio: ['ignore', 'pipe', 'ignore'] });
    readers.push(reader);
    fifoText.set('bravo', '');
    reader.stdout!.on('data', (b: Buffer) => fifoText.set('bravo', fifoText.get('bravo')! + b.toString()));
  });

  afterAll(async () => {
    for (const r of readers) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
    await pair?.dispose();
    await lab?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);
  /** `SEQ EVENT SUBJECT REASON` of each line-file / FIFO line (TIME SEQ EVENT SUBJECT REASON DETAIL...). */
  const stream = (text: string[]): string[] => text.map((l) => l.split(' ').slice(1, 5).join(' '));
  /** The recording script's lines, in the same shape. */
  const recorded = (node: string): string[] =>
    lines(at(node, 'record')).map((l) => {
      const [seq, event, subject, reason] = l.split(' ');
      return [seq, event, subject, reason?.startsWith('node=') ? '-' : reason].join(' ');
    });

  /** Bounded wait until `node`'s recording script has recorded `count` calls. */
  async function recordedCount(node: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (lines(at(node, 'record')).length < count && Date.now() < deadline) await delay(100);
  }

  it('start-up: the primary records acquiring then held for its group, and the peer coming up', async () => {
    await pair!.steady();
    await recordedCount('alpha', 3, 30_000);
    const alpha = recorded('alpha');
    expect(alpha.filter((l) => /group-/.test(l)).map((l) => l.split(' ').slice(1).join(' '))).toEqual([
      `group-acquiring ${GROUP} startup`,
      `group-held ${GROUP} startup`,
    ]);
    expect(alpha.filter((l) => /node-up bravo/.test(l))).toHaveLength(1);
    await recordedCount('bravo', 1, 30_000);
    expect(recorded('bravo')).toEqual(['1 node-up alpha -']);
  });

  it('crash then failback: every event exactly once, in order, on every target, while a slower script runs first', async () => {
    const alphaBefore = lines(at('alpha', 'events.log')).length;
    await pair!.crash('alpha');
    await pair!.waitHolders({ [GROUP]: 'bravo' });
    // Heartbeat's message hooks for alpha's next run (rc.d is read once, at start): `resource` is a
    // type heartbeat-ts leaves to rc.d; ask_resources is one it does itself (Heartbeat's stock script).
    const rcDir = join(pair!.node('alpha').configDir, 'rc.d');
    mkdirSync(rcDir, { recursive: true });
    for (const t of ['resource', 'ask_resources']) {
      writeFileSync(join(rcDir, t), `#!/bin/sh\necho "$1 $HA_t $HA_src $HA_CURHOST" >> ${at('alpha', 'rc-ran')}\n`);
      chmodSync(join(rcDir, t), 0o755);
    }
    await pair!.start('alpha');
    await pair!.waitHolders({ [GROUP]: 'alpha' });

    const bravoExpected = [
      '1 node-up alpha -',
      '2 node-dead alpha -',
      `3 group-acquiring ${GROUP} takeover`,
      `4 group-held ${GROUP} takeover`,
      '5 node-up alpha -',
      `6 group-releasing ${GROUP} failback`,
      `7 group-released ${GROUP} failback`,
    ];
    // Each event waits for the slow script first: ~1 s per event, 7 events; generous for a loaded machine.
    await recordedCount('bravo', bravoExpected.length, 60_000);
    expect(recorded('bravo')).toEqual(bravoExpected);
    expect(stream(lines(at('bravo', 'events.log')))).toEqual(bravoExpected);
    expect(stream(fifoText.get('bravo')!.split('\n').filter((l) => l !== ''))).toEqual(bravoExpected);

    // alpha's second run numbers from 1 again: the peer, then its group coming home.
    const alphaExpected = ['1 node-up bravo -', `2 group-acquiring ${GROUP} failback`, `3 group-held ${GROUP} failback`];
    const deadline = Date.now() + 30_000;
    while (lines(at('alpha', 'events.log')).length < alphaBefore + alphaExpected.length && Date.now() < deadline) await delay(100);
    expect(stream(lines(at('alpha', 'events.log')).slice(alphaBefore))).toEqual(alphaExpected);
    const recordBefore = 3;
    await recordedCount('alpha', recordBefore + alphaExpected.length, 30_000);
    expect(recorded('alpha').slice(-alphaExpected.length)).toEqual(alphaExpected);
    expect(lines(at('alpha', 'record')).every((l) => / node=alpha /.test(l))).toBe(true);
    // rc.d/resource ran for bravo's resource messages (and alpha's own, as Heartbeat does); never rc.d/ask_resources.
    const rcDeadline = Date.now() + 20_000;
    while (!lines(at('alpha', 'rc-ran')).includes('resource resource bravo alpha') && Date.now() < rcDeadline) await delay(100);
    const rcRan = lines(at('alpha', 'rc-ran'));
    expect(rcRan).toContain('resource resource bravo alpha');
    expect(rcRan.filter((l) => !/^resource resource (alpha|bravo) alpha$/.test(l))).toEqual([]);
  });

  it('heartbeat -r: config-reloaded comes next, after the moves', async () => {
    const r = await pair!.node('bravo').heartbeat('-r');
    expect(r.exitCode).toBe(0);
    await recordedCount('bravo', 8, 30_000);
    expect(recorded('bravo')[7]).toMatch(/^8 config-reloaded \S+ -$/);
    expect(stream(lines(at('bravo', 'events.log'))).at(7)).toMatch(/^8 config-reloaded \S+ -$/);
  });

  it('probe-fall then probe-rise, next in the stream', async () => {
    writeFileSync(at('bravo', 'probe-fails'), '');
    await recordedCount('bravo', 9, 30_000);
    expect(recorded('bravo')[8]).toBe('9 probe-fall flag -');
    rmSync(at('bravo', 'probe-fails'));
    await recordedCount('bravo', 10, 30_000);
    expect(recorded('bravo').slice(8)).toEqual(['9 probe-fall flag -', '10 probe-rise flag -']);
    expect(stream(lines(at('bravo', 'events.log'))).slice(8)).toEqual(['9 probe-fall flag -', '10 probe-rise flag -']);
  });
});
