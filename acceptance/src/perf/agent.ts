// The agent of every performance run: @hybrid/hybrid's simulated agent (latency from prompt and
// output tokens, seeded), wrapped to plant the node's fact in its output, to report its input
// tokens as a model API would (the exact tokenizer count of the prompt it was sent, the one
// estimator of every token number here), and to record what it was sent and what it answered.
import { createSimulatedAgent } from "@hybrid/hybrid";
import type { AgentRunner } from "@hybrid/dispatch";
import type { TokenEstimator } from "@hybrid/context";
import { seededRandom } from "@hybrid/test-utils";
import type { Fact } from "./workloads.js";

/** The latency model: model ms = (baseMs + perInputTokenMs × prompt + perOutputTokenMs × output) × (1 ± jitter). */
export interface LatencyModel {
  baseMs: number;
  perInputTokenMs: number;
  perOutputTokenMs: number;
  outputTokens: number;
  jitter: number;
  /** Real ms per model ms. */
  timeScale: number;
}

/** What the agents of one run were sent and answered, by node (the last attempt). */
export interface Capture {
  prompts: Map<string, string>;
  outputs: Map<string, string>;
}

export const newCapture = (): Capture => ({ prompts: new Map(), outputs: new Map() });

/** A stable 31-bit number from a string (FNV-1a), to seed per-node draws. */
export function hash31(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 1) & 0x3fffffff;
}

/** `output` with `line` inserted after its header at a position drawn from `random`. */
export function plant(output: string, line: string, random: () => number): string {
  const lines = output.split("\n");
  const at = 1 + Math.floor(random() * lines.length);
  lines.splice(at, 0, line);
  return lines.join("\n");
}

export function performanceAgent(options: {
  seed: number;
  model: LatencyModel;
  estimator: TokenEstimator;
  facts: ReadonlyMap<string, Fact>;
  capture: Capture;
}): AgentRunner {
  const { seed, model, estimator, facts, capture } = options;
  const inner = createSimulatedAgent({
    seed,
    baseMs: model.baseMs,
    perInputTokenMs: model.perInputTokenMs,
    perOutputTokenMs: model.perOutputTokenMs,
    outputTokens: model.outputTokens,
    jitter: model.jitter,
    timeScale: model.timeScale,
  });
  return {
    async run(task, signal) {
      capture.prompts.set(task.nodeId, task.prompt);
      const result = await inner.run(task, signal);
      const fact = facts.get(task.nodeId);
      // Where in the handoff the decision is written is the agent's choice: drawn per node.
      const output = fact ? plant(result.output, `Decision ${fact.text}.`, seededRandom(hash31(`${seed}:${task.nodeId}`))) : result.output;
      capture.outputs.set(task.nodeId, output);
      return { output, tokens: { input: estimator.count(task.prompt), output: result.tokens?.output ?? 0 } };
    },
  };
}
