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
export { withDeadline } from "./deadline.js";

export { BreakerStateSchema, createBreakerRegistry } from "./circuit-breaker.js";
export type { BreakerChange, BreakerDeps, BreakerRegistry, BreakerState, BreakerStateName, BreakerTicket } from "./circuit-breaker.js";

export {
  FailureCategorySchema,
  JOURNAL_EVENT_TYPES,
  JournalErrorSchema,
  JournalEventSchema,
  JournalNodeSchema,
  isEventType,
  parseJournalEvent,
} from "./journal-events.js";
export type {
  FailureCategory,
  JournalEvent,
  JournalEventOf,
  JournalEventType,
  KnownJournalEvent,
} from "./journal-events.js";

export { digestOutput } from "./digest.js";
export { assertValidRunId, isValidRunId } from "./run-id.js";
export type { Redact } from "./prepare-event.js";

export { createMemoryCheckpointStore } from "./checkpoint-store.js";
export type { CheckpointStore, JournalRead, MemoryCheckpointStoreOptions } from "./checkpoint-store.js";
export { createFileCheckpointStore } from "./file-checkpoint-store.js";
export type { FileCheckpointStoreOptions } from "./file-checkpoint-store.js";

export { planReplay } from "./replay.js";
export type { CompletedNode, NodeToRun, ReplayOptions, ReplayPlanInput, ReplayResult, RunReason } from "./replay.js";

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
