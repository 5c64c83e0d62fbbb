// The main job: the example epic through everything built so far.
//   pnpm demo [workflow.yaml]
// Today: load and validate the workflow, plan it deterministically, and compare the simulated
// makespan of the legacy sequential mode with wave and eager parallel modes.
import { fileURLToPath } from "node:url";
import { buildGraph, isGraphValidationError, isWorkflowLoadError, loadWorkflow } from "@hybrid/graph";
import { planSchedule, simulate } from "@hybrid/scheduler";

const file = process.argv[2] ?? fileURLToPath(new URL("./workflows/hybrid-epic.yaml", import.meta.url));
const MAX_PARALLEL = 4;

async function main(): Promise<void> {
  const workflow = await loadWorkflow(file);
  const graph = buildGraph(workflow);
  const plan = planSchedule(graph);

  console.log(`hybrid demo: ${plan.workflowId} (${workflow.taskType ?? "untyped"}), ${graph.size} nodes, ${graph.edgeCount} dependencies`);
  console.log(`plan ${plan.planHash}\n`);
  plan.waves.forEach((wave, index) => {
    const items = wave.map((id) => `${id} [${plan.nodes[id]!.priority}/${plan.nodes[id]!.agent}]`);
    console.log(`wave ${index}  ${items.join("\n        ")}`);
  });
  console.log(`\ncritical path: ${plan.criticalPath.nodes.join(" → ")} (${(plan.criticalPath.length / 60_000).toFixed(1)} min)`);
  console.log(`sequential order: ${plan.sequentialOrder.join(", ")}\n`);

  const sequential = simulate(plan, {}, { mode: "sequential" });
  console.log(`simulated with estimates, MAX_PARALLEL_AGENTS=${MAX_PARALLEL}:`);
  console.log(`  sequential  ${(sequential.makespan / 60_000).toFixed(1)} min`);
  for (const mode of ["wave", "eager"] as const) {
    const run = simulate(plan, {}, { mode, maxParallel: MAX_PARALLEL });
    const saved = (1 - run.makespan / sequential.makespan) * 100;
    console.log(
      `  ${mode.padEnd(10)}  ${(run.makespan / 60_000).toFixed(1)} min  (${saved.toFixed(0)}% faster; lower bound ${(run.lowerBound / 60_000).toFixed(1)} min)`,
    );
  }
}

main().catch((error: unknown) => {
  if (isGraphValidationError(error) || isWorkflowLoadError(error)) {
    console.error(error.message);
    process.exit(isWorkflowLoadError(error) ? 66 : 65);
  }
  throw error;
});
