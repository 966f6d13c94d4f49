// The gratuitous ARP announcer with many addresses at once (issue 12): bursts
// due in the same turn share one shell, and still every packet of every
// series is sent, once, and a cancelled series sends nothing more. The
// "arping" here is a real program (a shell script) that records its
// arguments, so what runs is what the daemon would run.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log/index.js';
import { ArpAnnouncer } from '../../../src/resources/agents/arp-announcer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function recordingArping(): { command: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hbts-arp-unit-'));
  dirs.push(dir);
  const log = join(dir, 'calls');
  const command = join(dir, 'arping');
  writeFileSync(command, `#!/bin/sh\necho "$*" >> '${log}'\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; !ok(); i++) {
    if (Date.now() > end || i > 100_000) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('ArpAnnouncer with many addresses', () => {
  it('20 addresses announced in one turn: every packet of every series leaves once (2 × request + reply each)', async () => {
    const arping = recordingArping();
    const announcer = new ArpAnnouncer({ logger: createMemoryLogger().logger, arpingCommand: arping.command, python3Command: null });
    const addresses = Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}`);
    for (const a of addresses) announcer.announce('eth0', a, { count: 2, interval: 50, mode: 'both' });
    await until('every series to end', () => addresses.every((a) => announcer.pending(a).processes + announcer.pending(a).scheduled === 0));
    const calls = arping.calls();
    expect(calls).toHaveLength(addresses.length * 2 * 2);
    for (const a of addresses) {
      expect(calls.filter((c) => c === `-U -c 1 -I eth0 ${a}`)).toHaveLength(2);
      expect(calls.filter((c) => c === `-A -c 1 -I eth0 ${a}`)).toHaveLength(2);
    }
  });

  it('a series cancelled before its next burst sends nothing more; the others go on', async () => {
    const arping = recordingArping();
    const announcer = new ArpAnnouncer({ logger: createMemoryLogger().logger, arpingCommand: arping.command, python3Command: null });
    const addresses = ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4'];
    // 2 s between bursts: on a loaded machine the first bursts' recordings can take longer than a short interval.
    for (const a of addresses) announcer.announce('eth0', a, { count: 3, interval: 2000, mode: 'request' });
    await until('the first bursts', () => arping.calls().length >= addresses.length);
    announcer.cancel('10.0.1.2');
    await until('every series to end', () => addresses.every((a) => announcer.pending(a).processes + announcer.pending(a).scheduled === 0));
    const calls = arping.calls();
    expect(calls.filter((c) => c.endsWith(' 10.0.1.2'))).toHaveLength(1);
    for (const a of ['10.0.1.1', '10.0.1.3', '10.0.1.4']) expect(calls.filter((c) => c.endsWith(` ${a}`))).toHaveLength(3);
  });

  it('python3 missing: the burst goes out through arping, with one warning, and arping stays in use', async () => {
    const arping = recordingArping();
    const mem = createMemoryLogger();
    const announcer = new ArpAnnouncer({ logger: mem.logger, arpingCommand: arping.command, python3Command: '/nonexistent/python3-hbts' });
    const addresses = Array.from({ length: 10 }, (_, i) => `10.0.2.${i + 1}`);
    for (const a of addresses) announcer.announce('eth0', a, { count: 2, interval: 100, mode: 'both' });
    await until('every series to end', () => addresses.every((a) => announcer.pending(a).processes + announcer.pending(a).scheduled === 0));
    const calls = arping.calls();
    for (const a of addresses) {
      expect(calls.filter((c) => c === `-U -c 1 -I eth0 ${a}`)).toHaveLength(2);
      expect(calls.filter((c) => c === `-A -c 1 -I eth0 ${a}`)).toHaveLength(2);
    }
    expect(mem.lines.filter((l) => /cannot send the packets here/.test(l))).toHaveLength(1);
  });

  it('a sender that cannot open a raw socket (exit 3): the packets go out through arping', async () => {
    const arping = recordingArping();
    const dir = mkdtempSync(join(tmpdir(), 'hbts-arp-unit-'));
    dirs.push(dir);
    const python = join(dir, 'python3');
    writeFileSync(python, '#!/bin/sh\nexit 3\n');
    chmodSync(python, 0o755);
    const announcer = new ArpAnnouncer({ logger: createMemoryLogger().logger, arpingCommand: arping.command, python3Command: python });
    const addresses = Array.from({ length: 6 }, (_, i) => `10.0.3.${i + 1}`);
    for (const a of addresses) announcer.announce('eth0', a, { count: 1, interval: 100, mode: 'request' });
    await until('every series to end', () => addresses.every((a) => announcer.pending(a).processes + announcer.pending(a).scheduled === 0));
    await until('every packet', () => arping.calls().length >= addresses.length);
    expect(arping.calls().sort()).toEqual(addresses.map((a) => `-U -c 1 -I eth0 ${a}`).sort());
  });

  it('many addresses with a sender kept warm: every packet of every series goes to the ONE sender process, none to arping', async () => {
    const arping = recordingArping();
    const dir = mkdtempSync(join(tmpdir(), 'hbts-arp-unit-'));
    dirs.push(dir);
    const lines = join(dir, 'lines');
    const starts = join(dir, 'starts');
    // A stand-in for python3 speaking the sender's protocol (ready, then one packet per stdin line), recording what it was asked.
    const python = join(dir, 'python3');
    writeFileSync(python, `#!/bin/sh\necho x >> '${starts}'\necho ready\nwhile read -r line; do echo "$line" >> '${lines}'; done\n`);
    chmodSync(python, 0o755);
    const announcer = new ArpAnnouncer({ logger: createMemoryLogger().logger, arpingCommand: arping.command, python3Command: python });
    announcer.keepWarm();
    const addresses = Array.from({ length: 30 }, (_, i) => `10.0.4.${i + 1}`);
    const read = (f: string): string[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
    await until('the sender to start', () => read(starts).length === 1);
    for (const a of addresses) announcer.announce('eth0', a, { count: 3, interval: 50, mode: 'both' });
    await until('every packet', () => read(lines).length >= addresses.length * 3 * 2);
    await until('every series to end', () => addresses.every((a) => announcer.pending(a).processes + announcer.pending(a).scheduled === 0));
    for (const a of addresses) {
      expect(read(lines).filter((l) => l === `eth0 -U ${a}`)).toHaveLength(3);
      expect(read(lines).filter((l) => l === `eth0 -A ${a}`)).toHaveLength(3);
    }
    expect(arping.calls()).toEqual([]);
    expect(read(starts)).toHaveLength(1);
    announcer.cancelAll();
  });
});
