// Graph planning alone: load a workflow, validate it, plan waves and the critical path, and
// compare wave, eager and sequential makespans by simulation. Only @hybrid/graph and
// @hybrid/scheduler are used.
//   pnpm tsx --conditions=@hybrid/source examples/plan-only.ts [workflow.yaml]
import { fileURLToPath } from "node:url";
import { buildGraph, isGraphValidationError, loadWorkflow } from "@hybrid/graph";
import { planSchedule, simulate } from "@hybrid/scheduler";

const file = process.argv[2] ?? fileURLToPath(new URL("./workflows/hybrid-epic.yaml", import.meta.url));

try {
  const graph = buildGraph(await loadWorkflow(file));
  const plan = planSchedule(graph);
  console.log(`workflow ${plan.workflowId}: ${graph.size} nodes, ${graph.edgeCount} edges, plan ${plan.planHash.slice(0, 12)}`);
  plan.waves.forEach((wave, i) => console.log(`  wave ${i}: ${wave.join(", ")}`));
  console.log(`  critical path (${plan.criticalPath.length} ms): ${plan.criticalPath.nodes.join(" → ")}`);
  const durations = Object.fromEntries(plan.order.map((id) => [id, plan.nodes[id]!.spec.estimateMs ?? 1]));
  for (const mode of ["sequential", "wave", "eager"] as const) {
    const result = simulate(plan, durations, { maxParallel: 4, mode });
    console.log(`  ${mode.padEnd(10)} makespan ${(result.makespan / 1000).toFixed(0)} s (lower bound ${(result.lowerBound / 1000).toFixed(0)} s)`);
  }
} catch (error) {
  if (isGraphValidationError(error)) {
    console.error(error.message);
    process.exit(3);
  }
  throw error;
}
