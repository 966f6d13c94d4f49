// The one way an executable runs: its main function returns an exit code or
// throws; a thrown error becomes one sentence on stderr and a non-zero exit
// code, never a stack trace (CONTRACT.md).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad command line: exit 2 with a hint to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the user can act on: the message says what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Turns anything thrown into the text and exit code the user sees. */
export function describeFailure(command: string, err: unknown): { text: string; exitCode: number } {
  if (err instanceof UsageError) {
    return { text: `${command}: ${err.message}\nTry '${command} --help'.\n`, exitCode: EXIT_USAGE };
  }
  if (err instanceof CliError) return { text: `${command}: ${err.message}\n`, exitCode: err.exitCode };
  const message = err instanceof Error ? err.message : String(err);
  const debug = process.env.HBTS_DEBUG === '1' && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  return {
    text: `${command}: internal error: ${message}${debug}\nThis is a bug in heartbeat-ts; please report it with the command line you used.\n`,
    exitCode: EXIT_FAILURE,
  };
}

/**
 * Runs an executable's main function and sets the exit code. Output is
 * flushed by letting Node exit on its own (process.exitCode), never by
 * process.exit(), so nothing written is lost when stdout is a pipe.
 */
export async function runCli(command: string, main: (argv: readonly string[]) => Promise<number> | number): Promise<void> {
  // `heartbeat --check | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exitCode ??= EXIT_OK;
  });
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    const { text, exitCode } = describeFailure(command, err);
    process.stderr.write(text);
    process.exitCode = exitCode;
  }
}

/** True when the module at `moduleUrl` is the script Node was started with (also through an npm bin symlink). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
