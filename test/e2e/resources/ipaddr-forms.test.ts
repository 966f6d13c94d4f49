// Every IPaddr / IPaddr2 argument form, against the real thing: for each row,
// the installed Heartbeat wrapper's own splitting code (the lines from
// `BASEIP=` to the closing `fi` of /etc/ha.d/resource.d/IPaddr{,2}, read from
// the file at test time) runs in sh, then the real OCF agent behind it
// (/usr/lib/ocf/resource.d/heartbeat/IPaddr{,2}) runs its `validate-all`
// parameter handling, which configures nothing: IPaddr's checks and findif,
// IPaddr2's ip_init (nic:label split, findif, the 15-character label check).
// An EXIT trap prints what the agent made of the parameters. This runs in a
// lab namespace whose eth0 carries 10.10.10.11/24, as the tutorial's node.
// Our parser (through haresources, as `heartbeat --check` reads the line)
// must accept exactly what the real agents accept and read it the same way,
// except the rows marked `deviation`: forms real Heartbeat accepts while
// silently ignoring part of them, which heartbeat-ts refuses with the reason.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemList } from '../../../src/config/problems.js';
import { parseResource } from '../../../src/config/haresources.js';
import { parseIpAddrArguments, type IpAddrSpec } from '../../../src/resources/index.js';
import { broadcastAddress, formatIpv4, maskToPrefixLength, parseIpv4 } from '../../../src/resources/agents/ipv4.js';
import { createLab, type Lab } from '../../helpers/netns.js';

type Kind = 'IPaddr' | 'IPaddr2';

const NODE_IP = '10.10.10.11';
const LAB_PREFIX = 24;

/**
 * sh -c HARNESS harness KIND ARG. Prints `WRAP ip=… mask=… nic=… brd=…`
 * (the wrapper's split) and `OCF rc=… nic=… mask=… brd=… label=…` (the
 * agent's reading after validate-all; IPaddr has no label of its own).
 */
const HARNESS = String.raw`
kind=$1; arg=$2
code=$(awk '/^BASEIP=/{p=1} p{print} p && /^fi$/{exit}' /etc/ha.d/resource.d/$kind)
[ -n "$code" ] || { echo "no splitting code found in /etc/ha.d/resource.d/$kind"; exit 99; }
unset OCF_RESKEY_ip OCF_RESKEY_cidr_netmask OCF_RESKEY_nic OCF_RESKEY_broadcast
eval "set -- \"\$arg\" start; $code"
echo "WRAP ip=$OCF_RESKEY_ip mask=$OCF_RESKEY_cidr_netmask nic=$OCF_RESKEY_nic brd=$OCF_RESKEY_broadcast"
export OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=none HA_LOGFILE=/dev/null HA_DEBUGLOG=/dev/null
if [ "$kind" = IPaddr ]; then
  sh -c 'trap "echo OCF rc=\$? nic=\$OCF_RESKEY_nic mask=\$OCF_RESKEY_cidr_netmask brd=\$OCF_RESKEY_broadcast label=" EXIT
         set -- validate-all; . /usr/lib/ocf/resource.d/heartbeat/IPaddr' 2>&1
else
  sh -c 'trap "echo OCF rc=\$? nic=\$NIC mask=\$NETMASK brd=\$BRDCAST label=\$IFLABEL" EXIT
         set -- validate-all; . /usr/lib/ocf/resource.d/heartbeat/IPaddr2' 2>&1
fi
`;

interface Real {
  readonly wrap: Record<string, string>;
  readonly accepted: boolean;
  readonly ocf: Record<string, string>;
  readonly output: string;
}

function fields(line: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (line ?? '').matchAll(/(\w+)=(\S*)/g)) out[m[1]!] = m[2]!;
  return out;
}

interface Row {
  readonly arg: string;
  /** Real Heartbeat accepts it but silently drops part of it; heartbeat-ts refuses (message pattern). */
  readonly deviation?: { readonly kinds: readonly Kind[]; readonly refusal: RegExp };
}

const ROWS: readonly Row[] = [
  // address alone, then each part added in the only order the wrappers know
  { arg: '10.10.10.100' },
  { arg: '10.10.10.100/' },
  { arg: '10.10.10.100/24' },
  { arg: '10.10.10.100/24/' },
  { arg: '10.10.10.100//24' },
  { arg: '10.10.10.100/32' },
  { arg: '10.10.10.100/16/eth0' },
  { arg: '10.10.10.100/255.255.255.0' },
  { arg: '10.10.10.100/255.255.255.0/eth0' },
  { arg: '10.10.10.100/255.255.255.255' },
  { arg: '10.10.10.100/24/eth0' },
  { arg: '10.10.10.100/24/eth0/' },
  { arg: '10.10.10.100/24//eth0' },
  { arg: '10.10.10.100/24/eth0/10.10.10.255' },
  { arg: '10.10.10.100/24/eth0/10.10.10.127' },
  // a third part starting with a digit is the broadcast
  { arg: '10.10.10.100/24/10.10.10.255' },
  // iface:label, the seed tutorial's line first
  { arg: '10.10.10.100/24/eth0:0' },
  { arg: '10.10.10.100/24/eth0:web' },
  { arg: '10.10.10.100/24/eth0:web/10.10.10.255' },
  { arg: '10.10.10.100/24/eth0:a:b' },
  { arg: '10.10.10.100/24/eth0:' },
  { arg: '10.10.10.100/24/eth0:abcdefghij' },
  // refused by both
  { arg: '10.10.10.300' },
  { arg: '10.10.10' },
  { arg: '10.10.10.100/0' },
  { arg: '10.10.10.100/33' },
  { arg: '10.10.10.100/024' },
  { arg: '10.10.10.100/eth0' },
  { arg: '10.10.10.100/24/eth0/bogus' },
  { arg: '10.10.10.100/24/eth0/10.10.10' },
  // accepted by real Heartbeat with a part silently ignored: refused here
  {
    arg: '10.10.10.100/24/eth0/10.10.10.255/junk',
    deviation: { kinds: ['IPaddr', 'IPaddr2'], refusal: /silently ignore "junk"/ },
  },
  {
    arg: '10.10.10.100/24/10.10.10.255/eth0',
    deviation: { kinds: ['IPaddr', 'IPaddr2'], refusal: /silently ignore "eth0"/ },
  },
  // IPaddr's findif reads a non-contiguous mask as its bit count (IPaddr2 refuses it)
  { arg: '10.10.10.100/255.0.255.0', deviation: { kinds: ['IPaddr'], refusal: /neither a prefix length/ } },
  // IPaddr drops any label; heartbeat-ts uses it, so it must fit the kernel's 15 characters (IPaddr2 refuses too)
  { arg: '10.10.10.100/24/eth0:abcdefghijk', deviation: { kinds: ['IPaddr'], refusal: /longer than 15/ } },
];

function ours(kind: Kind, arg: string): { ok: true; spec: IpAddrSpec } | { ok: false; error: string } {
  // The way `heartbeat --check` reads it: a haresources token, then the built-in's argument.
  const problems = new ProblemList('haresources');
  const ref = parseResource(`${kind}::${arg}`, 1, `node1 ${kind}::${arg}`, problems);
  if (!ref) return { ok: false, error: problems.items.map((p) => p.message).join('; ') };
  return parseIpAddrArguments(kind, ref.args);
}

function prefixOf(mask: string): number | undefined {
  return /^\d+$/.test(mask) ? Number(mask) : maskToPrefixLength(mask);
}

describe('IPaddr / IPaddr2 argument forms, against the installed Heartbeat wrappers and OCF agents', () => {
  let lab: Lab;
  beforeAll(async () => {
    // The real IPaddr's validate-all checks for ifconfig and route (Debian's net-tools).
    for (const cmd of ['ifconfig', 'route']) {
      const found = await execa('sh', ['-c', `command -v ${cmd}`], { reject: false });
      if (found.exitCode !== 0) throw new Error(`${cmd} is missing (Debian package net-tools): run ./scripts/install-system-packages as root`);
    }
    lab = await createLab({ hosts: [{ name: 'node', ip: NODE_IP }], prefixLength: LAB_PREFIX });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  async function real(kind: Kind, arg: string): Promise<Real> {
    const r = await lab.host('node').exec('sh', ['-c', HARNESS, 'harness', kind, arg], { reject: false, timeout: 30_000 });
    const lines = r.stdout.split('\n');
    const ocfLine = lines.find((l) => l.startsWith('OCF '));
    expect(ocfLine, `harness output for ${kind} ${arg}:\n${r.stdout}\n${r.stderr}`).toBeDefined();
    const ocf = fields(ocfLine?.slice(4));
    return { wrap: fields(lines.find((l) => l.startsWith('WRAP '))?.slice(5)), accepted: ocf.rc === '0', ocf, output: r.stdout };
  }

  describe.each(['IPaddr', 'IPaddr2'] as const)('%s', (kind) => {
    it.each(ROWS.map((row) => [row.arg, row] as const))('%s', async (_arg, row) => {
      const theirs = await real(kind, row.arg);
      const mine = ours(kind, row.arg);
      const why = `${kind}::${row.arg}\nreal:\n${theirs.output}\nours: ${JSON.stringify(mine)}`;
      if (row.deviation?.kinds.includes(kind)) {
        expect(theirs.accepted, why).toBe(true);
        expect(mine.ok, why).toBe(false);
        expect(!mine.ok && mine.error, why).toMatch(row.deviation.refusal);
        return;
      }
      expect(mine.ok, why).toBe(theirs.accepted);
      if (!mine.ok || !theirs.accepted) return;
      const spec = mine.spec;
      // The wrapper's split, part by part.
      expect(spec.address, why).toBe(theirs.wrap.ip);
      expect(spec.broadcast ?? '', why).toBe(theirs.wrap.brd);
      // What the agent resolved: the interface (label stripped), the prefix, the broadcast.
      expect(spec.iface ?? 'eth0', why).toBe(theirs.ocf.nic);
      expect(spec.prefixLength ?? LAB_PREFIX, why).toBe(prefixOf(theirs.ocf.mask!));
      // The broadcast: the given one, or the one both compute from the prefix
      // (IPaddr2 leaves it to the kernel when findif found no interface given;
      // /31 and /32 have none: IPaddr's findif prints the address, ours sets none).
      const computed = broadcastAddress(parseIpv4(spec.address)!, spec.prefixLength ?? LAB_PREFIX);
      if (theirs.ocf.brd !== '' && (spec.broadcast !== undefined || computed !== undefined)) {
        expect(spec.broadcast ?? formatIpv4(computed!), why).toBe(theirs.ocf.brd);
      }
      if (kind === 'IPaddr') {
        // Real IPaddr picks the alias itself; ours labels with what was written after the interface.
        const nic = theirs.wrap.nic ?? '';
        expect(spec.label, why).toBe(/^[^:]+:.+/.test(nic) ? nic : undefined);
      } else {
        expect(spec.label ?? '', why).toBe(theirs.ocf.label);
      }
    });
  });
});
