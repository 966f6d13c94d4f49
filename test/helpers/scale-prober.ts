// The client of the many-groups lab (issue 12): runs INSIDE the client
// namespace (started by scale-lab.ts with `ip netns exec … node --import tsx`)
// and asks `GET http://<vip>/` of every VIP in turn, each VIP every
// <interval> ms (the VIPs' slots are spread over the interval, so the load is
// even), on a fresh TCP connection. One JSON line per probe:
// {"v":vipIndex,"t0":startEpochMs,"ok":bool,"body":"<first line>"|"err":"<code>"}.
//
// As in real-heartbeat-prober.ts, slots missed while this process was held up
// are skipped (not fired in a burst), and a timeout gives an answer already
// waiting in the socket one more turn of the event loop.
//
// usage: scale-prober.ts VIP[,VIP…] INTERVAL_MS TIMEOUT_MS MAX_MS
import http from 'node:http';

const [vipList = '', intervalArg = '100', timeoutArg = '300', maxArg = '600000'] = process.argv.slice(2);
const vips = vipList.split(',').filter((v) => /^\d+\.\d+\.\d+\.\d+$/.test(v));
const intervalMs = Number(intervalArg);
const timeoutMs = Number(timeoutArg);
const maxMs = Number(maxArg);
if (vips.length === 0 || !(intervalMs > 0) || !(timeoutMs > 0) || !(maxMs > 0)) {
  process.stderr.write('usage: scale-prober.ts VIP[,VIP…] INTERVAL_MS TIMEOUT_MS MAX_MS\n');
  process.exit(2);
}
const now = (): number => performance.timeOrigin + performance.now();
/** Per VIP: at most this many probes at once (a VIP nobody answers holds its probes until they time out). */
const MAX_IN_FLIGHT_PER_VIP = Math.max(2, Math.ceil(timeoutMs / intervalMs) + 1);
const inFlight = new Array<number>(vips.length).fill(0);

const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

function probe(v: number): void {
  const t0 = now();
  if (inFlight[v]! >= MAX_IN_FLIGHT_PER_VIP) {
    emit({ v, t0, ok: false, err: 'in-flight-limit' });
    return;
  }
  inFlight[v]!++;
  let finished = false;
  const finish = (o: { ok: boolean; body?: string; err?: string }): void => {
    if (finished) return;
    finished = true;
    inFlight[v]!--;
    emit({ v, t0, ...o });
  };
  const req = http.get(`http://${vips[v]}/`, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      if (body.length < 256) body += c;
    });
    res.on('end', () => finish(res.statusCode === 200 ? { ok: true, body: body.split('\n')[0]?.trim() ?? '' } : { ok: false, err: `http-${res.statusCode}` }));
    res.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, err: e.code ?? e.message }));
  });
  req.on('timeout', () => {
    setImmediate(() => {
      if (!finished) req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
    });
  });
  req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, err: e.code ?? e.message }));
}

// Slot k (k = 0, 1, …) probes VIP k mod N at startedAt + k * slot.
const slotMs = intervalMs / vips.length;
const startedAt = now();
let k = 0;
function tick(): void {
  const t = now();
  if (t - startedAt > maxMs) process.exit(0);
  const due = Math.floor((t - startedAt) / slotMs);
  // Slots past by more than one round were missed (this process was not scheduled): skip them.
  if (due - k > vips.length) k = due - vips.length;
  for (let n = 0; k <= due && n < 4 * vips.length; n++, k++) probe(k % vips.length);
  setTimeout(tick, Math.max(1, Math.min(10, startedAt + k * slotMs - now())));
}
process.on('SIGTERM', () => process.exit(0));
tick();
