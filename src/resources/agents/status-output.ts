// Heartbeat's ownership rule (spec §9.1, ResourceManager `we_own_resource`):
// whether a resource runs here is read from the stdout of `script status`,
// never from its exit code. The shell globs it uses are
//   *[Nn][Oo][Tt]\ *[Rr]unning*  → not owned
//   *[Rr]unning*|*OK*            → owned
//   anything else                → not owned
// and a shell `*` also matches newlines, hence the `s` flag.

const NOT_RUNNING = /[Nn][Oo][Tt] .*[Rr]unning/s;
const RUNNING = /[Rr]unning|OK/;

export function statusOutputSaysRunning(stdout: string): boolean {
  if (NOT_RUNNING.test(stdout)) return false;
  return RUNNING.test(stdout);
}
