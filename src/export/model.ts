// The Pacemaker cluster an export describes, independent of its syntax:
// build.ts makes it from a heartbeat-ts configuration, the render-*.ts
// modules write it as a CIB (XML), crmsh or pcs commands. Comments travel
// with the element they explain so that every syntax prints them in place.

export interface NameValue {
  readonly name: string;
  readonly value: string;
}

export interface Operation {
  readonly name: 'monitor' | 'start' | 'stop';
  /** Pacemaker interval text: `10s`, `0s`. */
  readonly interval: string;
  readonly timeout: string;
  readonly onFail?: 'restart' | 'block' | 'standby' | 'fence' | 'ignore' | 'stop';
  /** OCF_CHECK_LEVEL for deep monitors (the nginx agent's status10url needs 10). */
  readonly checkLevel?: number;
}

export interface Primitive {
  readonly id: string;
  readonly class: 'ocf' | 'lsb' | 'stonith';
  readonly provider?: string;
  readonly type: string;
  readonly params: readonly NameValue[];
  readonly meta: readonly NameValue[];
  readonly ops: readonly Operation[];
  readonly comments: readonly string[];
}

export interface Group {
  readonly id: string;
  readonly members: readonly Primitive[];
  readonly meta: readonly NameValue[];
  readonly comments: readonly string[];
}

export interface Clone {
  readonly id: string;
  readonly primitive: Primitive;
  readonly meta: readonly NameValue[];
  readonly comments: readonly string[];
}

export type Constraint =
  | {
      readonly kind: 'location';
      readonly id: string;
      readonly rsc: string;
      readonly node: string;
      readonly score: string;
      readonly comments: readonly string[];
    }
  | {
      /** `rsc` is placed where the node attribute's value is highest (a score-attribute rule). */
      readonly kind: 'location-attribute';
      readonly id: string;
      readonly rsc: string;
      readonly attribute: string;
      readonly comments: readonly string[];
    };

export interface ClusterModel {
  /** Lines printed at the top: what this is and where it came from. */
  readonly header: readonly string[];
  readonly nodes: readonly { readonly id: number; readonly name: string }[];
  readonly properties: readonly NameValue[];
  readonly propertyComments: readonly string[];
  readonly groups: readonly Group[];
  readonly clones: readonly Clone[];
  /** Fencing devices (top-level primitives). */
  readonly stonith: readonly Primitive[];
  readonly constraints: readonly Constraint[];
}

/** Something the export cannot carry over, or carries over approximately: printed on stderr. */
export interface ExportWarning {
  readonly file: string;
  /** 1-based; 0 = the file as a whole. */
  readonly line: number;
  readonly message: string;
}
