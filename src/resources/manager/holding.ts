// What this node says about its own holding: `t=resource rsc_hold=…`
// (hb_send_resources_held, handled here before it leaves, as Heartbeat does
// with its own messages) and "Initial resource acquisition complete"
// (AnnounceTakeover). Every protocol module announces; none of them is
// imported here.
import { resourceMessage } from './cluster-message.js';
import { groupData, wireHold } from './groups.js';
import { busy } from './queue.js';
import { FOREIGN, LOCAL, has, rscName, union } from './rsc.js';
import { log, send, type Tx } from './tx.js';

export function armRequestDelay(tx: Tx): void {
  if (tx.s.rqstDeadline === null) tx.s.rqstDeadline = tx.now + tx.s.config.timers.rqstDelay;
}

/**
 * AnnounceTakeover: "Initial resource acquisition complete (reason)", once.
 * Heartbeat may say it while its helper is still starting groups ("slightly
 * premature"); here it waits until no resource activity is left.
 */
export function announce(tx: Tx, reason: string): void {
  const s = tx.s;
  if (s.announced || !s.localWorkDone || !s.foreignWorkDone) return;
  // A group found half up at start-up is about to be completed or stopped: not acquired yet.
  if (busy(s) || s.config.groups.some((g) => groupData(s, g.key).state === 'partial')) {
    s.announceReason = reason;
    return;
  }
  s.announced = true;
  log(tx, 'info', `Initial resource acquisition complete (${reason})`);
}

/**
 * hb_send_resources_held: `t=resource rsc_hold=<what we hold> rtype=full
 * isstable=…`. Like Heartbeat, the node handles its own message before it
 * leaves (spec §7.2); `fromChild` marks messages Heartbeat's helper children
 * send (req_our_resources, standby, mach_down), which it handles as received
 * messages, as opposed to ones its main loop sends from inside a handler.
 */
export function sendHeld(tx: Tx, stable: boolean, info?: string, fromChild = false): void {
  if (!tx.s.config.niceFailback) return;
  const hold = rscName(wireHold(tx.s));
  processOwnResource(tx, info, fromChild);
  send(tx, resourceMessage(hold, stable, info));
}

/** process_resources() for a `resource` message from this node. */
export function processOwnResource(tx: Tx, info: string | undefined, fromChild: boolean): void {
  const s = tx.s;
  if (s.commUp && (s.rstate === 'STARTING' || s.rstate === 'BOTHSTARTING')) {
    // A handler's own send does not move the state (Heartbeat's handler then
    // sets the state it computed); only the RQSTDELAY timer starts. A helper's
    // message is an ordinary received message and moves it.
    if (fromChild) {
      s.rstate = 'RSCRCVD';
      if (s.config.autoFailback === 'off') {
        s.foreignWorkDone = true;
        announce(tx, 'T_RESOURCES');
      }
    }
    armRequestDelay(tx);
  }
  if (has(s.claim, LOCAL)) {
    s.localWorkDone = true;
    announce(tx, 'T_RESOURCES(us)');
  }
  if (info === 'mach_down') {
    log(tx, 'info', 'mach_down takeover complete.');
    s.takeoverInProgress = false;
    s.claim = union(s.claim, FOREIGN);
    s.needsFailback = true;
    s.otherStable = true;
    s.foreignWorkDone = true;
    announce(tx, 'mach_down');
  } else if (info === 'shutdown') {
    s.rstate = 'SHUTDOWN';
  }
  if (s.rstate === 'RSCRCVD') armRequestDelay(tx);
}
