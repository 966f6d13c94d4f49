// Issue 13's lab: the failover pair (failover-pair.ts) whose heartbeats run
// over their own cable, so that the uplink can be cut alone.
//
//   alpha eth0 ─┐                       alpha hb0 10.78.0.1 ── bravo hb0 10.78.0.2
//   bravo eth0 ─┼─ bridge (the uplink)  (a veth pair: `bcast hb0` in ha.cf)
//   client eth0 ┘  10.77.0.3 — the clients' side: their gateway and the ping node
//
// Cutting a node's uplink = its switch port down (eth0 loses carrier); the
// heartbeat link stays, so the peer knows the node is alive and what it sees.
import { execa } from 'execa';
import { setTimeout as delay } from 'node:timers/promises';
import type { Lab } from './netns.js';

export const HB_LINK = 'hb0';
/** The clients' side: the ping node both nodes follow. */
export const GATEWAY_IP = '10.77.0.3';
/** A ping_group member that never answers: the group stays up while any member answers. */
export const SILENT_GROUP_MEMBER = '10.77.0.250';

/** A direct veth cable between two lab hosts, for the heartbeats only. */
export async function addHeartbeatLink(lab: Lab, a = 'alpha', b = 'bravo'): Promise<void> {
  const [ha, hbb] = [lab.host(a), lab.host(b)];
  await execa('ip', ['-n', ha.ns, 'link', 'add', HB_LINK, 'type', 'veth', 'peer', 'name', HB_LINK, 'netns', hbb.ns]);
  for (const [h, ip] of [
    [ha, '10.78.0.1'],
    [hbb, '10.78.0.2'],
  ] as const) {
    await execa('ip', ['-n', h.ns, 'addr', 'add', `${ip}/24`, 'brd', '+', 'dev', HB_LINK]);
    await execa('ip', ['-n', h.ns, 'link', 'set', HB_LINK, 'up']);
  }
}

/**
 * Cut / restore the uplinks of these hosts at the same moment (one `ip -batch`
 * in the switch namespace). Returns the epoch ms just before the change.
 */
export async function setUplinks(lab: Lab, hosts: readonly string[], up: boolean): Promise<number> {
  const batch = hosts.map((h) => `link set p-${h} ${up ? 'up' : 'down'}`).join('\n');
  const at = Date.now();
  await execa('ip', ['-n', lab.switchNs, '-batch', '-'], { input: `${batch}\n` });
  return at;
}

/** Toggle a host's uplink every `periodMs` for `totalMs` (bounded), ending with it up. Returns the number of cuts. */
export async function flapUplink(lab: Lab, host: string, periodMs: number, totalMs: number): Promise<number> {
  const start = Date.now();
  let cuts = 0;
  let up = true;
  for (let i = 0; i < Math.ceil(totalMs / periodMs) + 1 && Date.now() - start < totalMs; i++) {
    up = !up;
    if (!up) cuts++;
    await setUplinks(lab, [host], up);
    await delay(Math.max(0, start + (i + 1) * periodMs - Date.now()));
  }
  if (!up) await setUplinks(lab, [host], true);
  return cuts;
}
