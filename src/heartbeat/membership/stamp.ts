// Stamping of outgoing messages with the sender's control fields, in the
// order the daemon produces them (spec §3.4; Heartbeat's
// add_control_msg_fields): the creator's fields, `destuuid` when the
// destination's uuid is known, then src, srcuuid, seq, hg, ts, ld, ttl —
// replaced in place when present. `NS_*` messages get no seq and no ld, and
// keep any control field they already carry (a ping node's `src`).
//
// The inner `auth` field is the codec's business (encodePacket, msgfmt).
import type { Field, HbMessage } from '../wire/message.js';
import { hex } from './numbers.js';

export const NOSEQ_PREFIX = 'NS_';

export function isUnsequencedType(t: string): boolean {
  return t.startsWith(NOSEQ_PREFIX);
}

export interface StampInput {
  readonly localNode: string;
  readonly uuid: Uint8Array;
  readonly generation: number;
  readonly wallSeconds: number;
  /** /proc/loadavg without its newline ("n/a" when unreadable, like the daemon). */
  readonly loadAverage: string;
  /** hopfudge + number of nodes, ping nodes included (spec §5). */
  readonly ttl: number;
  /** The uuid of the node named in `dest`, when known. */
  readonly destUuid?: Uint8Array;
  /** The seq to use if the message is sequenced. */
  readonly seq: number;
}

export interface Stamped {
  readonly message: HbMessage;
  /** The seq it was given; undefined for NS_* messages. */
  readonly seq?: number;
}

/** Replace the first field of that name in place, else append it (withField on a copy of our own). */
function setField(fields: Field[], field: Field): void {
  for (let i = 0; i < fields.length; i++) {
    if (fields[i]!.name === field.name) {
      fields[i] = field;
      return;
    }
  }
  fields.push(field);
}

function hasField(fields: readonly Field[], name: string): boolean {
  for (const f of fields) if (f.name === name) return true;
  return false;
}

export function stampOutgoing(msg: HbMessage, t: string, input: StampInput): Stamped {
  // One copy of the field list for the whole stamp (it runs for every message we send).
  const fields = msg.fields.slice();
  if (input.destUuid && hasField(fields, 'dest')) {
    setField(fields, { name: 'destuuid', type: 1, value: Uint8Array.from(input.destUuid) });
  }
  const unsequenced = isUnsequencedType(t);
  const control = (field: Field, sequencedOnly: boolean): void => {
    if (unsequenced && (sequencedOnly || hasField(fields, field.name))) return;
    setField(fields, field);
  };
  control({ name: 'src', type: 0, value: input.localNode }, false);
  control({ name: 'srcuuid', type: 1, value: Uint8Array.from(input.uuid) }, false);
  control({ name: 'seq', type: 0, value: hex(input.seq) }, true);
  control({ name: 'hg', type: 0, value: hex(input.generation) }, false);
  control({ name: 'ts', type: 0, value: hex(input.wallSeconds) }, false);
  control({ name: 'ld', type: 0, value: input.loadAverage }, true);
  control({ name: 'ttl', type: 0, value: String(input.ttl) }, false);
  const out: HbMessage = { fields };
  return unsequenced ? { message: out } : { message: out, seq: input.seq };
}
