#!/usr/bin/env node
// `cl_status`: placeholder until its issue lands. It says it is not implemented
// and exits 2; it never pretends to have done anything.
import { EXIT_OK, isMainModule, notImplemented, runCli } from './main.js';

export const CL_STATUS_HELP = `Usage: cl_status <sub-command> [options] [parameters]

Reports the state of the local heartbeat daemon, its nodes, links and
resources, with Heartbeat's outputs and exit codes.

This version of heartbeat-ts does not implement cl_status yet.
`;

export function clStatusMain(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CL_STATUS_HELP);
    return EXIT_OK;
  }
  return notImplemented('cl_status');
}

if (isMainModule(import.meta.url)) void runCli('cl_status', (argv) => clStatusMain(argv));
