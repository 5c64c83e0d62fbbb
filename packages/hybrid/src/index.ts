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
export { assessAcceptance } from "./gates/acceptance.js";
export type { CriterionAssessment } from "./gates/acceptance.js";
export { createDefaultGates } from "./gates/default-gates.js";
export type { DefaultGatesOptions } from "./gates/default-gates.js";
export { GATE_STAGES } from "./gates/define.js";
export { GateOptionsError, isGateOptionsError } from "./gates/errors.js";
export type { GateOptionsProblem } from "./gates/errors.js";
export {
  createDefinitionOfDoneGate,
  createDependenciesGate,
  createOutputDeclaredGate,
  createOutputSecretsGate,
  createPromptBudgetGate,
  createPromptSecretsGate,
  createTraceabilityGate,
} from "./gates/node-gates.js";
export type { SecretScanner } from "./gates/node-gates.js";
export { createGateRegistry } from "./gates/registry.js";
export type { GateEvaluation, GateRegistry, GateRegistryOptions } from "./gates/registry.js";
export { createAcceptanceCriteriaGate, createJoinPolicyGate, createNoSuppressedFailureGate, createWorkflowValidGate } from "./gates/workflow-gates.js";
export { isJoinInputError, JoinInputError } from "./joins/errors.js";
export type { JoinInputProblem } from "./joins/errors.js";
export { resolveJoin } from "./joins/resolve-join.js";
export type { JoinSpec } from "./joins/resolve-join.js";
export { createEscalator, EscalationRequestSchema, EscalatorOptionsSchema } from "./escalation.js";
export type { EscalateOptions, EscalationRequest, Escalator, EscalatorOptions } from "./escalation.js";
export { EscalationError, isEscalationError, isReportingOptionsError, ReportingOptionsError } from "./progress-errors.js";
export type { ReportingOptionsProblem } from "./progress-errors.js";
export { createProgressReporter } from "./progress.js";
export type { ProgressReporter, ProgressUpdateOptions, ProgressUpdateResult } from "./progress.js";
export { ProgressReporterOptionsSchema, ProgressSnapshotSchema } from "./progress-options.js";
export type { ProgressNode, ProgressReporterOptions, ProgressSnapshot } from "./progress-options.js";
