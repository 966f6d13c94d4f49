// A client that asks for URL every INTERVAL ms on a fresh connection (no
// keep-alive, so each probe goes through ARP/TCP set-up like a new client
// after a failover) and prints a JSON line whenever the service's state
// changes:
//   {"ev":"up","t":EPOCH_MS,"sent":EPOCH_MS}     first answer with status 200 after a failure
//   {"ev":"down","t":EPOCH_MS,"sent":EPOCH_MS}   first failure of a probe sent after the last success
// Run it inside a client namespace:
//   ip netns exec NS node --import tsx test/helpers/resources-http-prober.ts URL [INTERVAL_MS] [TIMEOUT_MS]
// It runs until stdin closes or it is signalled. At most MAX_IN_FLIGHT probes
// are outstanding at once.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

const MAX_IN_FLIGHT = 64;

const url = process.argv[2];
const intervalMs = Number(process.argv[3] ?? '5');
const timeoutMs = Number(process.argv[4] ?? '200');
if (!url || !(intervalMs > 0) || !(timeoutMs > 0)) {
  process.stderr.write('usage: resources-http-prober.ts URL [INTERVAL_MS] [TIMEOUT_MS]\n');
  process.exit(64);
}

const epochNow = (): number => performance.timeOrigin + performance.now();
let state: 'unknown' | 'up' | 'down' = 'unknown';
let lastSuccessSent = -Infinity;
let inFlight = 0;

function report(ev: 'up' | 'down', sent: number): void {
  state = ev;
  process.stdout.write(`${JSON.stringify({ ev, t: epochNow(), sent })}\n`);
}

function probe(): void {
  if (inFlight >= MAX_IN_FLIGHT) return;
  inFlight++;
  const sent = epochNow();
  let settled = false;
  const settle = (ok: boolean): void => {
    if (settled) return;
    settled = true;
    inFlight--;
    if (ok) {
      if (sent > lastSuccessSent) lastSuccessSent = sent;
      if (state !== 'up') report('up', sent);
    } else {
      // A slow failure of a probe sent before the last success says nothing new.
      if (state !== 'down' && sent > lastSuccessSent) report('down', sent);
    }
  };
  const req = request(url!, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
    res.resume();
    res.once('end', () => settle(res.statusCode === 200));
    res.once('error', () => settle(false));
  });
  req.once('timeout', () => req.destroy(new Error('timeout')));
  req.once('error', () => settle(false));
  req.end();
}

const timer = setInterval(probe, intervalMs);
process.stdin.resume();
process.stdin.once('end', () => clearInterval(timer));
process.stdin.once('close', () => clearInterval(timer));
