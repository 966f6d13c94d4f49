// Our own status and the dead time we advertise in it (spec §8.1, §8.3):
// `init` then `up` at start, `active` at comm up, whatever the layer above
// sets; dt = deadtime plus the start-up extra or an extra asked for (e.g.
// while restarting), re-sent whenever it changes.
import { messageOf } from '../wire/message.js';
import type { MembershipCore } from './core.js';
import { hex } from './numbers.js';
import type { Millis } from './types.js';

/** Extra dt advertised during the first seconds after start (spec §8.1). */
export const STARTUP_DEADTIME_EXTRA = 2000;
export const STARTUP_DEADTIME_PERIOD = 5000;

export class LocalStatus {
  /** The dt we advertise right now. */
  advertised: Millis;
  /** When the start-up extra ends (undefined: over, or not started). */
  startupExtraUntil?: Millis;
  private requestedExtra = 0;

  constructor(private readonly core: MembershipCore) {
    this.advertised = core.config.deadtime;
  }

  /** Spec §8.3 step 1: send `init` (with the start-up dt), then `up`. */
  start(): void {
    const core = this.core;
    this.startupExtraUntil = core.now + STARTUP_DEADTIME_PERIOD;
    this.advertised = this.computeAdvertised();
    core.local.deadtime = this.advertised;
    core.log('info', `Heartbeat generation: ${core.config.generation}`);
    this.send();
    this.set('up');
  }

  /** The start-up period is over: back to plain deadtime, said at once. */
  endStartupIfDue(): void {
    if (this.startupExtraUntil !== undefined && this.core.now >= this.startupExtraUntil) {
      this.startupExtraUntil = undefined;
      this.updateAdvertised(true);
    }
  }

  requestExtra(extra: Millis): void {
    this.requestedExtra = Math.max(0, extra);
  }

  updateAdvertised(alwaysSend = false): void {
    const next = this.computeAdvertised();
    const changed = next !== this.advertised;
    this.advertised = next;
    this.core.local.deadtime = next;
    if (changed || alwaysSend) this.send();
  }

  /** Our status message (a keepalive, or news). */
  send(): void {
    const fields: Array<[string, string]> = [
      ['t', 'status'],
      ['st', this.core.local.status],
      ['dt', hex(this.advertised)],
    ];
    if (this.core.flowControl) fields.push(['protocol', '1']);
    this.core.send(messageOf(fields));
  }

  set(status: string): void {
    const core = this.core;
    if (status !== core.local.status && status.length > 1 && status.length < 32) {
      const previous = core.local.status;
      core.local.status = status;
      this.send();
      core.log('info', `Local status now set to: '${status}'`);
      core.emit({ type: 'nodeStatus', node: core.local.name, nodeType: 'normal', status, previous });
      return;
    }
    core.log('info', `Unable to set local status to: ${status}`);
  }

  private computeAdvertised(): Millis {
    const startup = this.startupExtraUntil !== undefined ? STARTUP_DEADTIME_EXTRA : 0;
    return this.core.timers.deadtime + Math.max(startup, this.requestedExtra);
  }
}
