// The I/O part with real scripts, a real FIFO and a real file in a
// temporary directory.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '../../../src/log/index.js';
import { messageOf } from '../../../src/heartbeat/index.js';
import {
  DaemonNotifications,
  isScriptName,
  listScripts,
  Notifier,
  resolveTargets,
  type NotifyEvent,
  type NotifyTargets,
} from '../../../src/notify/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hbts-notify-unit-'));
});
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function script(path: string, body: string, mode = 0o755): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
}

const targets = (over: Partial<NotifyTargets>): NotifyTargets => ({
  dir: null,
  dirExplicit: false,
  fifo: null,
  file: null,
  timeoutMs: 10_000,
  rcDir: join(dir, 'rc.d'),
  ...over,
});

const nodeEvent = (i: number): NotifyEvent => ({ kind: 'group-held', group: `g${i}`, reason: 'takeover', detail: `event ${i}` });

/** Polls `check` until true, at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('notify.d listing', () => {
  it('executable regular files in byte order; hidden, backups, package leftovers and non-executables skipped', async () => {
    const d = join(dir, 'notify.d');
    mkdirSync(d);
    for (const name of ['20-mail', '10-log', 'B-upper', '.hidden', 'x~', 'y.dpkg-old', 'z.rpmnew', 'w.swp']) script(join(d, name), 'exit 0');
    script(join(d, '30-plain'), 'exit 0', 0o644);
    mkdirSync(join(d, '40-dir'));
    const l = await listScripts(d);
    expect(l.scripts.map((p) => p.slice(d.length + 1))).toEqual(['10-log', '20-mail', 'B-upper']);
    expect(l.skipped).toEqual([
      { name: '30-plain', why: 'not executable (chmod +x to run it)' },
      { name: '40-dir', why: 'not a regular file' },
    ]);
    expect((await listScripts(join(dir, 'missing'))).error).toMatch(/ENOENT/);
    expect(isScriptName('50-ok.sh')).toBe(true);
  });

  it('resolves the default notify.d only when it exists; none turns it off', () => {
    const base = { fifo: null, file: null, timeout: 1000 };
    expect(resolveTargets({ ...base, dir: null }, dir).dir).toBeNull();
    mkdirSync(join(dir, 'notify.d'));
    expect(resolveTargets({ ...base, dir: null }, dir).dir).toBe(join(dir, 'notify.d'));
    expect(resolveTargets({ ...base, dir: 'none' }, dir).dir).toBeNull();
    expect(resolveTargets({ ...base, dir: '/x' }, dir)).toMatchObject({ dir: '/x', dirExplicit: true, rcDir: join(dir, 'rc.d') });
  });
});

describe('Notifier: scripts one at a time, in order, each with a timeout', () => {
  it('every event reaches every script exactly once and in order, even when one script is slow', async () => {
    const d = join(dir, 'notify.d');
    mkdirSync(d);
    const trace = join(dir, 'trace');
    // 10-slow sleeps longer than the gap between events; 20-record records its arguments and environment.
    script(join(d, '10-slow'), `echo "start slow $HA_NOTIFY_SEQ" >> ${trace}; sleep 0.15; echo "end slow $HA_NOTIFY_SEQ" >> ${trace}`);
    script(join(d, '20-record'), `echo "start record $HA_NOTIFY_SEQ" >> ${trace}; echo "$HA_NOTIFY_SEQ $* $HA_NOTIFY_GROUP $HA_NOTIFY_REASON $HA_CURHOST" >> ${dir}/record; echo "end record $HA_NOTIFY_SEQ" >> ${trace}`);
    const { logger, lines } = createMemoryLogger();
    const n = new Notifier({ targets: targets({ dir: d }), configDir: dir, env: { HA_CURHOST: 'alpha' }, logger });
    await n.start();
    const started = Date.now();
    for (let i = 1; i <= 6; i++) n.emit(nodeEvent(i));
    // emit() returned at once: nothing has run yet.
    expect(Date.now() - started).toBeLessThan(100);
    expect(existsSync(trace)).toBe(false);
    await n.close(30_000);
    expect(readFileSync(join(dir, 'record'), 'utf8').trim().split('\n')).toEqual(
      Array.from({ length: 6 }, (_, k) => `${k + 1} group-held g${k + 1} takeover g${k + 1} takeover alpha`),
    );
    // One script at a time: every start is followed by its own end.
    const expected = Array.from({ length: 6 }, (_, k) => [`start slow ${k + 1}`, `end slow ${k + 1}`, `start record ${k + 1}`, `end record ${k + 1}`]).flat();
    expect(readFileSync(trace, 'utf8').trim().split('\n')).toEqual(expected);
    expect(lines.filter((l) => /warn|error/i.test(l))).toEqual([]);
  });

  it('a script past its timeout is killed with its children, logged, and the next event goes on', async () => {
    const d = join(dir, 'notify.d');
    mkdirSync(d);
    script(join(d, '10-hang'), `[ "$HA_NOTIFY_SEQ" = 1 ] && sleep 30; echo "$HA_NOTIFY_SEQ" >> ${dir}/ran`);
    script(join(d, '20-fail'), 'echo "no mail server" >&2; exit 3');
    const { logger, lines } = createMemoryLogger();
    const n = new Notifier({ targets: targets({ dir: d, timeoutMs: 300 }), configDir: dir, env: {}, logger });
    await n.start();
    const started = Date.now();
    n.emit(nodeEvent(1));
    n.emit(nodeEvent(2));
    await n.close(20_000);
    // Generous: 300 ms timeout, then the kill; far from the 30 s sleep.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('2\n');
    expect(lines.filter((l) => /10-hang group-held g1 takeover \(event 1\) killed after its timeout of 300 ms/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /20-fail .* exited with 3: no mail server/.test(l))).toHaveLength(2);
  });
});

describe('Notifier: FIFO and line file', () => {
  it('creates the FIFO; with no reader nothing blocks and lines wait in the pipe; a reader then gets them all in order', async () => {
    const fifo = join(dir, 'events.fifo');
    const { logger } = createMemoryLogger();
    const n = new Notifier({ targets: targets({ fifo }), configDir: dir, env: {}, logger });
    await n.start();
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(fifo).mode & 0o777).toBe(0o600);
    for (let i = 1; i <= 3; i++) n.emit(nodeEvent(i));
    await new Promise((r) => setTimeout(r, 50));
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(reader);
    let got = '';
    reader.stdout!.on('data', (b: Buffer) => (got += b.toString()));
    await until(() => got.split('\n').length > 3, 10_000);
    for (let i = 4; i <= 5; i++) n.emit(nodeEvent(i));
    await until(() => got.split('\n').length > 5, 10_000);
    const rows = got.trim().split('\n').map((l) => l.split(' ').slice(1, 5).join(' '));
    expect(rows).toEqual(Array.from({ length: 5 }, (_, k) => `${k + 1} group-held g${k + 1} takeover`));
    await n.close(5_000);
  });

  it('when the pipe stays full (a reader that never reads), lines are dropped and counted, never blocking', async () => {
    const fifo = join(dir, 'events.fifo');
    const { logger, lines } = createMemoryLogger();
    const n = new Notifier({ targets: targets({ fifo }), configDir: dir, env: {}, logger, fifoPatienceMs: 200 });
    await n.start();
    const big: NotifyEvent = { kind: 'config-reloaded', detail: 'x'.repeat(4000) };
    const started = Date.now();
    // 64 KiB of pipe: 16 lines of 4 KiB fill it; the rest wait, then are dropped.
    for (let i = 0; i < 20; i++) n.emit(big);
    expect(Date.now() - started).toBeLessThan(200);
    await until(() => lines.some((l) => /the pipe stayed full; event 1[789] \(config-reloaded\) dropped/.test(l)), 20_000);
    expect(lines.filter((l) => /pipe stayed full/.test(l))).toHaveLength(1);
    await n.close(15_000);
  });

  it('refuses a FIFO path that is a regular file', async () => {
    const fifo = join(dir, 'not-a-fifo');
    writeFileSync(fifo, '');
    const n = new Notifier({ targets: targets({ fifo }), configDir: dir, env: {}, logger: createMemoryLogger().logger });
    await expect(n.start()).rejects.toThrow(`[notify] fifo ${fifo} exists and is not a FIFO: remove it or name another path`);
  });

  it('appends one line per event to the file, in order', async () => {
    const file = join(dir, 'events.log');
    writeFileSync(file, 'earlier line\n');
    const n = new Notifier({ targets: targets({ file }), configDir: dir, env: {}, logger: createMemoryLogger().logger });
    await n.start();
    for (let i = 1; i <= 50; i++) n.emit(nodeEvent(i));
    await n.close(10_000);
    const rows = readFileSync(file, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('earlier line');
    expect(rows.slice(1).map((l) => l.split(' ')[1])).toEqual(Array.from({ length: 50 }, (_, k) => String(k + 1)));
  });
});

describe('DaemonNotifications: heartbeat events and rc.d hooks', () => {
  it('node-dead / node-up from status changes, in the order the layer reports them', async () => {
    const file = join(dir, 'events.log');
    const b = new DaemonNotifications({
      targets: targets({ file }),
      configDir: dir,
      localNode: 'bravo',
      homeOf: (k) => (k === 'g' ? 'alpha' : undefined),
      env: {},
      messageEnv: () => ({}),
      logger: createMemoryLogger().logger,
    });
    await b.start();
    const source = new EventEmitter();
    b.watch({ subscribe: (listener) => source.on('event', listener) });
    const status = (node: string, previous: string, st: string, isLocal = false): boolean =>
      source.emit('event', { kind: 'nodeStatus', node, nodeType: 'normal', status: st, previous, isLocal });
    status('bravo', 'init', 'up', true); // our own: not an event
    status('alpha', 'init', 'up'); // first heard: up
    status('alpha', 'up', 'active'); // still up: nothing
    status('alpha', 'active', 'dead');
    b.operationStarted('start', 'g', { kind: 'mach-down', peer: 'alpha', reason: 'node alpha is dead' });
    b.operationFinished({ key: 'g', op: 'start', ok: true, durationMs: 5 });
    status('alpha', 'dead', 'up');
    b.operationStarted('stop', 'g', { kind: 'standby-release', rsc: 2, reason: 'given to the other node (auto_failback)' } as never);
    b.operationFinished({ key: 'g', op: 'stop', ok: false, durationMs: 5 });
    b.probeFallRise({ probe: 'web', group: 'g', phase: 'down', reason: '3 failures' });
    b.probeFallRise({ probe: 'web', phase: 'up', reason: 'passes' });
    b.configReloaded('applied: nothing');
    await b.close();
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1, 5).join(' '));
    expect(rows).toEqual([
      '1 node-up alpha -',
      '2 node-dead alpha -',
      '3 group-acquiring g takeover',
      '4 group-held g takeover',
      '5 node-up alpha -',
      '6 group-releasing g failback',
      '7 group-failed g failback',
      '8 probe-fall web -',
      '9 probe-rise web -',
      `10 config-reloaded ${dir} -`,
    ]);
  });

  it('rc.d/T runs for message type T after comm up, with the message fields as HA_*; the stock types are left to heartbeat-ts', async () => {
    const rc = join(dir, 'rc.d');
    mkdirSync(rc);
    script(join(rc, 'mytype'), `echo "$1 $HA_t $HA_src $HA_foo $HA_CURHOST" >> ${dir}/rc-ran`);
    script(join(rc, 'hb_takeover'), `echo "$1" >> ${dir}/rc-ran`);
    script(join(rc, 'status'), `echo "$1" >> ${dir}/rc-ran`);
    const b = new DaemonNotifications({
      targets: targets({}),
      configDir: dir,
      localNode: 'bravo',
      homeOf: () => undefined,
      env: { HA_CURHOST: 'bravo' },
      messageEnv: (m) => Object.fromEntries(m.fields.map((f) => [`HA_${f.name}`, String(f.value)])),
      logger: createMemoryLogger().logger,
    });
    await b.start();
    const source = new EventEmitter();
    b.watch({ subscribe: (listener) => source.on('event', listener) });
    const send = (t: string, foo: string): boolean =>
      source.emit('event', { kind: 'message', type: t, message: messageOf([['t', t], ['src', 'alpha'], ['foo', foo]]) });
    send('mytype', 'before-comm-up');
    source.emit('event', { kind: 'commUp' });
    send('mytype', 'one');
    send('hb_takeover', 'x');
    send('status', 'x');
    send('other', 'x');
    send('mytype', 'two');
    await b.close();
    expect(readFileSync(join(dir, 'rc-ran'), 'utf8')).toBe('mytype mytype alpha one bravo\nmytype mytype alpha two bravo\n');
  });

  it('a [notify] dir that does not exist stops the start', async () => {
    const b = new DaemonNotifications({
      targets: targets({ dir: join(dir, 'nope'), dirExplicit: true }),
      configDir: dir,
      localNode: 'a',
      homeOf: () => undefined,
      env: {},
      messageEnv: () => ({}),
      logger: createMemoryLogger().logger,
    });
    await expect(b.start()).rejects.toThrow(`[notify] dir ${join(dir, 'nope')} does not exist`);
  });
});
