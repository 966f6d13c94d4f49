// Runs one HeartbeatNode as its own process and narrates it as JSON lines.
//
//   ip netns exec NS node --import tsx test/helpers/hbnode-runner.ts \
//       --spec node.json --state-dir DIR
//   ip netns exec NS node --import tsx test/helpers/hbnode-runner.ts \
//       --config-dir /etc/ha.d --node alpha --state-dir DIR
//
// --spec       an HbNodeSpec (test/helpers/hbnode-config.ts) as JSON, or
// --config-dir a real ha.cf/haresources/authkeys directory (src/config's
//              loader; the same files a real Heartbeat node reads), with
// --node       this node's name (default: uname -n)
// --state-dir  where hb_generation and hb_uuid live (must exist)
//
// stdout: one JSON object per line, each with `ev` and `t` (epoch ms):
//   {"ev":"ready","pid":…,"generation":…,"uuid":"…","media":[…]}
//   {"ev":"nodeStatus","node":"b","status":"active","previous":"up",…}
//   {"ev":"linkStatus"|"commUp"|"peerDead"|"peerRestarted"|
//        "peerReturnedAfterPartition"|"lateHeartbeat"|"localHeartbeatLost"|
//        "nodeListChanged"|"badPacket", …}
//   {"ev":"message","type":"…","from":"…","fromSelf":false,"fields":[[name,value],…]}
//   {"ev":"log","level":"warn","msg":"…",…}         every log line of the node
//   {"ev":"snapshot",…HeartbeatSnapshot}             answer to {"cmd":"snapshot"}
//   {"ev":"startError","message":"…"}                then exit code 2
//   {"ev":"stopped"}                                 then exit code 0
// stdin: one JSON command per line:
//   {"cmd":"snapshot"}
//   {"cmd":"send","fields":[["t","custom"],["x","1"]],"dest":"b"}
//   {"cmd":"advertiseDeadtime","extra":30000}
//   {"cmd":"applyConfig","spec":{…HbNodeSpec}}       answered by {"ev":"applied",…}
//   {"cmd":"stop"}                                   (SIGTERM and SIGINT do the same)
// SIGHUP with --config-dir re-reads the directory and applies it
// ({"ev":"applied",…} or {"ev":"reloadError","message":…}, the node keeps running).
// Binary field values in "message" are printed as {"hex":"…"}.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ClusterConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import { HeartbeatNode, messageOf, type HbMessage } from '../../src/heartbeat/index.js';
import { clusterConfigFromSpec, type HbNodeSpec } from './hbnode-config.js';

function print(ev: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ev, t: Date.now(), ...data })}\n`);
}

function fieldsOf(msg: HbMessage): Array<[string, unknown]> {
  return msg.fields.map((f) => [f.name, f.type === 0 ? f.value : f.type === 1 ? { hex: Buffer.from(f.value).toString('hex') } : `(type ${f.type})`]);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { spec: { type: 'string' }, 'config-dir': { type: 'string' }, node: { type: 'string' }, 'state-dir': { type: 'string' } },
    strict: true,
  });
  if ((!values.spec && !values['config-dir']) || !values['state-dir']) {
    process.stderr.write('usage: hbnode-runner.ts (--spec FILE.json | --config-dir DIR [--node NAME]) --state-dir DIR\n');
    return 64;
  }
  let config: ClusterConfig;
  if (values.spec) {
    config = clusterConfigFromSpec(JSON.parse(readFileSync(values.spec, 'utf8')) as HbNodeSpec);
  } else {
    // Loaded only in this mode, so --spec runs do not depend on the ha.cf parser.
    const { formatProblem, loadClusterConfig } = await import('../../src/config/index.js');
    const loaded = loadClusterConfig({ configDir: values['config-dir']!, localNode: values.node ?? hostname() });
    if (!loaded.config) {
      const message = loaded.problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n');
      print('startError', { message });
      process.stderr.write(`${message}\n`);
      return 2;
    }
    config = loaded.config;
  }
  const spec = { localNode: config.localNode };

  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
          print('log', rest);
        } catch {
          print('log', { level: 'info', msg: line });
        }
      }
      cb();
    },
  });
  const { logger, close } = createLogger({ format: 'json', node: spec.localNode, streams: [logStream] });

  const node = new HeartbeatNode({ config, stateDir: values['state-dir'], logger });
  node.on('nodeStatus', (e) => print('nodeStatus', { ...e }));
  node.on('linkStatus', (e) => print('linkStatus', { ...e }));
  node.on('commUp', () => print('commUp'));
  node.on('peerDead', (e) => print('peerDead', { ...e }));
  node.on('peerRestarted', (e) => print('peerRestarted', { ...e }));
  node.on('peerReturnedAfterPartition', (e) => print('peerReturnedAfterPartition', { ...e }));
  node.on('lateHeartbeat', (e) => print('lateHeartbeat', { ...e }));
  node.on('localHeartbeatLost', () => print('localHeartbeatLost'));
  node.on('nodeListChanged', (e) => print('nodeListChanged', { ...e }));
  node.on('badPacket', (e) => print('badPacket', { ...e }));
  node.on('message', (e) =>
    print('message', { type: e.type, from: e.from, fromSelf: e.fromSelf, link: e.link, fields: fieldsOf(e.message) }),
  );

  try {
    await node.start();
  } catch (err) {
    print('startError', { message: (err as Error).message });
    process.stderr.write(`${(err as Error).message}\n`);
    await close();
    return 2;
  }
  const snap = node.snapshot();
  print('ready', { pid: process.pid, generation: snap.generation, uuid: snap.uuid, media: snap.media });

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await node.stop();
      print('stopped');
      await close();
      resolve(0);
    };
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => void stop());
    process.on('SIGHUP', () => {
      const configDir = values['config-dir'];
      if (!configDir) return;
      import('../../src/config/index.js').then(
        ({ formatProblem, loadClusterConfig }) => {
          const loaded = loadClusterConfig({ configDir, localNode: config.localNode });
          if (!loaded.config) {
            print('reloadError', { message: loaded.problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n') });
            return;
          }
          print('applied', { ...node.applyConfig(loaded.config) });
        },
        (err: unknown) => print('reloadError', { message: (err as Error).message }),
      );
    });
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (!line.trim()) return;
      let cmd: { cmd?: string; fields?: Array<[string, string]>; dest?: string; extra?: number };
      try {
        cmd = JSON.parse(line) as typeof cmd;
      } catch {
        print('error', { message: `not JSON: ${line.slice(0, 200)}` });
        return;
      }
      try {
        switch (cmd.cmd) {
          case 'snapshot':
            print('snapshot', { ...node.snapshot() });
            break;
          case 'send':
            node.send(messageOf(cmd.fields ?? []), cmd.dest === undefined ? {} : { dest: cmd.dest });
            break;
          case 'applyConfig':
            print('applied', { ...node.applyConfig(clusterConfigFromSpec((cmd as { spec: HbNodeSpec }).spec)) });
            break;
          case 'advertiseDeadtime':
            node.advertiseDeadtime(cmd.extra ?? 0);
            break;
          case 'stop':
            void stop();
            break;
          default:
            print('error', { message: `unknown command ${String(cmd.cmd)}` });
        }
      } catch (err) {
        print('error', { message: (err as Error).message });
      }
    });
    // stdin closing (the test went away) is not a reason to stop: SIGTERM/SIGKILL are.
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`hbnode-runner: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
