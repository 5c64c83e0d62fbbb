// Re-running: the same workflow run again and again with the same seeded simulated agent, and what
// each run's journal says it did (plan hash, waves, dispatch order, completion order), compared.
import type { DispatchEvent } from "@hybrid/dispatch";
import type { WorkflowSource } from "@hybrid/hybrid";
import type { SchedulePlan } from "@hybrid/scheduler";
import type { CaseLimits } from "./cases.js";
import { runWorkflow, simulatedAgent } from "./library-run.js";
import type { Mode } from "./library-run.js";
import { completionOrder, dispatchOrder, replayAdmission } from "./oracles.js";
import type { ModelNode } from "./oracles.js";

/** What the comparison needs of a plan: its order and, per node, what the admission rule reads. */
export interface ModelPlan {
  order: readonly string[];
  nodes: Readonly<Record<string, ModelNode>>;
}

/** What one run's journal says it did. */
export interface RunTrace {
  planHash: string;
  waves: string[][];
  dispatch: string[];
  completion: Array<{ id: string; ok: boolean }>;
  status: string;
}

/** The trace of a run, from its events only. */
export function traceOf(events: readonly DispatchEvent[], status: string): RunTrace {
  const started = events.find((e) => e.type === "run.started");
  const waves: string[][] = [];
  for (const e of events) if (e.type === "wave.started") waves[e.wave] = [...e.nodeIds];
  return { planHash: started?.type === "run.started" ? started.planHash : "", waves, dispatch: dispatchOrder(events), completion: completionOrder(events), status };
}

/** How a series of reruns of one workflow in one mode agreed with itself. */
export interface RerunSummary {
  runs: number;
  /** Runs whose plan hash and waves equal the first run's. */
  samePlan: number;
  /** Runs whose dispatch order equals the first run's. */
  sameDispatch: number;
  /** Runs whose dispatch order is what the admission model gives for their completion order. */
  modelMatches: number;
  /** Of the model mismatches, those where only nodes admitted at the same moment were journaled in another order. */
  withinFillOnly: number;
  /** Pairs of runs with the same completion order, and how many of them had the same dispatch order. */
  equalCompletionPairs: number;
  equalCompletionSameDispatch: number;
  distinctDispatchOrders: number;
  examples: string[];
}

/** Runs `workflow` `runs` times in `mode` with the same seed, and compares the traces. */
export async function rerun(
  workflow: WorkflowSource,
  plan: SchedulePlan,
  options: { mode: Mode; runs: number; seed: number; limits: CaseLimits; stateDir: string; runPrefix: string; timeScale: number; repoRoot?: string },
): Promise<{ traces: RunTrace[]; summary: RerunSummary }> {
  const traces: RunTrace[] = [];
  const none = { throwing: new Set<string>(), reviewing: new Set<string>() };
  for (let i = 0; i < options.runs; i++) {
    const run = await runWorkflow(options.mode, workflow, {
      runner: simulatedAgent(options.seed, options.timeScale, none),
      limits: options.limits,
      stateDir: options.stateDir,
      seed: options.seed,
      runId: `${options.runPrefix}-${options.mode}-${i}`,
      ...(options.repoRoot !== undefined ? { repoRoot: options.repoRoot } : {}),
    });
    traces.push(traceOf(run.events, run.result.status));
  }
  return { traces, summary: compareTraces(traces, plan, options.mode === "sequential" ? { ...options.limits, maxParallel: 1 } : options.limits) };
}

/** Compares traces with the first one, with the admission model, and with each other by completion order. Pure. */
export function compareTraces(traces: readonly RunTrace[], plan: ModelPlan, limits: CaseLimits): RerunSummary {
  const first = traces[0];
  const key = (t: RunTrace) => t.dispatch.join(",");
  const examples: string[] = [];
  let modelMatches = 0;
  let withinFillOnly = 0;
  for (const [i, t] of traces.entries()) {
    const model = replayAdmission(plan.order, plan.nodes, limits, t.completion);
    if (model.join(",") === key(t)) {
      modelMatches++;
      continue;
    }
    if (sameUpToFills(model, t.dispatch, plan, limits, t.completion)) withinFillOnly++;
    if (examples.length < 3) examples.push(`run ${i}: journal ${t.dispatch.join(" ")} / model ${model.join(" ")}`);
  }
  let pairs = 0;
  let samePairs = 0;
  for (let a = 0; a < traces.length; a++) {
    for (let b = a + 1; b < traces.length; b++) {
      if (JSON.stringify(traces[a]!.completion) !== JSON.stringify(traces[b]!.completion)) continue;
      pairs++;
      if (key(traces[a]!) === key(traces[b]!)) samePairs++;
    }
  }
  const samePlan = (t: RunTrace) => first !== undefined && t.planHash === first.planHash && JSON.stringify(t.waves) === JSON.stringify(first.waves);
  return {
    runs: traces.length,
    samePlan: traces.filter(samePlan).length,
    sameDispatch: traces.filter((t) => first !== undefined && key(t) === key(first)).length,
    modelMatches,
    withinFillOnly,
    equalCompletionPairs: pairs,
    equalCompletionSameDispatch: samePairs,
    distinctDispatchOrders: new Set(traces.map(key)).size,
    examples,
  };
}

/**
 * Whether the journal's dispatch order is the model's up to the order inside each fill: the model's
 * fills (the nodes it admits at the same moment) appear in the journal fill after fill, each as a
 * set. A diagnosis of a mismatch, never a pass.
 */
function sameUpToFills(model: readonly string[], journal: readonly string[], plan: ModelPlan, limits: CaseLimits, completion: RunTrace["completion"]): boolean {
  if (model.length !== journal.length) return false;
  const fills = fillIndex(plan, limits, completion);
  let last = -1;
  for (const id of journal) {
    const fill = fills.get(id);
    if (fill === undefined || fill < last) return false;
    last = fill;
  }
  return new Set(model).size === new Set(journal).size && model.every((id) => journal.includes(id));
}

/** For each node the model dispatches, after how many completions it does so. */
function fillIndex(plan: ModelPlan, limits: CaseLimits, completion: RunTrace["completion"]): Map<string, number> {
  const at = new Map<string, number>();
  for (let k = 0; k <= completion.length; k++) {
    for (const id of replayAdmission(plan.order, plan.nodes, limits, completion.slice(0, k))) if (!at.has(id)) at.set(id, k);
  }
  return at;
}
