// The shipped nginx LSB script's own logic, run for real without nginx: the
// pid-file rule it reads from nginx.conf (now in shell built-ins, checked
// against the sed expression it replaced), how it reads a pid file and
// recognises an nginx process, and its refusals. Starting and stopping a
// real nginx is in test/e2e/resources (inside a network namespace).
import { execa } from 'execa';
import fc from 'fast-check';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedScriptPath } from '../../../src/resources/index.js';
import { processAlive, waitFor } from '../../helpers/resources-scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'hbts-res-nginx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCRIPT = shippedScriptPath('nginx');
/** A pid file name no generated conf names, so the script reports any conf pid file as a conflict. */
const MARKER = '/nonexistent/hbts-marker.pid';

let confCounter = 0;
function writeConf(text: string): string {
  const path = join(dir, `nginx-${confCounter++}.conf`);
  writeFileSync(path, text);
  return path;
}

async function script(action: string, env: Record<string, string>): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const r = await execa(SCRIPT, [action], { reject: false, env, extendEnv: true, stdin: 'ignore' });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The pid file the script takes from CONF, read from its conflict message (empty: none). */
async function scriptConfPidfile(conf: string): Promise<string> {
  const r = await script('status', { NGINX_CONF: conf, NGINX_PIDFILE: MARKER });
  const m = / says pid (.*); make them agree$/m.exec(r.stderr);
  return m ? m[1]! : '';
}

/** The rule the script used to apply with sed and head (first match). */
async function sedConfPidfile(conf: string): Promise<string> {
  const sed = String.raw`sed -n -e 's/#.*//' -e 's/^[[:space:]]*pid[[:space:]][[:space:]]*\([^;[:space:]]*\)[[:space:]]*;.*/\1/p' "$1" | head -n 1`;
  return String((await execa('sh', ['-c', sed, 'sh', conf])).stdout);
}

describe('shipped nginx script: the pid file named in nginx.conf', () => {
  it.each([
    ['pid /run/a.pid;\n', '/run/a.pid'],
    ['worker_processes 1;\n  pid\t/run/b.pid ; # where\n', '/run/b.pid'],
    ['pid /run/c.pid;', '/run/c.pid'],
    ['#pid /run/d.pid;\n', ''],
    ['pid /run/e.pid\n', ''],
    ['pidfile /run/f.pid;\n', ''],
    ['pid /run/g.pid; pid /run/h.pid;\npid /run/i.pid;\n', '/run/g.pid'],
    ['events {}\n', ''],
  ])('%j names %j', async (text, expected) => {
    expect(await scriptConfPidfile(writeConf(text))).toBe(expected);
  });

  it('agrees with the sed rule it replaced on random configurations', async () => {
    const token = fc.constantFrom('pid', 'pid', ' ', '\t', ';', '#', '/run/x.pid', 'a', 'pidfile', '\r', ' pid ', 'worker_processes 1;');
    const line = fc.array(token, { maxLength: 8 }).map((t) => t.join(''));
    const conf = fc.tuple(fc.array(line, { maxLength: 5 }), fc.boolean()).map(([lines, newline]) => lines.join('\n') + (newline ? '\n' : ''));
    await fc.assert(
      fc.asyncProperty(conf, async (text) => {
        const path = writeConf(text);
        expect(await scriptConfPidfile(path)).toBe(await sedConfPidfile(path));
      }),
      { numRuns: 80 },
    );
  });
});

describe('shipped nginx script: status without a running nginx', () => {
  it('says "not running" with LSB code 3 when there is no pid file', async () => {
    const r = await script('status', { NGINX_CONF: writeConf('events {}\n'), NGINX_PIDFILE: join(dir, 'none.pid') });
    expect(r).toMatchObject({ exitCode: 3, stdout: 'nginx is not running' });
  });

  it('does not take a pid file naming another process (or garbage) for nginx', async () => {
    const pidFile = join(dir, 'other.pid');
    const conf = writeConf('events {}\n');
    for (const content of [`${process.pid}\n`, ' \t\n', 'abc\n', '']) {
      writeFileSync(pidFile, content);
      const r = await script('status', { NGINX_CONF: conf, NGINX_PIDFILE: pidFile });
      expect(r, JSON.stringify(content)).toMatchObject({ exitCode: 1, stdout: `nginx is not running (dead, but ${pidFile} exists)` });
    }
  });

  it('recognises a live process whose name starts with nginx, pid written with blanks and CR', async () => {
    // Not nginx: a copy of sleep named like it, which is all the script's check looks at.
    const fake = join(dir, 'nginx-sleeper');
    copyFileSync('/bin/sleep', fake);
    const child = execa(fake, ['1000'], { reject: false });
    try {
      const pidFile = join(dir, 'fake.pid');
      writeFileSync(pidFile, ` ${child.pid}\r\n`);
      const r = await script('status', { NGINX_CONF: writeConf('events {}\n'), NGINX_PIDFILE: pidFile });
      expect(r).toMatchObject({ exitCode: 0, stdout: `nginx is running (pid ${child.pid})` });
    } finally {
      child.kill('SIGKILL');
      await child;
      await waitFor('the fake nginx to end', () => !processAlive(child.pid!));
    }
  });
});

describe('shipped nginx script: refusals', () => {
  it('refuses timeouts that are not whole seconds, naming the variable (LSB 6)', async () => {
    const conf = writeConf('events {}\n');
    const stop = await script('stop', { NGINX_CONF: conf, NGINX_PIDFILE: join(dir, 'none.pid'), NGINX_STOP_TIMEOUT: '2.5' });
    expect(stop).toMatchObject({ exitCode: 6, stderr: 'nginx: NGINX_STOP_TIMEOUT=2.5 is not a whole number of seconds' });
    const start = await script('start', {
      NGINX_CONF: conf,
      NGINX_PIDFILE: join(dir, 'none.pid'),
      NGINX_BIN: '/bin/true',
      NGINX_START_TIMEOUT: 'soon',
    });
    expect(start).toMatchObject({ exitCode: 6, stderr: 'nginx: NGINX_START_TIMEOUT=soon is not a whole number of seconds' });
  });

  it('says nginx is not installed (LSB 5) when NGINX_BIN is missing', async () => {
    const r = await script('start', { NGINX_CONF: writeConf('events {}\n'), NGINX_BIN: join(dir, 'no-nginx') });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('is not installed or not executable');
  });

  it('refuses a pid file that disagrees with the conf (LSB 6)', async () => {
    const r = await script('start', { NGINX_CONF: writeConf('pid /run/x.pid;\n'), NGINX_PIDFILE: MARKER, NGINX_BIN: '/bin/true' });
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain(`NGINX_PIDFILE=${MARKER} but`);
  });
});
