// The one contract every resource agent keeps (built-in IPaddr/IPaddr2, LSB
// init scripts, resource.d scripts): start, stop, status, each answering with
// one of four outcomes plus what it took and what it printed.

export type AgentOperation = 'start' | 'stop' | 'status';

/**
 * - `running`: start succeeded, or status says the resource runs here.
 * - `stopped`: stop succeeded, or status says it does not run here.
 * - `failed`: the operation ran and failed, or could not run at all.
 * - `timedOut`: the operation outlived its timeout; its whole process group was killed.
 */
export type OperationOutcome = 'running' | 'stopped' | 'failed' | 'timedOut';

export interface OperationResult {
  /** The resource token as written in haresources. */
  readonly resource: string;
  readonly operation: AgentOperation;
  readonly outcome: OperationOutcome;
  /** Why it failed or timed out; undefined otherwise. */
  readonly reason?: string;
  readonly durationMs: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The script's exit code; undefined for built-ins, kills and spawn failures. */
  readonly exitCode?: number;
}

export interface OperationOptions {
  /**
   * Environment for this call (the HA_* variables of the triggering message,
   * spec §9.8), merged over the agent's base environment and process.env.
   */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ResourceAgent {
  /** The resource token as written in haresources. */
  readonly resource: string;
  /** What runs, for logs: a script path with its arguments, or `IPaddr (built-in) ARG`. */
  readonly description: string;
  start(options?: OperationOptions): Promise<OperationResult>;
  stop(options?: OperationOptions): Promise<OperationResult>;
  status(options?: OperationOptions): Promise<OperationResult>;
  /**
   * `status`, then `start` unless it said running, as one operation — offered
   * only by agents for which that costs less than the two calls and changes
   * nothing a script could see (the built-in address agents: one listing
   * answers both). Scripts never offer it: Heartbeat calls them twice.
   */
  startUnlessRunning?(options?: OperationOptions): Promise<StartUnlessRunningResult>;
  /**
   * Announce again what this resource owns on the network (the address
   * agents: a new gratuitous ARP series if the address is up here), for when
   * another node may have announced it last, as after a split brain. Says
   * what was announced; undefined when there was nothing to announce.
   */
  reannounce?(): Promise<string | undefined>;
  /**
   * True when the agent's starts and stops join the node's shared batches
   * (the built-in address agents: address-batch.ts) and run no process of
   * their own: a group of only such agents takes no slot of parallel_groups.
   */
  readonly batched?: boolean;
}

export interface StartUnlessRunningResult {
  /** True: the resource was running and was left alone; `result` is then what status said. */
  readonly alreadyRunning: boolean;
  readonly result: OperationResult;
}

/** Per-operation limits (ExtensionOptions.resources). */
export interface OperationTimeouts {
  readonly startTimeout: number;
  readonly stopTimeout: number;
  readonly statusTimeout: number;
}

/** Gratuitous ARP settings (ExtensionOptions.arp). */
export interface ArpSettings {
  readonly count: number;
  readonly interval: number;
  readonly mode: 'request' | 'reply' | 'both';
}
