#!/usr/bin/env node
// `hb_takeover`: placeholder until its issue lands. It says it is not implemented
// and exits 2; it never pretends to have done anything.
import { EXIT_OK, isMainModule, notImplemented, runCli } from './main.js';

export const HB_TAKEOVER_HELP = `Usage: hb_takeover [all|local|foreign|failback] [options]

Asks the other node to give this node resource groups (default: all), as
Heartbeat's hb_takeover does.

This version of heartbeat-ts does not implement hb_takeover yet.
`;

export function hbTakeoverMain(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HB_TAKEOVER_HELP);
    return EXIT_OK;
  }
  return notImplemented('hb_takeover');
}

if (isMainModule(import.meta.url)) void runCli('hb_takeover', (argv) => hbTakeoverMain(argv));
