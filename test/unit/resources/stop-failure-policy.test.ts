// The on_stop_failure policy, applied after a group stop ends in stopFailed.
// `reboot` runs an injected harmless command here: the code path is the real
// one, only the command differs from `reboot -nf`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { applyStopFailurePolicy, DEFAULT_REBOOT_COMMAND } from '../../../src/resources/index.js';

const failure = { group: '198.51.100.10', resource: 'nginx', reason: 'stop exited with code 1 after 11 attempt(s); it is still running' };
const dir = mkdtempSync(join(tmpdir(), 'hbts-res-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stop-failure policy', () => {
  it('block (the default) holds the group and does nothing else', async () => {
    const { logger, lines } = createMemoryLogger();
    const shutdowns: string[] = [];
    const marker = join(dir, 'block-rebooted');
    const outcome = await applyStopFailurePolicy('block', failure, {
      logger,
      requestShutdown: (r) => shutdowns.push(r),
      rebootCommand: ['touch', marker],
    });
    expect(outcome).toEqual({ action: 'block' });
    expect(shutdowns).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    expect(lines.filter((l) => /CRIT: nginx of group 198\.51\.100\.10 will not stop: holding the group as failed/.test(l))).toHaveLength(1);
  });

  it('shutdown asks the daemon to stop', async () => {
    const { logger, lines } = createMemoryLogger();
    const shutdowns: string[] = [];
    const outcome = await applyStopFailurePolicy('shutdown', failure, { logger, requestShutdown: (r) => shutdowns.push(r) });
    expect(outcome).toEqual({ action: 'shutdown' });
    expect(shutdowns).toEqual(['resource nginx of group 198.51.100.10 would not stop']);
    expect(lines.some((l) => l.includes('CRIT: nginx of group 198.51.100.10 will not stop: shutting heartbeat down'))).toBe(true);
  });

  it('reboot runs the reboot command (injected here) and says so like Heartbeat', async () => {
    const { logger, lines } = createMemoryLogger();
    const marker = join(dir, 'rebooted');
    const outcome = await applyStopFailurePolicy('reboot', failure, {
      logger,
      requestShutdown: () => undefined,
      rebootCommand: ['sh', '-c', `echo "$0 $1" > ${marker}`, 'reboot', '-nf'],
    });
    expect(outcome).toMatchObject({ action: 'reboot', exitCode: 0 });
    expect(readFileSync(marker, 'utf8')).toBe('reboot -nf\n');
    expect(lines.some((l) => l.includes('CRIT: Resource STOP failure. Reboot required!'))).toBe(true);
    expect(DEFAULT_REBOOT_COMMAND).toEqual(['reboot', '-nf']);
  });

  it('reboot reports a reboot command that fails', async () => {
    const { logger, lines } = createMemoryLogger();
    const outcome = await applyStopFailurePolicy('reboot', failure, {
      logger,
      requestShutdown: () => undefined,
      rebootCommand: [join(dir, 'no-such-reboot')],
    });
    expect(outcome).toMatchObject({ action: 'reboot', error: expect.stringMatching(/ENOENT/) });
    expect(lines.some((l) => l.includes('CRIT: Unable to force reboot'))).toBe(true);
  });
});
