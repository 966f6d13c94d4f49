// `npm run demo:tutorial`: the classic "Heartbeat + nginx on two CentOS
// boxes" tutorial, done with heartbeat-ts installed from its Debian package.
//
// Builds the .deb, three network namespaces on a bridge (www.centos1.com,
// www.centos2.com, a client), gives each node the tutorial's own files in
// /etc/ha.d (only the addresses are the lab's) and the package's init script,
// runs nginx on both, and starts heartbeat with `service heartbeat start`.
// Then, while the client asks http://10.10.10.100/index.html every 50 ms:
// the first node's cable is pulled, plugged back, and its nginx is stopped so
// that the tutorial's cron script calls `service heartbeat stop`. Each outage
// the client saw is printed. Everything is removed at the end, on Ctrl-C
// and on errors (test/helpers/tutorial-lab.ts).
//
// Needs root. Takes about 80 s: the tutorial sets no timers, so a dead node
// is declared dead after Heartbeat's default deadtime of 30 s.
import { formatOutage, measureOutage, NODE1, NODE2, startTutorialLab, TUTORIAL_AUTHKEYS, TUTORIAL_HA_CF, TUTORIAL_HARESOURCES, tutorialCronScript, waitFor, type TutorialLab } from '../test/helpers/tutorial-lab.js';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run me as root (network namespaces, addresses, mounts)');
  out('Building the package and the lab…');
  let t: TutorialLab | undefined;
  const cleanUp = async (): Promise<void> => {
    const lab = t;
    t = undefined;
    await lab?.destroy();
  };
  process.once('SIGINT', () => {
    out('\ninterrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  });
  try {
    t = await startTutorialLab();
    const [n1, n2] = t.nodes;
    out(`package: ${t.deb.file.split('/').pop()}`);
    out('/etc/ha.d/ha.cf:');
    out(indent(TUTORIAL_HA_CF));
    out('/etc/ha.d/haresources:');
    out(indent(TUTORIAL_HARESOURCES));
    out('/etc/ha.d/authkeys (chmod 600):');
    out(indent(TUTORIAL_AUTHKEYS));
    out();
    for (const n of [n1, n2]) {
      const r = await n.sh('service heartbeat start');
      out(`[${n.name}] # service heartbeat start\n${indent(r.stdout + r.stderr)}`);
      if (r.exitCode !== 0) throw new Error(`service heartbeat start failed on ${n.name}`);
    }
    const startedAt = Date.now();
    await t.prober.waitForServedBy(NODE1, 90_000, startedAt - 60_000);
    const addr = await n1.host.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    out(`[${n1.name}] # ip -4 -o addr show dev eth0\n${indent(addr.stdout)}`);
    out(`the client gets http://10.10.10.100/index.html from ${NODE1}`);
    out();

    out(`pulling ${NODE1}'s cable (the tutorial sets no timers: deadtime is Heartbeat's default, 30 s)…`);
    const pulledAt = Date.now();
    await n1.host.setLink(false);
    out(formatOutage(await measureOutage(t, 'cable pulled', pulledAt, NODE2, 90_000)));
    out(`plugging it back (auto_failback not set: legacy)…`);
    const backAt = Date.now();
    await n1.host.setLink(true);
    out(formatOutage(await measureOutage(t, 'cable back', backAt, NODE1, 90_000)));
    await waitFor(`${NODE2} releases the address`, 60_000, async () => !(await n2.hasVip()));
    out();

    out(`[${n1.name}] the tutorial's cron script, run every second:`);
    out(indent(tutorialCronScript(n1.ip)));
    t.startCronLoop(n1, 1000, 300);
    out(`stopping nginx on ${NODE1}…`);
    const stoppedAt = Date.now();
    await n1.stopNginx();
    out(formatOutage(await measureOutage(t, 'nginx stopped', stoppedAt, NODE2, 60_000)));
    await waitFor(`heartbeat stopped on ${NODE1}`, 60_000, async () => (await n1.sh('heartbeat -s')).exitCode === 3);
    out(`[${n1.name}] cron loop output:\n${indent(t.cronOutput().split('\n').slice(0, 3).join('\n'))}`);
    const status = await n1.sh('service heartbeat status');
    out(`[${n1.name}] # service heartbeat status\n${indent(status.stdout)}`);
    const stop = await n2.sh('service heartbeat stop');
    out(`[${n2.name}] # service heartbeat stop\n${indent(stop.stdout + stop.stderr)}`);
  } finally {
    out('cleaning up…');
    await cleanUp();
  }
}

main().then(
  () => out('done.'),
  (err: unknown) => {
    process.stderr.write(`demo:tutorial failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
