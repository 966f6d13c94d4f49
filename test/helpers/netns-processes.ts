// Processes seen by network namespace rather than by pid file: the real
// Heartbeat node runs nginx (Debian's init script) in a private PID
// namespace, so its pid file names a pid the test cannot see. Both looks are
// plain reads of /proc from the test process (a few ms, nothing spawned):
// a process whose title is `nginx: master process` and whose network
// namespace is the host's. That ignores the short-lived `nginx -t` Debian's
// init script runs before a start.
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import type { WatchedProcess } from './failover-watch.js';
import type { LabHost } from './netns.js';

function netnsInode(ns: string): number {
  return statSync(`/run/netns/${ns}`).ino;
}

function netnsInodeOfPid(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Network-namespace inodes (among `inodes`) in which an nginx master process runs. */
function nginxMasters(inodes: ReadonlySet<number>): Set<number> {
  const found = new Set<number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8') !== 'nginx\n') continue;
      if (!readFileSync(`/proc/${name}/cmdline`, 'latin1').startsWith('nginx: master process')) continue;
    } catch {
      continue;
    }
    const ino = netnsInodeOfPid(Number(name));
    if (ino !== undefined && inodes.has(ino)) found.add(ino);
  }
  return found;
}

/**
 * The nginx master of each host, as processes for the exclusivity watcher.
 * One /proc scan serves every host of a sample: the watcher asks for each
 * host in turn within the same millisecond or two.
 */
export function nginxMastersByNetns(hosts: readonly LabHost[]): WatchedProcess[] {
  const inodeOf = new Map(hosts.map((h) => [h.name, netnsInode(h.ns)] as const));
  const inodes = new Set(inodeOf.values());
  let scan: { readonly atMs: number; readonly found: Set<number> } | undefined;
  const running = (): Set<number> => {
    const now = Date.now();
    if (!scan || now - scan.atMs > 2) scan = { atMs: now, found: nginxMasters(inodes) };
    return scan.found;
  };
  return hosts.map((h) => ({ name: 'nginx', node: h.name, isRunning: () => running().has(inodeOf.get(h.name)!) }));
}
