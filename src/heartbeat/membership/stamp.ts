// Stamping of outgoing messages with the sender's control fields, in the
// order the daemon produces them (spec §3.4; Heartbeat's
// add_control_msg_fields): the creator's fields, `destuuid` when the
// destination's uuid is known, then src, srcuuid, seq, hg, ts, ld, ttl —
// replaced in place when present. `NS_*` messages get no seq and no ld, and
// keep any control field they already carry (a ping node's `src`).
//
// The inner `auth` field is the codec's business (encodePacket, msgfmt).
import { withField, type Field, type HbMessage } from '../wire/message.js';
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

function has(msg: HbMessage, name: string): boolean {
  return msg.fields.some((f) => f.name === name);
}

export function stampOutgoing(msg: HbMessage, t: string, input: StampInput): Stamped {
  let out = msg;
  if (input.destUuid && has(out, 'dest')) {
    out = withField(out, { name: 'destuuid', type: 1, value: Uint8Array.from(input.destUuid) });
  }
  const unsequenced = isUnsequencedType(t);
  const controls: Array<{ field: Field; sequencedOnly: boolean }> = [
    { field: { name: 'src', type: 0, value: input.localNode }, sequencedOnly: false },
    { field: { name: 'srcuuid', type: 1, value: Uint8Array.from(input.uuid) }, sequencedOnly: false },
    { field: { name: 'seq', type: 0, value: hex(input.seq) }, sequencedOnly: true },
    { field: { name: 'hg', type: 0, value: hex(input.generation) }, sequencedOnly: false },
    { field: { name: 'ts', type: 0, value: hex(input.wallSeconds) }, sequencedOnly: false },
    { field: { name: 'ld', type: 0, value: input.loadAverage }, sequencedOnly: true },
    { field: { name: 'ttl', type: 0, value: String(input.ttl) }, sequencedOnly: false },
  ];
  for (const { field, sequencedOnly } of controls) {
    if (unsequenced && (sequencedOnly || has(out, field.name))) continue;
    out = withField(out, field);
  }
  return unsequenced ? { message: out } : { message: out, seq: input.seq };
}
