// The client of the failover lab: runs INSIDE the client namespace (started
// by real-heartbeat-outage.ts with `ip netns exec … node --import tsx`), asks
// `GET <url>` every <interval> ms on a fresh TCP connection and prints one
// JSON line per probe: {"s":seq,"t0":startEpochMs,"t1":endEpochMs,"ok":bool,
// "body":"<first line of the page>"|"err":"<code>"}.
//
// Probes are started on a fixed schedule whether or not earlier ones have
// answered (a probe to an address nobody answers hangs until its timeout);
// in-flight probes are capped. The process ends by itself after --max-ms.
//
// On a loaded machine this process itself can be held up for hundreds of ms.
// Two things keep that from being read as the service's fault: a timeout
// gives the answer that may already be waiting in the socket one turn of the
// event loop before it gives up (after a stall, timers run before sockets
// are read), and slots missed during a stall are skipped, not fired in a
// burst that would hit the in-flight cap.
//
// usage: real-heartbeat-prober.ts URL INTERVAL_MS TIMEOUT_MS MAX_MS
import http from 'node:http';

const [url = '', intervalArg = '20', timeoutArg = '300', maxArg = '600000'] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const timeoutMs = Number(timeoutArg);
const maxMs = Number(maxArg);
if (!/^http:\/\//.test(url) || !(intervalMs > 0) || !(timeoutMs > 0) || !(maxMs > 0)) {
  process.stderr.write('usage: real-heartbeat-prober.ts URL INTERVAL_MS TIMEOUT_MS MAX_MS\n');
  process.exit(2);
}
const MAX_IN_FLIGHT = Math.max(4, Math.ceil(timeoutMs / intervalMs) + 2);
const now = (): number => performance.timeOrigin + performance.now();

let seq = 0;
let inFlight = 0;
const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

function probe(): void {
  const s = seq++;
  const t0 = now();
  if (inFlight >= MAX_IN_FLIGHT) {
    emit({ s, t0, t1: t0, ok: false, err: 'in-flight-limit' });
    return;
  }
  inFlight++;
  let finished = false;
  const finish = (o: { ok: boolean; body?: string; err?: string }): void => {
    if (finished) return;
    finished = true;
    inFlight--;
    emit({ s, t0, t1: now(), ...o });
  };
  const req = http.get(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
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

const startedAt = now();
let ticks = 0;
// Self-correcting schedule: probe k starts at startedAt + k*interval, so a
// slow event-loop turn does not shift every later probe.
function schedule(): void {
  if (now() - startedAt > maxMs) {
    process.exit(0);
  }
  probe();
  ticks++;
  // Slots already past (this process was not scheduled) are skipped.
  ticks = Math.max(ticks, Math.ceil((now() - startedAt) / intervalMs));
  const next = startedAt + ticks * intervalMs;
  setTimeout(schedule, Math.max(0, next - now()));
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
schedule();
