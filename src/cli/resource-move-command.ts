// hb_standby and hb_takeover: one word (all|foreign|local|failback, default
// all) sent to the local daemon over the control socket. Usage text, messages
// and exit codes are those of Heartbeat's shell scripts
// (/usr/share/heartbeat/hb_standby, hb_takeover): a bad word prints
// "<cmd>: wrong resources(<word>)." and the usage, and exits 1.
import { ADMIN_CLIENT_WAIT_MS, DaemonUnreachableError, RESOURCE_SCOPES, requestDaemon, type ResourceScope } from '../control/index.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './main.js';
import { ADMIN_SHARED_OPTIONS_HELP, DEFAULT_RUN_DIR, scanSharedOption, type Environment } from './options.js';

export type MoveCommand = 'hb_standby' | 'hb_takeover';

const DESCRIPTION: Record<MoveCommand, string> = {
  hb_standby:
    'Sets this node to standby: it releases the resource groups named by the word\n' +
    '(default all) and the other node takes them over. `failback` means foreign.',
  hb_takeover:
    'Makes this node active: the other node releases the resource groups named by\n' +
    'the word (default all, from this node\'s point of view) and this node takes them.',
};

export function moveCommandHelp(command: MoveCommand): string {
  return `Usage: ${command} [all|foreign|local|failback] [--run-dir DIR] [--config-dir DIR]

${DESCRIPTION[command]}

  all        every resource group
  local      the groups whose haresources home is this node
  foreign    the groups whose home is another node
  failback   ${command === 'hb_standby' ? 'same as foreign' : 'the other node gives everything up (Heartbeat\'s behaviour)'}
${ADMIN_SHARED_OPTIONS_HELP}
  -h, --help         print this help

Exit codes: 0 the daemon accepted the request, 1 bad usage or the daemon could
not be reached or refused it (the reason is printed). hb_standby waits for the
outcome: the other node agreed to take the resources (0), or it did not answer
within 10 s ("No reply to standby request.  Standby request cancelled.", 1).
`;
}

function usage(command: MoveCommand, io: CliIo): number {
  io.stdout('usage:\n');
  io.stderr(`${command} [all|foreign|local|failback]\n`);
  return EXIT_FAILURE;
}

export async function runMoveCommand(
  command: MoveCommand,
  argv: readonly string[],
  io: CliIo,
  env: Environment = process.env,
): Promise<number> {
  let runDir: string | undefined;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      io.stdout(moveCommandHelp(command));
      return EXIT_OK;
    }
    const shared = scanSharedOption(argv, i);
    if (shared.kind === 'missing') {
      io.stderr(`${command}: ${shared.option} needs a value\n`);
      return usage(command, io);
    }
    if (shared.kind === 'value') {
      if (shared.option === '--run-dir') runDir = shared.value;
      i += shared.consumed - 1;
    } else words.push(a);
  }
  if (words.length >= 2) {
    io.stdout(`${command}: too many arguments\n`);
    return usage(command, io);
  }
  const word = words[0] ?? 'all';
  if (!RESOURCE_SCOPES.includes(word as ResourceScope)) {
    io.stdout(`${command}: wrong resources(${word}).\n`);
    return usage(command, io);
  }
  let scope = word as ResourceScope;
  if (command === 'hb_standby' && scope === 'failback') scope = 'foreign';
  const dir = runDir ?? (env.HA_VARRUN ? env.HA_VARRUN : DEFAULT_RUN_DIR);
  try {
    const answer = await requestDaemon(dir, { command: command === 'hb_standby' ? 'standby' : 'takeover', scope }, ADMIN_CLIENT_WAIT_MS);
    if (!answer.ok) {
      io.stderr(`${command}: ${answer.error}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof DaemonUnreachableError) {
      io.stderr(`${command}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}
