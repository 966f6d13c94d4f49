// A throw-away copy of this machine's root for installing packages: an
// overlay of `/` (lower: the host's root, read only; upper: a tmpfs) mounted
// in a private mount namespace, with /proc, /dev and fresh /run and /tmp,
// entered with chroot. dpkg inside writes only to the tmpfs, so the host's
// files and dpkg database never change, and everything vanishes when the
// namespace's holder is killed (close(), also after a failure).
//
// The network is the host's: commands run here must not use it.
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Options as ExecaOptions } from 'execa';
import { quote, startMountNamespace, type MountNamespace, type NamespaceCommandResult } from './mount-namespace.js';

export interface ThrowawayRoot {
  /** `sh -c SCRIPT` chrooted into the copy. */
  sh(script: string, opts?: ExecaOptions): Promise<NamespaceCommandResult>;
  /** Where a host directory given as `share` appears inside the root. */
  readonly shareDir: string;
  close(): Promise<void>;
}

export async function startThrowawayRoot(opts: { readonly share?: string } = {}): Promise<ThrowawayRoot> {
  const work = mkdtempSync(join(tmpdir(), 'hbts-root-'));
  const root = join(work, 'root');
  const shareDir = '/run/hbts-share';
  const setup = [
    `W=${quote(work)}`,
    'mount -t tmpfs -o mode=755 tmpfs "$W"',
    'mkdir -p "$W/upper" "$W/work" "$W/root"',
    'mount -t overlay overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$W/root"',
    'R="$W/root"',
    'mount -t proc proc "$R/proc"',
    'mount --rbind /dev "$R/dev"',
    'mount -t tmpfs -o mode=755 tmpfs "$R/run"',
    'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"',
    ...(opts.share !== undefined ? [`mkdir -p "$R${shareDir}"`, `mount --bind -o ro ${quote(opts.share)} "$R${shareDir}"`] : []),
  ].join('\n');
  let ns: MountNamespace;
  try {
    ns = await startMountNamespace({ setup });
  } catch (err) {
    rmdirSync(work);
    throw err;
  }
  return {
    shareDir,
    sh: (script, o) =>
      ns.exec('chroot', [root, '/usr/bin/env', '-i', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'sh', '-c', script], o),
    close: async () => {
      await ns.close();
      // The tmpfs was mounted in the namespace only: on the host `work` is an
      // empty directory. Never a recursive removal here (it could reach
      // through a mount that somehow leaked).
      rmdirSync(work);
    },
  };
}
