// The text log line keeps Heartbeat's message exactly after `LEVEL: ` so that
// watchers written for Heartbeat match (CTS's CM_hb.py: "Cluster node %s
// returning after partition", BadRegexes "CRIT.*:"); the component label goes
// after the text, and into its own field in the JSON log.
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { formatTextLine } from '../../../src/log/logger.js';

async function flushed(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

describe('log line format', () => {
  it('puts the message right after the level and the component label after it', async () => {
    const { logger, lines } = createMemoryLogger('text');
    logger.child('heartbeat').crit('Cluster node bravo returning after partition.');
    logger.child('resources').info('Initial resource acquisition complete (T_RESOURCES(us))', { suppressed: 3 });
    logger.info('alpha Heartbeat shutdown complete.');
    await flushed();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^heartbeat\[\d+\]: \d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d CRIT: Cluster node bravo returning after partition\. \[heartbeat\]$/);
    expect(lines[0]).toMatch(/CRIT: Cluster node .* returning after partition/);
    expect(lines[1]).toMatch(/ info: Initial resource acquisition complete \(T_RESOURCES\(us\)\) \[resources\] \(suppressed=3\)$/);
    expect(lines[2]).toMatch(/ info: alpha Heartbeat shutdown complete\.$/);
  });

  it('keeps the component as a field of the JSON record, outside the message', async () => {
    const { logger, lines } = createMemoryLogger('json');
    logger.child('heartbeat').warn('node bravo: is dead');
    await flushed();
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', component: 'heartbeat', msg: 'node bravo: is dead' });
  });

  it('formats one line from its parts', () => {
    const when = new Date(2026, 10, 22, 3, 3, 32);
    expect(formatTextLine('heartbeat', 42, when, { level: 'warn', message: 'Late heartbeat: Node bravo: interval 700 ms', component: 'heartbeat' })).toBe(
      'heartbeat[42]: 2026/11/22_03:03:32 WARN: Late heartbeat: Node bravo: interval 700 ms [heartbeat]',
    );
  });
});
