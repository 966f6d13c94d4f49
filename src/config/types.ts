// The typed, frozen view of a node's configuration that every other part of
// heartbeat-ts reads. Produced only by the parsers in this folder.
//
// Times are milliseconds. Node names are lower-cased (Heartbeat compares them
// case-insensitively and lower-cases them everywhere, spec §9.1, §9.8).

/** A problem found in a configuration file. `line` is 1-based; 0 = the file as a whole. */
export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly message: string;
  /** The offending text (the line, or the token), '' when not applicable. */
  readonly text: string;
}

export type Millis = number;

export type MediumConfig =
  | {
      readonly kind: 'bcast';
      readonly iface: string;
      /** UDP port in effect when this medium was declared (spec §10: udpport must come first). */
      readonly port: number;
      readonly line: number;
    }
  | {
      readonly kind: 'ucast';
      readonly iface: string;
      readonly peer: string;
      readonly port: number;
      readonly line: number;
    }
  | {
      readonly kind: 'mcast';
      readonly iface: string;
      readonly group: string;
      readonly port: number;
      readonly ttl: number;
      readonly loop: boolean;
      readonly line: number;
    };

/** `ping HOST…` declares one ping node per host; `ping_group NAME HOST…` one node named NAME. */
export interface PingNodeConfig {
  readonly name: string;
  readonly kind: 'ping' | 'ping_group';
  readonly hosts: readonly string[];
  readonly line: number;
}

export type AutoFailback = 'on' | 'off' | 'legacy';

export interface HaCfConfig {
  readonly file: string;
  /** Normal cluster nodes, lower-cased, in declaration order, no duplicates. */
  readonly nodes: readonly string[];
  readonly keepalive: Millis;
  readonly deadtime: Millis;
  readonly warntime: Millis;
  readonly initdead: Millis;
  readonly deadping: Millis;
  readonly udpport: number;
  readonly media: readonly MediumConfig[];
  readonly pingNodes: readonly PingNodeConfig[];
  readonly autoFailback: AutoFailback;
  /** false when ha.cf says nothing (Heartbeat then defaults to legacy, with a warning). */
  readonly autoFailbackExplicit: boolean;
  readonly hopfudge: number;
  readonly hbgenmethod: 'file' | 'time';
  readonly uuidfrom: 'file' | 'nodename';
  readonly msgfmt: 'classic' | 'netstring';
  readonly compression: string;
  /** KiB */
  readonly compressionThreshold: number;
  readonly traditionalCompression: boolean;
  readonly maxRexmitDelay: Millis;
  readonly logfile?: string;
  readonly debugfile?: string;
  readonly logfacility?: string;
  readonly useLogd: boolean;
  readonly debug: number;
  readonly logBadpack: boolean;
  readonly realtime: boolean;
  readonly rtprio?: number;
  readonly memreserve: number;
  readonly watchdog?: string;
  readonly coredumps: boolean;
  readonly coreroot?: string;
  readonly cluster: string;
  readonly autojoin: 'none' | 'other' | 'any';
  /** `env NAME=value` lines. */
  readonly env: Readonly<Record<string, string>>;
  /** Whole-line directives kept verbatim (they configure things heartbeat-ts does not run). */
  readonly apiauth: readonly string[];
  readonly respawn: readonly string[];
  readonly failfast: readonly string[];
  readonly stonith: readonly string[];
  readonly stonithHost: readonly string[];
  /**
   * Heartbeat's recorded parameter table: every recorded directive with its
   * last value as written, plus the defaults Heartbeat records (`heartbeat -D`).
   * `node`, media and whole-line directives are not recorded, as in Heartbeat
   * (spec §9.8 "one HA_<directive> per recorded directive", §11 hbparameter).
   */
  readonly directives: Readonly<Record<string, string>>;
}

/** One resource of a haresources line: `script` or `script::arg1::arg2`, a bare IPv4 = IPaddr::ADDR. */
export interface ResourceRef {
  /** The token as written in haresources (the bare-IP form stays bare). */
  readonly token: string;
  /** The script name (`IPaddr` for a bare address). */
  readonly script: string;
  /** The `::`-separated arguments. */
  readonly args: readonly string[];
  readonly line: number;
}

export interface ResourceGroupConfig {
  /** The group's home node, lower-cased. */
  readonly node: string;
  /** The group key: the first resource's token as written (spec §9.1: used in ipaddr=…). */
  readonly key: string;
  readonly resources: readonly ResourceRef[];
  /** The line the group starts on. */
  readonly line: number;
}

export interface HaResourcesConfig {
  readonly file: string;
  readonly groups: readonly ResourceGroupConfig[];
}

export type AuthMethod = 'md5' | 'sha1' | 'crc';

export interface AuthKey {
  readonly index: number;
  readonly method: AuthMethod;
  /** The first whitespace-delimited token of the key (spec §4.1); '' for crc. */
  readonly secret: string;
}

export interface AuthKeysConfig {
  readonly file: string;
  /** The `auth N` index used to sign outgoing messages. */
  readonly active: number;
  /** Every configured key; any of them verifies incoming messages. */
  readonly keys: ReadonlyMap<number, AuthKey>;
}

export type ProbeAction = 'standby' | 'shutdown';

/** One section of `<config-dir>/probes.ini` (heartbeat-ts extension, issue 6). */
export interface ProbeConfig {
  readonly name: string;
  readonly line: number;
  /** Exactly one of url (an HTTP probe) and command (a command probe) is set. */
  readonly url?: string;
  /** A shell command line (`/bin/sh -c`), like keepalived's vrrp_script: exit 0 = healthy. */
  readonly command?: string;
  /** HTTP probes only (the default stays set on command probes, unused). */
  readonly expectStatus: number;
  /** Lower-case hex md5 of the body, like keepalived's HTTP_GET digest. */
  readonly expectMd5?: string;
  /** Exactly one of schedule (node-cron expression) and interval is set. */
  readonly schedule?: string;
  readonly interval?: Millis;
  readonly timeout: Millis;
  readonly fall: number;
  readonly rise: number;
  /** Key of the haresources group this probe guards; undefined = the node as a whole. */
  readonly group?: string;
  readonly action: ProbeAction;
}

/** What to do when a resource still will not stop after every retry (issue 4). */
export type StopFailurePolicy = 'block' | 'shutdown' | 'reboot';

/**
 * heartbeat-ts's own settings, from the optional `<config-dir>/heartbeat-ts.ini`.
 * They never live in ha.cf so that the same ha.cf still works with real Heartbeat.
 */
export interface ExtensionOptions {
  readonly file: string;
  readonly resources: {
    readonly startTimeout: Millis;
    readonly stopTimeout: Millis;
    readonly statusTimeout: Millis;
    readonly stopRetries: number;
    readonly stopRetryInterval: Millis;
    readonly onStopFailure: StopFailurePolicy;
    /** Delay before giving a group up after a failed start (Heartbeat: `sleep 30; hb_standby`). */
    readonly failedStartStandbyDelay: Millis;
    /** Heartbeat's RQSTDELAY (10 s): start-up fallback when neither node is stable yet (spec §9.3). */
    readonly startupFallbackDelay: Millis;
    /** How many groups of one activity (takeover, standby, release) start or stop at once; 1 = Heartbeat's one by one. */
    readonly parallelGroups: number;
  };
  readonly arp: {
    readonly count: number;
    readonly interval: Millis;
    /** Which gratuitous ARP forms to send: request (-U), reply (-A) or both. */
    readonly mode: 'request' | 'reply' | 'both';
  };
  readonly log: {
    readonly format: 'text' | 'json';
  };
  readonly http: {
    /** `[http] listen = ADDRESS:PORT`: where /metrics, /status.json and the status page are served; null = off. */
    readonly listen: HttpListen | null;
  };
  /** `[notify]`: the ordered event stream (src/notify, docs/notifications.md). */
  readonly notify: NotifyOptions;
  /** `[ipfail]`: network-aware failover (ipfail built in, link tracking). */
  readonly ipfail: IpfailOptions;
}

export interface NotifyOptions {
  /** notify.d: absolute path; null = `<config-dir>/notify.d` when it exists; 'none' = no scripts. */
  readonly dir: string | null;
  /** A FIFO that gets one line per event (created if missing); null = none. */
  readonly fifo: string | null;
  /** A file that gets one line per event appended; null = none. */
  readonly file: string | null;
  /** How long one notify.d (or rc.d) script may run before it is killed. */
  readonly timeout: Millis;
}

export interface IpfailOptions {
  /** auto: on when ha.cf has `respawn USER …/ipfail` (as with Heartbeat). */
  readonly enabled: 'auto' | 'on' | 'off';
  /** How long this node must stay worse off than its peer before it hands over; null = ipfail's 2 × keepalive. */
  readonly giveupDelay: Millis | null;
  /** How long it must be as well off again before it takes its groups back (auto_failback on). */
  readonly returnDelay: Millis;
  /** keepalived's track_interface: interfaces whose loss of carrier or admin-down hands the groups over. */
  readonly trackInterfaces: readonly string[];
}

/** An IP literal (IPv4, or IPv6 written in brackets in the file) and a TCP port. */
export interface HttpListen {
  readonly host: string;
  readonly port: number;
}

export interface ClusterConfig {
  readonly configDir: string;
  /** This node's name, lower-cased. */
  readonly localNode: string;
  readonly haCf: HaCfConfig;
  readonly haResources: HaResourcesConfig;
  readonly authKeys: AuthKeysConfig;
  readonly probes: readonly ProbeConfig[];
  readonly options: ExtensionOptions;
  /** Warnings found while loading (errors prevent a ClusterConfig from existing). */
  readonly warnings: readonly ConfigProblem[];
}
