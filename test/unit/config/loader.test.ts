import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem, loadClusterConfig, type LoadOptions } from '../../../src/config/index.js';
import { VALID_HA_CF, makeConfigDir, removeAllConfigDirs } from './config-dir-fixture.js';

afterEach(removeAllConfigDirs);

const load = (configDir: string, extra: Partial<LoadOptions> = {}) =>
  loadClusterConfig({ configDir, localNode: 'alpha', interfaceExists: () => true, ...extra });
const heads = (dir: string, r: ReturnType<typeof load>): string[] =>
  r.problems.map((p) => formatProblem(p).split('\n')[0]!.replace(`${dir}${path.sep}`, ''));

describe('loadClusterConfig', () => {
  it('loads a valid directory into a deeply frozen ClusterConfig', () => {
    const dir = makeConfigDir();
    const r = load(dir);
    expect(heads(dir, r)).toEqual([]);
    const c = r.config!;
    expect(c.localNode).toBe('alpha');
    expect(c.configDir).toBe(dir);
    expect(c.haCf.file).toBe(path.join(dir, 'ha.cf'));
    expect(c.haCf.nodes).toEqual(['alpha', 'bravo']);
    expect(c.haResources.groups[0]!.key).toBe('IPaddr::10.0.0.100/24/eth0');
    expect(c.authKeys.active).toBe(1);
    expect(c.probes).toEqual([]);
    expect(c.options.resources.startTimeout).toBe(120_000);
    expect(c.warnings).toEqual([]);

    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.haCf.nodes)).toBe(true);
    expect(Object.isFrozen(c.haResources.groups[0]!.resources[0]!.args)).toBe(true);
    expect(() => (c.haCf.nodes as string[]).push('x')).toThrow(TypeError);
    expect(() => (c.authKeys.keys as Map<number, unknown>).set(2, {})).toThrow(TypeError);
    expect(() => (c.authKeys.keys as Map<number, unknown>).delete(1)).toThrow(TypeError);
    expect(c.authKeys.keys.get(1)?.secret).toBe('0123456789abcdef0123456789abcdef01234567');
  });

  it('lower-cases the local node name', () => {
    const r = load(makeConfigDir(), { localNode: 'ALPHA' });
    expect(r.config?.localNode).toBe('alpha');
  });

  it('reports ALL problems of ALL files at once, file by file, and gives no config', () => {
    const dir = makeConfigDir(
      {
        'ha.cf': VALID_HA_CF + 'keepalve 2\n',
        haresources: 'charlie 10.0.0.1\n',
        authkeys: 'auth 1\n1 md5\n',
        'heartbeat-ts.ini': '[log]\nformat = xml\n',
        'probes.ini': '[web]\nurl = http://127.0.0.1/\ninterval = 5\ngroup = nope\n',
      },
      0o644,
    );
    const r = load(dir);
    expect(r.config).toBeUndefined();
    expect(heads(dir, r)).toEqual([
      'ha.cf:10: error: unknown directive "keepalve" (did you mean "keepalive"?); Heartbeat refuses it too ("Illegal directive")',
      'haresources:1: error: unknown node "charlie": a haresources line starts with the group\'s home node, one of ha.cf\'s nodes (alpha, bravo); Heartbeat refuses "Bad nodename"',
      `authkeys: error: authkeys is readable by every user (mode 0644); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 ${path.join(dir, 'authkeys')}`,
      'authkeys:2: error: auth method md5 requires a key: write "1 md5 SECRET" (e.g. the output of openssl rand -hex 20)',
      'heartbeat-ts.ini:2: error: format: "xml" is not one of text, json',
      expect.stringMatching(/^probes\.ini:4: error: group "nope" is not a haresources group/),
    ]);
  });

  it('names missing required files; optional files may be absent', () => {
    const dir = makeConfigDir({ haresources: null, authkeys: null });
    const r = load(dir);
    expect(heads(dir, r)).toEqual([
      expect.stringMatching(/^haresources: error: file not found: heartbeat-ts needs ha.cf, haresources and authkeys in /),
      expect.stringMatching(/^authkeys: error: file not found: /),
    ]);
  });

  it('refuses a directory where a file should be, and oversized files', () => {
    const dir = makeConfigDir({ haresources: null });
    fs.mkdirSync(path.join(dir, 'haresources'));
    fs.writeFileSync(path.join(dir, 'probes.ini'), 'x'.repeat(1024 * 1024 + 1));
    expect(heads(dir, load(dir))).toEqual([
      'haresources: error: is not a regular file',
      'probes.ini: error: is 1048577 bytes long; a configuration file is at most 1048576',
    ]);
  });

  it('refuses an authkeys owned by another user than the daemon\'s', () => {
    const dir = makeConfigDir();
    const uid = process.getuid!();
    const r = load(dir, { daemonUid: uid + 1 });
    expect(heads(dir, r)).toEqual([
      expect.stringMatching(new RegExp(`^authkeys: error: authkeys is owned by uid ${uid}, but heartbeat-ts runs as uid ${uid + 1}: run chown ${uid + 1} `)),
    ]);
  });

  it('reads probes.ini with the haresources group keys, and heartbeat-ts.ini', () => {
    const dir = makeConfigDir({
      'probes.ini': '[web]\nurl = http://127.0.0.1/\ninterval = 5\ngroup = IPaddr::10.0.0.100/24/eth0\n',
      'heartbeat-ts.ini': '[resources]\nstart_timeout = 30\n',
    });
    const r = load(dir);
    expect(heads(dir, r)).toEqual([]);
    expect(r.config?.probes.map((p) => [p.name, p.group])).toEqual([['web', 'IPaddr::10.0.0.100/24/eth0']]);
    expect(r.config?.options.resources.startTimeout).toBe(30_000);
    expect(r.config?.options.file).toBe(path.join(dir, 'heartbeat-ts.ini'));
  });

  it('keeps warnings in the config', () => {
    const dir = makeConfigDir({ 'ha.cf': VALID_HA_CF.replace('auto_failback on\n', '') });
    const r = load(dir);
    expect(r.config?.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^auto_failback is not set/)]);
  });

  it('checks that media interfaces exist: an error by default (Heartbeat refuses), a warning on request', () => {
    const dir = makeConfigDir();
    const missing = { interfaceExists: (name: string) => name !== 'eth0' };
    expect(heads(dir, load(dir, missing))).toEqual([
      'ha.cf:6: error: network interface eth0 (used by bcast) does not exist on this host: Heartbeat refuses to start with it',
    ]);
    const r = load(dir, { ...missing, missingInterface: 'warning' });
    expect(r.config).toBeDefined();
    expect(heads(dir, r)[0]).toMatch(/^ha\.cf:6: warning: network interface eth0/);
    expect(load(dir, { ...missing, missingInterface: 'ignore' }).problems).toEqual([]);
  });

  it('checks real interfaces through /sys/class/net by default', () => {
    const dir = makeConfigDir({ 'ha.cf': VALID_HA_CF.replace('bcast eth0', 'bcast lo nosuchif0') });
    const r = loadClusterConfig({ configDir: dir, localNode: 'alpha' });
    expect(heads(dir, r)).toEqual([
      'ha.cf:6: error: network interface nosuchif0 (used by bcast) does not exist on this host: Heartbeat refuses to start with it',
    ]);
  });
});
