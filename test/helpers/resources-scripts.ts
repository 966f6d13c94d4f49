// Real resource.d scripts for the resources tests: each one records every
// call (`NAME ARG… OP`) in a shared calls.log and keeps its running state in
// a file, with behaviour chosen per script (fail start, fail stop N times,
// lie in status, wait for a marker, …). They are ordinary shell scripts that
// the agents find and run exactly like an admin's own resource.d script.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTENSION_DEFAULTS, type ExtensionOptions, type ResourceGroupConfig, type ResourceRef } from '../../src/config/index.js';

export interface RecordingScriptBehaviour {
  /** start exits 1 (after recording the call). */
  readonly failStart?: boolean;
  /** stop exits 1 this many times before succeeding; 'always' never succeeds. */
  readonly failStop?: number | 'always';
  /** When stop fails, does it still leave the resource stopped? (a non-LSB script) */
  readonly failedStopStillStops?: boolean;
  /** status prints this instead of the truth. */
  readonly statusText?: string;
  /** Before start: wait (bounded, up to 10 s) until this file exists. */
  readonly startWaitsFor?: string;
  /** After recording a start: create this file. */
  readonly startCreates?: string;
  /** Seconds every operation sleeps between its `begin` and `end` lines (fractions ok). */
  readonly sleepSeconds?: number;
  /** Environment variables whose values are recorded on each call (`env NAME=value`). */
  readonly recordEnv?: readonly string[];
  /** start: leave `sleep 1000` running (in the script's process group, holding stdout) and hang. */
  readonly startHangsWithChild?: boolean;
}

export interface ScriptLab {
  readonly configDir: string;
  /** An empty init directory, so that the host's /etc/init.d is never used. */
  readonly initDir: string;
  readonly stateDir: string;
  readonly callsFile: string;
  addScript(name: string, behaviour?: RecordingScriptBehaviour): string;
  /** Every recorded line, in order. */
  calls(): string[];
  /** Only the `call` lines, without the prefix: `NAME ARG… OP`. */
  invocations(): string[];
  isRunning(name: string): boolean;
  setRunning(name: string, running: boolean): void;
  /** Pids recorded by startHangsWithChild scripts: [script pid, child pid]. */
  pidsOf(name: string): number[];
  cleanup(): void;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function createScriptLab(): ScriptLab {
  const root = mkdtempSync(join(tmpdir(), 'hbts-res-'));
  const configDir = join(root, 'ha.d');
  const initDir = join(root, 'init.d');
  const stateDir = join(root, 'state');
  mkdirSync(join(configDir, 'resource.d'), { recursive: true });
  mkdirSync(initDir);
  mkdirSync(stateDir);
  const callsFile = join(stateDir, 'calls.log');
  writeFileSync(callsFile, '');

  const addScript = (name: string, b: RecordingScriptBehaviour = {}): string => {
    const path = join(configDir, 'resource.d', name);
    const q = shellQuote;
    const state = q(join(stateDir, `${name}.running`));
    const stopFailures = q(join(stateDir, `${name}.stop-failures`));
    const pids = q(join(stateDir, `${name}.pids`));
    const calls = q(callsFile);
    const sleep = b.sleepSeconds ? `sleep ${b.sleepSeconds}` : ':';
    const failStop = b.failStop === undefined ? 0 : b.failStop === 'always' ? 1_000_000 : b.failStop;
    const envLines = (b.recordEnv ?? [])
      .map((v) => `echo "env ${name} ${v}=\${${v}:-<unset>}" >> ${calls}`)
      .join('\n');
    const script = `#!/bin/sh
set -u
for last in "$@"; do :; done
op=\${last:-}
echo "call ${name} $*" >> ${calls}
${envLines}
echo "begin ${name} $op" >> ${calls}
${sleep}
case $op in
  start)
    ${b.startWaitsFor ? `n=0; while [ ! -e ${q(b.startWaitsFor)} ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done
    [ -e ${q(b.startWaitsFor)} ] || { echo "gave up waiting" >&2; echo "end ${name} $op" >> ${calls}; exit 1; }` : ':'}
    ${b.startCreates ? `touch ${q(b.startCreates)}` : ':'}
    ${b.startHangsWithChild ? `sleep 1000 &
    echo "$$ $!" > ${pids}
    sleep 1000` : ':'}
    if ${b.failStart ? 'true' : 'false'}; then echo "${name}: start failed on purpose" >&2; echo "end ${name} $op" >> ${calls}; exit 1; fi
    touch ${state}
    echo "${name} started"
    ;;
  stop)
    failed=0
    if [ -e ${stopFailures} ]; then failed=$(cat ${stopFailures}); fi
    if [ "$failed" -lt ${failStop} ]; then
      echo $((failed + 1)) > ${stopFailures}
      ${b.failedStopStillStops ? `rm -f ${state}` : ':'}
      echo "${name}: stop failed on purpose" >&2
      echo "end ${name} $op" >> ${calls}
      exit 1
    fi
    rm -f ${state}
    echo "${name} stopped"
    ;;
  status)
    ${
      b.statusText !== undefined
        ? `echo ${q(b.statusText)}`
        : `if [ -e ${state} ]; then echo "${name} is running"; else echo "${name} is stopped"; fi`
    }
    ;;
  *) echo "usage: $0 args… start|stop|status" >&2; exit 2 ;;
esac
echo "end ${name} $op" >> ${calls}
exit 0
`;
    writeFileSync(path, script);
    chmodSync(path, 0o755);
    return path;
  };

  const calls = (): string[] => readFileSync(callsFile, 'utf8').split('\n').filter(Boolean);
  return {
    configDir,
    initDir,
    stateDir,
    callsFile,
    addScript,
    calls,
    invocations: () => calls().filter((l) => l.startsWith('call ')).map((l) => l.slice('call '.length)),
    isRunning: (name) => existsSync(join(stateDir, `${name}.running`)),
    setRunning: (name, running) => {
      const f = join(stateDir, `${name}.running`);
      if (running) writeFileSync(f, '');
      else rmSync(f, { force: true });
    },
    pidsOf: (name) => {
      const f = join(stateDir, `${name}.pids`);
      if (!existsSync(f)) return [];
      return readFileSync(f, 'utf8').trim().split(/\s+/).map(Number).filter((n) => n > 0);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A resource reference as the haresources parser produces it (`NAME::a::b`, or a bare IPv4 → IPaddr). */
export function resourceRef(token: string, line = 1): ResourceRef {
  if (/^\d+\.\d+\.\d+\.\d+/.test(token)) return { token, script: 'IPaddr', args: [token], line };
  const [script, ...args] = token.split('::');
  return { token, script: script ?? '', args, line };
}

export function groupOf(node: string, tokens: readonly string[], line = 1): ResourceGroupConfig {
  const resources = tokens.map((t) => resourceRef(t, line));
  return { node, key: tokens[0] ?? '', resources, line };
}

/** Resource options for tests: short retries so failure paths finish quickly. */
export function testResourceOptions(overrides: Partial<ExtensionOptions['resources']> = {}): ExtensionOptions['resources'] {
  return {
    ...EXTENSION_DEFAULTS.resources,
    startTimeout: 20_000,
    stopTimeout: 20_000,
    statusTimeout: 10_000,
    stopRetries: 2,
    stopRetryInterval: 20,
    ...overrides,
  };
}

export const TEST_ARP: ExtensionOptions['arp'] = { count: 3, interval: 200, mode: 'both' };

/** A scratch directory of throw-away shell scripts, for tests that run one command directly. */
export interface ShellScriptDir {
  readonly dir: string;
  /** Write `#!/bin/sh` + body as an executable file named `name`; its path. */
  script(name: string, body: string): string;
  cleanup(): void;
}

export function createShellScriptDir(prefix: string): ShellScriptDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    script(name, body) {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Wait for a condition with a bounded deadline (no fixed sleeps). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}
