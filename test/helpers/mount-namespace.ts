// A private mount namespace (optionally also a UTS namespace and inside a lab
// network namespace) held open by one process, so that a test can lay files
// over the host's paths (/etc/ha.d, /etc/init.d/heartbeat, an overlay of /)
// without the host ever seeing them, and then run commands in it with
// nsenter. Everything mounted in it disappears with its last process:
// close() SIGKILLs the holder, and the commands run in it are ours and end.
//
// The holder runs `unshare -m [-u] --propagation private bash -c SETUP`,
// where SETUP makes the mounts and then execs `sleep`; `ip netns exec` and
// `unshare` exec without forking, so the holder's pid is the execa child's.
// With pidNamespace, unshare forks: bash is PID 1 of the new PID namespace
// (and stays, to reap orphans), --kill-child ends it with the holder, and
// the kernel then ends everything else in the namespace.
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { setTimeout as delay } from 'node:timers/promises';
import { followLines } from './child-lines.js';

export interface NamespaceCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MountNamespace {
  readonly pid: number;
  /** Run a command in the namespaces (mount, and UTS/network when the holder has them). */
  exec(cmd: string, args?: readonly string[], opts?: ExecaOptions): Promise<NamespaceCommandResult>;
  /** `sh -c SCRIPT` in the namespaces. */
  sh(script: string, opts?: ExecaOptions): Promise<NamespaceCommandResult>;
  /** Start a long-running command in the namespaces; it ends at close() at the latest. */
  spawn(cmd: string, args?: readonly string[], opts?: ExecaOptions): ResultPromise;
  close(): Promise<void>;
}

export interface MountNamespaceOptions {
  /** bash commands that make the mounts; run with `set -e`. */
  readonly setup: string;
  /** Also a private UTS namespace with this host name (`uname -n`). */
  readonly hostname?: string;
  /** A lab network namespace to hold the mount namespace in (else the host's network: no network use then). */
  readonly netns?: string;
  /**
   * Also a private PID namespace (`unshare --pid --fork --kill-child
   * --mount-proc`): `pidof`, `ps` and pidfiles see only the processes started
   * in it, and when it closes the kernel ends every one of them.
   */
  readonly pidNamespace?: boolean;
  /** Bound on the setup (default 30 s). */
  readonly timeoutMs?: number;
}

const READY = 'HBTS-MOUNT-NAMESPACE-READY';

export async function startMountNamespace(opts: MountNamespaceOptions): Promise<MountNamespace> {
  const hostnameLine = opts.hostname !== undefined ? `hostname ${quote(opts.hostname)}\n` : '';
  // In a PID namespace bash stays its PID 1 to reap the orphans (daemons
  // that double-fork, killed services): a zombie nginx would still be seen by
  // `pidof nginx`.
  const hold = opts.pidNamespace === true ? 'while :; do sleep 3600; done' : 'exec sleep 3600';
  const script = `set -e\n${opts.setup}\n${hostnameLine}echo ${READY}\n${hold}\n`;
  const pidArgs = opts.pidNamespace === true ? ['--pid', '--fork', '--kill-child', '--mount-proc'] : [];
  const unshare = ['unshare', '-m', ...(opts.hostname !== undefined ? ['-u'] : []), ...pidArgs, '--propagation', 'private', 'bash', '-c', script];
  const argv = opts.netns !== undefined ? ['ip', 'netns', 'exec', opts.netns, ...unshare] : unshare;
  const holder = execa(argv[0]!, argv.slice(1), { reject: false, buffer: false, stdin: 'ignore' });
  let ready = false;
  const followed = followLines(holder, (line) => {
    if (line === READY) ready = true;
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!ready) {
    if (followed.exited()) throw new Error(`mount namespace set-up failed:\n${followed.stderr()}`);
    if (Date.now() > deadline) {
      holder.kill('SIGKILL');
      throw new Error(`mount namespace set-up did not finish in time:\n${followed.stderr()}`);
    }
    await delay(20);
  }
  const pid = holder.pid!;
  const children = new Set<ResultPromise>();
  // With --fork the holder (unshare) stays outside the PID namespace it made;
  // its pid_for_children is the namespace (nsenter then forks into it).
  const enter = [
    '-t',
    String(pid),
    '-m',
    ...(opts.hostname !== undefined ? ['-u'] : []),
    ...(opts.netns !== undefined ? ['-n'] : []),
    ...(opts.pidNamespace === true ? [`--pid=/proc/${pid}/ns/pid_for_children`] : []),
  ];
  const exec = async (cmd: string, args: readonly string[] = [], o: ExecaOptions = {}): Promise<NamespaceCommandResult> => {
    const r = await execa('nsenter', [...enter, '--', cmd, ...args], { reject: false, ...o } as ExecaOptions);
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  };
  let closed = false;
  return {
    pid,
    exec,
    sh: (s, o) => exec('sh', ['-c', s], o),
    spawn: (cmd, args = [], o = {}) => {
      const child = execa('nsenter', [...enter, '--', cmd, ...args], { reject: false, ...o } as ExecaOptions);
      children.add(child);
      void child.finally(() => children.delete(child)).catch(() => undefined);
      return child;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const child of children) child.kill('SIGKILL');
      holder.kill('SIGKILL');
      await Promise.race([followed.done, delay(5000)]);
    },
  };
}

/** One shell word. */
export function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
