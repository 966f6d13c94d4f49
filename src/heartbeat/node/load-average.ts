// /proc/loadavg for the `ld` field (spec §5), read in the background into a
// cache: the send path only ever reads the cached string, never the file.
import { readFile } from 'node:fs/promises';

export const LOADAVG_FILE = '/proc/loadavg';

export class LoadAverageCache {
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(
    private readonly onUpdate: (text: string) => void,
    private readonly file = LOADAVG_FILE,
  ) {}

  async refresh(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const text = (await readFile(this.file, 'latin1')).split('\n')[0] ?? '';
      this.onUpdate(text.length > 0 ? text.slice(0, 63) : 'n/a');
    } catch {
      this.onUpdate('n/a'); // what the daemon sends when it cannot read the file
    } finally {
      this.reading = false;
    }
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
