// ha.cf media directives: bcast, ucast, mcast (heartbeat's HBcomm plugins of
// the same names), ping and ping_group, and the media Heartbeat has but
// heartbeat-ts does not (serial, ucast6, mcast6, ping6); plus udpport, whose
// meaning depends on where it stands among the media lines (spec §10).
import { DEFAULT_UDPPORT, lineWords as words, type LineContext } from './hacf-state.js';
import { isHostName, isIPv4, isInterfaceName, ipv4ToNumber, parseInteger } from './values.js';

export function udpport(token: string, ctx: LineContext): string | undefined {
  const parsed = parseInteger(token, 1, 65535);
  if (!parsed.ok) return parsed.reason;
  const port = parsed.value;
  const { state } = ctx;
  for (const [kind, fixed] of [
    ['bcast', state.bcastPort],
    ['ucast', state.ucastPort],
  ] as const) {
    if (fixed && fixed.value !== port) {
      ctx.problems.warning(
        ctx.line,
        `udpport ${port} comes after the first ${kind} line (line ${fixed.line}): as in Heartbeat, ${kind} media keep port ${fixed.value}; put udpport above the media lines`,
        ctx.text,
      );
    }
  }
  state.udpport = { value: port, line: ctx.line, text: ctx.text };
  return undefined;
}

/** The port a bcast/ucast medium gets: fixed by the first medium of its kind (spec §10). */
function portFor(kind: 'bcast' | 'ucast', ctx: LineContext): number {
  const { state } = ctx;
  const key = kind === 'bcast' ? 'bcastPort' : 'ucastPort';
  const fixed = state[key];
  if (fixed) return fixed.value;
  const port = state.udpport?.value ?? DEFAULT_UDPPORT;
  state[key] = { value: port, line: ctx.line, text: ctx.text };
  return port;
}

export function bcast(token: string, ctx: LineContext): string | undefined {
  if (!isInterfaceName(token)) return `"${token}" is not a network interface name`;
  const port = portFor('bcast', ctx);
  const dup = ctx.state.media.find((m) => m.kind === 'bcast' && m.iface === token);
  if (dup) {
    ctx.problems.warning(ctx.line, `bcast ${token} is already declared (line ${dup.line}); the repeat is ignored`, ctx.text);
    return undefined;
  }
  ctx.state.media.push({ kind: 'bcast', iface: token, port, line: ctx.line });
  return undefined;
}

function checkPingHost(host: string): string | undefined {
  return isIPv4(host) || isHostName(host) ? undefined : `"${host}" is not an IPv4 address or host name`;
}

export function ping(token: string, ctx: LineContext): string | undefined {
  const bad = checkPingHost(token);
  if (bad) return bad;
  ctx.state.pingNodes.push({ name: token.toLowerCase(), kind: 'ping', hosts: [token], line: ctx.line });
  return undefined;
}


export function ucast(rest: string, ctx: LineContext): void {
  const [iface, peer, ...extra] = words(rest);
  if (iface === undefined) return; // Heartbeat's ucast plugin accepts an empty line and adds nothing
  if (!isInterfaceName(iface)) {
    ctx.problems.error(ctx.line, `ucast: "${iface}" is not a network interface name`, ctx.text);
    return;
  }
  if (peer === undefined) {
    ctx.problems.error(ctx.line, `ucast ${iface}: missing the peer's IP address (ucast IFACE PEER-IP)`, ctx.text);
    return;
  }
  if (!isIPv4(peer) && !isHostName(peer)) {
    ctx.problems.error(ctx.line, `ucast ${iface}: "${peer}" is not an IPv4 address or host name`, ctx.text);
    return;
  }
  if (extra.length > 0) {
    ctx.problems.warning(ctx.line, `ucast takes an interface and one peer; "${extra.join(' ')}" is ignored (one line per peer)`, ctx.text);
  }
  const port = portFor('ucast', ctx);
  ctx.state.media.push({ kind: 'ucast', iface, peer, port, line: ctx.line });
}

export function mcast(rest: string, ctx: LineContext): void {
  const [iface, group, portText, ttlText, loopText, ...extra] = words(rest);
  if (iface === undefined) return;
  const fail = (what: string): void =>
    ctx.problems.error(ctx.line, `mcast ${what} (mcast IFACE GROUP PORT TTL LOOP, e.g. mcast eth0 239.0.0.1 694 1 0)`, ctx.text);
  if (!isInterfaceName(iface)) return fail(`"${iface}" is not a network interface name`);
  if (group === undefined) return fail(`${iface}: missing the multicast group`);
  if (!isIPv4(group) || ipv4ToNumber(group) < ipv4ToNumber('224.0.0.0') || ipv4ToNumber(group) > ipv4ToNumber('239.255.255.255')) {
    return fail(`${iface}: "${group}" is not a multicast address (224.0.0.0 to 239.255.255.255)`);
  }
  if (portText === undefined) return fail(`${iface}: missing the port`);
  const port = parseInteger(portText, 1, 65535);
  if (!port.ok) return fail(`${iface}: bad port: ${port.reason}`);
  if (ttlText === undefined) return fail(`${iface}: missing the ttl`);
  const ttl = parseInteger(ttlText, 0, 4);
  if (!ttl.ok) return fail(`${iface}: bad ttl: ${ttl.reason}`);
  if (loopText === undefined) return fail(`${iface}: missing the loop flag`);
  const loop = parseInteger(loopText, 0, 1);
  if (!loop.ok) return fail(`${iface}: bad loop flag: ${loop.reason}`);
  if (extra.length > 0) ctx.problems.warning(ctx.line, `mcast: "${extra.join(' ')}" after the loop flag is ignored`, ctx.text);
  ctx.state.media.push({ kind: 'mcast', iface, group, port: port.value, ttl: ttl.value, loop: loop.value === 1, line: ctx.line });
}

export function pingGroup(rest: string, ctx: LineContext): void {
  const [name, ...hosts] = words(rest);
  if (name === undefined || hosts.length === 0) {
    ctx.problems.error(ctx.line, 'ping_group needs a name and at least one host (ping_group NAME HOST…)', ctx.text);
    return;
  }
  for (const h of hosts) {
    const bad = checkPingHost(h);
    if (bad) {
      ctx.problems.error(ctx.line, `ping_group ${name}: ${bad}`, ctx.text);
      return;
    }
  }
  ctx.state.pingNodes.push({ name: name.toLowerCase(), kind: 'ping_group', hosts, line: ctx.line });
}

export function unsupportedMedium(rest: string, ctx: LineContext): void {
  void rest;
  ctx.problems.error(
    ctx.line,
    `the ${ctx.directive} medium is not supported by heartbeat-ts (Heartbeat has it); use bcast, ucast or mcast over IPv4`,
    ctx.text,
  );
}
