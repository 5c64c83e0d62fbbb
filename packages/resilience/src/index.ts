// The whole public API of @hybrid/resilience. Internal modules are not exported.

export {
  AbortedError,
  BrokenCircuitError,
  InvalidJournalEventError,
  InvalidPolicyError,
  InvalidRunIdError,
  JournalCorruptError,
  PlanMismatchError,
  TimeoutError,
  TransientError,
  isAbortedError,
  isBrokenCircuitError,
  isInvalidJournalEventError,
  isInvalidPolicyError,
  isInvalidRunIdError,
  isJournalCorruptError,
  isPlanMismatchError,
  isTimeoutError,
  isTransientError,
  InvalidRedactorError,
  isInvalidRedactorError,
  LockedError,
  FileLockLostError,
  JournalVersionError,
  isLockedError,
  isFileLockLostError,
  isJournalVersionError,
} from "./errors.js";
export type { LockHolderInfo, PlanDifference, ValidationIssue } from "./errors.js";

export { acquireFileLock, withFileLock } from "./file-lock.js";
export type { FileLock, FileLockOptions, LockHolder } from "./file-lock.js";
export { currentProcess, isProcessAlive, processStartTime } from "./process-identity.js";
export type { ProcessIdentity } from "./process-identity.js";
export { seededRandom } from "./seeded-random.js";

export { TRANSIENT_EXIT_CODE, classifyError, isRetryable } from "./classify.js";
export type { ErrorClass } from "./classify.js";

export {
  BreakerOptionsSchema,
  FailureRateSchema,
  ResiliencePolicySchema,
  RetryOptionsSchema,
  resolveResiliencePolicy,
} from "./policy.js";
export type { BreakerOptions, ResiliencePolicy, ResiliencePolicyOptions, RetryOptions } from "./policy.js";

export { createRetryPolicy, sleep } from "./retry-policy.js";
export type { AttemptContext, RetryDeps, RetryExecuteOptions, RetryInfo, RetryPolicy } from "./retry-policy.js";

export { withTimeout } from "./timeout.js";

export { BreakerStateSchema, createBreakerRegistry } from "./circuit-breaker.js";
export type { BreakerAdmission, BreakerChange, BreakerDeps, BreakerRegistry, BreakerState, BreakerStateName } from "./circuit-breaker.js";

export {
  AgentProcessSchema,
  ErrorInfoSchema,
  FailureCategorySchema,
  JOURNAL_EVENT_TYPES,
  JournalEventSchema,
  JournalNodeSchema,
  TokenUsageSchema,
  parseJournalEvent,
} from "./journal-events.js";
export type { ErrorInfo, FailureCategory, JournalEvent, JournalEventOf, JournalEventType, JournalNode } from "./journal-events.js";
export { JOURNAL_FORMAT_VERSION } from "./journal-format.js";

export { digestOutput } from "./digest.js";
export { assertValidRunId, isValidRunId } from "./run-id.js";
export { checkedRedact } from "./prepare-event.js";
export type { Redact } from "./prepare-event.js";

export { createMemoryCheckpointStore } from "./checkpoint-store.js";
export type { CheckpointStore, JournalRead, MemoryCheckpointStoreOptions, RunLock } from "./checkpoint-store.js";
export { createFileCheckpointStore } from "./file-checkpoint-store.js";
export type { FileCheckpointStoreOptions } from "./file-checkpoint-store.js";

export { planReplay } from "./replay.js";
export type {
  CompletedNode,
  NodeToRun,
  ReplayOptions,
  ReplayPlanInput,
  ReplayResult,
  RunReason,
  StandingFailure,
  SurvivorProcess,
} from "./replay.js";

export { buildPostMortem, inferCategory } from "./post-mortem.js";
export type {
  PostMortem,
  PostMortemError,
  PostMortemFailure,
  PostMortemFailureInput,
  PostMortemInput,
  PostMortemStatus,
  PostMortemTelemetry,
} from "./post-mortem.js";
export { buildPostMortemFromJournal } from "./post-mortem-journal.js";
export type { PostMortemJournalOptions } from "./post-mortem-journal.js";
export { renderPostMortemMarkdown } from "./post-mortem-markdown.js";
export type { RenderPostMortemOptions } from "./post-mortem-markdown.js";
