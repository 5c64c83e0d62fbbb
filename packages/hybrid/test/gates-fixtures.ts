// Crafted workflows and gate contexts for the gate tests.
import { WorkflowSchema, type NodeSpec, type WorkflowInput, type WorkflowSpec } from "@hybrid/graph";
import { planSchedule, type SchedulePlan } from "@hybrid/scheduler";
import type { GateContext, GateStage } from "../src/index.js";

/** A small review workflow: design → (api, threat) → review (a join), plus docs after api. */
export const REVIEW: WorkflowSpec = WorkflowSchema.parse({
  id: "review-flow",
  nodes: [
    {
      id: "design",
      agent: "architect",
      priority: "architecture",
      scope: "Design the rate limiter",
      acceptance: ["ADR merged with the token bucket model", "Limits documented per endpoint"],
      dependsOn: [],
      outputs: ["adr-0007"],
    },
    {
      id: "api",
      agent: "backend",
      priority: "implementation",
      scope: "Implement the limiter",
      acceptance: ["Rate limiting returns 429 when over quota", "No secrets are logged"],
      dependsOn: ["design"],
      outputs: ["@hybrid/limiter", "design doc"],
    },
    {
      id: "threat",
      agent: "security",
      priority: "security",
      scope: "Threat model",
      acceptance: ["Every sink is listed with its redaction point"],
      dependsOn: ["design"],
    },
    {
      id: "docs",
      agent: "writer",
      priority: "docs",
      scope: "Write the docs",
      acceptance: ["README updated"],
      dependsOn: ["api"],
    },
    {
      id: "review",
      agent: "quality",
      priority: "architecture",
      scope: "Join the branches",
      acceptance: ["Sign-off recorded"],
      dependsOn: ["api", "threat"],
      join: { policy: "merge-with-rules", rules: ["security wins on auth"] },
    },
  ],
} satisfies WorkflowInput);

/** The plan of REVIEW; gates never read it, so invalid workflows borrow it. */
export const PLAN: SchedulePlan = planSchedule(REVIEW);

/** A node of REVIEW by id. */
export function nodeOf(id: string): NodeSpec {
  const node = REVIEW.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
}

/** A workflow from raw (possibly invalid) data, as a parsed spec would be handed over. */
export function rawWorkflow(data: unknown): WorkflowSpec {
  return data as WorkflowSpec;
}

/** A gate context for a stage, with REVIEW and its plan unless overridden. */
export function contextAt(stage: GateStage, fields: Partial<GateContext> = {}): GateContext {
  return { stage, runId: "run-1", mode: "hybrid", workflow: REVIEW, plan: PLAN, ...fields };
}

/** Statuses as a Map. */
export function statuses(entries: Record<string, NonNullable<GateContext["statuses"]> extends ReadonlyMap<string, infer S> ? S : never>) {
  return new Map(Object.entries(entries));
}

/** A GitHub token the built-in detectors find (github-token). */
export const GITHUB_TOKEN = `ghp_${"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}`;
/** An AWS access key id the built-in detectors find, and a documented example projects allow-list. */
export const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";

/** Milliseconds `fn` took (for generous bounds only, never tight comparisons). */
export function timed(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}
