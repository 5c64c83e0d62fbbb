import { TransientError, seededRandom } from "@hybrid/resilience";
import { z } from "zod";
import { SimulatedFailureError, parseOptions } from "./errors.js";
import { estimateTokens } from "./runner.js";
import type { AgentResult, AgentRunner, AgentTask } from "./runner.js";

/** Options of `createSimulatedRunner`: a seeded latency, token and failure model. */
export const SimulatedRunnerOptionsSchema = z.strictObject({
  /** Seed; the same (seed, nodeId, attempt) always draws the same latency and outcome. @default 1 */
  seed: z.number().int().default(1),
  /** Fixed latency of every attempt, in model milliseconds. @default 1000 */
  baseMs: z.number().nonnegative().default(1000),
  /** Model milliseconds per input (prompt) token. @default 0.5 */
  perInputTokenMs: z.number().nonnegative().default(0.5),
  /** Model milliseconds per output token. @default 20 */
  perOutputTokenMs: z.number().nonnegative().default(20),
  /** Output tokens per attempt (drawn ±`jitter`). @default 400 */
  outputTokens: z.number().int().nonnegative().default(400),
  /** Relative spread of latency and output tokens, 0..1. @default 0.2 */
  jitter: z.number().min(0).max(1).default(0.2),
  /** Probability that an attempt fails with a transient error (retried). @default 0 */
  transientFailureRate: z.number().min(0).max(1).default(0),
  /** Probability that an attempt fails permanently. @default 0 */
  permanentFailureRate: z.number().min(0).max(1).default(0),
  /** Probability that an attempt hangs until aborted (so the timeout fires). @default 0 */
  timeoutRate: z.number().min(0).max(1).default(0),
  /** Real milliseconds per model millisecond: 0.001 runs a ten-minute model in 0.6 s. @default 1 */
  timeScale: z.number().nonnegative().default(1),
});

export type SimulatedRunnerOptions = z.input<typeof SimulatedRunnerOptionsSchema>;

/** What the model draws for one attempt; exposed for tests and planning (`estimateMs`). */
export interface SimulatedDraw {
  /** Model latency in milliseconds (before `timeScale`). */
  latencyMs: number;
  outcome: "success" | "transient" | "permanent" | "hang";
  tokens: { input: number; output: number };
}

/** A simulated runner, with the model's draw for an attempt exposed. */
export interface SimulatedRunner extends AgentRunner {
  draw(task: Pick<AgentTask, "nodeId" | "attempt" | "prompt">): SimulatedDraw;
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    // An infinite wait ("hang") is just a wait for the abort.
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        }, ms)
      : undefined;
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A seeded stand-in for real agents, for demos, tests and benchmarks: latency = base + per input
 * token + per output token (± jitter), transient/permanent failures and hangs at the given rates.
 * It really waits (abortably), scaled by `timeScale`, so wall-clock measurements reflect the model.
 *
 * @example
 * const runner = createSimulatedRunner({ seed: 7, timeScale: 0.001, transientFailureRate: 0.1 });
 */
export function createSimulatedRunner(options: SimulatedRunnerOptions = {}): SimulatedRunner {
  const config = parseOptions("simulated runner", SimulatedRunnerOptionsSchema, options);

  const draw = (task: Pick<AgentTask, "nodeId" | "attempt" | "prompt">): SimulatedDraw => {
    // One stream per (seed, node, attempt): a draw never depends on what ran before it.
    const random = seededRandom(config.seed, task.nodeId, task.attempt);
    const spread = (): number => 1 + config.jitter * (2 * random() - 1);
    const input = estimateTokens(task.prompt);
    const output = Math.round(config.outputTokens * spread());
    const latencyMs =
      (config.baseMs + config.perInputTokenMs * input + config.perOutputTokenMs * output) * spread();
    const roll = random();
    const outcome: SimulatedDraw["outcome"] =
      roll < config.permanentFailureRate
        ? "permanent"
        : roll < config.permanentFailureRate + config.transientFailureRate
          ? "transient"
          : roll < config.permanentFailureRate + config.transientFailureRate + config.timeoutRate
            ? "hang"
            : "success";
    return { latencyMs, outcome, tokens: { input, output } };
  };

  return {
    draw,
    async run(task, signal): Promise<AgentResult> {
      const drawn = draw(task);
      if (drawn.outcome === "hang") {
        await wait(Number.POSITIVE_INFINITY, signal);
      }
      await wait(drawn.latencyMs * config.timeScale, signal);
      if (drawn.outcome === "permanent") throw new SimulatedFailureError(task.nodeId, task.attempt);
      if (drawn.outcome === "transient") {
        throw new TransientError(`[dispatch] simulated transient failure of ${task.nodeId} (attempt ${task.attempt})`);
      }
      return {
        output: `simulated output of ${task.nodeId} (attempt ${task.attempt}, ${drawn.tokens.output} tokens)`,
        tokens: drawn.tokens,
      };
    },
  };
}
