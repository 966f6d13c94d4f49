// What addresses a lab host has, read with `ip` in its namespace: the one
// place the e2e tests ask "is the VIP on this node?" and clean a crashed
// node's leftovers before it "reboots".
import { execa } from 'execa';
import type { LabHost } from './netns.js';
import { waitUntil } from './wait.js';

/** IPv4 addresses (with prefix) on the host's lab interface. */
export async function addressesOf(host: LabHost): Promise<string[]> {
  const r = await execa('ip', ['-n', host.ns, '-4', '-o', 'addr', 'show', 'dev', host.iface], { reject: false });
  const out: string[] = [];
  for (const line of String(r.stdout ?? '').split('\n')) {
    const m = /\binet (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/** Whether `ip` is an IPv4 address of `host`, on any interface (a VIP on a wrong interface still counts as held). */
export async function hasAddress(host: LabHost, ip: string): Promise<boolean> {
  const r = await execa('ip', ['-n', host.ns, '-o', '-4', 'addr', 'show'], { reject: false });
  return String(r.stdout).split('\n').some((l) => l.includes(` ${ip}/`));
}

/** Poll (every `everyMs`, bounded) until `ip` is present on (or absent from) the host; resolves with the epoch ms it was seen. */
export async function waitForAddress(host: LabHost, ip: string, present: boolean, timeoutMs: number, everyMs = 20): Promise<number> {
  return waitUntil(`${ip} ${present ? 'on' : 'off'} ${host.name}`, timeoutMs, async () => ((await hasAddress(host, ip)) === present ? Date.now() : undefined), everyMs);
}

/** Addresses a dead node would not have after a reboot: everything on its lab interface but its own. */
export async function dropStaleAddresses(host: LabHost): Promise<void> {
  for (const a of await addressesOf(host)) {
    if (!a.startsWith(`${host.ip}/`)) await execa('ip', ['-n', host.ns, 'addr', 'del', a, 'dev', host.iface], { reject: false });
  }
}
