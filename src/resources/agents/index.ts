export type {
  AgentOperation,
  ArpSettings,
  OperationOptions,
  OperationOutcome,
  OperationResult,
  OperationTimeouts,
  ResourceAgent,
  StartUnlessRunningResult,
} from './types.js';
export { AgentFactory, DEFAULT_KILL_GRACE_MS } from './agent-factory.js';
export type { AgentFactoryOptions } from './agent-factory.js';
export { DEFAULT_INIT_DIR, resolveResource, scriptDirectories } from './resolve.js';
export type { ResolveOptions, ResolvedResource, ScriptSource } from './resolve.js';
export { isResourceSpec, resolveGroupResources, resolveResourceSpecs, resourceSpec } from './resource-spec.js';
export type {
  AddressResourceSpec,
  HaResourcesSpec,
  ResourceGroupSpec,
  ResourceSpec,
  ResourceSpecResult,
  ResourceSpecsResult,
  ScriptResourceSpec,
} from './resource-spec.js';
export { parseIpAddrArguments, MAX_IFACE_NAME_LENGTH } from './ipaddr-args.js';
export type { BuiltinAddressAgent, IpAddrArgsResult, IpAddrSpec } from './ipaddr-args.js';
export { statusOutputSaysRunning } from './status-output.js';
export { shippedScriptPath } from './shipped-scripts.js';
export type { ShippedScript } from './shipped-scripts.js';
export { runProcess } from './process-runner.js';
export type { ProcessRunOptions, ProcessRunResult } from './process-runner.js';
