// The whole public API of @hybrid/context. Internal modules are not exported.
export { createFileContextCache, createMemoryContextCache } from "./cache.js";
export { ContextPolicySchema, composeContext } from "./compose.js";
export { composeFullContext } from "./full-context.js";
export { createDocsProvider } from "./docs-provider.js";
export {
  BudgetExceededError,
  ContextOptionsError,
  PathOutsideRepoError,
  isBudgetExceededError,
  isContextOptionsError,
  isPathOutsideRepoError,
} from "./errors.js";
export { createContextEventCounter } from "./events.js";
export { createGitHubCommentsProvider } from "./github-comments.js";
export { createHandoffProvider, formatHandoffMarker } from "./handoffs.js";
export { REDACTION_KINDS, createRedactor, redact, redactSecrets } from "./redact.js";
export { loadContext } from "./load-context.js";
export { referencedTerms } from "./recall.js";
export { ContextSegmentSchema } from "./segment.js";
export { createHeuristicEstimator } from "./heuristic-estimator.js";
export { createTiktokenEstimator } from "./token-estimator.js";
export { createWorkItemProvider } from "./work-item.js";

export type { ContextCache, FileContextCacheOptions } from "./cache.js";
export type {
  ComposeOptions,
  ComposedContext,
  ContextPolicy,
  ProvenanceEntry,
  SegmentFinding,
  SegmentStatus,
} from "./compose.js";
export type { FullContextOptions } from "./full-context.js";
export type { DocsProviderOptions } from "./docs-provider.js";
export type { OptionProblem, PinnedOverflow } from "./errors.js";
export type {
  Clock,
  ContextCacheEvent,
  ContextDuplicateEvent,
  ContextEstimatorFallbackEvent,
  ContextEvent,
  ContextEventBase,
  ContextEventCounter,
  ContextEventListener,
  ContextFallbackEvent,
  TierCounts,
} from "./events.js";
export type { GitHubCommentsProviderOptions } from "./github-comments.js";
export type { HandoffMarker, HandoffProviderOptions } from "./handoffs.js";
export type { LoadContextOptions } from "./load-context.js";
export type { RedactFn } from "./option-redactor.js";
export type { TierUsage } from "./plan.js";
export type { RedactionFinding, RedactionResult, Redactor, RedactorOptions } from "./redact.js";
export type {
  Blocker,
  ContextProvider,
  ContextRequest,
  ContextSegment,
  Tier,
  UpstreamOutput,
  WorkItem,
} from "./segment.js";
export type { EstimatorFallback, TiktokenEstimator, TiktokenEstimatorOptions, TokenEstimator } from "./token-estimator.js";
export type { WorkItemProviderOptions } from "./work-item.js";
