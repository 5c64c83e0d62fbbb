// A simulated agent whose output is a handoff note of the size the model drew, so downstream
// prompts grow as they would with real agents (the plain simulated runner returns one line).
import { createSimulatedRunner, type AgentRunner, type SimulatedRunnerOptions } from "@hybrid/dispatch";

const TOPICS = ["interface", "decision", "risk", "test", "follow-up", "constraint", "metric", "open question"];

/** About `tokens` tokens of deterministic handoff text for a node and attempt. */
export function handoffNote(nodeId: string, agent: string, attempt: number, tokens: number): string {
  const lines = [`Handoff from ${agent} on ${nodeId} (attempt ${attempt}).`];
  // ~12 tokens a line with cl100k.
  for (let i = 0; lines.length * 12 < tokens; i++) {
    lines.push(`- ${TOPICS[i % TOPICS.length]} ${i + 1} of ${nodeId}: recorded for the next agents in the chain.`);
  }
  return lines.join("\n");
}

export function createDemoRunner(options: SimulatedRunnerOptions): AgentRunner {
  const simulated = createSimulatedRunner(options);
  return {
    async run(task, signal) {
      const result = await simulated.run(task, signal);
      return { ...result, output: handoffNote(task.nodeId, task.agent, task.attempt, result.tokens?.output ?? 400) };
    },
  };
}
