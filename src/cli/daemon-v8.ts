// V8 settings of the long-running daemon process (issue 12: idle RSS).
//
// `--no-opt`: no TurboFan. A daemon that sends a few heartbeats a second
// never has hot code worth optimising, but TurboFan still optimises whatever
// runs often enough (start-up parsing, later the packet path), and its first
// run pages in some 3.5 MB of Node's executable (the compiler's own machine
// code) and keeps ~3 MB of compiler zones and optimised code in anonymous
// memory: measured on an idle two-node pair, RSS 59.6 → 53 MB. Ignition and
// Sparkplug (the baseline compiler) stay. bench/cost.ts measures both the RSS
// and the idle CPU this leaves.
//
// Other settings measured side by side at keepalive 200 ms (idle CPU of one
// node, median of 6 × 10 s, each variant twice in the same run): TurboFan on
// (no flag) 0.58–0.65 % against 0.62–0.67 % for `--no-opt`, within the
// noise, for 6–8 MB more RSS; `--always-sparkplug` 0.61–0.65 % and 1.5–2.5
// MB more; `--max-semi-space-size=1` 0.63 %, same RSS. `--single-threaded-gc`
// cannot be set here: set after start-up it ends the process (a V8 fatal
// error in IncrementalMarkingJob) within seconds.
//
// Set here, by the daemon itself, so that it holds however the daemon is
// started (systemd unit, init script, `node dist/cli/heartbeat.js`, tests),
// and before the daemon's code is loaded. The short-lived commands keep
// Node's defaults.
import { setFlagsFromString } from 'node:v8';

export const DAEMON_V8_FLAGS = ['--no-opt'] as const;

export function tuneV8ForDaemon(): void {
  for (const flag of DAEMON_V8_FLAGS) setFlagsFromString(flag);
}
