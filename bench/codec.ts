// Wire codec throughput on one core: encode+sign and decode+verify of a
// status heartbeat like spec vector 01 (294 bytes), for md5, sha1 and crc.
// Encode uses msgfmt classic, as the Debian default: two digests per
// message (inner auth field + trailer); decode verifies the trailer.
import type { AuthKeysConfig, AuthMethod } from '../src/config/types.js';
import { classicAuthText, decodePacket, digestWithKey, encodePacket, type HbMessage } from '../src/heartbeat/wire/index.js';

const STATUS: HbMessage = {
  fields: [
    { name: 't', type: 0, value: 'status' },
    { name: 'st', type: 0, value: 'active' },
    { name: 'dt', type: 0, value: 'bb8' },
    { name: 'protocol', type: 0, value: '1' },
    { name: 'src', type: 0, value: 'alpha' },
    { name: 'srcuuid', type: 1, value: Buffer.from('hxJ0nC+GQHKNvyf+qTAteQ==', 'base64') },
    { name: 'seq', type: 0, value: '14' },
    { name: 'hg', type: 0, value: '6b023c08' },
    { name: 'ts', type: 0, value: '6b023c9e' },
    { name: 'ld', type: 0, value: '0.22 0.17 0.09 3/113 24643' },
    { name: 'ttl', type: 0, value: '3' },
  ],
};

const SECRETS: Record<AuthMethod, string> = { md5: 'labsecret', sha1: 'Sha1-Key', crc: '' };
/** Each throughput run lasts about this long (and at most MAX_OPS operations). */
const RUN_MS = 1000;
const MAX_OPS = 5_000_000;
const LATENCY_SAMPLES = 20_000;
const TARGET = 100_000;

function keysFor(method: AuthMethod): AuthKeysConfig {
  return { file: 'bench', active: 1, keys: new Map([[1, { index: 1, method, secret: SECRETS[method] }]]) };
}

/**
 * Operations per second of CPU time over ~RUN_MS, after a warm-up. CPU time
 * (process.cpuUsage) rather than wall time, so that other processes sharing
 * the machine do not distort the figure; wall-clock rate is returned too.
 */
function throughput(op: (i: number) => void): { cpu: number; wall: number } {
  for (let i = 0; i < 20_000; i++) op(i);
  const deadline = performance.now() + RUN_MS;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  while (n < MAX_OPS) {
    for (let j = 0; j < 1000; j++) op(n + j);
    n += 1000;
    if (performance.now() >= deadline) break;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / (wall / 1000) };
}

/** Median cost of one operation in microseconds. */
function p50Micros(op: (i: number) => void): number {
  const samples = new Float64Array(LATENCY_SAMPLES);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    op(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  return samples[LATENCY_SAMPLES >> 1] as number;
}

export async function run(): Promise<void> {
  const rows: string[][] = [];
  let worst = Infinity;
  for (const method of ['md5', 'sha1', 'crc'] as const) {
    const keys = keysFor(method);
    const first = encodePacket(STATUS, keys, { msgfmt: 'classic' });
    if (!first.ok) throw new Error(first.reason);
    const packet = first.bytes;
    const check = decodePacket(packet, keys);
    if (!check.ok) throw new Error(check.reason);

    // seq changes per message so that nothing can be cached between iterations.
    const fields = STATUS.fields.slice();
    const seqIndex = fields.findIndex((f) => f.name === 'seq');
    const encode = (i: number): void => {
      fields[seqIndex] = { name: 'seq', type: 0, value: (i + 1).toString(16) };
      const r = encodePacket({ fields }, keys, { msgfmt: 'classic' });
      if (!r.ok) throw new Error(r.reason);
    };
    const decode = (): void => {
      const r = decodePacket(packet, keys);
      if (!r.ok) throw new Error(r.reason);
    };
    const enc = throughput(encode);
    const dec = throughput(decode);
    // The digests alone, for scale: what node:crypto (or the crc loop) costs
    // per message before any parsing or serialising.
    const body = packet.subarray(0, packet.lastIndexOf('%%%\n') + 4);
    const inner = classicAuthText(check.message) as string;
    const key = keys.keys.get(1)!;
    const digestsForEncode = throughput(() => {
      digestWithKey(key, inner);
      digestWithKey(key, body);
    });
    const digestForDecode = throughput(() => digestWithKey(key, body));
    worst = Math.min(worst, enc.cpu, dec.cpu);
    rows.push([
      method,
      `${packet.length} B`,
      fmt(enc.cpu),
      fmt(enc.wall),
      `${p50Micros(encode).toFixed(2)} µs`,
      fmt(dec.cpu),
      fmt(dec.wall),
      `${p50Micros(decode).toFixed(2)} µs`,
      fmt(digestsForEncode.cpu),
      fmt(digestForDecode.cpu),
    ]);
  }
  table(
    ['auth', 'packet', 'encode+sign/cpu-s', '(wall)', 'p50', 'decode+verify/cpu-s', '(wall)', 'p50', '2 digests/cpu-s', '1 digest/cpu-s'],
    rows,
  );
  process.stdout.write(
    'The last two columns are the digest calls alone (inner auth + trailer when encoding, trailer when decoding): the ceiling for the codec on this machine.\n',
  );
  process.stdout.write(
    `status heartbeat on one thread; msg per CPU-second = per core; target ≥ ${fmt(TARGET)} msg/s: ${worst >= TARGET ? 'met' : 'NOT met'} (slowest ${fmt(worst)} msg/s)\n`,
  );
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string => `${cells.map((c, i) => c.padStart(widths[i] as number)).join('  ')}\n`;
  process.stdout.write(line(head));
  for (const r of rows) process.stdout.write(line(r));
}
