// cl_status as a pure function: arguments + the daemon's status (or why it
// could not be reached) in, stdout/stderr/exit code out. The texts and exit
// codes are the real tool's (spec §11; cluster-glue's cl_status.c): 0 ok,
// 1 "normal failure" (node dead, heartbeat stopped, link down …), 11 bad
// sub-command or parameters, 13 unknown error.
import { formatStatusJson, type DaemonStatus, type NodeView } from '../control/index.js';
import { scanSharedOption } from './options.js';

export const EXIT_OK = 0;
export const EXIT_NORMAL_FAIL = 1;
export const EXIT_PARAMETER_ERROR = 11;
export const EXIT_UNKNOWN_ERROR = 13;

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export const CL_STATUS_HELP =
  'Usage: cl_status <sub-command> [<options>] [<parameters>]\n' +
  '\n' +
  'Sub-commands:\n' +
  'clientstatus <node-name> <client-id> [<timeout>]\n' +
  '\tShow the status of heartbeat clients.\n' +
  'hblinkstatus <node-name> <link-name>\n' +
  '\tShow the status of a heartbeat link\n' +
  'hbstatus\n' +
  '\tIndicate if heartbeat is running on the local system.\n' +
  '\tOptions:\n' +
  '\t\t-v\tverbose: also add "listnodes -v" output\n' +
  'listnodes [<option>]\n' +
  '\tList the nodes in the cluster.\n' +
  '\tOptions:\n' +
  "\t\t-p\tlist only 'ping' type nodes\n" +
  "\t\t-n\tlist only 'normal' type nodes\n" +
  '\t\t-v\tverbose: also list type and status,\n' +
  '\t\t\tthen add "listhblinks -v" output\n' +
  'listhblinks <node-name>\n' +
  '\tList the network interfaces used as hearbeat links.\n' +
  '\tOptions:\n' +
  '\t\t-v\tverbose: list link status as well\n' +
  'nodestatus <node-name>\n' +
  '\tList the node status.\n' +
  'nodeweight <node-name>\n' +
  '\tList the node weight.\n' +
  'nodesite <node-name>\n' +
  '\tList the node site.\n' +
  'nodetype <node-name>\n' +
  '\tList the nodes of a given type.\n' +
  'rscstatus\n' +
  '\tShow the status of cluster resources.\n' +
  'hbparameter -p <parameter-name>\n' +
  '\tRetrieve the value of a cluster parameter.\n' +
  '\tAs for the valid parameter names, please refer to the man page.\n' +
  '\n' +
  'heartbeat-ts additions:\n' +
  '--json\t\tprint the whole node view as JSON (nodes, links, groups and why, timers)\n' +
  '--run-dir DIR\tthe daemon\'s run directory (default $HA_VARRUN or /run/heartbeat)\n' +
  '--config-dir DIR, --state-dir DIR, --node NAME\n' +
  '\t\taccepted like every heartbeat-ts command takes them (the daemon is reached through --run-dir)\n' +
  'Options may follow the sub-command\'s parameters.\n';

/** Sub-command name → the one-letter options it takes (the real tool's optstr). */
const SUBCOMMANDS: Readonly<Record<string, string>> = {
  hbstatus: 'mv',
  listnodes: 'mpnv',
  nodestatus: 'm',
  nodeweight: 'm',
  nodesite: 'm',
  nodetype: 'm',
  listhblinks: 'mv',
  hblinkstatus: 'm',
  clientstatus: 'm',
  rscstatus: 'm',
  hbparameter: 'mp:',
};

export interface ClStatusInvocation {
  readonly kind: 'help' | 'json' | 'subcommand' | 'error';
  readonly subcommand?: string;
  readonly flags: ReadonlySet<string>;
  readonly parameterName?: string;
  readonly params: readonly string[];
  readonly runDir?: string;
  readonly error?: CommandOutput;
}

function out(stdout: string, exitCode = EXIT_OK, stderr = ''): CommandOutput {
  return { stdout, stderr, exitCode };
}

function err(message: string, exitCode: number): CommandOutput {
  return { stdout: '', stderr: `${message}\n`, exitCode };
}

/**
 * Parse like the real tool (getopt over the words after the sub-command, with
 * GNU permutation: options may follow parameters), plus --json and the shared
 * options (--run-dir, --config-dir, --state-dir, --node).
 */
export function parseClStatusArgs(argv: readonly string[]): ClStatusInvocation {
  const flags = new Set<string>();
  const params: string[] = [];
  let runDir: string | undefined;
  let parameterName: string | undefined;
  let json = false;
  let help = false;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const shared = scanSharedOption(argv, i);
    if (shared.kind === 'missing') {
      return { kind: 'error', flags, params, error: err(`cl_status: ${shared.option} needs a value`, EXIT_PARAMETER_ERROR) };
    }
    if (shared.kind === 'value') {
      if (shared.option === '--run-dir') runDir = shared.value;
      i += shared.consumed - 1;
    } else if (a === '--json') json = true;
    else if (a === '--help') help = true;
    else words.push(a);
  }
  if (help) return { kind: 'help', flags, params, runDir };
  if (json && words.length === 0) return { kind: 'json', flags, params, runDir };
  if (words.length === 0 || (words.length === 1 && words[0] === '-h')) return { kind: 'help', flags, params, runDir };
  const subcommand = words[0]!;
  const optstr = SUBCOMMANDS[subcommand];
  if (optstr === undefined) {
    return {
      kind: 'error',
      flags,
      params,
      error: err(`cl_status: ERROR: ${subcommand}: invalid sub-command. See cl_status --help.`, EXIT_PARAMETER_ERROR),
    };
  }
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      params.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith('-') && w.length > 1) {
      for (let j = 1; j < w.length; j++) {
        const c = w[j]!;
        const at = optstr.indexOf(c);
        if (at < 0) {
          return {
            kind: 'error',
            flags,
            params,
            error: err(`cl_status: invalid option -- '${c}'\ncl_status: ERROR: Error: getopt returned character code ?.`, EXIT_PARAMETER_ERROR),
          };
        }
        if (optstr[at + 1] === ':') {
          const rest = w.slice(j + 1);
          const value = rest !== '' ? rest : words[++i];
          if (value === undefined) {
            return {
              kind: 'error',
              flags,
              params,
              error: err(`cl_status: option requires an argument -- '${c}'`, EXIT_PARAMETER_ERROR),
            };
          }
          parameterName = value;
          break;
        }
        flags.add(c);
      }
    } else params.push(w);
  }
  if (json) return { kind: 'json', subcommand, flags, params, runDir };
  return { kind: 'subcommand', subcommand, flags, params, parameterName, runDir };
}

function findNode(status: DaemonStatus, name: string): NodeView | undefined {
  const lower = name.toLowerCase();
  return status.nodes.find((n) => n.name === lower);
}

function listLinks(node: NodeView, verbose: boolean, human: boolean): string {
  let s = human ? '\tthis node has the following heartbeat links:\n' : '';
  for (const link of node.links) s += verbose ? `\t${link.name}\t${link.status}\n` : `\t${link.name}\n`;
  return s;
}

function listNodes(status: DaemonStatus, normalOnly: boolean, pingOnly: boolean, verbose: boolean, human: boolean): string {
  if (normalOnly && pingOnly) normalOnly = pingOnly = false;
  let s = human ? 'The nodes are as follow:\n' : '';
  for (const node of status.nodes) {
    if (normalOnly && node.type !== 'normal') continue;
    if (pingOnly && node.type !== 'ping') continue;
    if (verbose) s += `\n${node.name}\t${node.status}\t(nodetype: ${node.type})\n${listLinks(node, true, human)}`;
    else s += `${node.name}\n`;
  }
  return s;
}

/**
 * The answer to one invocation. `status` is undefined when the daemon could
 * not be reached; `unreachable` then says why (a sentence that says what to do).
 */
export function runClStatus(inv: ClStatusInvocation, status: DaemonStatus | undefined, unreachable?: string): CommandOutput {
  if (inv.kind === 'error') return inv.error!;
  if (inv.kind === 'help') return out(CL_STATUS_HELP);
  if (inv.kind === 'json') {
    if (!status) return err(`cl_status: ${unreachable ?? 'heartbeat is not running'}`, EXIT_NORMAL_FAIL);
    return out(formatStatusJson(status));
  }
  const sub = inv.subcommand!;
  const human = inv.flags.has('m');
  const p = inv.params;

  if (!status) {
    if (sub === 'hbstatus') return out('Heartbeat is stopped on this machine.\n', EXIT_NORMAL_FAIL);
    return err(
      `cl_status: ERROR: Cannot signon with heartbeat\ncl_status: ERROR: REASON: ${unreachable ?? 'heartbeat is not running'}`,
      EXIT_NORMAL_FAIL,
    );
  }

  switch (sub) {
    case 'hbstatus': {
      if (!inv.flags.has('v')) return out('Heartbeat is running on this machine.\n');
      const head = human
        ? `Heartbeat version ${status.version}\nResources controlled by "haresources"\n`
        : `version:\t${status.version}\nmanaged by:\t"haresources"\n`;
      return out(head + listNodes(status, false, false, true, false));
    }
    case 'listnodes':
      return out(listNodes(status, inv.flags.has('n'), inv.flags.has('p'), inv.flags.has('v'), human));
    case 'nodestatus': {
      if (p.length < 1) return err('Not enough parameters.', EXIT_PARAMETER_ERROR);
      const node = findNode(status, p[0]!);
      if (!node) return err('Error. May be due to incorrect node name', EXIT_PARAMETER_ERROR);
      const text = human ? `The cluster node ${p[0]} is ${node.status}\n` : `${node.status}\n`;
      const ok = node.status === 'active' || node.status === 'up' || node.status === 'ping';
      return out(text, ok ? EXIT_OK : EXIT_NORMAL_FAIL);
    }
    case 'nodeweight': {
      if (p.length < 1) return err('Not enough parameters.', EXIT_PARAMETER_ERROR);
      const node = findNode(status, p[0]!);
      if (!node) return err('Error. Maybe due to incorrect node name.', EXIT_PARAMETER_ERROR);
      return out(human ? `The weight of the cluster node ${p[0]} is ${node.weight}\n` : `${node.weight}\n`);
    }
    case 'nodesite': {
      if (p.length < 1) return err('Not enough parameters.', EXIT_PARAMETER_ERROR);
      const node = findNode(status, p[0]!);
      if (!node) return err('Error. May be due to incorrect node name', EXIT_PARAMETER_ERROR);
      return out(human ? `The site of the cluster node ${p[0]} is ${node.site}\n` : `${node.site}\n`);
    }
    case 'nodetype': {
      if (p.length < 1) return err('No enough parameter.', EXIT_PARAMETER_ERROR);
      const node = findNode(status, p[0]!);
      if (!node) return err('Error. May be due to incorrect node name', EXIT_PARAMETER_ERROR);
      return out(human ? `The node ${p[0]}'s type: ${node.type}\n` : `${node.type}\n`);
    }
    case 'listhblinks': {
      if (p.length < 1) return err('No enough parameter.', EXIT_PARAMETER_ERROR);
      const node = findNode(status, p[0]!);
      if (!node) {
        return err(
          'cl_status: ERROR: Cannot start heartbeat link interface walk.\ncl_status: ERROR: REASON: unknown node; see cl_status listnodes',
          EXIT_UNKNOWN_ERROR,
        );
      }
      return out(listLinks(node, inv.flags.has('v'), human));
    }
    case 'hblinkstatus': {
      if (p.length < 2) return err('No enough parameter.', EXIT_PARAMETER_ERROR);
      const node = findNode(status, p[0]!);
      const link = node?.links.find((l) => l.name === p[1]);
      if (!node || !link) {
        return err(
          'cl_status: ERROR: Cannot get heartbeat link status\ncl_status: ERROR: REASON: unknown node or link; see cl_status listhblinks NODE',
          EXIT_UNKNOWN_ERROR,
        );
      }
      const text = human ? `The node ${p[0]}'s heartbeat link ${p[1]} is ${link.status}\n` : `${link.status}\n`;
      return out(text, link.status === 'up' ? EXIT_OK : EXIT_NORMAL_FAIL);
    }
    case 'clientstatus': {
      if (p.length < 2) return err('No enough parameter.', EXIT_PARAMETER_ERROR);
      // heartbeat-ts has no API clients (ipfail, CCM …): every client is offline.
      return out('offline\n', EXIT_NORMAL_FAIL);
    }
    case 'rscstatus': {
      const r = status.resources.rscstatus;
      return out(human ? `This node is holding ${r} resources.\n` : `${r}\n`);
    }
    case 'hbparameter': {
      if (inv.parameterName === undefined) return err('cl_status: ERROR: parameter name required', EXIT_PARAMETER_ERROR);
      const value = status.parameters[inv.parameterName];
      if (value === undefined) {
        return err(
          `cl_status: ERROR: Cannot get parameter ${inv.parameterName}'s value\ncl_status: ERROR: REASON: it is not set in ha.cf and has no default`,
          EXIT_NORMAL_FAIL,
        );
      }
      return out(human ? `Heartbeat parameter ${inv.parameterName}'s value: ${value}\n` : `${value}\n`);
    }
    default:
      return err(`cl_status: ERROR: ${sub}: invalid sub-command.`, EXIT_PARAMETER_ERROR);
  }
}
