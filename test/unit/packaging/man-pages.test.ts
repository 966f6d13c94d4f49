// The man pages the package installs (packaging/man): one per command of
// package.json's `bin` plus the two heartbeat-ts files, each rendered by
// man-db and groff with every warning enabled, and none may warn.
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');
const MAN_DIR = join(REPO, 'packaging/man');
const pages = readdirSync(MAN_DIR).filter((f) => /\.[158]$/.test(f)).sort();
const bins = Object.keys((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin);

describe('man pages', () => {
  it('exist for every command and for probes.ini and heartbeat-ts.ini', () => {
    const names = pages.map((p) => p.replace(/\.[158]$/, ''));
    for (const bin of bins) expect(names).toContain(bin);
    expect(names).toContain('probes.ini');
    expect(names).toContain('heartbeat-ts.ini');
    expect(pages).toContain('heartbeat.8');
  });

  it.each(pages)('%s renders with man -l and groff without a warning', async (page) => {
    const file = join(MAN_DIR, page);
    const man = await execa('man', ['--warnings=all', '-l', file], { env: { MANWIDTH: '80', MAN_KEEP_FORMATTING: '', LC_ALL: 'C.UTF-8' }, reject: false });
    expect(man.stderr).toBe('');
    expect(man.exitCode).toBe(0);
    expect(man.stdout).toMatch(/^NAME$/m);
    expect(man.stdout).toMatch(/^SEE ALSO$/m);
    const groff = await execa('groff', ['-man', '-ww', '-z', file], { reject: false });
    expect(groff.stderr).toBe('');
    expect(groff.exitCode).toBe(0);
    // The section in .TH matches the file name's.
    const th = /^\.TH\s+\S+\s+(\d)/m.exec(readFileSync(file, 'utf8'));
    expect(th?.[1]).toBe(page.slice(-1));
  });
});
