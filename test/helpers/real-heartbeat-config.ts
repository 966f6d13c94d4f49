// Pure builders for the files a real Heartbeat 3.0.6 node reads in the lab:
// ha.cf lines, authkeys, haresources. No I/O here; real-heartbeat.ts writes
// them into the node's private root.
//
// Heartbeat's ha.cf rules that shape these builders (spec §10):
// - time values are seconds unless suffixed `ms` (`200ms`, `1`, `1.5`);
//   `2s` is refused;
// - `udpport` must come BEFORE the bcast/ucast lines or it is silently ignored;
// - every value directive is split on blanks/commas, one setting per token.

export type RealAuthMethod = 'md5' | 'sha1' | 'crc';
export type RealMediaKind = 'bcast' | 'ucast' | 'mcast';
export type RealAutoFailback = 'on' | 'off' | 'legacy';

export interface RealHaCfOptions {
  /** Cluster members (`node` line), in order. */
  readonly nodes: readonly string[];
  /** Complete media lines, e.g. `bcast eth0`, `ucast eth0 10.77.0.2`, `mcast eth0 239.77.0.1 694 1 0`. */
  readonly media: readonly string[];
  readonly keepaliveMs?: number;
  readonly deadtimeMs?: number;
  readonly warntimeMs?: number;
  readonly initdeadMs?: number;
  /** Written before the media lines (spec §10). Omitted: the daemon's default 694. */
  readonly udpport?: number;
  readonly autoFailback?: RealAutoFailback;
  /** Any further directives, appended verbatim. */
  readonly extra?: readonly string[];
}

/** Heartbeat's time syntax: whole seconds when exact, else milliseconds with the `ms` suffix. */
export function haTime(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0 || !Number.isInteger(ms)) {
    throw new Error(`ha.cf time must be a positive whole number of milliseconds, got ${ms}`);
  }
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

export function realHaCf(o: RealHaCfOptions): string[] {
  if (o.nodes.length === 0) throw new Error('realHaCf: at least one node is needed');
  if (o.media.length === 0) throw new Error('realHaCf: at least one medium is needed');
  const lines: string[] = [];
  if (o.keepaliveMs !== undefined) lines.push(`keepalive ${haTime(o.keepaliveMs)}`);
  if (o.deadtimeMs !== undefined) lines.push(`deadtime ${haTime(o.deadtimeMs)}`);
  if (o.warntimeMs !== undefined) lines.push(`warntime ${haTime(o.warntimeMs)}`);
  if (o.initdeadMs !== undefined) lines.push(`initdead ${haTime(o.initdeadMs)}`);
  if (o.udpport !== undefined) lines.push(`udpport ${o.udpport}`);
  lines.push(...o.media);
  if (o.autoFailback !== undefined) lines.push(`auto_failback ${o.autoFailback}`);
  lines.push(`node ${o.nodes.join(' ')}`);
  lines.push(...(o.extra ?? []));
  return lines;
}

/** Media lines for one of the three lab set-ups of spec §12.1, as seen from `self`. */
export function realMediaLines(
  kind: RealMediaKind,
  iface: string,
  peers: readonly string[],
  opts: { readonly mcastGroup?: string; readonly mcastPort?: number } = {},
): string[] {
  switch (kind) {
    case 'bcast':
      return [`bcast ${iface}`];
    case 'ucast':
      if (peers.length === 0) throw new Error('ucast needs at least one peer address');
      return peers.map((p) => `ucast ${iface} ${p}`);
    case 'mcast':
      // TTL 1, loop 0: what the spec's lab used (spec §1).
      return [`mcast ${iface} ${opts.mcastGroup ?? '239.77.0.1'} ${opts.mcastPort ?? 694} 1 0`];
  }
}

/** authkeys text (spec §4.1): `auth N` then `N method [key]`. crc takes no key. */
export function realAuthkeys(method: RealAuthMethod, key = 'labsecret', index = 1): string {
  const keyPart = method === 'crc' ? '' : ` ${key}`;
  return `auth ${index}\n${index} ${method}${keyPart}\n`;
}

/** One haresources line per group: `home resource resource…`. */
export function realHaresources(groups: ReadonlyArray<{ readonly home: string; readonly resources: readonly string[] }>): string {
  return groups.map((g) => `${g.home} ${g.resources.join(' ')}`).join('\n') + '\n';
}

/** The group the failover runs use: the VIP through the real IPaddr (with nic, spec §9.1 Debian caveat), then nginx. */
export function vipNginxGroup(home: string, vip: string, prefixLength: number, iface: string): { home: string; resources: string[] } {
  return { home, resources: [`IPaddr::${vip}/${prefixLength}/${iface}`, 'nginx'] };
}
