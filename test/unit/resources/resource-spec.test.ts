// Each haresources resource is resolved once, when the configuration is
// loaded, into the spec that runs it (spec §9.1: resource.d, then the init
// directory, then the built-in IPaddr / IPaddr2, then the scripts shipped
// with heartbeat-ts). The group runner builds its agents from that spec and
// never looks a script up again; a script removed later fails at its next
// operation with the exec error.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, type HaResourcesConfig } from '../../../src/config/index.js';
import { loadAndResolveConfig } from '../../../src/daemon/index.js';
import { createMemoryLogger } from '../../../src/log/index.js';
import {
  GroupRunner,
  parseIpAddrArguments,
  resolveGroupResources,
  resolveResourceSpecs,
  shippedScriptPath,
} from '../../../src/resources/index.js';
import { makeConfigDir, removeAllConfigDirs, VALID_HA_CF } from '../config/config-dir-fixture.js';
import { createScriptLab, groupOf, resourceRef, TEST_ARP, testResourceOptions, type ScriptLab } from '../../helpers/resources-scripts.js';

describe('resource specs (resolved once at load)', () => {
  let lab: ScriptLab;
  beforeEach(() => {
    lab = createScriptLab();
  });
  afterEach(() => {
    lab.cleanup();
    removeAllConfigDirs();
  });

  const options = (): { configDir: string; initDir: string } => ({ configDir: lab.configDir, initDir: lab.initDir });
  const haresources = (groups: HaResourcesConfig['groups']): HaResourcesConfig => ({ file: '/etc/ha.d/haresources', groups });

  function initScript(name: string): string {
    const path = join(lab.initDir, name);
    writeFileSync(path, '#!/bin/sh\necho "$0 $*" >> "$(dirname "$0")/calls"\nexit 0\n');
    chmodSync(path, 0o755);
    return path;
  }

  it('gives every resource its kind: the parsed IPaddr / IPaddr2 argument, or the script path and where it was found', () => {
    const rd = lab.addScript('Filesystem');
    const init = initScript('web');
    const r = resolveResourceSpecs(
      haresources([
        groupOf('alpha', ['198.51.100.10', 'IPaddr::198.51.100.11/24/eth0:0', 'IPaddr2::198.51.100.12/255.255.255.0/eth1/198.51.100.255'], 2),
        groupOf('bravo', ['Filesystem::/dev/sdb1::/data::ext4', 'web', 'nginx'], 4),
      ]),
      options(),
    );
    expect(r.problems).toEqual([]);
    const [alpha, bravo] = r.value!.groups;
    expect(alpha).toMatchObject({ node: 'alpha', key: '198.51.100.10', line: 2 });
    expect(alpha!.resources).toEqual([
      { token: '198.51.100.10', script: 'IPaddr', args: ['198.51.100.10'], line: 2, kind: 'IPaddr', address: { address: '198.51.100.10' } },
      {
        token: 'IPaddr::198.51.100.11/24/eth0:0',
        script: 'IPaddr',
        args: ['198.51.100.11/24/eth0:0'],
        line: 2,
        kind: 'IPaddr',
        address: { address: '198.51.100.11', prefixLength: 24, iface: 'eth0', label: 'eth0:0' },
      },
      expect.objectContaining({
        kind: 'IPaddr2',
        address: { address: '198.51.100.12', prefixLength: 24, iface: 'eth1', broadcast: '198.51.100.255' },
      }),
    ]);
    expect(bravo!.resources).toEqual([
      expect.objectContaining({ kind: 'script', source: 'resource.d', path: rd, args: ['/dev/sdb1', '/data', 'ext4'] }),
      expect.objectContaining({ kind: 'script', source: 'init.d', path: init, args: [] }),
      expect.objectContaining({ kind: 'script', source: 'shipped', path: shippedScriptPath('nginx') }),
    ]);
  });

  it('refuses what cannot be served with file and line, and then gives no spec at all', () => {
    const groups = [groupOf('alpha', ['198.51.100.10', 'missing::a'], 2), groupOf('bravo', ['IPaddr2::198.51.100.30/24/eth0:waytoolonglabel'], 5)];
    const r = resolveResourceSpecs(haresources(groups), options());
    expect(r.value).toBeUndefined();
    expect(r.problems).toEqual([
      expect.objectContaining({ file: '/etc/ha.d/haresources', line: 2, text: 'missing::a', message: expect.stringMatching(/^Cannot locate resource script missing: /) }),
      expect.objectContaining({ line: 5, message: expect.stringMatching(/^bad IPaddr2 resource "IPaddr2::198\.51\.100\.30\/24\/eth0:waytoolonglabel": label .* longer than 15/) }),
    ]);
    // The older entry point reports exactly the same problems.
    expect(resolveGroupResources(groups, { ...options(), file: '/etc/ha.d/haresources' })).toEqual(r.problems);
  });

  it('the loaded configuration carries the spec, frozen with the rest of it', () => {
    const dir = makeConfigDir({ haresources: 'alpha IPaddr::10.0.0.100/24/eth0 web::x\n' });
    const script = join(dir, 'resource.d', 'web');
    mkdirSync(join(dir, 'resource.d'));
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = loadAndResolveConfig({ configDir: dir, localNode: 'alpha', interfaceExists: () => true });
    expect(r.problems).toEqual([]);
    const [address, web] = r.config!.haResources.groups[0]!.resources;
    expect(address).toMatchObject({ kind: 'IPaddr', address: { address: '10.0.0.100', prefixLength: 24, iface: 'eth0' } });
    expect(web).toMatchObject({ kind: 'script', source: 'resource.d', path: script, args: ['x'] });
    expect(Object.isFrozen(r.config!.haResources.groups[0]!.resources)).toBe(true);
    expect(Object.isFrozen(web)).toBe(true);
    expect(Object.isFrozen(address!.kind === 'IPaddr' ? address!.address : undefined)).toBe(true);
  });

  it('an unresolvable resource refuses the whole configuration (no half-started node), after the other files\' warnings', () => {
    const dir = makeConfigDir({ 'ha.cf': `${VALID_HA_CF}warntime 1\n`, haresources: 'alpha 10.0.0.100 ghost\n' });
    const r = loadAndResolveConfig({ configDir: dir, localNode: 'alpha', interfaceExists: () => true });
    expect(r.config).toBeUndefined();
    const heads = r.problems.map((p) => formatProblem(p).split('\n')[0]!.replace(`${dir}/`, ''));
    expect(heads).toHaveLength(2);
    expect(heads[0]).toMatch(/^ha\.cf:\d+: warning: /);
    expect(heads[1]).toBe(`haresources:1: error: Cannot locate resource script ghost: no regular executable file ${dir}/resource.d/ghost or /etc/init.d/ghost`);
  });

  describe('the group runner works from the spec', () => {
    let runners: GroupRunner[] = [];
    afterEach(() => {
      for (const r of runners) r.dispose();
      runners = [];
    });

    function runnerFor(groups: ReturnType<typeof groupOf>[]): { runner: GroupRunner; lines: string[] } {
      const resolved = resolveResourceSpecs(haresources(groups), options());
      expect(resolved.problems).toEqual([]);
      const memory = createMemoryLogger();
      const runner = new GroupRunner({
        groups: resolved.value!.groups,
        configDir: lab.configDir,
        initDir: lab.initDir,
        resources: testResourceOptions({ stopRetries: 1 }),
        arp: TEST_ARP,
        logger: memory.logger,
        killGraceMs: 200,
      });
      runners.push(runner);
      return { runner, lines: memory.lines };
    }

    it('never looks a script up again: a script installed in resource.d later does not replace the init script it resolved to', async () => {
      initScript('web');
      const { runner } = runnerFor([groupOf('alpha', ['web'])]);
      lab.addScript('web');
      expect((await runner.start('web')).outcome).toBe('started');
      expect(lab.invocations()).toEqual([]);
      expect((await runner.status('web')).resources[0]!.result.stdout).toBe('');
    });

    it('a script removed after start-up fails its start with the exec error, its status reads "not running", and its stop only warns', async () => {
      const path = lab.addScript('web');
      const { runner, lines } = runnerFor([groupOf('alpha', ['web::1'])]);
      rmSync(path);

      const started = await runner.start('web::1');
      expect(started.outcome).toBe('failed');
      if (started.outcome !== 'failed') return;
      expect(started.reason).toMatch(new RegExp(`^cannot run ${path}: .*ENOENT`));
      expect(lines.some((l) => l.includes(`ERROR: cannot run ${path}`) && l.includes('web::1'))).toBe(true);

      const status = await runner.status('web::1');
      expect(status.state).toBe('stopped');
      expect(status.resources[0]!.result).toMatchObject({ outcome: 'stopped', stderr: expect.stringMatching(/ENOENT/) });

      const stopped = await runner.stop('web::1');
      expect(stopped.outcome).toBe('stopped');
      expect(stopped.outcome === 'stopped' && stopped.warnings).toEqual([expect.stringMatching(/^stop of web::1 failed \(cannot run /)]);
    });
  });

  it('property: every resource either becomes a spec with its token, or a problem on its line; IPaddr specs hold exactly the parsed argument', () => {
    lab.addScript('svc');
    const octet = fc.nat(255);
    const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    const addressArg = fc
      .tuple(ipv4, fc.option(fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), ipv4)), fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,17}(:[a-z0-9]{0,4})?$/)))
      .map(([a, p, n]) => [a, p, n].filter((x) => x !== null).join('/'));
    const token = fc.oneof(
      ipv4,
      addressArg.map((a) => `IPaddr::${a}`),
      addressArg.map((a) => `IPaddr2::${a}`),
      fc.constantFrom('svc', 'svc::a', 'nosuch', 'nosuch::b', 'IPaddr2', 'IPaddr::1.2.3.4::5'),
    );
    let resolvedRuns = 0;
    let refusedRuns = 0;
    fc.assert(
      fc.property(fc.array(fc.array(token, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }), (tokenGroups) => {
        const groups = tokenGroups.map((tokens, i) => groupOf('alpha', tokens, i + 1));
        const r = resolveResourceSpecs(haresources(groups), options());
        const refs = groups.flatMap((g) => g.resources);
        if (r.value) resolvedRuns++;
        else refusedRuns++;
        if (r.value === undefined) {
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) expect(refs.some((ref) => ref.line === p.line && ref.token === p.text)).toBe(true);
          return;
        }
        expect(r.problems).toEqual([]);
        const specs = r.value.groups.flatMap((g) => g.resources);
        expect(specs.map((s) => s.token)).toEqual(refs.map((ref) => ref.token));
        for (const s of specs) {
          if (s.kind === 'script') {
            expect(s.path).toBe(join(lab.configDir, 'resource.d', 'svc'));
            continue;
          }
          const parsed = parseIpAddrArguments(s.kind, s.args);
          expect(parsed.ok && parsed.spec).toEqual(s.address);
        }
      }),
      { numRuns: 300 },
    );
    // Both outcomes were exercised (about one run in five resolves entirely).
    expect(resolvedRuns).toBeGreaterThan(0);
    expect(refusedRuns).toBeGreaterThan(0);
  });

  it('a resource reference built by hand (tests, tools) is resolved once when the runner is built', async () => {
    const memory = createMemoryLogger();
    const runner = new GroupRunner({
      groups: [groupOf('alpha', ['late'])],
      configDir: lab.configDir,
      initDir: lab.initDir,
      resources: testResourceOptions({ stopRetries: 0 }),
      arp: TEST_ARP,
      logger: memory.logger,
    });
    try {
      lab.addScript('late');
      const r = await runner.start('late');
      expect(r.outcome === 'failed' && r.reason).toMatch(/^Cannot locate resource script late: /);
      expect(lab.invocations()).toEqual([]);
      expect(resourceRef('late')).not.toHaveProperty('kind');
    } finally {
      runner.dispose();
    }
  });
});
