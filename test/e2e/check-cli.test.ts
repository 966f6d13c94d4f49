// `heartbeat --check` as an admin runs it: the built executable
// (dist/cli/heartbeat.js, `npm run build` first) on real files, from another
// working directory, once inside a lab namespace whose eth0 is the
// interface the example names.
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../helpers/netns.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HEARTBEAT = path.join(REPO, 'dist/cli/heartbeat.js');
const EXAMPLE = path.join(REPO, 'etc/ha.d');
const EXAMPLE_FILES = ['ha.cf', 'haresources', 'authkeys', 'heartbeat-ts.ini', 'probes.ini'];

const dirs: string[] = [];
let lab: Lab | undefined;

afterAll(async () => {
  await lab?.destroy();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the example in a fresh directory; authkeys gets `authMode`. */
function exampleCopy(authMode = 0o600, edit: (name: string, text: string) => string = (_n, t) => t): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbts-check-'));
  dirs.push(dir);
  for (const name of EXAMPLE_FILES) {
    fs.writeFileSync(path.join(dir, name), edit(name, fs.readFileSync(path.join(EXAMPLE, name), 'utf8')));
  }
  fs.chmodSync(path.join(dir, 'authkeys'), authMode);
  return dir;
}

/** Runs the built `heartbeat` from a directory that is not the repository. */
function heartbeat(args: readonly string[], env: Record<string, string> = {}) {
  return execa('node', [HEARTBEAT, ...args], { cwd: os.tmpdir(), reject: false, env: { HA_DIR: '', ...env } });
}

const lineCount = (file: string): number => fs.readFileSync(file, 'utf8').split('\n').length - 1;

describe('heartbeat --check (built executable)', () => {
  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.98.0.1' }] });
  });

  it('the example passes inside a node with eth0: summary on stdout, exit 0', async () => {
    const dir = exampleCopy();
    const r = await lab!.host('alpha').exec('node', [HEARTBEAT, '--check', '--config-dir', dir, '--node', 'alpha'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`heartbeat-ts configuration in ${dir}, as node alpha (from --node):`);
    expect(r.stdout).toContain('  nodes          alpha (this node), bravo');
    expect(r.stdout).toContain('  media          bcast eth0 (udp port 694)');
    expect(r.stdout).toContain('  groups         IPaddr::192.168.1.100/24/eth0 nginx  (home: this node)');
    expect(r.stdout).toContain("  failover       a crashed peer's groups start here at most 10.25 s after its last heartbeat");
    expect(r.stdout).toContain("(deadtime 10 s + up to 250 ms: liveness is checked at each peer's deadline, at least every 250 ms)");
    expect(r.stdout).toMatch(/\n\nConfiguration usable \(0 errors, 1 warning\)\.$/); // execa strips the final newline
    // The one warning: the placeholder secret. No interface warning: eth0 exists in this namespace.
    expect(r.stderr.trim()).toMatch(new RegExp(`^${dir}/authkeys:\\d+: warning: this is the placeholder secret of the example`));
  });

  it("the seed tutorial's alias form IPaddr::ADDR/24/eth0:0 passes as written", async () => {
    const dir = exampleCopy(0o600, (name, text) =>
      name === 'haresources' ? text.replace('IPaddr::192.168.1.100/24/eth0 nginx', 'IPaddr::192.168.1.100/24/eth0:0') : text,
    );
    expect(fs.readFileSync(path.join(dir, 'haresources'), 'utf8')).toMatch(/^alpha\s+IPaddr::192\.168\.1\.100\/24\/eth0:0$/m);
    // probes.ini names the group by its first resource, which changed with it.
    fs.writeFileSync(path.join(dir, 'probes.ini'), '');
    const r = await lab!.host('alpha').exec('node', [HEARTBEAT, '--check', '--config-dir', dir, '--node', 'alpha'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('  groups         IPaddr::192.168.1.100/24/eth0:0  (home: this node)');
  });

  it('a world-readable authkeys: exit 1, FILE: error with the chmod fix', async () => {
    const dir = exampleCopy(0o644);
    const r = await heartbeat(['--check', '--config-dir', dir, '--node', 'alpha']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${dir}/authkeys: error: authkeys is readable by every user (mode 0644); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 ${dir}/authkeys`,
    );
    expect(r.stderr).toContain(`heartbeat-ts would refuse to start with ${dir} as node alpha (1 error, 1 warning)`);
  });

  it('an unknown directive: exit 1 with its FILE:LINE', async () => {
    const dir = exampleCopy(0o600, (name, text) => (name === 'ha.cf' ? `${text}keepalve 2\n` : text));
    const line = lineCount(path.join(dir, 'ha.cf'));
    const r = await heartbeat(['--check', '--config-dir', dir, '--node', 'alpha']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${dir}/ha.cf:${line}: error: unknown directive "keepalve" (did you mean "keepalive"?)`);
    expect(r.stderr).toContain('\n    keepalve 2\n');
  });

  it('a haresources node not in ha.cf: exit 1 with its FILE:LINE', async () => {
    const dir = exampleCopy(0o600, (name, text) => (name === 'haresources' ? `${text}charlie 192.168.1.101 nginx2\n` : text));
    const line = lineCount(path.join(dir, 'haresources'));
    const r = await heartbeat(['--check', '--config-dir', dir, '--node', 'alpha']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${dir}/haresources:${line}: error: unknown node "charlie"`);
  });

  it('a bad time unit: exit 1 with its FILE:LINE', async () => {
    const dir = exampleCopy(0o600, (name, text) => (name === 'ha.cf' ? text.replace(/^deadtime\s+10/m, 'deadtime 10s') : text));
    const line = fs.readFileSync(path.join(dir, 'ha.cf'), 'utf8').split('\n').findIndex((l) => l.startsWith('deadtime 10s')) + 1;
    expect(line).toBeGreaterThan(0);
    const r = await heartbeat(['--check', '--config-dir', dir, '--node', 'alpha']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${dir}/ha.cf:${line}: error: deadtime: "10s" is not a Heartbeat time: a bare number already means seconds (write 10), or use ms/us`);
  });

  it('takes the directory from HA_DIR and the node from <config-dir>/nodeinfo', async () => {
    const dir = exampleCopy();
    fs.writeFileSync(path.join(dir, 'nodeinfo'), 'Bravo\n');
    const r = await heartbeat(['--check'], { HA_DIR: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`as node bravo (from ${dir}/nodeinfo)`);
    expect(r.stdout).toContain('(home: alpha)');
  });

  it('a missing configuration directory is a sentence, not a stack trace', async () => {
    const r = await heartbeat(['--check', '--config-dir', '/nonexistent/ha.d', '--node', 'alpha']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('/nonexistent/ha.d/ha.cf: error: file not found: heartbeat-ts needs ha.cf, haresources and authkeys in /nonexistent/ha.d');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help exits 0; bad usage exits 2; the control modes without a daemon answer like Heartbeat', async () => {
    const help = await heartbeat(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: heartbeat \[--check \| -k \| -s \| -r\] \[options\]/);
    const bad = await heartbeat(['--chek']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("heartbeat: unknown option --chek\nTry 'heartbeat --help'."); // execa strips the final newline
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbts-norun-'));
    try {
      // heartbeat.c: -k on a stopped node is "already stopped" (0); -s is "stopped. No process" (LSB 3).
      const k = await heartbeat(['-k', '--node', 'alpha', '--run-dir', runDir]);
      expect([k.exitCode, k.stderr]).toEqual([0, 'INFO: Heartbeat already stopped.']);
      const s = await heartbeat(['-s', '--node', 'alpha', '--run-dir', runDir]);
      expect([s.exitCode, s.stdout]).toEqual([3, 'heartbeat is stopped. No process']);
      const r = await heartbeat(['-r', '--node', 'alpha', '--run-dir', runDir]);
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toMatch(/heartbeat is not running/);
      for (const cmd of ['hb_standby', 'hb_takeover']) {
        const m = await execa('node', [path.join(REPO, 'dist/cli', `${cmd}.js`), '--run-dir', runDir], { reject: false });
        expect(m.exitCode).toBe(1);
        expect(m.stderr).toMatch(/heartbeat is not running/);
      }
      const c = await execa('node', [path.join(REPO, 'dist/cli', 'cl_status.js'), 'hbstatus', '--run-dir', runDir], { reject: false });
      expect([c.exitCode, c.stdout]).toEqual([1, 'Heartbeat is stopped on this machine.']);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });

  it('the executables start with a shebang (npm bin)', () => {
    for (const cmd of ['heartbeat', 'hb_standby', 'hb_takeover', 'cl_status']) {
      expect(fs.readFileSync(path.join(REPO, 'dist/cli', `${cmd}.js`), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });
});
