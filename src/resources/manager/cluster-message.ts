// The resource manager's view of a cluster message: the string fields that v1
// resource negotiation reads (spec §5, §6), parsed from an HbMessage. Values
// stay raw strings; the handlers decide what a bad value means, as Heartbeat
// does (an unknown rsc_hold is `none` plus an error log, §5).
import { getString, type HbMessage } from '../../heartbeat/wire/message.js';

export interface ClusterMessage {
  readonly t: string;
  readonly src: string;
  readonly dest?: string;
  readonly rsc_hold?: string;
  readonly rtype?: string;
  readonly isstable?: string;
  readonly info?: string;
  readonly ipaddr?: string;
  readonly weown?: string;
  readonly ok?: string;
  readonly st?: string;
  readonly node?: string;
  readonly result?: string;
}

export type ClusterMessageResult =
  | { readonly ok: true; readonly message: ClusterMessage }
  | { readonly ok: false; readonly error: string };

const OPTIONAL_FIELDS = [
  'dest',
  'rsc_hold',
  'rtype',
  'isstable',
  'info',
  'ipaddr',
  'weown',
  'ok',
  'st',
  'node',
  'result',
] as const;

/**
 * The fields the manager reads, or an error naming what is missing. `src` is
 * lower-cased as Heartbeat lower-cases node names (spec §9.8).
 */
export function toClusterMessage(msg: HbMessage): ClusterMessageResult {
  const t = getString(msg, 't');
  const src = getString(msg, 'src');
  if (t === undefined || t === '') return { ok: false, error: 'cluster message without a t (type) field' };
  if (src === undefined || src === '') return { ok: false, error: `cluster message t=${t} without a src field` };
  const out: Record<string, string> = { t, src: src.toLowerCase() };
  for (const name of OPTIONAL_FIELDS) {
    const value = getString(msg, name);
    if (value !== undefined) out[name] = name === 'dest' ? value.toLowerCase() : value;
  }
  return { ok: true, message: out as unknown as ClusterMessage };
}

/** A message the manager asks the shell to send: fields in the order Heartbeat creates them (spec §3.4 item 1). */
export interface OutgoingMessage {
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** The destination node when the message is addressed (its `dest` field is also in `fields`). */
  readonly dest?: string;
}

function message(fields: Array<readonly [string, string]>, dest?: string): OutgoingMessage {
  return dest === undefined ? { fields } : { fields, dest };
}

/** `t=starting` (§9.3). */
export function startingMessage(): OutgoingMessage {
  return message([['t', 'starting']]);
}

/** hb_send_resources_held: `t=resource rsc_hold=R rtype=full isstable=0|1 [info=I]` (§9.3, vector 03). */
export function resourceMessage(rscHold: string, stable: boolean, info?: string): OutgoingMessage {
  const fields: Array<readonly [string, string]> = [
    ['t', 'resource'],
    ['rsc_hold', rscHold],
    ['rtype', 'full'],
    ['isstable', stable ? '1' : '0'],
  ];
  if (info !== undefined) fields.push(['info', info]);
  return message(fields);
}

/** The mach_down script's message: no rtype, no isstable (§9.6, §12.4 vector 05). */
export function machDownMessage(): OutgoingMessage {
  return message([
    ['t', 'resource'],
    ['rsc_hold', 'foreign'],
    ['info', 'mach_down'],
  ]);
}

/** send_standby_msg / hb_standby: `t=ask_resources rsc_hold=R info=me|other|done` (§9.5, vector 04). */
export function askResourcesMessage(rscHold: string, info: 'me' | 'other' | 'done'): OutgoingMessage {
  return message([
    ['t', 'ask_resources'],
    ['rsc_hold', rscHold],
    ['info', info],
  ]);
}

/** hb_takeover: `t=hb_takeover rsc_hold=R` (§9.5). */
export function hbTakeoverMessage(rscHold: string): OutgoingMessage {
  return message([
    ['t', 'hb_takeover'],
    ['rsc_hold', rscHold],
  ]);
}

/** req_resource asking nicely (legacy, peer active): `t=ip-request ipaddr=K` (§9.4). */
export function ipRequestMessage(key: string): OutgoingMessage {
  return message([
    ['t', 'ip-request'],
    ['ipaddr', key],
  ]);
}

/** rc.d/ip-request's answer, or req_resource's self-addressed "pretend" answer (§9.3, §9.4). */
export function ipRequestRespMessage(dest: string, key: string, weown: boolean): OutgoingMessage {
  return message(
    [
      ['t', 'ip-request-resp'],
      ['dest', dest],
      ['ipaddr', key],
      ['weown', weown ? 'yes' : 'no'],
      ['ok', 'OK'],
    ],
    dest,
  );
}

/** send_stonith_msg: `t=stonith node=X result=unneeded|n_stnth` (§9.6). */
export function stonithMessage(node: string, result: 'unneeded' | 'n_stnth'): OutgoingMessage {
  return message([
    ['t', 'stonith'],
    ['node', node],
    ['result', result],
  ]);
}

/** The last message of a graceful stop: `t=shutdone st=dead` (§9.7). */
export function shutdoneMessage(): OutgoingMessage {
  return message([
    ['t', 'shutdone'],
    ['st', 'dead'],
  ]);
}
