// Per-node prompts for the demo: the memory hierarchy for hybrid mode, the full history for the
// legacy sequential baseline. Both are measured, so telemetry can report the savings.
import {
  composeContext,
  composeFullContext,
  createDocsProvider,
  createFileContextCache,
  createHandoffProvider,
  createTiktokenEstimator,
  createWorkItemProvider,
  loadContext,
  type ContextEvent,
  type UpstreamOutput,
} from "@hybrid/context";
import type { PlannedNode, SchedulePlan } from "@hybrid/scheduler";

export interface DemoContextOptions {
  plan: SchedulePlan;
  repoRoot: string;
  cacheDir: string;
  onContextEvent: (event: ContextEvent) => void;
  /** The demo's model-time clock, so context events line up with the run's. */
  clock: () => Date;
}

/** Every ancestor of a node with its distance (1 = direct dependency), nearest first. */
function ancestorsByDistance(plan: SchedulePlan, id: string): Map<string, number> {
  const distance = new Map<string, number>();
  let frontier = [...plan.nodes[id]!.dependsOn];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const dep of frontier) {
      if (distance.has(dep)) continue;
      distance.set(dep, d);
      next.push(...plan.nodes[dep]!.dependsOn);
    }
    frontier = next;
  }
  return distance;
}

export function createDemoContext({ plan, repoRoot, cacheDir, onContextEvent, clock }: DemoContextOptions) {
  const estimator = createTiktokenEstimator({ encoding: "cl100k_base" });
  const cache = createFileContextCache({ dir: cacheDir });
  const targeted = [
    createWorkItemProvider(),
    createHandoffProvider(),
    createDocsProvider({ root: repoRoot, cache, onEvent: onContextEvent, clock }),
  ];
  // The legacy mode sends whole documents.
  const everything = [targeted[0]!, targeted[1]!, createDocsProvider({ root: repoRoot, maxTokensPerFile: 10_000_000 })];

  return {
    estimator,
    /**
     * Builds both prompts for a node from the outputs so far (in completion order) and returns the
     * one `mode` sends. The legacy agent re-reads the whole history of the run; the hybrid agent gets
     * its ancestors' handoffs, nearest first, under the cap.
     */
    async prompt(node: PlannedNode, outputs: ReadonlyMap<string, string>, runId: string, mode: "hybrid" | "sequential") {
      const distances = ancestorsByDistance(plan, node.id);
      const history: UpstreamOutput[] = [...outputs].map(([id, output], index) => ({
        nodeId: id,
        agent: plan.nodes[id]!.agent,
        output,
        distance: distances.get(id) ?? outputs.size - index + distances.size,
      }));
      const baseline = composeFullContext(await loadContext(everything, { node: node.spec, upstream: history, runId }), { estimator });
      if (mode === "sequential") return { prompt: baseline.prompt, promptTokens: baseline.tokens, baselineTokens: baseline.tokens, redactions: {} };
      const request = { node: node.spec, upstream: history.filter((entry) => distances.has(entry.nodeId)), runId };
      const events = { runId, nodeId: node.id, onEvent: onContextEvent };
      const composed = composeContext(await loadContext(targeted, request, { onEvent: onContextEvent, clock }), { hardCap: 20_000, estimator, events });
      return { prompt: composed.prompt, promptTokens: composed.tokens, baselineTokens: baseline.tokens, redactions: composed.findingsByKind };
    },
  };
}
