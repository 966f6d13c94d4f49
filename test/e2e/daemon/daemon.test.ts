// The daemon as an admin meets it: one node alone in a lab namespace.
// - the pid file refuses a second daemon; heartbeat -s/-k report like
//   Heartbeat's (spec §10: "heartbeat OK [pid N et al] is running on …");
// - a bad configuration never half-starts a node, and a bad new one given to
//   heartbeat -r / SIGHUP is refused while the running one is kept;
// - garbage datagrams on the heartbeat port never crash it;
// - resources already running at start are detected and adopted with a loud
//   warning (issue 5 "On start, resources already running …");
// - cl_status --json carries nodes, links, groups and why; the control
//   socket is root-only.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_CLI, labHaCf, removeNodeDir, startOurNode, type OurNode, type OurNodeOptions } from '../../helpers/hbts-node.js';
import { hasAddress } from '../../helpers/lab-addresses.js';
import { createLab, type Lab } from '../../helpers/netns.js';

const VIP = '10.91.0.100';

function options(extra: Partial<OurNodeOptions> = {}): OurNodeOptions {
  return {
    nodeName: 'alpha',
    haCf: labHaCf({ nodes: ['alpha', 'bravo'], initdead: '1' }),
    haresources: `alpha IPaddr::${VIP}/24/eth0`,
    authkeys: 'auth 1\n1 sha1 daemon-test-key',
    ...extra,
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

describe('heartbeat daemon (single node)', () => {
  let lab: Lab;
  let node: OurNode | undefined;
  const started: OurNode[] = [];

  beforeAll(async () => {
    lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.91.0.1' }, { name: 'other', ip: '10.91.0.2' }] });
  });
  afterAll(async () => {
    await lab?.destroy();
    for (const n of started) removeNodeDir(n);
  });

  it('a lone node takes its group after initdead; -s reports it; the socket is 0600; --json explains', async () => {
    node = await startOurNode(lab.host('alpha'), options());
    started.push(node);
    await waitFor('the VIP on alpha', 10_000, async () => ((await hasAddress(lab.host('alpha'), VIP)) ? true : undefined));
    const s = await node.heartbeat('-s');
    expect(s.exitCode).toBe(0);
    // (execa strips the final newline)
    expect(s.stdout).toMatch(/^heartbeat OK \[pid \d+ et al\] is running on \S+ \[alpha\]\.\.\.$/);
    expect(statSync(join(node.runDir, 'control.sock')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(node.runDir, 'heartbeat.pid'), 'utf8')).toMatch(/^\d+\n$/);
    const status = await waitFor('rscstatus all', 15_000, async () => {
      const st = await node!.status();
      return st.resources.rscstatus === 'all' ? st : undefined;
    });
    expect(status.node).toBe('alpha');
    expect(status.nodes.map((n) => [n.name, n.status])).toEqual([
      ['alpha', 'active'],
      ['bravo', 'dead'],
    ]);
    expect(status.nodes[0]!.links[0]).toMatchObject({ name: 'eth0', status: 'up' });
    const group = status.resources.groups[0]!;
    expect(group).toMatchObject({ key: `IPaddr::${VIP}/24/eth0`, home: 'alpha', holder: 'alpha', state: 'running' });
    expect(group.why.length).toBeGreaterThan(10);
    expect((await node.clStatus('nodestatus', 'bravo')).exitCode).toBe(1);
  });

  it('refuses a second daemon for the same run dir (exit 1, says which pid), and it leaves the first untouched', async () => {
    const r = await node!.heartbeat();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/already running \[pid \d+\]/);
    expect((await node!.clStatus('hbstatus')).exitCode).toBe(0);
  });

  it('heartbeat -r with a broken configuration refuses it, keeps running and keeps its resources', async () => {
    const haCf = join(node!.configDir, 'ha.cf');
    const good = readFileSync(haCf, 'utf8');
    writeFileSync(haCf, `${good}keepalive 2s\nfrobnicate yes\n`);
    try {
      const r = await node!.heartbeat('-r');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`${haCf}:`);
      expect(r.stderr).toMatch(/NOT restarted/);
      // SIGHUP takes the same path inside the daemon: refused, logged, nothing changes.
      const from = node!.logSize();
      const pid = Number(readFileSync(join(node!.runDir, 'heartbeat.pid'), 'utf8'));
      process.kill(pid, 'SIGHUP');
      await node!.waitForLog(/new configuration is NOT used/, 5_000, { from });
      expect(node!.isRunning()).toBe(true);
      expect(await hasAddress(lab.host('alpha'), VIP)).toBe(true);
      expect((await node!.status()).resources.rscstatus).toBe('all');
    } finally {
      writeFileSync(haCf, good);
    }
    const ok = await node!.heartbeat('-r');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/reread config files/);
  });

  it('garbage datagrams on the heartbeat port are dropped with a rate-limited log line; the daemon lives on', async () => {
    const from = node!.logSize();
    const script = `
      const dgram = require('node:dgram');
      const s = dgram.createSocket('udp4');
      s.bind(0, () => {
        s.setBroadcast(true);
        let sent = 0;
        const junk = () => { const n = Math.floor(Math.random() * 600); const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = Math.random() * 256; return b; };
        const forms = [() => junk(), () => Buffer.from('###\\n5:(0)t=x,%%%\\n'), () => Buffer.from('>>>\\nt=status\\nsrc=bravo\\n<<<\\n'), () => Buffer.from('###\\n99999999999:(0)')];
        const next = () => { if (sent >= 3000) return s.close(); s.send(forms[sent % forms.length](), 694, '10.91.0.255', () => { sent++; setImmediate(next); }); };
        next();
      });`;
    await lab.host('other').exec('node', ['-e', script], { timeout: 30_000 });
    const dropped = await node!.waitForLog(/10\.91\.0\.2/, 5_000, { from });
    expect(dropped).toMatch(/WARN|ERROR|info/);
    await delay(500);
    expect(node!.isRunning()).toBe(true);
    expect((await node!.clStatus('hbstatus')).exitCode).toBe(0);
    const lines = node!.readLog().slice(from).split('\n').filter((l) => l.includes('10.91.0.2'));
    // 3000 bad packets in well under the rate-limit window: a handful of lines, not thousands.
    expect(lines.length).toBeLessThan(20);
  });

  it('heartbeat -k releases everything and returns once the daemon is gone; -s then says stopped (3)', async () => {
    const t0 = Date.now();
    const k = await node!.stop();
    expect(k.exitCode).toBe(0);
    const exit = await node!.exited;
    expect(exit.exitCode).toBe(0);
    console.log(`[daemon] heartbeat -k returned after ${Date.now() - t0} ms`);
    expect(await hasAddress(lab.host('alpha'), VIP)).toBe(false);
    expect(existsSync(join(node!.runDir, 'heartbeat.pid'))).toBe(false);
    const s = await node!.heartbeat('-s');
    expect(s.stdout).toBe('heartbeat is stopped. No process');
    expect(s.exitCode).toBe(3);
    const again = await node!.heartbeat('-k');
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('INFO: Heartbeat already stopped.');
    expect(node!.readLog()).toMatch(/heartbeat-ts stopped/);
  });

  it('a bad configuration never half-starts: exit 6, every problem as FILE:LINE, no pid file, no socket', async () => {
    const bad = await startOurNode(lab.host('alpha'), {
      ...options(),
      haCf: [...labHaCf({ nodes: ['alpha', 'bravo'], initdead: '1' }), 'keepalive 2s', 'crm yes'],
      // It exits at once on the bad config; the bound only matters if it does not (a slow start-up on a loaded machine takes seconds).
      startTimeoutMs: 30_000,
    }).catch((e: unknown) => e as Error);
    expect(bad).toBeInstanceOf(Error);
    const text = (bad as Error).message;
    expect(text).toMatch(/exited during start-up \(code 6\)/);
    expect(text).toMatch(/ha\.cf:\d+: error: .*2s/);
    expect(text).toMatch(/ha\.cf:\d+: error: .*haresources mode/);
    expect(text).toContain('Configuration error, heartbeat not started');
    // A resource that resolves to no script is a configuration error too.
    const unresolved = await startOurNode(lab.host('alpha'), {
      ...options(),
      haresources: `alpha IPaddr::${VIP}/24/eth0 no-such-script`,
      // It exits at once on the bad config; the bound only matters if it does not (a slow start-up on a loaded machine takes seconds).
      startTimeoutMs: 30_000,
    }).catch((e: unknown) => e as Error);
    expect((unresolved as Error).message).toMatch(/exited during start-up \(code 6\)/);
    expect((unresolved as Error).message).toMatch(/haresources:1: error: .*no-such-script/);
    // Nothing was started: no VIP, and the UDP port is free for the next test.
    expect(await hasAddress(lab.host('alpha'), VIP)).toBe(false);
  });

  it('resources already running at start-up are detected, warned about and adopted when nobody else holds them', async () => {
    await execa('ip', ['-n', lab.host('alpha').ns, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0', 'label', 'eth0:0']);
    const n = await startOurNode(lab.host('alpha'), options({ heartbeatTsIni: '[log]\nformat = json\n' }));
    started.push(n);
    const warning = await n.waitForLog(/"level":"(warn|crit)".*already running|already running.*"level":"(warn|crit)"/i, 10_000);
    expect(() => JSON.parse(warning)).not.toThrow();
    await waitFor('rscstatus all', 15_000, async () => ((await n.status()).resources.rscstatus === 'all' ? true : undefined));
    expect(await hasAddress(lab.host('alpha'), VIP)).toBe(true);
    // Every line of the JSON log is one JSON object.
    for (const line of n.readLog().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    await n.stop();
    expect((await n.exited).exitCode).toBe(0);
  });

  it("Heartbeat's own flags: `heartbeat -f -dd -v -l` (Debian's unit runs `heartbeat -f`) runs the daemon; -V prints the version", async () => {
    // A resource script that records the HA_debug its environment carries (Heartbeat exports the -d level to scripts).
    const scratch = mkdtempSync(join(tmpdir(), 'hbts-flags-'));
    const seen = join(scratch, 'ha-debug-seen');
    const script = join(scratch, 'DebugSeen');
    writeFileSync(script, `#!/bin/sh\ncase "$1" in start) echo "HA_debug=$HA_debug" > ${seen};; stop) rm -f ${seen};; status) [ -f ${seen} ] && echo running || echo stopped;; esac\nexit 0\n`);
    const n = await startOurNode(
      lab.host('alpha'),
      options({ flags: ['-f', '-dd', '-v', '-l'], haresources: `alpha IPaddr::${VIP}/24/eth0 DebugSeen`, resourceScripts: { DebugSeen: script } }),
    );
    started.push(n);
    await waitFor('the VIP on alpha', 15_000, async () => ((await hasAddress(lab.host('alpha'), VIP)) ? true : undefined));
    const log = n.readLog();
    // -v: the configuration summary, as --check prints it; -dd: debug level 2; -l: one line saying it has no equivalent.
    expect(log).toMatch(/config: heartbeat-ts configuration in .*, as node alpha \(from --node\):/);
    expect(log).toMatch(/config:\s+groups\s+IPaddr::10\.91\.0\.100\/24\/eth0/);
    expect(log).toMatch(/debug level 2 \(-d given 2 time\(s\)\)/);
    expect(log.match(/-l \(no realtime priority\)/g)).toHaveLength(1);
    // -l: normal scheduling although ha.cf's realtime defaults to on.
    await waitFor('the realtime decision logged', 10_000, () => (/realtime off \(ha\.cf `realtime off` or -l\)/.test(n.readLog()) ? true : undefined));
    const daemonPid = Number(readFileSync(join(n.runDir, 'heartbeat.pid'), 'utf8').trim());
    expect(readFileSync(`/proc/${daemonPid}/sched`, 'utf8')).toMatch(/^policy\s*:\s*0$/m);
    await waitFor('the script started', 10_000, () => (existsSync(seen) ? true : undefined));
    expect(readFileSync(seen, 'utf8')).toBe('HA_debug=2\n');
    const v = await n.heartbeat('-V');
    expect([v.exitCode, v.stdout]).toEqual([0, '3.0.6 (heartbeat-ts 0.1.0)']);
    // -k still returns when the daemon is gone, flags or not.
    const k = await n.heartbeat('-f', '-d', '-k');
    expect(k.exitCode).toBe(0);
    expect((await n.exited).exitCode).toBe(0);
    expect(await hasAddress(lab.host('alpha'), VIP)).toBe(false);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('every executable answers --help with exit 0', async () => {
    for (const cmd of ['heartbeat', 'cl_status', 'hb_standby', 'hb_takeover', 'hb_probe']) {
      const r = await execa('node', [join(DIST_CLI, `${cmd}.js`), '--help'], { reject: false });
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/usage/i);
    }
  });
});
