import type { DispatchResult } from "@hybrid/dispatch";
import type { ErrorInfo, FailureCategory, PostMortem } from "@hybrid/resilience";
import type { RunRecord } from "@hybrid/telemetry";
import type { GateLogEntry } from "./gate-contract.js";

/** How a node ended in a run, as an orchestrator reports it. */
export type NodeStatus = "succeeded" | "failed" | "blocked" | "aborted" | "skipped" | "needs-review" | "needs-escalation";

/** One node of a run's result. */
export interface NodeResult {
  status: NodeStatus;
  agent: string;
  attempts: number;
  /** Absent when the runner did not know them. */
  tokens?: { input: number; output: number };
  /** Tokens of the prompt it was sent, and of the legacy full-history prompt it would have had. */
  promptTokens?: number;
  baselineTokens?: number;
  /** Where its handoff was recorded (comment URL or ledger entry). */
  handoffUrl?: string;
  output?: string;
  category?: FailureCategory;
  error?: ErrorInfo;
  blockedBy?: string;
  /** True when an earlier process of the run produced it (resume). */
  reused?: boolean;
}

/** What both orchestrators return. */
export interface RunResult {
  runId: string;
  /** How the run went (its strategy at the start; `record.strategyChanges` has any change during it). */
  mode: "hybrid" | "sequential";
  /** Why: `hybrid`, `flag-off`, `kill-switch`, `not-in-rollout`, `ineligible`, `critical`, `sequential-orchestrator`. */
  strategyReason: string;
  status: "succeeded" | "failed" | "aborted";
  /** Every node, by id (a record without a prototype). */
  nodes: Record<string, NodeResult>;
  /** The gate log, in the order gates were evaluated. */
  gates: GateLogEntry[];
  /** The run record telemetry wrote. */
  record: RunRecord;
  postMortem?: PostMortem;
  /** Where the post-mortem was escalated to, when it was. */
  escalationUrl?: string;
  /** What went wrong beside the run without failing it (a progress comment, the escalation, a flag read), redacted. */
  warnings: string[];
}

/** Node results from dispatch's outcomes, with the orchestrator's own token counts. */
export function nodeResults(
  result: DispatchResult,
  prompts: ReadonlyMap<string, { promptTokens: number; baselineTokens: number }>,
): Record<string, NodeResult> {
  const nodes: Record<string, NodeResult> = Object.create(null);
  for (const [id, outcome] of Object.entries(result.outcomes)) {
    const status: NodeStatus =
      outcome.status === "failed" && (outcome.category === "needs-review" || outcome.category === "needs-escalation") ? outcome.category : outcome.status;
    const node: NodeResult = { status, agent: outcome.agent, attempts: outcome.attempts };
    const counted = prompts.get(id);
    if (counted) {
      node.promptTokens = counted.promptTokens;
      node.baselineTokens = counted.baselineTokens;
    }
    if (outcome.tokens) node.tokens = { ...outcome.tokens };
    if (outcome.handoffUrl !== undefined) node.handoffUrl = outcome.handoffUrl;
    if (outcome.output !== undefined) node.output = outcome.output;
    if (outcome.category !== undefined) node.category = outcome.category;
    if (outcome.error !== undefined) node.error = outcome.error;
    if (outcome.blockedBy !== undefined) node.blockedBy = outcome.blockedBy;
    if (outcome.reused) node.reused = true;
    nodes[id] = node;
  }
  return nodes;
}
