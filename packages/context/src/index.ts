export { createFileContextCache, createMemoryContextCache, FileContextCacheOptionsSchema } from "./cache.js";
export {
  ComposeOptionsSchema,
  ContextPolicySchema,
  ContextSegmentSchema,
  FullContextOptionsSchema,
  composeContext,
  composeFullContext,
} from "./compose.js";
export { DocsProviderOptionsSchema, createDocsProvider } from "./docs-provider.js";
export {
  BudgetExceededError,
  ContextOptionsError,
  PathOutsideRepoError,
  isBudgetExceededError,
  isContextOptionsError,
  isPathOutsideRepoError,
} from "./errors.js";
export { createContextEventCounter, systemClock } from "./events.js";
export { GitHubCommentsProviderOptionsSchema, createGitHubCommentsProvider } from "./github-comments.js";
export {
  HandoffProviderOptionsSchema,
  createHandoffProvider,
  formatHandoffMarker,
  parseHandoffMarker,
  stripHandoffMarkers,
} from "./handoffs.js";
export { REDACTION_KINDS, createRedactor, redact, redactSecrets } from "./redact.js";
export { WorkItemSchema, loadContext } from "./segment.js";
export {
  TiktokenEstimatorOptionsSchema,
  createHeuristicEstimator,
  createTiktokenEstimator,
  getDefaultEstimator,
} from "./token-estimator.js";
export { truncationMarker } from "./truncate.js";
export { WorkItemProviderOptionsSchema, createWorkItemProvider } from "./work-item.js";

export type { ContextCache, FileContextCacheOptions } from "./cache.js";
export type {
  ComposeOptions,
  ComposedContext,
  ContextPolicy,
  FullContextOptions,
  ProvenanceEntry,
  SegmentFinding,
  SegmentStatus,
} from "./compose.js";
export type { DocsProviderOptions } from "./docs-provider.js";
export type { OptionProblem, PinnedOverflow } from "./errors.js";
export type {
  Clock,
  ContextCacheEvent,
  ContextEvent,
  ContextEventCounter,
  ContextEventListener,
  ContextFallbackEvent,
  TierCounts,
} from "./events.js";
export type { GitHubCommentsProviderOptions } from "./github-comments.js";
export type { HandoffMarker, HandoffProviderOptions } from "./handoffs.js";
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
export type { TiktokenEstimatorOptions, TokenEstimator } from "./token-estimator.js";
export type { WorkItemProviderOptions } from "./work-item.js";
