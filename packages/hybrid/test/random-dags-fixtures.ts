// Both orchestrators on one random DAG, and every property they must hold on it, for the random-DAG
// suites (a reduced run in the default suite, the full 200 in the slow one). The oracles are
// independent of the code under test: the expected status of every node is computed here from the
// graph and the nodes told to fail; concurrency is read twice, from the agent's own counters and
// from the journaled events.
import type { AgentTask, DispatchEvent } from "@hybrid/dispatch";
import { buildGraph } from "@hybrid/graph";
import type { Priority } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import { TEST_PRIORITIES, ancestors, expectedStatuses, generateDag, journalPeaks, orderViolations, permuteWorkflow, seededRandom } from "@hybrid/test-utils";
import type { DagShape, GeneratedWorkflow } from "@hybrid/test-utils";
import { expect } from "vitest";
import { HybridOrchestrator, SequentialOrchestrator } from "../src/index.js";
import type { NodeStatus, RunResult } from "../src/index.js";
import { HYBRID_ON, checklistAgent, failingOn, ramStateDir } from "./support.js";

const SHAPES: readonly DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];

/** One generated case: the DAG, the caps it runs under, and the nodes that will not succeed. */
export interface DagCase {
  index: number;
  seed: number;
  workflow: GeneratedWorkflow;
  maxParallel: number;
  caps: Partial<Record<Priority, number>>;
  maxPerWave: number | null;
  /** Their agent fails for good (permanent error): status `failed`. */
  throwing: Set<string>;
  /** Their agent leaves an acceptance criterion unticked (G10): status `needs-review`. */
  reviewing: Set<string>;
}

/** The `index`-th case of a suite seeded `base`: every shape in turn, sizes up to `maxSize`. */
export function dagCase(base: number, index: number, maxSize: number): DagCase {
  const seed = base + index * 7919;
  const random = seededRandom(seed);
  // Nearby seeds start xoroshiro128+ in nearby states: its first draws are alike. Let it mix first.
  for (let i = 0; i < 16; i++) random();
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const workflow = generateDag(SHAPES[index % SHAPES.length]!, int(2, maxSize), seed, { degree: int(1, 4) });
  const caps: DagCase["caps"] = {};
  for (const priority of TEST_PRIORITIES) if (random() < 0.4) caps[priority] = int(1, 3);
  const maxPerWave = random() < 0.25 ? int(1, 3) : null;
  const ids = workflow.nodes.map((node) => node.id).sort();
  const failures = ids.length < 3 ? 0 : int(0, 3);
  const throwing = new Set<string>();
  const reviewing = new Set<string>();
  for (let k = 0; k < failures; k++) {
    const id = ids[int(0, ids.length - 1)]!;
    if (!throwing.has(id) && !reviewing.has(id)) (random() < 0.5 ? throwing : reviewing).add(id);
  }
  return { index, seed, workflow, maxParallel: int(1, 5), caps, maxPerWave, throwing, reviewing };
}

/** Everything observed of one run. */
export interface ModeRun {
  result: RunResult;
  events: DispatchEvent[];
  peak: number;
  peakByClass: Map<string, number>;
}

/** A gate decision as both modes must make it: gate, stage, node, decision and reason. */
const decisions = (result: RunResult): string[] =>
  result.gates.map((g) => [g.gate, g.stage, g.nodeId ?? "-", g.decision, g.needsReview ? "review" : "", g.reason ?? ""].join(" | ")).sort();

/** The checklist agent, leaving one criterion unticked on `reviewing` and failing for good on `throwing`. */
function caseAgent(c: DagCase) {
  const review = (task: AgentTask, output: string) => (c.reviewing.has(task.nodeId) ? output.replace("- [x] ", "- [ ] ") : output);
  const agent = checklistAgent({ seed: c.seed, timeScale: 0.0004, transform: review });
  return failingOn(agent, c.throwing);
}

async function runMode(kind: "sequential" | "hybrid", c: DagCase): Promise<ModeRun> {
  const agent = caseAgent(c);
  const events: DispatchEvent[] = [];
  const warnings: string[] = [];
  const config = {
    ...HYBRID_ON,
    concurrency: { maxParallel: c.maxParallel, caps: c.caps, maxPerWave: c.maxPerWave },
    // A breaker opened by a few failing nodes of one agent would defer the rest: not what this suite is about.
    resilience: { breaker: { consecutiveFailures: 100 } },
  };
  const options = { runner: agent, stateDir: await ramStateDir(), config, seed: c.seed, onEvent: (e: DispatchEvent) => events.push(e), onWarning: (w: string) => warnings.push(w) };
  const orchestrator = kind === "sequential" ? new SequentialOrchestrator(options) : new HybridOrchestrator(options);
  // The hybrid run gets the same DAG declared in another order: the plan, and so every decision, is the same.
  const workflow = kind === "sequential" ? c.workflow : permuteWorkflow(c.workflow, c.seed + 1);
  const result = await orchestrator.execute(workflow, { runId: `dag-${c.index}-${kind}` });
  expect(warnings, `${kind}: warnings`).toEqual([]);
  expect(result.mode).toBe(kind);
  return { result, events, peak: agent.recording.peak, peakByClass: agent.recording.peakByClass };
}

/** What a case showed, for the suite's own sanity checks (the properties were not vacuous). */
export interface CaseStats {
  nodes: number;
  failures: number;
  blocked: number;
  hybridPeak: number;
  capReached: boolean;
}

/** Runs the case in both modes and checks every property; throws (a vitest failure) naming the case. */
export async function checkCase(c: DagCase): Promise<CaseStats> {
  const plan = planSchedule(buildGraph(c.workflow as Parameters<typeof buildGraph>[0]));
  const expected = expectedStatuses(plan, c);
  const label = `DAG #${c.index} (${c.workflow.id}, ${plan.order.length} nodes, maxParallel ${c.maxParallel}, caps ${JSON.stringify(c.caps)}, maxPerWave ${c.maxPerWave})`;
  const runs = { sequential: await runMode("sequential", c), hybrid: await runMode("hybrid", c) };
  for (const [kind, run] of Object.entries(runs)) {
    const at = `${label}, ${kind}`;
    const { result, events } = run;
    // Dependencies respected: nobody dispatched before each of its dependencies succeeded, nobody twice.
    expect(orderViolations(events, plan), at).toEqual([]);
    // Caps respected, by the agent's count and by the journal's.
    const journal = journalPeaks(events);
    const limit = kind === "sequential" ? 1 : c.maxParallel;
    expect(run.peak, `${at}: agents at once`).toBeLessThanOrEqual(limit);
    expect(journal.peak, `${at}: journaled nodes at once`).toBeLessThanOrEqual(limit);
    if (kind === "sequential") expect(run.peak, at).toBe(1);
    for (const [priority, cap] of Object.entries(c.caps)) {
      expect(run.peakByClass.get(priority) ?? 0, `${at}: ${priority} agents at once`).toBeLessThanOrEqual(cap);
      expect(journal.byClass.get(priority) ?? 0, `${at}: journaled ${priority} nodes at once`).toBeLessThanOrEqual(cap);
    }
    if (c.maxPerWave !== null && kind === "hybrid") for (const [wave, n] of journal.byWave) expect(n, `${at}: wave ${wave} at once`).toBeLessThanOrEqual(c.maxPerWave);
    // Statuses: what the graph says, in both modes.
    const statuses = new Map(Object.entries(result.nodes).map(([id, node]) => [id, node.status]));
    expect(statuses, at).toEqual(expected);
    // Every failure reported: in the status, the post-mortem and the gate log (G8 passes).
    const bad = [...expected].filter(([, status]) => status !== "succeeded");
    expect(result.status, at).toBe(bad.length === 0 ? "succeeded" : "failed");
    expect(result.gates.find((g) => g.gate === "G8"), at).toMatchObject({ decision: "pass" });
    if (bad.length === 0) {
      expect(result.postMortem, at).toBeUndefined();
      continue;
    }
    const postMortem = result.postMortem!;
    expect(postMortem, at).toBeDefined();
    const of = (status: NodeStatus) => bad.filter(([, s]) => s === status).map(([id]) => id).sort();
    expect(postMortem.failed.map((f) => f.node).sort(), at).toEqual([...of("failed"), ...of("needs-review")].sort());
    for (const failure of postMortem.failed) expect(failure.category, `${at}: ${failure.node}`).toBe(expected.get(failure.node) === "failed" ? "permanent" : "needs-review");
    expect(postMortem.blocked.map((b) => b.node).sort(), at).toEqual(of("blocked"));
    for (const { node, blockedBy } of postMortem.blocked) {
      // Blocked by a node that failed (not one that was itself blocked), upstream of it.
      expect(["failed", "needs-review"], `${at}: ${node} blocked by ${blockedBy}`).toContain(expected.get(blockedBy));
      expect(ancestors(plan, node).has(blockedBy), `${at}: ${blockedBy} is upstream of ${node}`).toBe(true);
    }
    expect(postMortem.completed.sort(), at).toEqual([...expected].filter(([, s]) => s === "succeeded").map(([id]) => id).sort());
    expect(postMortem.unfinished, at).toEqual([]);
    expect(result.escalationUrl, `${at}: the failed run was escalated`).toMatch(/^ledger:\/\/.*%3Aescalation$/);
  }
  // The same gates, at the same stages, for the same nodes, with the same decisions and reasons.
  expect(decisions(runs.hybrid.result), label).toEqual(decisions(runs.sequential.result));
  return {
    nodes: plan.order.length,
    failures: c.throwing.size + c.reviewing.size,
    blocked: [...expected.values()].filter((s) => s === "blocked").length,
    hybridPeak: runs.hybrid.peak,
    capReached: c.maxParallel > 1 && runs.hybrid.peak === c.maxParallel,
  };
}

/** Runs `count` cases of a suite and checks that, taken together, they exercised what they claim to. */
export async function checkSuite(base: number, count: number, maxSize: number): Promise<CaseStats[]> {
  const stats: CaseStats[] = [];
  for (let index = 0; index < count; index++) stats.push(await checkCase(dagCase(base, index, maxSize)));
  // Not vacuous: hybrid really ran nodes side by side and up to its global cap, and nodes failed
  // and blocked their descendants.
  expect(stats.filter((s) => s.hybridPeak > 1).length).toBeGreaterThan(count / 4);
  expect(stats.some((s) => s.capReached)).toBe(true);
  expect(stats.filter((s) => s.failures > 0).length).toBeGreaterThan(count / 4);
  expect(stats.some((s) => s.blocked > 0)).toBe(true);
  return stats;
}
