import type { Priority } from "@hybrid/graph";
import type { BreakerState } from "@hybrid/resilience";

/** Fields every dispatch event carries. `at` is epoch milliseconds from the controller's clock. */
export interface EventBase {
  runId: string;
  at: number;
}

/** A node of the plan as the journal records it at `run.started`. */
export interface JournalNode {
  id: string;
  agent: string;
  priority: Priority;
  wave: number;
  dependsOn: string[];
  specHash: string;
}

/** A serialisable error, as journaled: redacted message, code, and command details when any. */
export interface ErrorInfo {
  code?: string;
  message: string;
  /** A command's exit code (absent when it was killed by a signal). */
  exitCode?: number;
  stderrTail?: string;
}

/**
 * Why a node failed for good, in the journal's vocabulary (`@hybrid/resilience`): a timeout, a
 * transient error that outlived its retries, a permanent error, an open breaker, or (set by `hybrid`)
 * a failed dependency or gate.
 */
export type FailureCategory =
  | "timeout"
  | "transient-exhausted"
  | "permanent"
  | "breaker-open"
  | "dependency-failed"
  | "gate-failed";

export interface RunStartedEvent extends EventBase {
  type: "run.started";
  planHash: string;
  workflowId: string;
  taskType?: string;
  mode: "wave" | "eager";
  nodes: JournalNode[];
  /** Circuit-breaker state at the start (from `toJSON()`), so a restart keeps an open breaker open. */
  breakers?: Record<string, BreakerState>;
}

export interface RunResumedEvent extends EventBase {
  type: "run.resumed";
  planHash: string;
  forced: boolean;
  /** Whether nodes that had failed for good, and those they blocked, were put back to run again. */
  retryFailed: boolean;
  /** The current plan's nodes, so later replays know which spec a completion belongs to. */
  nodes?: JournalNode[];
  /** Breaker state restored from the journal. */
  breakers?: Record<string, BreakerState>;
}

export interface WaveStartedEvent extends EventBase {
  type: "wave.started";
  wave: number;
  nodeIds: string[];
}

export interface WaveCompletedEvent extends EventBase {
  type: "wave.completed";
  wave: number;
  succeeded: number;
  failed: number;
  blocked: number;
}

export interface NodeDispatchedEvent extends EventBase {
  type: "node.dispatched";
  nodeId: string;
  agent: string;
  priority: Priority;
  wave: number;
  attempt: number;
  idempotencyKey: string;
}

export interface NodeSucceededEvent extends EventBase {
  type: "node.succeeded";
  nodeId: string;
  agent: string;
  attempt: number;
  /** The (redacted) output, fed to dependents' `prepare` on resume. */
  output: string;
  /** `sha256:<hex>` of the redacted output. */
  outputDigest: string;
  tokens: { input: number; output: number };
  durationMs: number;
  startedAt: number;
}

export interface NodeFailedEvent extends EventBase {
  type: "node.failed";
  nodeId: string;
  agent: string;
  attempt: number;
  /** True when no further attempt will be made in this run. */
  final: boolean;
  /** Set on the final failure. */
  category?: FailureCategory;
  error: ErrorInfo;
}

export interface NodeTimedOutEvent extends EventBase {
  type: "node.timed-out";
  nodeId: string;
  agent: string;
  attempt: number;
  timeoutMs: number;
}

export interface NodeRetryingEvent extends EventBase {
  type: "node.retrying";
  nodeId: string;
  agent: string;
  attempt: number;
  nextAttempt: number;
  delayMs: number;
  error: ErrorInfo;
}

export interface NodeBlockedEvent extends EventBase {
  type: "node.blocked";
  nodeId: string;
  agent: string;
  blockedBy: string;
}

export interface BreakerChangedEvent extends EventBase {
  type: "breaker.changed";
  key: string;
  from: string;
  to: string;
  /** The breaker's state after the change (`BreakerState` from `@hybrid/resilience`). */
  state?: BreakerState;
}

export interface HandoffRecordedEvent extends EventBase {
  type: "handoff.recorded";
  nodeId: string;
  agent: string;
  url: string;
}

/** Not in the original vocabulary: a handoff sink failed; the node's success stands. */
export interface HandoffFailedEvent extends EventBase {
  type: "handoff.failed";
  nodeId: string;
  agent: string;
  error: ErrorInfo;
}

export type RunStatus = "succeeded" | "failed" | "aborted";

export interface RunCounts {
  total: number;
  succeeded: number;
  failed: number;
  blocked: number;
  skipped: number;
}

export interface RunCompletedEvent extends EventBase {
  type: "run.completed";
  status: RunStatus;
  counts: RunCounts;
}

/** Every event the controller journals and emits; a discriminated union on `type`. */
export type DispatchEvent =
  | RunStartedEvent
  | RunResumedEvent
  | WaveStartedEvent
  | WaveCompletedEvent
  | NodeDispatchedEvent
  | NodeSucceededEvent
  | NodeFailedEvent
  | NodeTimedOutEvent
  | NodeRetryingEvent
  | NodeBlockedEvent
  | BreakerChangedEvent
  | HandoffRecordedEvent
  | HandoffFailedEvent
  | RunCompletedEvent;

/** The `type` of every dispatch event. */
export type DispatchEventType = DispatchEvent["type"];

/** Listener for dispatch events; called after the event is journaled. Errors thrown here are ignored. */
export type DispatchEventListener = (event: DispatchEvent) => void;
