#!/usr/bin/env node
// `hb_standby`: placeholder until its issue lands. It says it is not implemented
// and exits 2; it never pretends to have done anything.
import { EXIT_OK, isMainModule, notImplemented, runCli } from './main.js';

export const HB_STANDBY_HELP = `Usage: hb_standby [all|local|foreign|failback] [options]

Asks the other node to take over this node's resource groups (default: all),
as Heartbeat's hb_standby does.

This version of heartbeat-ts does not implement hb_standby yet.
`;

export function hbStandbyMain(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HB_STANDBY_HELP);
    return EXIT_OK;
  }
  return notImplemented('hb_standby');
}

if (isMainModule(import.meta.url)) void runCli('hb_standby', (argv) => hbStandbyMain(argv));
