// The main job: the example epic through everything built so far.
//   pnpm demo [workflow.yaml]
// It validates and plans the workflow, then runs it twice with seeded simulated agents: once in
// the legacy sequential mode (one agent at a time, full history in every prompt) and once in
// hybrid mode (eager parallel dispatch under caps, prompts from the memory hierarchy under a 20K
// cap). Both runs are journaled, every handoff lands in the offline ledger, and telemetry records
// both runs and reports the difference. State goes to .hybrid/demo/.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRedactor } from "@hybrid/context";
import { createDispatchController, createLedgerSink } from "@hybrid/dispatch";
import { buildGraph, isGraphValidationError, isWorkflowLoadError, loadWorkflow } from "@hybrid/graph";
import { createFileCheckpointStore, renderPostMortemMarkdown } from "@hybrid/resilience";
import { planSchedule, simulate } from "@hybrid/scheduler";
import { buildReport, createJsonlRunStore, createTelemetry, renderDashboard, renderTerminalTable, type RunRecord, type Telemetry } from "@hybrid/telemetry";
import { createDemoContext } from "./lib/demo-context.js";
import { createDemoRunner } from "./lib/demo-runner.js";

const file = process.argv[2] ?? fileURLToPath(new URL("./workflows/hybrid-epic.yaml", import.meta.url));
const stateDir = resolve(".hybrid/demo");
const MAX_PARALLEL = 4;
const SEED = 7;

async function main(): Promise<void> {
  const workflow = await loadWorkflow(file);
  const plan = planSchedule(buildGraph(workflow));
  const contentHash = createHash("sha256").update(readFileSync(file)).digest("hex");
  console.log(`hybrid demo: ${plan.workflowId}, ${plan.order.length} nodes in ${plan.waves.length} waves, plan ${plan.planHash.slice(0, 12)}`);
  plan.waves.forEach((wave, index) => console.log(`  wave ${index}: ${wave.join(", ")}`));
  console.log(`  critical path: ${plan.criticalPath.nodes.join(" → ")}`);
  const estimate = (mode: "sequential" | "eager") => simulate(plan, {}, { mode, maxParallel: MAX_PARALLEL }).makespan / 60_000;
  console.log(`  planned with estimates: sequential ${estimate("sequential").toFixed(1)} min, eager ${estimate("eager").toFixed(1)} min\n`);

  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const redact = createRedactor();
  const runStore = createJsonlRunStore({ dir: stateDir, redact });
  let telemetry: Telemetry | undefined;
  const context = createDemoContext({
    plan,
    repoRoot: fileURLToPath(new URL("./repo/", import.meta.url)),
    cacheDir: join(stateDir, "cache"),
    onContextEvent: (event) => telemetry?.handle(event),
  });
  // Model time: ~1 min per agent plus prompt and output; 1 model minute runs in 30 real ms.
  const runner = createDemoRunner({ seed: SEED, baseMs: 60_000, perInputTokenMs: 4, perOutputTokenMs: 30, outputTokens: 1_500, transientFailureRate: 0.1, timeScale: 0.0005 });

  const records: RunRecord[] = [];
  for (const mode of ["sequential", "hybrid"] as const) {
    const runId = `demo-${mode}`;
    telemetry = createTelemetry({ sinks: [runStore], redact });
    telemetry.startRun({
      mode,
      flags: { hybrid_orchestration_enabled: mode === "hybrid", parallel_graph_enabled: mode === "hybrid", memory_hierarchy_enabled: mode === "hybrid" },
      strategyReason: mode === "hybrid" ? "demo: all hybrid flags on" : "demo: legacy baseline",
      workflowContentHash: contentHash,
      seeded: true,
      runnerSeed: SEED,
    });
    const outputs = new Map<string, string>();
    const current = telemetry;
    const controller = createDispatchController({
      maxParallel: mode === "hybrid" ? MAX_PARALLEL : 1,
      redact,
      handoffSink: createLedgerSink({ dir: stateDir }),
      resilience: { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } },
      onEvent: [(event) => event.type === "node.succeeded" && outputs.set(event.nodeId, event.output), (event) => current.handle(event)],
    });
    const result = await controller.run(plan, {
      runId,
      runner,
      mode: "eager",
      store: createFileCheckpointStore({ dir: stateDir, redact }),
      prepare: async (node) => {
        const prepared = await context.prompt(node, outputs, runId, mode);
        current.handle({ type: "context.composed", runId, at: Date.now(), nodeId: node.id, ...prepared, prompt: undefined });
        return { prompt: prepared.prompt };
      },
    });
    const record = await current.finish();
    records.push(record);
    const m = record.metrics;
    console.log(
      `${mode.padEnd(10)} ${result.status}: ${(m.duration_ms / 1000).toFixed(2)} s, ${m.token_input.toLocaleString("en")} prompt tokens, ` +
        `${m.wave_count} waves, parallelism ${m.parallelism_ratio.toFixed(2)}, ${m.retry_count} retries, L3 cache hits ${m.cache_hit_l3}`,
    );
    if (result.postMortem) console.log(renderPostMortemMarkdown(result.postMortem));
  }
  context.estimator.dispose?.();

  const report = buildReport(records);
  console.log(`\n${renderTerminalTable(report)}`);
  writeFileSync(join(stateDir, "dashboard.html"), renderDashboard(records, { title: `hybrid demo: ${plan.workflowId}` }));
  console.log(`\njournals, ledger, run records and dashboard: ${stateDir}`);
}

main().catch((error: unknown) => {
  if (isGraphValidationError(error) || isWorkflowLoadError(error)) {
    console.error(error.message);
    process.exit(isWorkflowLoadError(error) ? 66 : 65);
  }
  throw error;
});
