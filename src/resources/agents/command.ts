// Short system commands the built-in agents run (`ip`), with a bound on how
// long each may take. Long-lived helpers (arping) go through arp-announcer.
import { execa } from 'execa';

export interface CommandResult {
  readonly ok: boolean;
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  /** A one-line explanation when !ok. */
  readonly error?: string;
}

export interface CommandOptions {
  readonly execPrefix?: readonly string[];
  readonly timeoutMs: number;
}

export async function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const [file, ...rest] = [...(options.execPrefix ?? []), command, ...args];
  const result = await execa(file!, rest, {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs,
    forceKillAfterDelay: 1000,
    env: { LC_ALL: 'C' },
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (!result.failed) return { ok: true, exitCode: result.exitCode ?? 0, stdout, stderr };
  const what = `${command} ${args.join(' ')}`;
  let error: string;
  if (result.timedOut) error = `${what} did not finish within ${options.timeoutMs} ms`;
  else if (result.exitCode === undefined) error = `${what} could not run: ${result.shortMessage}`;
  else error = `${what} failed (exit ${result.exitCode})${stderr.trim() ? `: ${stderr.trim()}` : ''}`;
  return { ok: false, ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}), stdout, stderr, error };
}
