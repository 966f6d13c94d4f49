// Issue 9 part 1b, the measurement (not a test): two heartbeat-ts nodes with
// keepalive 50 ms / deadtime 150 ms on this machine while two CPU hogs run,
// once with ha.cf `realtime on` (the default) and once with `realtime off`.
// Prints, per run: false "is dead" lines, "Late heartbeat" lines and the
// largest interval they report.
//
//   node --import tsx bench/busy-machine.ts          # 300 s per run
//   HBTS_HOG_SECONDS=60 node --import tsx bench/busy-machine.ts
//
// Needs root (network namespaces) and `npm run build` first. Not part of
// `npm run bench` (it runs for minutes).
import { execa, type ResultPromise } from 'execa';
import { setTimeout as delay } from 'node:timers/promises';
import { labHaCf, removeNodeDir, startOurNode, type OurNode } from '../test/helpers/hbts-node.js';
import { createLab } from '../test/helpers/netns.js';

const SECONDS = Number(process.env['HBTS_HOG_SECONDS'] ?? 300);
const HOGS = 2;

interface Figures {
  readonly realtime: boolean;
  readonly deaths: number;
  readonly late: number;
  readonly worstLateMs: number;
}

async function run(realtime: boolean): Promise<Figures> {
  const lab = await createLab({ hosts: [{ name: 'alpha', ip: '10.95.0.1' }, { name: 'bravo', ip: '10.95.0.2' }] });
  const nodes: OurNode[] = [];
  const hogs: ResultPromise[] = [];
  try {
    for (const name of ['alpha', 'bravo']) {
      nodes.push(
        await startOurNode(lab.host(name), {
          nodeName: name,
          haCf: [
            ...labHaCf({ nodes: ['alpha', 'bravo'], keepalive: '50ms', deadtime: '150ms', warntime: '100ms', initdead: '2' }),
            `realtime ${realtime ? 'on' : 'off'}`,
          ],
          haresources: '',
          authkeys: 'auth 1\n1 sha1 busy-machine-key',
        }),
      );
    }
    // Past the start-up dead time (spec §8.1: +2 s for the first 5 s).
    await delay(7000);
    const from = nodes.map((n) => n.logSize());
    for (let i = 0; i < HOGS; i++) hogs.push(execa('sh', ['-c', 'while :; do :; done'], { reject: false }));
    await delay(SECONDS * 1000);
    const lines = nodes.flatMap((n, i) => n.readLog().slice(from[i]).split('\n'));
    const late = lines.filter((l) => /Late heartbeat/.test(l));
    const worstLateMs = Math.max(0, ...late.map((l) => Number(/interval (\d+) ms/.exec(l)?.[1] ?? 0)));
    return { realtime, deaths: lines.filter((l) => /is dead/.test(l)).length, late: late.length, worstLateMs };
  } finally {
    for (const h of hogs) if (h.pid !== undefined) process.kill(h.pid, 'SIGKILL');
    await Promise.all(hogs.map((h) => h.catch(() => undefined)));
    for (const n of nodes) await n.crash().catch(() => undefined);
    await lab.destroy();
    for (const n of nodes) removeNodeDir(n);
  }
}

for (const realtime of [true, false]) {
  const f = await run(realtime);
  process.stdout.write(
    `[busy machine] ${SECONDS} s, ${HOGS} CPU hogs, keepalive 50 ms / deadtime 150 ms, realtime ${f.realtime ? 'on ' : 'off'}: ` +
      `${f.deaths} false deaths, ${f.late} late heartbeats (worst ${f.worstLateMs} ms)\n`,
  );
}
