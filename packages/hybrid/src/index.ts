// The whole public API of @hybrid/hybrid.
export {
  ConcurrencySchema,
  ContextConfigSchema,
  EscalationSchema,
  FLAG_NAMES,
  FlagsSchema,
  GATE_IDS,
  GatesConfigSchema,
  GitHubConfigSchema,
  HybridConfigSchema,
  ResilienceConfigSchema,
  ROLLOUT_STAGES,
  RolloutSchema,
} from "./config-schema.js";
export type { FlagName, GateId, HybridConfig, HybridConfigInput } from "./config-schema.js";
export type { GateContext, GateLogEntry, GatePrompt, GateStage, GateVerdict, JoinInput, JoinResolution, QualityGate } from "./gate-contract.js";
export { createEscalator, EscalationRequestSchema, EscalatorOptionsSchema } from "./escalation.js";
export type { EscalateOptions, EscalationRequest, Escalator, EscalatorOptions } from "./escalation.js";
export { EscalationError, isEscalationError, isReportingOptionsError, ReportingOptionsError } from "./progress-errors.js";
export type { ReportingOptionsProblem } from "./progress-errors.js";
export { createProgressReporter } from "./progress.js";
export type { ProgressReporter, ProgressUpdateOptions, ProgressUpdateResult } from "./progress.js";
export { ProgressReporterOptionsSchema, ProgressSnapshotSchema } from "./progress-options.js";
export type { ProgressNode, ProgressReporterOptions, ProgressSnapshot } from "./progress-options.js";
