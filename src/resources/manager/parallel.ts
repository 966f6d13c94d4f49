// Which group operations of one activity may run at the same time.
//
// Heartbeat's ResourceManager takes or gives up the groups of a mach_down or
// a standby one after the other. With a hundred one-address groups (an LVS or
// HAProxy front) that adds a hundred group operations end to end, so
// heartbeat-ts lets up to `parallelGroups` of them overlap (issue 12). What
// stays as in Heartbeat:
// - an activity's operations are all starts or all stops, and activities run
//   one at a time: every stop an earlier activity asked for is finished before
//   a later activity starts anything (stop before start, per address);
// - inside a group the runner still goes left to right on start, right to
//   left on stop (the runner's queue for one group never overlaps);
// - operations are launched in the activity's order (haresources order for
//   starts, reverse for stops), and one whose group shares a resource with a
//   group in flight (the same service address, or the same script: two
//   `nginx start` at once could race) waits until that one is answered, and
//   holds the ones after it back, so two groups that share something keep
//   Heartbeat's order.
//
// A group made only of built-in service addresses (the daemon says which:
// ManagerInit.batchedGroups) runs no process of its own: its address change
// joins the one `ip -batch` of every address changing at that moment
// (address-batch.ts). Bounding those by parallelGroups only cut a hand-over
// of a hundred addresses into rounds of `ip` processes one after the other
// (issue 12: 0.7 s instead of 0.1 s for 100 addresses at 16), so with
// parallelGroups > 1 they take no slot; the sharing rule above still holds
// for them. parallelGroups 1 stays Heartbeat's one group after the other.
import type { ResourceGroupConfig, ResourceRef } from '../../config/index.js';
import type { GroupOp } from './types.js';

const ADDRESS_AGENTS = new Set(['IPaddr', 'IPaddr2']);

/** What a resource touches that another group's resource could touch too: its address, or its script. */
function identity(r: ResourceRef): string {
  if (ADDRESS_AGENTS.has(r.script)) return `address ${(r.args[0] ?? r.token).split('/')[0]}`;
  return `script ${r.script}`;
}

export function sharesResource(a: ResourceGroupConfig, b: ResourceGroupConfig): boolean {
  const mine = new Set(a.resources.map(identity));
  return b.resources.some((r) => mine.has(identity(r)));
}

/**
 * Whether `op` may be launched now, with `inFlight` unanswered: under the
 * bound, and no group in flight shares a resource with it.
 */
export function mayLaunch(
  groups: readonly ResourceGroupConfig[],
  parallelGroups: number,
  inFlight: readonly GroupOp[],
  op: GroupOp,
  batchedGroups: readonly string[] = [],
): boolean {
  if (inFlight.length === 0) return true;
  const bound = Math.max(1, parallelGroups);
  const free = bound > 1 && batchedGroups.length > 0 ? new Set(batchedGroups) : undefined;
  if (free === undefined || !free.has(op.key)) {
    const slots = free === undefined ? inFlight.length : inFlight.filter((f) => !free.has(f.key)).length;
    if (slots >= bound) return false;
  }
  const group = groups.find((g) => g.key === op.key);
  if (group === undefined) return true;
  const mine = new Set(group.resources.map(identity));
  const flying = new Set(inFlight.map((f) => f.key));
  return groups.every((other) => !flying.has(other.key) || !other.resources.some((r) => mine.has(identity(r))));
}
