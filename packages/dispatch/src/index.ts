export { createCommandRunner, CommandRunnerOptionsSchema } from "./command-runner.js";
export { createDispatchController } from "./controller.js";
export {
  CommandFailedError,
  CommandSpawnError,
  DispatchAbortedError,
  DispatchOptionsError,
  GitHubIdentityError,
  HandoffError,
  LedgerFormatError,
  OutputTooLargeError,
  InvalidAgentResultError,
  ResumeMismatchError,
  SimulatedFailureError,
  isCommandFailedError,
  isCommandSpawnError,
  isDispatchAbortedError,
  isDispatchOptionsError,
  isGitHubIdentityError,
  isHandoffError,
  isLedgerFormatError,
  isOutputTooLargeError,
  isInvalidAgentResultError,
  isResumeMismatchError,
  isSimulatedFailureError,
} from "./errors.js";
export { createFunctionRunner } from "./function-runner.js";
export { createModelRunner, ModelRunnerOptionsSchema } from "./model-runner.js";
export {
  ModelCallError,
  ModelResponseError,
  ModelSdkMissingError,
  ModelUsageMissingError,
  isModelCallError,
  isModelResponseError,
  isModelSdkMissingError,
  isModelUsageMissingError,
} from "./model-runner-errors.js";
export { createGitHubSink, GitHubSinkOptionsSchema } from "./github-sink.js";
export { handoffMarker } from "./handoff.js";
export { createLedgerSink, LedgerSinkOptionsSchema } from "./ledger-sink.js";
export { DispatchOptionsSchema, defaultIdempotencyKey, defaultMaxParallel } from "./options.js";
export { defaultPrepare } from "./prepare.js";
export { AgentResultSchema } from "./result.js";
export { isProcessGroupAlive, stopProcessGroup } from "./process-group.js";
export { estimateTokens } from "./runner.js";
export { createSimulatedRunner, SimulatedRunnerOptionsSchema } from "./simulated-runner.js";

export type { CommandRunnerOptions } from "./command-runner.js";
export type { DispatchController, OrchestratorEventDraft, ResumeOptions, RunJournal, RunOptions } from "./controller.js";
export type { CheckFn, CheckSubject } from "./node-run.js";
export type { OptionsProblem } from "./errors.js";
export type { DispatchEvent, DispatchEventListener, DispatchEventOf, DispatchEventType, RunCounts, RunStatus } from "./events.js";
export type { ErrorInfo, FailureCategory, JournalNode } from "@hybrid/resilience";
export type { AgentFunction } from "./function-runner.js";
export type { GitHubSinkOptions } from "./github-sink.js";
export type { HandoffEntry, HandoffIssue, HandoffRecordOptions, HandoffSink } from "./handoff.js";
export type { LedgerRecord, LedgerSinkOptions } from "./ledger-sink.js";
export type { ModelRunnerLanguageModel, ModelRunnerOptions } from "./model-runner.js";
export type { Clock, DispatchOptions, IdempotencyKeyInput, ResolvedDispatchOptions } from "./options.js";
export type { DispatchResult, NodeOutcome } from "./outcome.js";
export type { PrepareContext, PrepareFn } from "./prepare.js";
export type { StopProcessGroupOptions, StopProcessGroupOutcome } from "./process-group.js";
export type { AgentProcess, AgentResult, AgentRunner, AgentTask, TokenUsage } from "./runner.js";
export type { SimulatedDraw, SimulatedRunner, SimulatedRunnerOptions } from "./simulated-runner.js";
