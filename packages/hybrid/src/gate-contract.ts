// The quality-gate contract: the same gates run at the same points in both modes. A team can
// replace any gate with its own object of this shape.
import type { NodeSpec, WorkflowSpec } from "@hybrid/graph";
import type { SchedulePlan } from "@hybrid/scheduler";
import type { GateId } from "./config-schema.js";

/**
 * When a gate runs:
 * - `plan`: once, before anything is dispatched (G1, G2);
 * - `dispatch`: per node, with its prompt, before the node is dispatched (G3, G4, G5);
 * - `join`: per join node, with the resolved upstream outputs, before its prompt is built (G9);
 * - `output`: per node, with its output, before its success counts (G5, G7, G10);
 * - `handoff`: per node, after its handoff was recorded (G6);
 * - `run`: once, when the run ends (G8).
 */
export type GateStage = "plan" | "dispatch" | "join" | "output" | "handoff" | "run";

/** A node's upstream output as a join sees it. */
export interface JoinInput {
  nodeId: string;
  priority: NodeSpec["priority"];
  output: string;
}

/** What the join resolver decided for a join node. */
export interface JoinResolution {
  policy: "fail-fast" | "merge-with-rules" | "manual-escalation";
  /** `resolved`: use `text`; `conflict`: fail the node (fail-fast); `escalate`: stop the node as needs-escalation. */
  status: "resolved" | "conflict" | "escalate";
  /** The joined upstream text handed to the node's prompt, in priority order (security first), ties by id. */
  text: string;
  /** Structured outputs merged by key, when the inputs had any. */
  merged?: Record<string, unknown>;
  /** Every key on which inputs disagreed, and how it was settled. */
  conflicts: Array<{ key: string; values: Array<{ nodeId: string; value: unknown }>; winner?: string }>;
}

/** A composed prompt as the gates see it. */
export interface GatePrompt {
  text: string;
  tokens: number;
  hardCap: number;
  /** Pinned items (the node's L1: metadata, acceptance criteria) that are not in the prompt. */
  missingPinned: string[];
  /** Secret and PII findings in the prompt before redaction, counted by kind. */
  findings: Record<string, number>;
}

/** Everything a gate may look at; which fields are set depends on the stage. */
export interface GateContext {
  stage: GateStage;
  runId: string;
  /** The mode the node (or the run) is executed in. */
  mode: "hybrid" | "sequential";
  workflow: WorkflowSpec;
  plan: SchedulePlan;
  /** The node, for node stages. */
  node?: NodeSpec;
  /** Status of every node so far, for `dispatch` (G3) and `run` (G8). */
  statuses?: ReadonlyMap<string, "pending" | "succeeded" | "failed" | "blocked" | "aborted" | "skipped" | "needs-review" | "needs-escalation">;
  /** Failures the run reported (failed, timed-out, blocked or skipped nodes), for G8. */
  reported?: ReadonlySet<string>;
  prompt?: GatePrompt;
  /** The node's output (as it will be journaled, redacted), for `output`. */
  output?: string;
  /** Secret and PII findings in the raw output, counted by kind, for `output` (G5). */
  outputFindings?: Record<string, number>;
  /** The recorded handoff, for `handoff` (G6). */
  handoff?: { url?: string; agent: string; at?: number };
  join?: JoinResolution;
}

/** What a gate decided. */
export interface GateVerdict {
  passed: boolean;
  /** Why, in a sentence; required when it did not pass. */
  reason?: string;
  /** For G10: the node is done but needs a person's review. */
  needsReview?: boolean;
}

/** One quality gate. */
export interface QualityGate {
  id: GateId;
  name: string;
  stage: GateStage;
  check(context: GateContext): GateVerdict | Promise<GateVerdict>;
}

/** One line of the gate log (also journaled as `gate.evaluated` and kept in the run record). */
export interface GateLogEntry {
  gate: GateId;
  nodeId?: string;
  stage: GateStage;
  passed: boolean;
  /** An enforced gate that failed stops the transition; a disabled one is logged as a bypass. */
  decision: "pass" | "fail" | "bypass";
  reason?: string;
  /** Set when the gate failed asking for a person's review (G10): the node is `needs-review`, not failed. */
  needsReview?: boolean;
}
