// One run of a workload: through the library orchestrators (sequential = the legacy mode, hybrid
// on for everyone), or through @hybrid/dispatch directly in wave or eager mode.
import type { TokenEstimator } from "@hybrid/context";
import { createDispatchController } from "@hybrid/dispatch";
import type { DispatchResult } from "@hybrid/dispatch";
import { buildGraph, parseWorkflow } from "@hybrid/graph";
import { HybridOrchestrator, SequentialOrchestrator } from "@hybrid/hybrid";
import type { RunResult } from "@hybrid/hybrid";
import { planSchedule } from "@hybrid/scheduler";
import { newCapture, performanceAgent } from "./agent.js";
import type { Capture, LatencyModel } from "./agent.js";
import type { Workload } from "./workloads.js";

/** Hybrid on at 100% (docs/configuration.md: the flag and the rollout percentage). */
export const HYBRID_ON = { flags: { hybrid_orchestration_enabled: true }, rollout: { percentage: 100 } } as const;

export type OrchestratedMode = "sequential" | "hybrid";

export interface OrchestratedRun {
  mode: OrchestratedMode;
  runId: string;
  result: RunResult;
  capture: Capture;
}

export async function runOrchestrated(
  mode: OrchestratedMode,
  workload: Workload,
  options: { seed: number; stateDir: string; estimator: TokenEstimator; model: LatencyModel; runId: string },
): Promise<OrchestratedRun> {
  const capture = newCapture();
  const runner = performanceAgent({ seed: options.seed, model: options.model, estimator: options.estimator, facts: workload.outputFacts, capture });
  const common = {
    runner,
    stateDir: options.stateDir,
    repoRoot: workload.repoRoot,
    estimator: options.estimator,
    seed: options.seed,
    providerName: "hybrid.simulated",
    onWarning: () => undefined,
  };
  const orchestrator = mode === "hybrid" ? new HybridOrchestrator({ ...common, config: HYBRID_ON }) : new SequentialOrchestrator(common);
  const result = await orchestrator.execute(workload.workflow, { runId: options.runId });
  return { mode, runId: options.runId, result, capture };
}

export interface DispatchedRun {
  mode: "wave" | "eager";
  result: DispatchResult;
  makespanMs: number;
}

/**
 * The workload through a dispatch controller in `mode`, with the default prompt (scope, criteria,
 * direct upstream outputs) and no journal: only the admission rule differs between the modes.
 */
export async function runDispatched(
  mode: "wave" | "eager",
  workload: Workload,
  options: { seed: number; estimator: TokenEstimator; model: LatencyModel; maxParallel: number },
): Promise<DispatchedRun> {
  const plan = planSchedule(buildGraph(parseWorkflow(workload.workflow as object)));
  const runner = performanceAgent({ seed: options.seed, model: options.model, estimator: options.estimator, facts: workload.outputFacts, capture: newCapture() });
  const controller = createDispatchController({ maxParallel: options.maxParallel, seed: options.seed });
  const result = await controller.run(plan, { runner, mode });
  return { mode, result, makespanMs: result.finishedAt - result.startedAt };
}
