// Follows a long-running child process (execa, buffer: false) line by line:
// every complete stdout line goes to `onLine`; stderr is kept (bounded) for
// error messages; `exited` tells whether the process is gone.
import type { ResultPromise } from 'execa';

export interface FollowedChild {
  /** Resolves (never rejects) when the process has ended. */
  readonly done: Promise<void>;
  exited(): boolean;
  stderr(): string;
  /** Hands a last, unterminated stdout line to `onLine` (after the process ended). */
  flush(): void;
}

export function followLines(child: ResultPromise, onLine: (line: string) => void, maxStderr = 10_000): FollowedChild {
  let pending = '';
  let stderr = '';
  let exited = false;
  const done = child
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => {
      exited = true;
    });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < maxStderr) stderr += chunk;
  });
  return {
    done,
    exited: () => exited,
    stderr: () => stderr,
    flush: () => {
      const rest = pending;
      pending = '';
      if (rest !== '') onLine(rest);
    },
  };
}
