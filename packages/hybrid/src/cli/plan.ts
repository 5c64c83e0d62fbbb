// `hybrid plan <workflow>`: validates and plans, writes nothing. Prints the waves, the critical
// path and the makespan the scheduler's `simulate` estimates for each mode (from each node's
// `estimateMs`), as text, as JSON, or as a Mermaid flowchart.
import { resolve } from "node:path";
import { simulate } from "@hybrid/scheduler";
import type { SchedulePlan } from "@hybrid/scheduler";
import { loadConfig } from "../config.js";
import type { Io } from "./io.js";
import { checkWorkflow } from "./workflow-input.js";

/** The options of `hybrid plan`. */
export interface PlanOptions {
  json: boolean;
  format: "text" | "mermaid";
  config?: string;
  maxParallel?: number;
  repoRoot?: string;
}

/** Estimated makespan of each mode, in the unit of `estimateMs` (ms). */
export interface PlanEstimates {
  sequential: { makespanMs: number };
  /** Eager scheduling under the configured caps (`--max-parallel` replaces `maxParallel`). */
  hybrid: { makespanMs: number; maxParallel: number };
  /** sequential / hybrid (1 when both are 0). */
  speedup: number;
  /** Nodes without `estimateMs`: each counted as the plan's default weight. */
  unestimated: string[];
}

/** What `hybrid plan --json` prints. */
export interface PlanDocument {
  workflowId: string;
  planHash: string;
  waves: string[][];
  /** As `planSchedule` gives it: the nodes, and the path's length in ms of `estimateMs`. */
  criticalPath: { nodes: string[]; length: number };
  sequentialOrder: string[];
  estimates: PlanEstimates;
}

function estimatesOf(plan: SchedulePlan, concurrency: { maxParallel: number; caps: Record<string, number>; maxPerWave: number | null }): PlanEstimates {
  const sequentialMs = simulate(plan, {}, { mode: "sequential", maxParallel: 1 }).makespan;
  const hybridMs = simulate(plan, {}, {
    mode: "eager",
    maxParallel: concurrency.maxParallel,
    caps: concurrency.caps,
    ...(concurrency.maxPerWave !== null ? { maxPerWave: concurrency.maxPerWave } : {}),
  }).makespan;
  return {
    sequential: { makespanMs: sequentialMs },
    hybrid: { makespanMs: hybridMs, maxParallel: concurrency.maxParallel },
    speedup: hybridMs === 0 ? 1 : sequentialMs / hybridMs,
    unestimated: plan.order.filter((id) => plan.nodes[id]!.spec.estimateMs === undefined),
  };
}

const duration = (ms: number): string => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);

function textOf(doc: PlanDocument, plan: SchedulePlan): string {
  const e = doc.estimates;
  const lines = [`${doc.workflowId}: ${plan.order.length} nodes in ${doc.waves.length} waves, plan ${doc.planHash}`];
  doc.waves.forEach((wave, index) => lines.push(`  wave ${index + 1}: ${wave.join(", ")}`));
  lines.push(`critical path: ${doc.criticalPath.nodes.join(" -> ")} (${duration(doc.criticalPath.length)})`);
  lines.push(`sequential order: ${doc.sequentialOrder.join(", ")}`);
  lines.push(`estimated makespan: sequential ${duration(e.sequential.makespanMs)}, hybrid ${duration(e.hybrid.makespanMs)} at most ${e.hybrid.maxParallel} in parallel (${e.speedup.toFixed(2)}x)`);
  if (e.unestimated.length > 0) lines.push(`  without estimateMs (counted as ${plan.config.defaultEstimateMs} ms each): ${e.unestimated.join(", ")}`);
  return lines.join("\n");
}

/** A Mermaid flowchart: one subgraph per wave, an edge per dependency, the critical path outlined. */
export function mermaidOf(plan: SchedulePlan): string {
  // Ids are `[A-Za-z0-9._-]`, but Mermaid reserves words such as `end`: nodes are named n<index>.
  const name = new Map(plan.order.map((id, index) => [id, `n${index}`]));
  const lines = ["flowchart LR"];
  plan.waves.forEach((wave, index) => {
    lines.push(`  subgraph wave${index + 1}["wave ${index + 1}"]`);
    for (const id of wave) lines.push(`    ${name.get(id)}["${id}<br/>${plan.nodes[id]!.agent}"]`);
    lines.push("  end");
  });
  for (const id of plan.order) for (const dep of plan.nodes[id]!.dependsOn) lines.push(`  ${name.get(dep)} --> ${name.get(id)}`);
  const critical = plan.criticalPath.nodes.map((id) => name.get(id)!);
  if (critical.length > 0) {
    lines.push("  classDef critical stroke:#111827,stroke-width:3px");
    lines.push(`  class ${critical.join(",")} critical`);
  }
  return lines.join("\n");
}

/** Runs `hybrid plan`; returns the exit code. */
export async function planCommand(workflowPath: string, options: PlanOptions, io: Io): Promise<number> {
  const loaded = await loadConfig(options.config !== undefined ? { file: options.config } : {});
  const { plan } = await checkWorkflow(workflowPath, resolve(options.repoRoot ?? "."));
  const concurrency = { ...loaded.config.concurrency, ...(options.maxParallel !== undefined ? { maxParallel: options.maxParallel } : {}) };
  const doc: PlanDocument = {
    workflowId: plan.workflowId,
    planHash: plan.planHash,
    waves: plan.waves,
    criticalPath: { nodes: [...plan.criticalPath.nodes], length: plan.criticalPath.length },
    sequentialOrder: plan.sequentialOrder,
    estimates: estimatesOf(plan, concurrency as Parameters<typeof estimatesOf>[1]),
  };
  await io.result(doc, options.format === "mermaid" ? mermaidOf(plan) : textOf(doc, plan));
  return 0;
}
