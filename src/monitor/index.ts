// The application monitor (issue 6): HTTP and command probes on schedules, fall/rise,
// and the supervisor the daemon drives. See README.md in this folder.
export { runHttpProbe, describeOutcome, DEFAULT_MAX_BODY_BYTES } from './http-probe.js';
export { runCommandProbe, DEFAULT_COMMAND_KILL_GRACE_MS } from './command-probe.js';
export type { CommandProbeTarget, CommandProbeOptions } from './command-probe.js';
export type { HttpProbeTarget, HttpProbeOptions, ProbeOutcome, ProbeOutcomeKind, ProbePhase } from './http-probe.js';
export { initialFallRise, stepFallRise } from './fall-rise.js';
export type {
  FallRiseState,
  FallRisePhase,
  FallRiseEvent,
  FallRiseEffect,
  FallRiseLimits,
  FallRiseNote,
  FallRiseStep,
} from './fall-rise.js';
export { createProbeSupervisor } from './supervisor.js';
export type { ProbeSupervisor, ProbeSupervisorOptions, GroupRunState, ProbeFallRise, ProbeRunReport, ProbeStatus } from './supervisor.js';
