// The message model of Heartbeat's cluster messages (spec §2): an ordered
// list of typed fields whose names may repeat (lookup returns the first).
//
// String values hold bytes 1:1 as latin1 code units (0x01..0xff, never NUL),
// so any byte sequence the real daemon sends survives decode → encode.

export const FieldType = {
  String: 0,
  Binary: 1,
  Struct: 2,
  List: 3,
  Compressed: 4,
} as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

export type Field =
  | { readonly name: string; readonly type: 0; readonly value: string }
  | { readonly name: string; readonly type: 1; readonly value: Uint8Array }
  | { readonly name: string; readonly type: 2; readonly value: HbMessage }
  | { readonly name: string; readonly type: 3; readonly value: readonly string[] }
  | { readonly name: string; readonly type: 4; readonly value: Uint8Array };

export interface HbMessage {
  readonly fields: readonly Field[];
}

/** The first string field called `name`, or undefined. */
export function getString(msg: HbMessage, name: string): string | undefined {
  // Indexed, not for…of: asked several times per packet, and the daemon runs
  // without TurboFan, where an array iterator costs a call per step.
  const fields = msg.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name === name) return f.type === 0 ? f.value : undefined;
  }
  return undefined;
}

/** The first binary field called `name`, or undefined. */
export function getBinary(msg: HbMessage, name: string): Uint8Array | undefined {
  const fields = msg.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name === name) return f.type === 1 ? f.value : undefined;
  }
  return undefined;
}

/** A message of string fields, in the order given. */
export function messageOf(pairs: ReadonlyArray<readonly [string, string]>): HbMessage {
  return { fields: pairs.map(([name, value]) => ({ name, type: 0 as const, value })) };
}

/**
 * The message with field `name` set: replaced in place when present (first
 * occurrence), appended otherwise — how the daemon adds src/seq/hg/… (spec §3.4).
 */
export function withField(msg: HbMessage, field: Field): HbMessage {
  const i = msg.fields.findIndex((f) => f.name === field.name);
  if (i < 0) return { fields: [...msg.fields, field] };
  const fields = msg.fields.slice();
  fields[i] = field;
  return { fields };
}

export function withString(msg: HbMessage, name: string, value: string): HbMessage {
  return withField(msg, { name, type: 0, value });
}
