// `hybrid run --runner simulated`, the demo and the examples: dispatch's seeded simulated runner (latency, tokens, failures) answering with
// a handoff that does the job it was given — each acceptance criterion ticked, the declared outputs
// named, then notes of the drawn size — so a simulated run passes the quality gates as a good agent
// would, and prompts downstream grow as they would with real agents.
import { createSimulatedRunner } from "@hybrid/dispatch";
import type { AgentRunner, SimulatedRunnerOptions } from "@hybrid/dispatch";

const TOPICS = ["interface", "decision", "risk", "test", "follow-up", "constraint", "metric", "open question"];
/** About how many cl100k tokens one note line takes. */
const TOKENS_PER_LINE = 12;

/** A simulated agent: seeded like `createSimulatedRunner`, with an output that meets its node's Definition of Done. */
export function createSimulatedAgent(options: SimulatedRunnerOptions): AgentRunner {
  const simulated = createSimulatedRunner(options);
  return {
    async run(task, signal) {
      const result = await simulated.run(task, signal);
      const tokens = result.tokens?.output ?? 400;
      const lines = [`Handoff from ${task.agent} on ${task.nodeId} (attempt ${task.attempt}).`, ...task.node.acceptance.map((criterion) => `- [x] ${criterion}`)];
      if (task.node.outputs?.length) lines.push(`Outputs: ${task.node.outputs.join(", ")}.`);
      for (let i = 0; lines.length * TOKENS_PER_LINE < tokens; i++) {
        lines.push(`- ${TOPICS[i % TOPICS.length]} ${i + 1} of ${task.nodeId}: recorded for the next agents in the chain.`);
      }
      return { ...result, output: lines.join("\n") };
    },
  };
}
