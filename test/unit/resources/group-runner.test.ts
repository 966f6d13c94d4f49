// Resource groups with real resource.d scripts (spec §9.1): calling
// convention, start order with the status check first, rollback of a failed
// start, reverse stop with retries, the critical stop failure, timeouts, and
// one-operation-at-a-time per group with groups in parallel.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { GroupRunner, UnknownGroupError, type GroupRunnerOptions } from '../../../src/resources/index.js';
import {
  createScriptLab,
  groupOf,
  processAlive,
  TEST_ARP,
  testResourceOptions,
  waitFor,
  type ScriptLab,
} from '../../helpers/resources-scripts.js';

describe('GroupRunner with resource.d scripts', () => {
  let lab: ScriptLab;
  let log: { lines: string[] };
  let runners: GroupRunner[];

  beforeEach(() => {
    lab = createScriptLab();
    runners = [];
  });
  afterEach(() => {
    for (const r of runners) r.dispose();
    lab.cleanup();
  });

  function runner(groups: GroupRunnerOptions['groups'], overrides: Partial<GroupRunnerOptions> = {}): GroupRunner {
    const memory = createMemoryLogger();
    log = memory;
    const r = new GroupRunner({
      groups,
      configDir: lab.configDir,
      initDir: lab.initDir,
      resources: testResourceOptions(),
      arp: TEST_ARP,
      logger: memory.logger,
      killGraceMs: 200,
      ...overrides,
    });
    runners.push(r);
    return r;
  }

  const logged = (pattern: RegExp): string[] => log.lines.filter((l) => pattern.test(l));

  it('calls a script as `script arg1 arg2 start` with the HA_* environment (spec §9.1, §9.8)', async () => {
    lab.addScript('Filesystem', { recordEnv: ['HA_CURHOST', 'HA_t', 'HA_src'] });
    const r = runner([groupOf('alpha', ['Filesystem::/dev/sdb1::/data::ext4'])], { env: { HA_CURHOST: 'alpha', HA_t: 'base' } });
    const result = await r.start('Filesystem::/dev/sdb1::/data::ext4', { env: { HA_t: 'ip-request-resp', HA_src: 'bravo' } });
    expect(result.outcome).toBe('started');
    expect(lab.invocations()).toEqual(['Filesystem /dev/sdb1 /data ext4 status', 'Filesystem /dev/sdb1 /data ext4 start']);
    expect(lab.calls().filter((l) => l.startsWith('env '))).toEqual([
      'env Filesystem HA_CURHOST=alpha',
      'env Filesystem HA_t=ip-request-resp',
      'env Filesystem HA_src=bravo',
      'env Filesystem HA_CURHOST=alpha',
      'env Filesystem HA_t=ip-request-resp',
      'env Filesystem HA_src=bravo',
    ]);
    expect(logged(/info: Running .*resource\.d\/Filesystem \/dev\/sdb1 \/data ext4 start/)).toHaveLength(1);
  });

  it('starts left to right, skipping what status says is running, and stops right to left', async () => {
    for (const n of ['a', 'b', 'c']) lab.addScript(n);
    lab.setRunning('b', true);
    const r = runner([groupOf('alpha', ['a::1', 'b', 'c'])]);
    const started = await r.start('a::1');
    expect(started.outcome).toBe('started');
    expect(started.steps.map((s) => `${s.resource}:${s.action}`)).toEqual(['a::1:started', 'b:skipped', 'c:started']);
    expect(lab.invocations()).toEqual(['a 1 status', 'a 1 start', 'b status', 'c status', 'c start']);
    expect(logged(/info: Acquiring resource group: alpha a::1 b c/)).toHaveLength(1);

    const status = await r.status('a::1');
    expect(status.state).toBe('running');

    const before = lab.invocations().length;
    const stopped = await r.stop('a::1');
    expect(stopped.outcome).toBe('stopped');
    expect(lab.invocations().slice(before)).toEqual(['c stop', 'b stop', 'a 1 stop']);
    expect(logged(/info: Releasing resource group: alpha a::1 b c/)).toHaveLength(1);
    expect((await r.status('a::1')).state).toBe('stopped');
  });

  it('reports a partial group', async () => {
    lab.addScript('a');
    lab.addScript('b');
    lab.setRunning('a', true);
    const status = await runner([groupOf('alpha', ['a', 'b'])]).status('a');
    expect(status.state).toBe('partial');
    expect(status.resources.map((s) => s.state)).toEqual(['running', 'stopped']);
  });

  it('on a failed start gives up the whole group right to left and names the resource (spec §9.1)', async () => {
    lab.addScript('first');
    lab.addScript('middle', { failStart: true });
    lab.addScript('last');
    const r = runner([groupOf('alpha', ['first', 'middle::x', 'last'])]);
    const result = await r.start('first');
    expect(result.outcome).toBe('failed');
    if (result.outcome !== 'failed') return;
    expect(result.resource).toBe('middle::x');
    expect(result.reason).toBe('start exited with code 1');
    expect(result.startedByThisAttempt).toEqual(['first']);
    expect(result.rollback.outcome).toBe('stopped');
    expect(lab.invocations()).toEqual([
      'first status',
      'first start',
      'middle x status',
      'middle x start',
      // Heartbeat stops the whole group right to left after a failed start.
      'last stop',
      'middle x stop',
      'first stop',
    ]);
    expect(lab.isRunning('first')).toBe(false);
    expect(logged(/CRIT: Giving up resources due to failure of middle::x/)).toHaveLength(1);
    expect(logged(/ERROR: Return code 1 from .*resource\.d\/middle/)).toHaveLength(1);
    expect(logged(/middle x start stderr: middle: start failed on purpose/)).toHaveLength(1);
  });

  it('retries a failed stop and succeeds when a retry works', async () => {
    lab.addScript('svc', { failStop: 2 });
    lab.setRunning('svc', true);
    const r = runner([groupOf('alpha', ['svc'])], { resources: testResourceOptions({ stopRetries: 3 }) });
    const result = await r.stop('svc');
    expect(result.outcome).toBe('stopped');
    expect(result.steps[0]).toMatchObject({ resource: 'svc', action: 'stopped', attempts: 3 });
    expect(logged(/info: Retrying failed stop operation \[svc\]/)).toHaveLength(2);
  });

  it('a stop that keeps failing while status says running is critical: stopFailed, never stopped', async () => {
    lab.addScript('base');
    lab.addScript('stuck', { failStop: 'always' });
    lab.addScript('top');
    for (const n of ['base', 'stuck', 'top']) lab.setRunning(n, true);
    const r = runner([groupOf('alpha', ['base', 'stuck', 'top'])], { resources: testResourceOptions({ stopRetries: 2 }) });
    const result = await r.stop('base');
    expect(result.outcome).toBe('stopFailed');
    if (result.outcome !== 'stopFailed') return;
    expect(result.resource).toBe('stuck');
    expect(result.reason).toBe('stop exited with code 1 after 3 attempt(s); it is still running');
    expect(result.notStopped).toEqual(['base', 'stuck']);
    // 1 try + 2 retries, then a status; `base` is left alone.
    expect(lab.invocations()).toEqual(['top stop', 'stuck stop', 'stuck stop', 'stuck stop', 'stuck status']);
    expect(lab.isRunning('base')).toBe(true);
    expect(logged(/CRIT: Resource STOP failure: stuck of group base will not stop/)).toHaveLength(1);
  });

  it('a failed stop whose status then says stopped is only a warning (non-LSB script)', async () => {
    lab.addScript('sloppy', { failStop: 'always', failedStopStillStops: true });
    lab.setRunning('sloppy', true);
    const r = runner([groupOf('alpha', ['sloppy'])], { resources: testResourceOptions({ stopRetries: 1 }) });
    const result = await r.stop('sloppy');
    expect(result.outcome).toBe('stopped');
    expect(result.warnings).toEqual(['stop of sloppy failed (stop exited with code 1) but its status says it is not running']);
    expect(logged(/WARN: Resource script for sloppy probably not LSB-compliant/)).toHaveLength(1);
    expect(logged(/CRIT/)).toHaveLength(0);
  });

  it('a start that outlives its timeout is killed with its children and fails the group', async () => {
    lab.addScript('hang', { startHangsWithChild: true });
    const r = runner([groupOf('alpha', ['hang'])], { resources: testResourceOptions({ startTimeout: 400 }) });
    const result = await r.start('hang');
    expect(result.outcome).toBe('failed');
    if (result.outcome !== 'failed') return;
    expect(result.steps.at(-1)?.result.outcome).toBe('timedOut');
    expect(result.reason).toBe('start timed out after 400 ms; its process group was killed');
    const pids = lab.pidsOf('hang');
    expect(pids).toHaveLength(2);
    await waitFor('the hung script and its child to be gone', () => pids.every((p) => !processAlive(p)));
  });

  it('never runs two operations of one group at once, and runs them in the order asked', async () => {
    lab.addScript('slow', { sleepSeconds: 0.05 });
    lab.addScript('other', { sleepSeconds: 0.05 });
    const r = runner([groupOf('alpha', ['slow', 'other'])]);
    const results = await Promise.all([r.start('slow'), r.stop('slow'), r.status('slow'), r.start('slow')]);
    expect(results.map((x) => ('outcome' in x ? x.outcome : x.state))).toEqual(['started', 'stopped', 'stopped', 'started']);
    // begin/end markers of every call must nest strictly: never two open at once.
    let open = 0;
    for (const line of lab.calls()) {
      if (line.startsWith('begin ')) open++;
      if (line.startsWith('end ')) open--;
      expect(open).toBeLessThanOrEqual(1);
    }
    expect(lab.invocations()).toEqual([
      'slow status', 'slow start', 'other status', 'other start',
      'other stop', 'slow stop',
      'slow status', 'other status',
      'slow status', 'slow start', 'other status', 'other start',
    ]);
  });

  it('runs different groups in parallel', async () => {
    // Each start waits for the other group's start to have begun: only parallel runs can finish.
    const aBegan = join(lab.stateDir, 'a-began');
    const bBegan = join(lab.stateDir, 'b-began');
    lab.addScript('a', { startCreates: aBegan, startWaitsFor: bBegan });
    lab.addScript('b', { startCreates: bBegan, startWaitsFor: aBegan });
    // startWaitsFor is checked before startCreates, so give each its own marker first.
    lab.addScript('a0', { startCreates: aBegan });
    lab.addScript('b0', { startCreates: bBegan });
    const r = runner([groupOf('alpha', ['a0', 'a']), groupOf('bravo', ['b0', 'b'])]);
    const [ra, rb] = await Promise.all([r.start('a0'), r.start('b0')]);
    expect(ra.outcome).toBe('started');
    expect(rb.outcome).toBe('started');
  });

  it('refuses an unknown group key', () => {
    const r = runner([groupOf('alpha', ['x'])]);
    expect(() => r.start('nope')).toThrow(UnknownGroupError);
    expect(() => r.start('nope')).toThrow('no resource group with key nope in haresources');
  });

  it('an unresolvable script fails the start with a clear reason', async () => {
    const r = runner([groupOf('alpha', ['ghost'])], { resources: testResourceOptions({ stopRetries: 0 }) });
    const result = await r.start('ghost');
    expect(result.outcome).toBe('failed');
    if (result.outcome !== 'failed') return;
    expect(result.reason).toMatch(/^Cannot locate resource script ghost: no regular executable file/);
    expect(result.rollback.outcome).toBe('stopped');
    expect(logged(/ERROR: Cannot locate resource script ghost/).length).toBeGreaterThan(0);
  });
});
