// The main job: the example epic through @hybrid/hybrid.
//   pnpm demo [workflow.yaml]
// It validates and plans the workflow, then runs it RUNS times with each orchestrator and seeded
// simulated agents: SequentialOrchestrator (the legacy mode: one agent at a time, the full history
// in every prompt) and HybridOrchestrator with hybrid on (parallel under caps, prompts from the
// memory hierarchy under a 20K cap). Run i of both modes uses the same seed, so the pairs differ only
// by mode. Every run goes through the same quality gates G1-G10, is journaled, hands off to the
// offline ledger and writes its run record; the report then says whether hybrid beats sequential,
// with N and a confidence interval, or that the data do not support a verdict. State: .hybrid/demo/.
//
// Time is simulated: agents run on a model clock (a model minute takes 30 real ms), and run i is
// dated day i of a simulated week, so durations are model time and the trends have points.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createTiktokenEstimator, redact } from "@hybrid/context";
import { buildGraph, isGraphValidationError, isWorkflowLoadError, loadWorkflow } from "@hybrid/graph";
import { HybridOrchestrator, SequentialOrchestrator } from "@hybrid/hybrid";
import { renderPostMortemMarkdown } from "@hybrid/resilience";
import { planSchedule, simulate } from "@hybrid/scheduler";
import { buildReport, createJsonlRunStore, renderDashboard, renderTerminalTable } from "@hybrid/telemetry";
import { createDemoAgent } from "./agents/demo-agent.js";

const file = process.argv[2] ?? fileURLToPath(new URL("./workflows/hybrid-epic.yaml", import.meta.url));
const repoRoot = fileURLToPath(new URL("./repo/", import.meta.url));
const stateDir = resolve(".hybrid/demo");
const MAX_PARALLEL = 4;
const SEED = 7;
/** Runs per mode: enough for the verdict's minimum of 5 matched runs each. */
const RUNS = 6;
/** Real milliseconds per model millisecond. */
const TIME_SCALE = 0.0005;
/** Model time of run i's start: 09:00 UTC on day i of a simulated week. */
const DAY_ZERO = Date.UTC(2026, 10, 2, 9);
const DAY_MS = 86_400_000;

async function main(): Promise<void> {
  const plan = planSchedule(buildGraph(await loadWorkflow(file)));
  console.log(`hybrid demo: ${plan.workflowId}, ${plan.order.length} nodes in ${plan.waves.length} waves, plan ${plan.planHash.slice(0, 12)}`);
  plan.waves.forEach((wave, index) => console.log(`  wave ${index}: ${wave.join(", ")}`));
  console.log(`  critical path: ${plan.criticalPath.nodes.join(" → ")}`);
  const estimate = (mode: "sequential" | "eager") => simulate(plan, {}, { mode, maxParallel: MAX_PARALLEL }).makespan / 60_000;
  console.log(`  planned with estimates: sequential ${estimate("sequential").toFixed(1)} min, eager ${estimate("eager").toFixed(1)} min`);
  console.log(`  ${RUNS} seeded runs per mode; agents are simulated, time is model time (1 model minute = ${(60_000 * TIME_SCALE).toFixed(0)} real ms)\n`);

  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const estimator = createTiktokenEstimator({ encoding: "cl100k_base" });
  const config = { flags: { hybrid_orchestration_enabled: true }, rollout: { percentage: 100 }, concurrency: { maxParallel: MAX_PARALLEL }, resilience: { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } } };

  for (let i = 0; i < RUNS; i++) {
    const seed = SEED + i;
    for (const mode of ["sequential", "hybrid"] as const) {
      const realStart = performance.now();
      const start = DAY_ZERO + i * DAY_MS + (mode === "hybrid" ? 3_600_000 : 0);
      const options = {
        // ~1 model minute per agent plus prompt and output; 10% of attempts fail transiently.
        runner: createDemoAgent({ seed, baseMs: 60_000, perInputTokenMs: 4, perOutputTokenMs: 30, outputTokens: 1_500, transientFailureRate: 0.1, timeScale: TIME_SCALE }),
        stateDir,
        repoRoot,
        redact,
        estimator,
        seed,
        config,
        providerName: "hybrid.simulated",
        clock: () => start + (performance.now() - realStart) / TIME_SCALE,
      };
      const orchestrator = mode === "hybrid" ? new HybridOrchestrator(options) : new SequentialOrchestrator(options);
      const result = await orchestrator.execute(file, { runId: `demo-${mode}-${i + 1}` });
      const m = result.record.metrics;
      const gatesFailed = result.gates.filter((gate) => gate.decision !== "pass").length;
      console.log(
        `run ${i + 1} ${mode.padEnd(10)} ${result.status}: ${(m.duration_ms / 60_000).toFixed(1)} model min, ${m.token_input.toLocaleString("en")} prompt tokens, ` +
          `${m.wave_count} waves, parallelism ${m.parallelism_ratio.toFixed(2)}, ${m.retry_count} retries, L3 cache hits ${m.cache_hit_l3}, gates ${result.gates.length - gatesFailed}/${result.gates.length} passed`,
      );
      if (result.postMortem) console.log(renderPostMortemMarkdown(result.postMortem, { redact }));
    }
  }
  estimator.dispose?.();

  const records = await createJsonlRunStore({ dir: stateDir, redact }).query();
  const report = buildReport(records, { redact, by: "day" });
  console.log(`\n${renderTerminalTable(report)}`);
  writeFileSync(join(stateDir, "dashboard.html"), renderDashboard(records, { title: `hybrid demo: ${plan.workflowId}`, by: "day", redact }));
  console.log(`\njournals, ledger, run records and dashboard: ${stateDir}`);
}

main().catch((error: unknown) => {
  if (isGraphValidationError(error) || isWorkflowLoadError(error)) {
    console.error(error.message);
    process.exit(isWorkflowLoadError(error) ? 66 : 65);
  }
  throw error;
});
