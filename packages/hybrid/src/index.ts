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
export { ConfigError, isConfigError } from "./config-errors.js";
export type { ConfigProblem } from "./config-errors.js";
export { DEFAULT_CONFIG_FILE, LoadConfigOptionsSchema, loadConfig } from "./config.js";
export type { LoadConfigOptions, LoadedConfig } from "./config.js";
export { CONFIG_ENV_VARIABLES } from "./config-env.js";
export type { EnvKind, EnvVariable } from "./config-env.js";
export { formatConfigSource } from "./config-layers.js";
export type { ConfigSource } from "./config-layers.js";
export { PROVIDER_FLAGS } from "./config-provider.js";
export type { FlagProvider, OpenFeatureClient, OpenFeatureProvider } from "./config-provider.js";
export { createFlagReader, FlagReaderOptionsSchema } from "./flags.js";
export type { FlagRead, FlagReader, FlagReaderOptions, Flags } from "./flags.js";
export { rolloutBucket, selectStrategy, StrategyWorkflowSchema, UNSPECIFIED_TASK_TYPE } from "./strategy.js";
export type { Strategy, StrategyReason, StrategyWorkflow } from "./strategy.js";
export { rolloutAdvance, rolloutCheck, rolloutResume, rolloutStatus, RolloutOptionsSchema, RolloutResumeOptionsSchema } from "./rollout.js";
export type { RolloutAdvanceResult, RolloutCheckResult, RolloutOptions, RolloutResumeOptions, RolloutStatus } from "./rollout.js";
export { isRolloutError, isRolloutStateError, RolloutError, RolloutStateError } from "./rollout-errors.js";
export type { RolloutRefusal } from "./rollout-errors.js";
export type { Incident, TelemetrySummary } from "./rollout-incident.js";
export { readRolloutState, ROLLOUT_STATE_FILE, RolloutStateSchema, TRIGGER_NAMES } from "./rollout-state.js";
export type { RolloutHistoryEntry, RolloutStage, RolloutState, TriggerName } from "./rollout-state.js";
export { TriggerOptionsSchema } from "./rollout-triggers.js";
export type { TriggerOptions, TriggerResult, TriggerWindow } from "./rollout-triggers.js";
export { HybridOrchestrator, SequentialOrchestrator } from "./orchestrator.js";
export type { ExecuteOptions, ResumeRunOptions } from "./orchestrator.js";
export { OrchestratorOptionsSchema } from "./orchestrator-options.js";
export type { OrchestratorOptions } from "./orchestrator-options.js";
export { GateFailedError, OrchestratorOptionsError, RunNotFoundError, isGateFailedError, isOrchestratorOptionsError, isRunNotFoundError } from "./orchestrator-errors.js";
export type { OrchestratorProblem } from "./orchestrator-errors.js";
export type { NodeResult, NodeStatus, RunResult } from "./run-result.js";
export type { WorkflowSource } from "./workflow-store.js";
export { createSimulatedAgent } from "./simulated-agent.js";
