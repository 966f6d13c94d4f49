// The package's /etc/logrotate.d/heartbeat (packaging/logrotate/heartbeat)
// run by the real logrotate against files the daemon's logger
// (src/log, winston File transports) is writing: with copytruncate and the
// logger's append mode, the lines written after the rotation start the
// emptied file (no hole of NUL bytes where the old end was), the rotated copy
// keeps the old lines, and nothing is lost or needs a signal.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/index.js';

const REPO = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'hbts-logrotate-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function waitForText(file: string, text: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    let content = '';
    try {
      content = readFileSync(file, 'utf8');
    } catch {
      /* not yet created */
    }
    if (content.includes(text)) return content;
    await delay(10);
  }
  throw new Error(`${file} never contained ${text}`);
}

describe('/etc/logrotate.d/heartbeat', () => {
  it('names the files the init script and Heartbeat customarily write, with copytruncate', () => {
    const conf = readFileSync(join(REPO, 'packaging/logrotate/heartbeat'), 'utf8');
    expect(conf).toMatch(/^\/var\/log\/ha-log \/var\/log\/ha-debug \/var\/log\/heartbeat-ts\.log \{$/m);
    expect(conf).toMatch(/^\s+copytruncate$/m);
  });

  it('rotates logfile and debugfile under a writing logger without losing or corrupting a line', async () => {
    const logfile = join(dir, 'ha-log');
    const debugfile = join(dir, 'ha-debug');
    // The shipped file with its paths moved into the test directory.
    const conf = readFileSync(join(REPO, 'packaging/logrotate/heartbeat'), 'utf8')
      .replace('/var/log/ha-log', logfile)
      .replace('/var/log/ha-debug', debugfile)
      .replace('/var/log/heartbeat-ts.log', join(dir, 'heartbeat-ts.log'));
    const confFile = join(dir, 'logrotate.conf');
    writeFileSync(confFile, conf, { mode: 0o644 });
    const { logger, close } = createLogger({ format: 'text', logfile, debugfile });
    try {
      for (let i = 0; i < 50; i++) logger.info(`before rotation line ${i} ${'x'.repeat(100)}`);
      logger.debug('before rotation debug');
      await waitForText(logfile, 'before rotation line 49');
      await waitForText(debugfile, 'before rotation debug');
      const r = await execa('logrotate', ['-f', '-s', join(dir, 'state'), confFile], { reject: false });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      logger.info('after rotation line');
      const after = await waitForText(logfile, 'after rotation line');
      // Append mode: the new line starts the truncated file.
      expect(after.startsWith('heartbeat[')).toBe(true);
      expect(after).not.toContain('\0');
      expect(after).not.toContain('before rotation');
      const rotated = readFileSync(`${logfile}.1`, 'utf8');
      for (let i = 0; i < 50; i++) expect(rotated).toContain(`before rotation line ${i} `);
      expect(readFileSync(`${debugfile}.1`, 'utf8')).toContain('before rotation debug');
      logger.debug('after rotation debug');
      const debugAfter = await waitForText(debugfile, 'after rotation debug');
      expect(debugAfter).not.toContain('\0');
      expect(readdirSync(dir).sort()).toEqual(['ha-debug', 'ha-debug.1', 'ha-log', 'ha-log.1', 'logrotate.conf', 'state']);
    } finally {
      await close();
    }
  });
});
