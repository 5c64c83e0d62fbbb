// One synthetic DAG in both modes, and what each run showed against the oracles: dependency order and
// duplicates from the journaled events, caps from the journal and from the agent's own counts, and
// every node's status against what the graph alone says it must be.
import { buildGraph } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import { expectedStatuses, journalPeaks, orderViolations } from "@hybrid/test-utils";
import type { DagCase } from "./cases.js";
import { runWorkflow, simulatedAgent } from "./library-run.js";
import type { Mode } from "./library-run.js";
import { capViolations } from "./oracles.js";

/** What one run of one case showed. */
export interface RunFindings {
  mode: Mode;
  nodes: number;
  dispatched: number;
  dependencyViolations: string[];
  duplicates: string[];
  /** Global cap exceeded, in the journal or by the agent's count. */
  globalViolations: string[];
  /** A class or wave cap exceeded. */
  classWaveViolations: string[];
  statusMismatches: string[];
  journalPeak: number;
  cap: number;
  /** A class cap was reached (some class ran at its cap). */
  classCapReached: boolean;
  failedOrReview: number;
  blocked: number;
  warnings: string[];
}

/** Runs `c` in both modes (the hybrid run gets nothing else: same DAG, same caps, same seed). */
export async function checkCase(c: DagCase, options: { stateDir: string; timeScale: number; runPrefix: string }): Promise<RunFindings[]> {
  const plan = planSchedule(buildGraph(c.workflow as Parameters<typeof buildGraph>[0]));
  const expected = expectedStatuses(plan, c);
  const findings: RunFindings[] = [];
  for (const mode of ["sequential", "hybrid"] as const) {
    const agent = simulatedAgent(c.seed, options.timeScale, c);
    const run = await runWorkflow(mode, c.workflow, { runner: agent, limits: c, stateDir: options.stateDir, seed: c.seed, runId: `${options.runPrefix}-${c.index}-${mode}` });
    // A sequential run has one agent at a time whatever the caps say.
    const limits = mode === "sequential" ? { ...c, maxParallel: 1 } : c;
    const order = orderViolations(run.events, plan);
    const caps = capViolations(run.events, limits);
    const global = caps.filter((v) => v.kind === "global").map((v) => v.message);
    if (agent.count.peak > limits.maxParallel) global.push(`agent counted ${agent.count.peak} at once, cap ${limits.maxParallel}`);
    const classWave = caps.filter((v) => v.kind !== "global").map((v) => v.message);
    for (const [priority, cap] of Object.entries(c.caps)) {
      const peak = agent.count.byKey.get(priority) ?? 0;
      if (cap !== undefined && peak > cap) classWave.push(`agent counted ${peak} ${priority} at once, cap ${cap}`);
    }
    const peaks = journalPeaks(run.events);
    const statuses = Object.entries(run.result.nodes).map(([id, node]) => [id, node.status] as const);
    const mismatches = statuses.filter(([id, status]) => expected.get(id) !== status).map(([id, status]) => `${id}: ${status}, graph says ${expected.get(id) ?? "not a node"}`);
    if (statuses.length !== expected.size) mismatches.push(`${statuses.length} nodes in the result, ${expected.size} in the graph`);
    const wanted = [...expected.values()];
    findings.push({
      mode,
      nodes: plan.order.length,
      dispatched: run.events.filter((e) => e.type === "node.dispatched").length,
      dependencyViolations: order.filter((v) => !v.endsWith("dispatched twice")),
      duplicates: order.filter((v) => v.endsWith("dispatched twice")),
      globalViolations: global,
      classWaveViolations: classWave,
      statusMismatches: mismatches,
      journalPeak: peaks.peak,
      cap: limits.maxParallel,
      classCapReached: Object.entries(c.caps).some(([priority, cap]) => (peaks.byClass.get(priority) ?? 0) === cap),
      failedOrReview: wanted.filter((s) => s === "failed" || s === "needs-review").length,
      blocked: wanted.filter((s) => s === "blocked").length,
      warnings: run.warnings,
    });
  }
  return findings;
}
