// The Debian package for real: `scripts/build-deb` (what `npm run package`
// runs) builds heartbeat-ts_<version>_all.deb, and dpkg installs it into a
// throw-away overlay of this machine's root (test/helpers/throwaway-root.ts:
// the host's files and dpkg database never change). Then: the files and
// conffiles, the commands on the PATH, `heartbeat --check`, `man heartbeat`,
// the init script's LSB exit codes, `systemd-analyze verify` of the unit, and
// `dpkg -r` / `dpkg --purge` keeping or removing the admin's configuration as
// Debian policy says.
//
// The machine has Debian's heartbeat installed (for the interop tests): the
// package Conflicts with and Replaces it, so dpkg removes it in the overlay
// while installing ours, and takes over its unmodified conffiles.
import { execa } from 'execa';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb, type BuiltDeb } from '../../helpers/deb-package.js';
import { startThrowawayRoot, type ThrowawayRoot } from '../../helpers/throwaway-root.js';

let deb: BuiltDeb | undefined;
let root: ThrowawayRoot | undefined;

async function sh(script: string) {
  if (!root) throw new Error('no throw-away root');
  return root.sh(script);
}

const COMMANDS = ['/usr/sbin/heartbeat', '/usr/bin/cl_status', '/usr/bin/hb_standby', '/usr/bin/hb_takeover', '/usr/bin/hb_probe'];
const CONFFILES = ['/etc/default/heartbeat', '/etc/init.d/heartbeat', '/etc/logrotate.d/heartbeat'];
const MAN_PAGES = ['man8/heartbeat.8', 'man1/cl_status.1', 'man1/hb_standby.1', 'man1/hb_takeover.1', 'man1/hb_probe.1', 'man5/probes.ini.5', 'man5/heartbeat-ts.ini.5'];

// The tutorial's files (issue 11) with the lab's address.
const HA_CF = 'bcast eth0\nnode www.centos1.com\nnode www.centos2.com\n';
const HARESOURCES = 'www.centos1.com IPaddr::10.10.10.100/24/eth0\n';
const AUTHKEYS = 'auth 1\n1 md5 3530ba6f2c7d15fb93dc5b438c22f4a7\n';

function writeAdminConfig(haCf = HA_CF): string {
  return [
    'mkdir -p /etc/ha.d',
    `printf '%s' '${haCf}' > /etc/ha.d/ha.cf`,
    `printf '%s' '${HARESOURCES}' > /etc/ha.d/haresources`,
    `printf '%s' '${AUTHKEYS}' > /etc/ha.d/authkeys`,
    'chmod 600 /etc/ha.d/authkeys',
  ].join('\n');
}

beforeAll(async () => {
  deb = await buildDeb();
  root = await startThrowawayRoot({ share: deb.dir });
}, 300_000);

afterAll(async () => {
  await root?.close();
  if (deb) rmSync(deb.dir, { recursive: true, force: true });
});

describe('the Debian package', () => {
  it('is built with the declared fields', async () => {
    const r = await execa('dpkg-deb', ['-f', deb!.file, 'Package', 'Version', 'Architecture', 'Depends', 'Conflicts', 'Replaces']);
    expect(r.stdout).toContain('Package: heartbeat-ts');
    expect(r.stdout).toContain(`Version: ${deb!.version}`);
    expect(r.stdout).toContain('Architecture: all');
    expect(r.stdout).toMatch(/Depends: nodejs \(>= 20\), iproute2, iputils-arping/);
    expect(r.stdout).toContain('Conflicts: heartbeat');
    expect(r.stdout).toContain('Replaces: heartbeat');
    const files = (await execa('dpkg-deb', ['-c', deb!.file])).stdout;
    // production dependencies only
    expect(files).toContain('./usr/lib/heartbeat-ts/node_modules/winston/');
    expect(files).not.toContain('node_modules/vitest/');
    expect(files).not.toContain('node_modules/typescript/');
  });

  it('installs with dpkg, replacing Debian heartbeat in the throw-away root only', async () => {
    const r = await sh(`dpkg -i ${root!.shareDir}/heartbeat-ts_${deb!.version}_all.deb 2>&1`);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/will remove heartbeat in favour of heartbeat-ts/);
    const status = await sh("dpkg-query -W -f='${db:Status-Status}' heartbeat-ts");
    expect(status.stdout).toBe('installed');
    // The host's dpkg database never saw it.
    const host = await execa('dpkg-query', ['-W', '-f=${db:Status-Status}', 'heartbeat-ts'], { reject: false });
    expect(host.stdout).not.toBe('installed');
    const hostHeartbeat = await execa('dpkg-query', ['-W', '-f=${db:Status-Status}', 'heartbeat'], { reject: false });
    expect(hostHeartbeat.stdout).toBe('installed');
  });

  it('puts the commands on the PATH under Heartbeat names, and at Heartbeat paths', async () => {
    for (const c of COMMANDS) {
      const r = await sh(`test -x ${c} && ${c} --help >/dev/null && echo ok`);
      expect(r.stdout, `${c}: ${r.stderr}`).toBe('ok');
    }
    const which = await sh('for c in heartbeat cl_status hb_standby hb_takeover hb_probe; do command -v $c; done');
    expect(which.stdout.split('\n')).toEqual(COMMANDS);
    for (const legacy of ['/usr/libexec/heartbeat/heartbeat', '/usr/lib/heartbeat/heartbeat', '/usr/share/heartbeat/hb_standby', '/usr/share/heartbeat/hb_takeover']) {
      const r = await sh(`readlink -f ${legacy}`);
      expect(r.stdout, legacy).toMatch(/^\/usr\/lib\/heartbeat-ts\/dist\/cli\/(heartbeat|hb_standby|hb_takeover)\.js$/);
    }
  });

  it('declares exactly its conffiles and ships no /etc/ha.d file (examples go to /usr/share/doc)', async () => {
    const conf = await sh("dpkg-query -W -f='${Conffiles}' heartbeat-ts");
    const names = conf.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0])
      .filter((n): n is string => !!n)
      .sort();
    expect(names).toEqual(CONFFILES);
    const listed = (await sh('dpkg -L heartbeat-ts')).stdout.split('\n');
    expect(listed.filter((f) => f.startsWith('/etc/ha.d/'))).toEqual([]);
    for (const ex of ['ha.cf', 'haresources', 'authkeys', 'probes.ini', 'heartbeat-ts.ini']) {
      expect(listed).toContain(`/usr/share/doc/heartbeat-ts/examples/${ex}`);
    }
    for (const page of MAN_PAGES) expect(listed).toContain(`/usr/share/man/${page}.gz`);
    expect(listed).toContain('/lib/systemd/system/heartbeat.service');
  });

  it('runs the installed heartbeat --check on the tutorial files and on the shipped examples', async () => {
    const tutorial = await sh(`${writeAdminConfig()}\nheartbeat --check --node www.centos1.com; echo "rc=$?"`);
    expect(tutorial.stdout, tutorial.stderr).toContain('Configuration usable');
    expect(tutorial.stdout).toMatch(/rc=0$/);
    const examples = await sh(
      'd=$(mktemp -d) && cp /usr/share/doc/heartbeat-ts/examples/* "$d" && chmod 600 "$d/authkeys" && heartbeat --check --config-dir "$d"; echo "rc=$?"',
    );
    expect(examples.stdout, examples.stderr).toMatch(/rc=0$/);
    const bad = await sh('d=$(mktemp -d) && printf "node a\\nkeepalive x\\n" > "$d/ha.cf" && heartbeat --check --config-dir "$d"; echo "rc=$?"');
    expect(bad.stderr).toMatch(/ha\.cf:2: error:/);
    expect(bad.stdout).toMatch(/rc=1$/);
  });

  it('shows our pages with man', async () => {
    const r = await sh('MANWIDTH=80 man heartbeat 2>&1 | head -n 8');
    expect(r.stdout).toMatch(/^HEARTBEAT\(8\)/);
    expect(r.stdout).toMatch(/heartbeat\s+-\s+heartbeat-ts,\s+a\s+drop-in/);
    for (const [section, name] of [['8', 'heartbeat'], ['1', 'cl_status'], ['1', 'hb_standby'], ['1', 'hb_takeover'], ['1', 'hb_probe'], ['5', 'probes.ini'], ['5', 'heartbeat-ts.ini']] as const) {
      const where = await sh(`man -w ${section} ${name}`);
      expect(where.stdout, name).toBe(`/usr/share/man/man${section}/${name}.${section}.gz`);
      // The footer names our version.
      const page = await sh(`MANWIDTH=80 man ${section} ${name} 2>&1 | tail -n 1`);
      expect(page.stdout, name).toMatch(/heartbeat-ts \d+\.\d+\.\d+/);
    }
  });

  it('verifies the installed unit with systemd-analyze', async () => {
    const r = await sh('systemd-analyze verify /lib/systemd/system/heartbeat.service 2>&1; echo "rc=$?"');
    expect(r.stdout).toBe('rc=0');
  });

  it('answers the init script actions with LSB exit codes while heartbeat is not running', async () => {
    // No ha.cf: not configured (6); the daemon is not running: status 3, stop 0, reload 7.
    const codes = await sh(
      [
        'mv /etc/ha.d/ha.cf /etc/ha.d/ha.cf.off',
        'service heartbeat status >/dev/null; echo "status=$?"',
        'service heartbeat start >/dev/null 2>&1; echo "start=$?"',
        'service heartbeat stop >/dev/null 2>&1; echo "stop=$?"',
        'service heartbeat reload >/dev/null 2>&1; echo "reload=$?"',
        'service heartbeat force-reload >/dev/null 2>&1; echo "force-reload=$?"',
        '/etc/init.d/heartbeat bogus >/dev/null 2>&1; echo "bogus=$?"',
        'mv /etc/ha.d/ha.cf.off /etc/ha.d/ha.cf',
      ].join('\n'),
    );
    expect(codes.stdout.split('\n')).toEqual(['status=3', 'start=6', 'stop=0', 'reload=7', 'force-reload=7', 'bogus=2']);
    // A bad ha.cf: refused before anything starts, with the problem and its line.
    const bad = await sh(`${writeAdminConfig(`${HA_CF}keepalive soon\n`)}\nservice heartbeat start; echo "start=$?"; ${writeAdminConfig()}`);
    expect(bad.stdout).toMatch(/start=6$/);
    expect(bad.stderr).toMatch(/ha\.cf:4: error: .*keepalive/);
    const none = await sh('heartbeat -s; echo "rc=$?"');
    expect(none.stdout).toMatch(/rc=3$/);
  });

  it('dpkg -r keeps the admin configuration and the conffiles; --purge removes only the conffiles', async () => {
    const before = await sh(
      `${writeAdminConfig()}\necho 'HEARTBEAT_OPTS="--node www.centos1.com"' >> /etc/default/heartbeat\necho line > /var/log/heartbeat-ts.log`,
    );
    expect(before.exitCode, before.stderr).toBe(0);
    const removed = await sh('dpkg -r heartbeat-ts 2>&1; echo "rc=$?"');
    expect(removed.stdout).toMatch(/rc=0$/);
    const afterRemove = await sh(
      [
        "dpkg-query -W -f='${db:Status-Status}\\n' heartbeat-ts",
        'for f in /usr/sbin/heartbeat /usr/bin/cl_status /usr/lib/heartbeat-ts /lib/systemd/system/heartbeat.service; do test -e $f && echo "left: $f"; done',
        'for f in /etc/ha.d/ha.cf /etc/ha.d/haresources /etc/ha.d/authkeys /etc/init.d/heartbeat /etc/logrotate.d/heartbeat; do test -e $f || echo "gone: $f"; done',
        'grep -c -- "--node www.centos1.com" /etc/default/heartbeat',
        'stat -c %a /etc/ha.d/authkeys',
      ].join('\n'),
    );
    expect(afterRemove.stdout.split('\n')).toEqual(['config-files', '1', '600']);
    const purged = await sh('dpkg --purge heartbeat-ts 2>&1; echo "rc=$?"');
    expect(purged.stdout).toMatch(/rc=0$/);
    const afterPurge = await sh(
      [
        "dpkg-query -W -f='${db:Status-Status}\\n' heartbeat-ts 2>/dev/null || echo not-installed",
        'for f in /etc/init.d/heartbeat /etc/default/heartbeat /etc/logrotate.d/heartbeat /var/log/heartbeat-ts.log; do test -e $f && echo "left: $f"; done',
        'for f in /etc/ha.d/ha.cf /etc/ha.d/haresources /etc/ha.d/authkeys; do test -e $f || echo "gone: $f"; done',
        'echo done',
      ].join('\n'),
    );
    // Debian's heartbeat was removed (not purged) by the replacement: its own
    // conffiles (e.g. /etc/init.d/heartbeat) were taken over by ours, so the
    // purge removes them; the admin's /etc/ha.d files stay.
    // dpkg-query prints "not-installed" or, having forgotten the package, nothing (and fails: our echo).
    expect(afterPurge.stdout.split('\n')[0]).toBe('not-installed');
    expect(afterPurge.stdout).not.toMatch(/left:|gone:/);
    expect(afterPurge.stdout).toMatch(/done$/);
  });
});
