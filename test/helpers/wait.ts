// Bounded waits for the e2e tests: a condition is polled until it holds or a
// deadline passes, never a sleep-and-hope. Helpers that wait for something
// specific (an address, a log line, a settled cluster) are built on this one.
import { setTimeout as delay } from 'node:timers/promises';

/** Wait for a condition (a value other than undefined) with a bounded deadline. */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= deadline || i > 1_000_000) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}
