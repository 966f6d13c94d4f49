// Script lookup as Heartbeat's ResourceManager does it (spec §9.1):
// <configDir>/resource.d/NAME, then <initDir>/NAME, regular executable files
// only; then the built-in IPaddr / IPaddr2. Unresolvable resources are
// configuration errors with the haresources file and line.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveGroupResources, resolveResource } from '../../../src/resources/index.js';
import { createScriptLab, groupOf, resourceRef, type ScriptLab } from '../../helpers/resources-scripts.js';

describe('resource resolution (spec §9.1)', () => {
  let lab: ScriptLab;
  beforeEach(() => {
    lab = createScriptLab();
  });
  afterEach(() => lab.cleanup());

  const options = (): { configDir: string; initDir: string } => ({ configDir: lab.configDir, initDir: lab.initDir });

  function initScript(name: string, mode = 0o755): string {
    const path = join(lab.initDir, name);
    writeFileSync(path, '#!/bin/sh\nexit 0\n');
    chmodSync(path, mode);
    return path;
  }

  it('finds resource.d first, then the init directory', () => {
    const initPath = initScript('web');
    expect(resolveResource(resourceRef('web'), options())).toMatchObject({ kind: 'script', path: initPath });
    const rdPath = lab.addScript('web');
    expect(resolveResource(resourceRef('web'), options())).toMatchObject({ kind: 'script', path: rdPath });
  });

  it('uses the built-in IPaddr / IPaddr2 unless a script of that name exists (the directory wins)', () => {
    expect(resolveResource(resourceRef('198.51.100.10'), options())).toMatchObject({ kind: 'builtin', name: 'IPaddr' });
    expect(resolveResource(resourceRef('IPaddr2::198.51.100.10/24'), options())).toMatchObject({ kind: 'builtin', name: 'IPaddr2' });
    const path = lab.addScript('IPaddr');
    expect(resolveResource(resourceRef('198.51.100.10'), options())).toMatchObject({ kind: 'script', path });
    const initPath = initScript('IPaddr2');
    expect(resolveResource(resourceRef('IPaddr2::198.51.100.10'), options())).toMatchObject({ kind: 'script', path: initPath });
  });

  it('skips files that are not executable or not regular, and says why', () => {
    initScript('web', 0o644);
    mkdirSync(join(lab.configDir, 'resource.d', 'web'));
    const r = resolveResource(resourceRef('web'), options());
    expect(r.kind).toBe('unresolved');
    expect(r.kind === 'unresolved' && r.reason).toMatch(/resource\.d\/web is not a regular file; .*init\.d\/web is not executable/);
  });

  it('refuses script names that would leave the directories', () => {
    const r = resolveResource({ token: '../x', script: '../x', args: [], line: 3 }, options());
    expect(r.kind === 'unresolved' && r.reason).toMatch(/may not contain "\/"/);
  });

  it('reports every unresolvable resource with the haresources file and line', () => {
    lab.addScript('web');
    const groups = [
      groupOf('alpha', ['198.51.100.10', 'web', 'missing::a'], 2),
      groupOf('bravo', ['IPaddr::198.51.100.20/24/eth0:0', 'IPaddr::198.51.100.21/24/eth0:toolonglabel', 'IPaddr2::not-an-ip', 'IPaddr2::198.51.100.30/24/eth0:web'], 5),
    ];
    const problems = resolveGroupResources(groups, { ...options(), file: '/etc/ha.d/haresources' });
    expect(problems).toEqual([
      {
        severity: 'error',
        file: '/etc/ha.d/haresources',
        line: 2,
        message: `Cannot locate resource script missing: no regular executable file ${lab.configDir}/resource.d/missing or ${lab.initDir}/missing`,
        text: 'missing::a',
      },
      // The tutorial's alias form is accepted; a label over the kernel's 15 characters is not.
      expect.objectContaining({
        line: 5,
        text: 'IPaddr::198.51.100.21/24/eth0:toolonglabel',
        message: expect.stringMatching(/^bad IPaddr resource .*longer than 15/),
      }),
      expect.objectContaining({ line: 5, text: 'IPaddr2::not-an-ip', message: expect.stringMatching(/not an IPv4 address/) }),
    ]);
  });

  it('names <configDir>/haresources when no file is given', () => {
    const problems = resolveGroupResources([groupOf('alpha', ['nothere'], 7)], options());
    expect(problems[0]).toMatchObject({ file: join(lab.configDir, 'haresources'), line: 7 });
  });
});
