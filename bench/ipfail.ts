// Network-aware failover (issue 13): the client's outage when the active
// node's uplink is cut while the heartbeat link stays. Two nodes with the
// group `IPaddr::10.77.0.100/24/eth0 nginx` homed on alpha, heartbeats over
// their own cable (hb0), the client on the uplink side asking
// http://10.77.0.100/ every 20 ms; keepalive 200 ms, deadtime 1 s, deadping
// at its default (= deadtime), the ping interval at its default (keepalive).
//   ipfail:          ha.cf `ping_group` + `respawn … ipfail`; goal ≤ deadping + 0.5 s
//   track_interface: heartbeat-ts.ini `[ipfail] track_interface = eth0`
// Each round: cut alpha's uplink (its switch port down), measure until bravo
// serves, restore it and wait until the group is home again (auto_failback on,
// return_delay 2 s). The median of N rounds (HBTS_IPFAIL_RUNS, default 5).
import { FAILOVER_LAB_HOSTS, VIP_ALPHA, startOurFailoverPair } from '../test/helpers/failover-pair.js';
import { createLab } from '../test/helpers/netns.js';
import { GATEWAY_IP, HB_LINK, SILENT_GROUP_MEMBER, addHeartbeatLink, setUplinks } from '../test/helpers/uplink-lab.js';
import { median, out } from './print.js';

const KEEPALIVE_MS = 200;
const DEADTIME_MS = 1000;
const DEADPING_MS = DEADTIME_MS;
const GROUP = `IPaddr::${VIP_ALPHA}/24/eth0`;

interface Kind {
  readonly name: string;
  readonly haCfExtra: readonly string[];
  readonly ini: string;
  readonly goalMs?: number;
}

const KINDS: readonly Kind[] = [
  {
    name: 'ipfail (ping_group)',
    haCfExtra: [`ping_group gateway ${GATEWAY_IP} ${SILENT_GROUP_MEMBER}`, 'respawn hacluster /usr/lib/heartbeat/ipfail'],
    ini: '[ipfail]\nreturn_delay = 2s\n',
    goalMs: DEADPING_MS + 500,
  },
  { name: 'track_interface eth0', haCfExtra: [], ini: '[ipfail]\ntrack_interface = eth0\nreturn_delay = 2s\n' },
];

async function measureKind(kind: Kind, runs: number): Promise<{ outage: number[]; served: number[] }> {
  const outage: number[] = [];
  const served: number[] = [];
  const lab = await createLab({ hosts: [...FAILOVER_LAB_HOSTS] });
  try {
    await addHeartbeatLink(lab);
    const pair = await startOurFailoverPair(lab, {
      keepaliveMs: KEEPALIVE_MS,
      deadtimeMs: DEADTIME_MS,
      startupFallbackDelay: '2',
      autoFailback: 'on',
      media: [`bcast ${HB_LINK}`],
      haCfExtra: kind.haCfExtra,
      extraIni: () => kind.ini,
      watch: false,
    });
    try {
      for (let round = 1; round <= runs; round++) {
        await pair.steady();
        // Past the ping children's start-up: both nodes hear the ping node.
        await new Promise((r) => setTimeout(r, 1500));
        const cutAt = await setUplinks(lab, ['alpha'], false);
        const o = await pair.servedBy('bravo', cutAt, 20_000);
        outage.push(o.outageMs);
        served.push(o.eventToServedMs);
        out(`  ${kind.name} round ${round}/${runs}: outage ${o.outageMs.toFixed(0)} ms, cut → bravo serves ${o.eventToServedMs.toFixed(0)} ms`);
        await setUplinks(lab, ['alpha'], true);
        await pair.waitHolders({ [GROUP]: 'alpha' }, 30_000);
      }
    } finally {
      await pair.dispose();
    }
  } finally {
    await lab.destroy();
  }
  return { outage, served };
}

export async function run(): Promise<void> {
  const runs = Math.max(1, Number(process.env['HBTS_IPFAIL_RUNS'] ?? 5));
  out(`uplink cut on the active node, keepalive ${KEEPALIVE_MS} ms, deadping ${DEADPING_MS} ms (default), ${runs} rounds`);
  const rows: string[] = [];
  for (const kind of KINDS) {
    const { outage, served } = await measureKind(kind, runs);
    const m = median(outage);
    const goal = kind.goalMs === undefined ? '' : `  goal ≤ ${kind.goalMs} ms: ${m <= kind.goalMs ? 'met' : 'MISSED'}`;
    rows.push(
      `  ${kind.name.padEnd(22)} median outage ${m.toFixed(0)} ms (min ${Math.min(...outage).toFixed(0)}, max ${Math.max(...outage).toFixed(0)}); ` +
        `cut → served median ${median(served).toFixed(0)} ms${goal}`,
    );
  }
  for (const r of rows) out(r);
}
