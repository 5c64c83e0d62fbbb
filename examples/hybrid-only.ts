// @hybrid/hybrid from code: load the config (hybrid on for this example), run the example epic
// with simulated agents, print the result. Run: pnpm tsx --conditions=@hybrid/source examples/hybrid-only.ts
import { fileURLToPath } from "node:url";
import { HybridOrchestrator, createSimulatedAgent, loadConfig } from "@hybrid/hybrid";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const loaded = await loadConfig({ env: { ...process.env, HYBRID_ORCHESTRATION_ENABLED: "true", HYBRID_ROLLOUT_PERCENTAGE: "100" } });
const orchestrator = new HybridOrchestrator({
  config: loaded,
  runner: createSimulatedAgent({ seed: 7, timeScale: 0.0002 }),
  stateDir: ".hybrid/hybrid-only",
  repoRoot: here("./repo/"),
});

const result = await orchestrator.execute(here("./workflows/hybrid-epic.yaml"));
console.log(`${result.runId}: ${result.mode} (${result.strategyReason}) ${result.status}`);
for (const [id, node] of Object.entries(result.nodes)) {
  console.log(`  ${node.status.padEnd(9)} ${id.padEnd(24)} prompt ${node.promptTokens} / legacy ${node.baselineTokens} tokens, ${node.handoffUrl}`);
}
const failed = result.gates.filter((gate) => gate.decision !== "pass");
console.log(`gates: ${result.gates.length} evaluated, ${failed.length} not passed; savings ${result.record.metrics.token_savings_estimated} tokens`);
