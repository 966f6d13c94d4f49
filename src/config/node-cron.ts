// node-cron, loaded on first use: only a node with schedule-based probes
// needs it, and a running daemon without them should not carry it (≈5 MB
// of RSS). Config parsing is synchronous, hence require() of the package's
// CommonJS build rather than import().
import { createRequire } from 'node:module';

type NodeCron = typeof import('node-cron');

let loaded: NodeCron | undefined;

export function nodeCron(): NodeCron {
  loaded ??= createRequire(import.meta.url)('node-cron') as NodeCron;
  return loaded;
}
