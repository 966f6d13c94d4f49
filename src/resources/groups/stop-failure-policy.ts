// What happens after a resource would not stop (GroupStopFailed). Heartbeat
// rebooted the node at once (`reboot -nf`, spec §9.1 RecoverFromFailedStop);
// heartbeat-ts makes that an explicit choice (ExtensionOptions
// resources.onStopFailure) and defaults to `block`, which is safe on a test
// machine:
// - block: hold the group as failed; nothing else happens here. The daemon
//   reports it to the resource manager, which must not let the peer take the
//   group over while it may still run here; an admin clears it.
// - shutdown: ask the daemon to stop.
// - reboot: run the reboot command (`reboot -nf`, injectable so the path can
//   be tested without rebooting).
import type { StopFailurePolicy } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { GroupStopFailed } from './types.js';

export const DEFAULT_REBOOT_COMMAND: readonly string[] = ['reboot', '-nf'];

export interface StopFailurePolicyDeps {
  readonly logger: Logger;
  /** Called for `shutdown`: the daemon begins its own stop. */
  readonly requestShutdown: (reason: string) => void;
  /** For `reboot` (default `reboot -nf`). */
  readonly rebootCommand?: readonly string[];
  /** Bound on the reboot command (default 30 s). */
  readonly rebootTimeoutMs?: number;
}

export type StopFailurePolicyOutcome =
  | { readonly action: 'block' }
  | { readonly action: 'shutdown' }
  | { readonly action: 'reboot'; readonly command: readonly string[]; readonly exitCode?: number; readonly error?: string };

export async function applyStopFailurePolicy(
  policy: StopFailurePolicy,
  failure: Pick<GroupStopFailed, 'group' | 'resource' | 'reason'>,
  deps: StopFailurePolicyDeps,
): Promise<StopFailurePolicyOutcome> {
  const meta = { group: failure.group, resource: failure.resource, policy };
  const what = `${failure.resource} of group ${failure.group} will not stop`;
  switch (policy) {
    case 'block':
      deps.logger.crit(
        `${what}: holding the group as failed (on_stop_failure=block); it may still run here, so it must not run elsewhere. Stop it by hand, then restart heartbeat.`,
        meta,
      );
      return { action: 'block' };
    case 'shutdown':
      deps.logger.crit(`${what}: shutting heartbeat down (on_stop_failure=shutdown)`, meta);
      deps.requestShutdown(`resource ${failure.resource} of group ${failure.group} would not stop`);
      return { action: 'shutdown' };
    case 'reboot': {
      const command = deps.rebootCommand ?? DEFAULT_REBOOT_COMMAND;
      // Heartbeat's wording.
      deps.logger.crit('Resource STOP failure. Reboot required!', meta);
      deps.logger.crit(`${what}: rebooting with ${command.join(' ')} (on_stop_failure=reboot)`, meta);
      const [file, ...args] = command;
      if (file === undefined) {
        deps.logger.crit('Unable to force reboot: the reboot command is empty.', meta);
        return { action: 'reboot', command, error: 'empty reboot command' };
      }
      // Loaded here, not at start-up: a running daemon carries execa's ~15 MB
      // only on the day a resource will not stop.
      const { execa } = await import('execa');
      const r = await execa(file, args, { reject: false, stdin: 'ignore', timeout: deps.rebootTimeoutMs ?? 30_000 });
      if (r.failed) {
        const error = r.shortMessage;
        deps.logger.crit(`Unable to force reboot: ${error}`, meta);
        return { action: 'reboot', command, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}), error };
      }
      return { action: 'reboot', command, exitCode: r.exitCode ?? 0 };
    }
  }
}
