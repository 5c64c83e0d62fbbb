import { blockedBy } from "./blocking.js";
import type { ErrorInfo, FailureCategory } from "./journal-events.js";
import type { Redact } from "./prepare-event.js";
import { remediationHints, rootCauseOf } from "./remediation.js";

/** How a run ended; `incomplete` means the journal has no `run.completed` (a crash). */
export type PostMortemStatus = "succeeded" | "failed" | "aborted" | "incomplete";

/** The last error of a failed node, as journaled (the one error shape, `ErrorInfo`). */
export type PostMortemError = ErrorInfo;

/** One failed node, as the caller knows it. */
export interface PostMortemFailureInput {
  node: string;
  agent?: string;
  attempts: number;
  /** Inferred from `error` when missing. */
  category?: FailureCategory;
  error: PostMortemError;
  /** The node's timeout, for a timeout hint that names the current value. */
  timeoutMs?: number;
  /** The retry budget, for a transient-exhausted hint. */
  maxAttempts?: number;
  /** For `dependency-failed`: the upstream node. */
  dependency?: string;
}

/** Run-level numbers. */
export interface PostMortemTelemetry {
  durationMs: number;
  nodeCount: number;
  completed: number;
  failed: number;
  blocked: number;
  /** Dispatches, retries included. */
  attempts: number;
  retries: number;
  timeouts: number;
  /** Times a breaker opened during the run. */
  breakerTrips: number;
  tokens: { input: number; output: number };
}

/** Input of {@link buildPostMortem}. */
export interface PostMortemInput {
  runId: string;
  status: PostMortemStatus;
  failed: PostMortemFailureInput[];
  /** Used to derive `blocked` when it is not given: nodes downstream of a failed node. */
  nodes?: ReadonlyArray<{ id: string; dependsOn?: readonly string[] }>;
  blocked?: Array<{ node: string; blockedBy: string }>;
  completed?: string[];
  /** Nodes that never finished and were not blocked (in flight at a crash, or skipped by an abort). */
  unfinished?: string[];
  telemetry?: Partial<PostMortemTelemetry>;
  /** Applied to every piece of free text. @default identity */
  redact?: Redact;
}

/** One failed node, explained. */
export interface PostMortemFailure {
  node: string;
  agent: string | undefined;
  attempts: number;
  category: FailureCategory;
  rootCause: string;
  lastError: PostMortemError;
  remediationHints: string[];
}

/** A failed run, explained: JSON-ready, and rendered for humans by `renderPostMortemMarkdown`. */
export interface PostMortem {
  runId: string;
  status: PostMortemStatus;
  /** One line: what went wrong first. */
  summary: string;
  failed: PostMortemFailure[];
  blocked: Array<{ node: string; blockedBy: string }>;
  completed: string[];
  unfinished: string[];
  telemetry: PostMortemTelemetry;
}

/** Category from the error when the caller did not say: codes first, then transient markers. */
export function inferCategory(error: PostMortemError): FailureCategory {
  switch (error.code) {
    case "timeout":
    case "breaker-open":
    case "gate-failed":
    case "dependency-failed":
    case "permanent":
    case "transient-exhausted":
    case "needs-review":
    case "needs-escalation":
      return error.code;
    case "transient":
      return "transient-exhausted";
    default:
      return error.exitCode === 75 ? "transient-exhausted" : "permanent";
  }
}

// Nodes downstream of a failed node that neither completed nor failed themselves.
function deriveBlocked(input: PostMortemInput, failed: Set<string>): Array<{ node: string; blockedBy: string }> {
  const completed = new Set(input.completed ?? []);
  const blockers = blockedBy(input.nodes ?? [], failed);
  return (input.nodes ?? [])
    .filter((node) => !completed.has(node.id) && blockers.has(node.id))
    .map((node) => ({ node: node.id, blockedBy: blockers.get(node.id)! }));
}

/**
 * Explains a run: per failed node its category, root cause, last error and concrete remediation
 * hints; which nodes were blocked by which failure; and run telemetry. All free text is redacted.
 */
export function buildPostMortem(input: PostMortemInput): PostMortem {
  const redact = input.redact ?? ((text: string) => text);
  const failedIds = new Set(input.failed.map((failure) => failure.node));
  const failed = input.failed.map((failure): PostMortemFailure => {
    const category = failure.category ?? inferCategory(failure.error);
    const lastError: PostMortemError = { message: redact(failure.error.message) };
    if (failure.error.code !== undefined) lastError.code = failure.error.code;
    if (failure.error.exitCode !== undefined) lastError.exitCode = failure.error.exitCode;
    if (failure.error.signal !== undefined) lastError.signal = failure.error.signal;
    if (failure.error.stderrTail !== undefined) lastError.stderrTail = redact(failure.error.stderrTail);
    const explained = { ...failure, category, error: lastError };
    return {
      node: failure.node,
      agent: failure.agent,
      attempts: failure.attempts,
      category,
      rootCause: redact(rootCauseOf(explained)),
      lastError,
      remediationHints: remediationHints(explained, input.runId).map(redact),
    };
  });
  const blocked = input.blocked ?? deriveBlocked(input, failedIds);
  const completed = [...(input.completed ?? [])];
  const given = input.telemetry ?? {};
  const telemetry: PostMortemTelemetry = {
    durationMs: given.durationMs ?? 0,
    nodeCount: given.nodeCount ?? input.nodes?.length ?? completed.length + failed.length + blocked.length,
    completed: completed.length,
    failed: failed.length,
    blocked: blocked.length,
    attempts: given.attempts ?? failed.reduce((sum, failure) => sum + failure.attempts, 0),
    retries: given.retries ?? failed.reduce((sum, failure) => sum + Math.max(0, failure.attempts - 1), 0),
    timeouts: given.timeouts ?? failed.filter((failure) => failure.category === "timeout").length,
    breakerTrips: given.breakerTrips ?? 0,
    tokens: given.tokens ?? { input: 0, output: 0 },
  };
  const first = failed[0];
  const summary =
    first !== undefined
      ? `run ${input.runId} ${input.status}: ${failed.length} node(s) failed, ${blocked.length} blocked; first: ${first.rootCause}`
      : `run ${input.runId} ${input.status}: no failed nodes${input.unfinished?.length ? `, ${input.unfinished.length} unfinished` : ""}`;
  return {
    runId: input.runId,
    status: input.status,
    summary: redact(summary),
    failed,
    blocked,
    completed,
    unfinished: [...(input.unfinished ?? [])],
    telemetry,
  };
}
