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
// Set here, by the daemon itself, so that it holds however the daemon is
// started (systemd unit, init script, `node dist/cli/heartbeat.js`, tests),
// and before the daemon's code is loaded. The short-lived commands keep
// Node's defaults.
import { setFlagsFromString } from 'node:v8';

export const DAEMON_V8_FLAGS = ['--no-opt'] as const;

export function tuneV8ForDaemon(): void {
  for (const flag of DAEMON_V8_FLAGS) setFlagsFromString(flag);
}
