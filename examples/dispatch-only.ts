// @hybrid/dispatch on its own: plan the hybrid epic, run it with the simulated runner in eager mode
// under caps, with a file journal in a temp directory, and print every node's outcome.
// Run: pnpm tsx --conditions=@hybrid/source examples/dispatch-only.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redact } from "@hybrid/context";
import { createDispatchController, createLedgerSink, createSimulatedRunner } from "@hybrid/dispatch";
import type { DispatchEvent } from "@hybrid/dispatch";
import { buildGraph, loadWorkflow } from "@hybrid/graph";
import { createFileCheckpointStore } from "@hybrid/resilience";
import { planSchedule } from "@hybrid/scheduler";

const workflowFile = new URL("./workflows/hybrid-epic.yaml", import.meta.url).pathname;
const plan = planSchedule(buildGraph(await loadWorkflow(workflowFile)));
const stateDir = await mkdtemp(join(tmpdir(), "hybrid-dispatch-example-"));
// Everything written to disk goes through a redactor: any (text) => string; this is hybrid's own.
const store = createFileCheckpointStore({ dir: stateDir, redact });

// A ten-minute-ish model compressed 1000×: 1 model second = 1 real millisecond.
const runner = createSimulatedRunner({ seed: 7, baseMs: 60_000, perOutputTokenMs: 50, outputTokens: 800, transientFailureRate: 0.15, timeScale: 0.001 });
const controller = createDispatchController({
  maxParallel: 4,
  caps: { security: 1, docs: 1 },
  resilience: { retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 } },
  handoffSink: createLedgerSink({ dir: stateDir, redact }),
  redact,
  onEvent: (event: DispatchEvent) => {
    if (event.type === "node.retrying") console.log(`  retry ${event.nodeId} (attempt ${event.nextAttempt}) in ${event.delayMs} ms`);
    if (event.type === "wave.completed") console.log(`  wave ${event.wave} done: ${event.succeeded} ok, ${event.failed} failed`);
  },
});

console.log(`plan ${plan.planHash.slice(0, 12)}: ${plan.order.length} nodes in ${plan.waves.length} waves`);
const result = await controller.run(plan, { runner, store, mode: "eager" });
await store.close?.();

console.log(`\nrun ${result.runId}: ${result.status} in ${result.finishedAt - result.startedAt} ms`, result.counts);
for (const id of plan.order) {
  const outcome = result.outcomes[id]!;
  const tokens = outcome.tokens ? `${outcome.tokens.input}→${outcome.tokens.output} tokens` : "tokens unknown";
  console.log(`  ${outcome.status.padEnd(9)} ${id.padEnd(24)} ${outcome.agent.padEnd(22)} attempts=${outcome.attempts} ${tokens}`);
}
if (result.postMortem) console.log("\npost-mortem:", result.postMortem.summary);
console.log(`\njournal: ${join(stateDir, "runs", result.runId, "journal.jsonl")}`);
if (!process.argv.includes("--keep")) await rm(stateDir, { recursive: true, force: true });
