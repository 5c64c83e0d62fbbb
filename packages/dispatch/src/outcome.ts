import type { ErrorInfo, FailureCategory, PostMortem } from "@hybrid/resilience";
import type { RunCounts, RunStatus } from "./events.js";

/** What happened to one node in a run. */
export interface NodeOutcome {
  id: string;
  agent: string;
  /**
   * `succeeded`; `failed` (final failure); `blocked` (a predecessor failed); `aborted` (in flight when
   * the run was stopped: resume runs it again); `skipped` (never dispatched because the run stopped).
   */
  status: "succeeded" | "failed" | "blocked" | "aborted" | "skipped";
  /** The last attempt number made (0 when never dispatched). */
  attempts: number;
  idempotencyKey?: string;
  /** Redacted output, as journaled. */
  output?: string;
  /** `sha256:<hex>` of `output`: what dependents record as their input. */
  outputDigest?: string;
  /** Absent when the runner did not know them. */
  tokens?: { input: number; output: number };
  durationMs?: number;
  /** True when the node had succeeded in an earlier process of this run (resume) and was not run again. */
  reused?: boolean;
  category?: FailureCategory;
  error?: ErrorInfo;
  blockedBy?: string;
  handoffUrl?: string;
  handoffError?: ErrorInfo;
}

/** What `run` and `resume` return: every node's outcome; no failure is swallowed. */
export interface DispatchResult {
  runId: string;
  planHash: string;
  mode: "wave" | "eager";
  status: RunStatus;
  counts: RunCounts;
  /** Every node's outcome by id (a record without a prototype: ids such as `constructor` are safe). */
  outcomes: Record<string, NodeOutcome>;
  /** Whether this call resumed an existing journal. */
  resumed: boolean;
  startedAt: number;
  finishedAt: number;
  /** Built from the journal when the run did not succeed. */
  postMortem?: PostMortem;
}

/** Tallies outcomes; `aborted` and `skipped` nodes both count as skipped. */
export function countOutcomes(outcomes: Iterable<NodeOutcome>): RunCounts {
  const counts: RunCounts = { total: 0, succeeded: 0, failed: 0, blocked: 0, skipped: 0 };
  for (const outcome of outcomes) {
    counts.total += 1;
    if (outcome.status === "aborted" || outcome.status === "skipped") counts.skipped += 1;
    else counts[outcome.status] += 1;
  }
  return counts;
}
