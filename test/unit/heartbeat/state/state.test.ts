// hb_generation and hb_uuid follow Heartbeat's formats (spec §7.1, §5; CONTRACT.md).
import fc from 'fast-check';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  formatGeneration,
  glibcRand,
  loadOrCreateUuid,
  nextGeneration,
  parseGeneration,
  uuidFromNodeName,
} from '../../../../src/heartbeat/state/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hbts-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hb_generation (spec §7.1)', () => {
  it('is 16 bytes: decimal right-aligned in 15 columns and a newline', () => {
    expect(formatGeneration(1795308551).toString('latin1')).toBe('     1795308551\n');
    expect(formatGeneration(1795308551)).toHaveLength(16);
  });

  it('round-trips any generation', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_999_999_999_999 }), (n) => {
      expect(parseGeneration(formatGeneration(n))).toBe(n);
    }));
  });

  it('reads the way sscanf("%lu") does: blanks first, digits, anything after ignored', () => {
    expect(parseGeneration(Buffer.from('  42\n'))).toBe(42);
    expect(parseGeneration(Buffer.from('42junk'))).toBe(42);
    expect(parseGeneration(Buffer.from('junk'))).toBeUndefined();
    expect(parseGeneration(Buffer.from('               7\n extra beyond 16 bytes'))).toBe(7);
  });

  it('is bumped by one on every start and persisted', async () => {
    await writeFile(join(dir, 'hb_generation'), '     1795308551\n');
    const first = await nextGeneration(dir, 'file', 1_800_000_000);
    expect(first).toMatchObject({ generation: 1795308552, previous: 1795308551 });
    expect(await readFile(join(dir, 'hb_generation'), 'latin1')).toBe('     1795308552\n');
    expect((await nextGeneration(dir, 'file', 1_800_000_000)).generation).toBe(1795308553);
  });

  it('is seeded from time(NULL) when missing or empty ("No Previous generation")', async () => {
    const r = await nextGeneration(dir, 'file', 1_700_000_000);
    expect(r).toMatchObject({ generation: 1_700_000_001, level: 'warn', note: 'No Previous generation - starting at 1700000001' });
    await writeFile(join(dir, 'hb_generation'), '');
    expect((await nextGeneration(dir, 'file', 1_700_000_100)).generation).toBe(1_700_000_101);
  });

  it('is seeded from the clock when the file holds no number', async () => {
    await writeFile(join(dir, 'hb_generation'), 'garbage\n');
    const r = await nextGeneration(dir, 'file', 1_700_000_000);
    expect(r.generation).toBe(1_700_000_001);
    expect(r.note).toMatch(/^BROKEN previous generation/);
  });

  it('hbgenmethod time: the clock, but never below previous + 1', async () => {
    expect((await nextGeneration(dir, 'time', 1_700_000_000)).generation).toBe(1_700_000_000);
    expect((await nextGeneration(dir, 'time', 1_700_000_000)).generation).toBe(1_700_000_001);
    expect((await nextGeneration(dir, 'time', 1_600_000_000)).generation).toBe(1_700_000_002);
  });

  it('fails loudly when the state directory cannot be written', async () => {
    await expect(nextGeneration(join(dir, 'missing', 'deeper'), 'file')).rejects.toThrow(/ENOENT/);
  });
});

describe('hb_uuid (spec §5 srcuuid)', () => {
  it('is created once as 16 random bytes and then kept', async () => {
    const a = await loadOrCreateUuid(dir);
    expect(a.created).toBe(true);
    expect(a.uuid).toHaveLength(16);
    expect(new Uint8Array(await readFile(join(dir, 'hb_uuid')))).toEqual(a.uuid);
    const b = await loadOrCreateUuid(dir);
    expect(b).toEqual({ uuid: a.uuid, created: false });
  });

  it('reads a uuid written by the real daemon verbatim', async () => {
    const real = Buffer.from('8712749c2f8640728dbf27fea9302d79', 'hex');
    await writeFile(join(dir, 'hb_uuid'), real);
    expect(Buffer.from((await loadOrCreateUuid(dir)).uuid).toString('hex')).toBe('8712749c2f8640728dbf27fea9302d79');
  });

  it('replaces a truncated file', async () => {
    await writeFile(join(dir, 'hb_uuid'), Buffer.from([1, 2, 3]));
    const r = await loadOrCreateUuid(dir);
    expect(r.created).toBe(true);
    expect(r.uuid).toHaveLength(16);
  });
});

describe('uuidfrom nodename (spec §10)', () => {
  it("reproduces glibc's rand() (values from the C library)", () => {
    const r = glibcRand(1);
    expect([r(), r(), r()]).toEqual([1804289383, 846930886, 1681692777]);
    const big = glibcRand(3_000_000_000);
    expect([big(), big()]).toEqual([2058147116, 854483408]);
  });

  it('derives the same bytes as the daemon (srand(string_hash(name)), 32 × rand()%16)', () => {
    // Computed with the C library's srand/rand on this machine.
    expect(Buffer.from(uuidFromNodeName('alpha')).toString('hex')).toBe('cc301fda9190a843de51a987ec340ccc');
    expect(Buffer.from(uuidFromNodeName('bravo')).toString('hex')).toBe('cb287cf1568b357bdf7f7d2ca7d112be');
    expect(Buffer.from(uuidFromNodeName('node-a')).toString('hex')).toBe('227bba5e67eb0882d6b8522ef2f6ea50');
  });
});
