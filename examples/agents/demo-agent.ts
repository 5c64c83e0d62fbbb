// A simulated agent for the demo: seeded latency and token model (dispatch's simulated runner),
// and a handoff note of the drawn size that does the job it was given: each acceptance criterion
// checked off, the declared outputs named, then notes for the next agents, so prompts downstream
// grow as they would with real agents and every quality gate can pass.
import { createSimulatedRunner, type AgentRunner, type SimulatedRunnerOptions } from "@hybrid/dispatch";

const TOPICS = ["interface", "decision", "risk", "test", "follow-up", "constraint", "metric", "open question"];

export function createDemoAgent(options: SimulatedRunnerOptions): AgentRunner {
  const simulated = createSimulatedRunner(options);
  return {
    async run(task, signal) {
      const result = await simulated.run(task, signal);
      const tokens = result.tokens?.output ?? 400;
      const lines = [`Handoff from ${task.agent} on ${task.nodeId} (attempt ${task.attempt}).`, ...task.node.acceptance.map((criterion) => `- [x] ${criterion}`)];
      if (task.node.outputs?.length) lines.push(`Outputs: ${task.node.outputs.join(", ")}.`);
      // ~12 tokens a line with cl100k.
      for (let i = 0; lines.length * 12 < tokens; i++) {
        lines.push(`- ${TOPICS[i % TOPICS.length]} ${i + 1} of ${task.nodeId}: recorded for the next agents in the chain.`);
      }
      return { ...result, output: lines.join("\n") };
    },
  };
}
