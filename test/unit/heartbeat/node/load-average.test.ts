import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOADAVG_REFRESH_MS, LoadAverageCache } from '../../../../src/heartbeat/node/load-average.js';

describe('LoadAverageCache (the `ld` field, one pread of a file kept open)', () => {
  const dirs: string[] = [];
  const caches: LoadAverageCache[] = [];
  afterEach(() => {
    for (const c of caches.splice(0)) c.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const setup = (): { file: string; seen: string[]; cache: LoadAverageCache } => {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-loadavg-'));
    dirs.push(dir);
    const file = join(dir, 'loadavg');
    const seen: string[] = [];
    const cache = new LoadAverageCache((t) => seen.push(t), file);
    caches.push(cache);
    return { file, seen, cache };
  };

  it('reads the first line of the real /proc/loadavg', () => {
    const seen: string[] = [];
    const cache = new LoadAverageCache((t) => seen.push(t));
    caches.push(cache);
    cache.refresh(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+$/);
  });

  it('sees new content on the next read (from offset 0), at most once a second', () => {
    const { file, seen, cache } = setup();
    writeFileSync(file, '0.50 0.40 0.30 1/100 4242\n');
    cache.refreshIfStale(1000);
    writeFileSync(file, '1.00 0.90 0.80 2/100 4343\n');
    cache.refreshIfStale(1000 + LOADAVG_REFRESH_MS - 1);
    cache.refreshIfStale(1000 + LOADAVG_REFRESH_MS);
    expect(seen).toEqual(['0.50 0.40 0.30 1/100 4242', '1.00 0.90 0.80 2/100 4343']);
  });

  it('keeps at most 63 bytes, and says n/a for an empty or missing file, then reads it again once it is back', () => {
    const { file, seen, cache } = setup();
    writeFileSync(file, `${'9'.repeat(100)}\n`);
    cache.refresh(0);
    writeFileSync(file, '');
    cache.refresh(1);
    rmSync(file);
    cache.close();
    cache.refresh(2);
    writeFileSync(file, '0.01 0.02 0.03 1/1 1\n');
    cache.refresh(3);
    expect(seen).toEqual(['9'.repeat(63), 'n/a', 'n/a', '0.01 0.02 0.03 1/1 1']);
  });
});
