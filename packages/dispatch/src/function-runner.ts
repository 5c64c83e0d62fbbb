import { abortPromise, estimateTokens } from "./runner.js";
import type { AgentResult, AgentRunner, AgentTask } from "./runner.js";

/** The in-process agent a function runner calls. Returning a string estimates tokens (4 chars a token). */
export type AgentFunction = (task: AgentTask, signal: AbortSignal) => Promise<AgentResult | string> | AgentResult | string;

/**
 * Runs agents as in-process async functions. The returned promise settles when the signal aborts
 * even if `fn` ignores it, so a timeout always takes effect.
 *
 * @example
 * const runner = createFunctionRunner(async (task) => `done: ${task.nodeId}`);
 */
export function createFunctionRunner(fn: AgentFunction): AgentRunner {
  return {
    async run(task, signal) {
      const aborted = abortPromise(signal);
      try {
        const result = await Promise.race([Promise.resolve().then(() => fn(task, signal)), aborted.promise]);
        if (typeof result === "string") {
          return { output: result, tokens: { input: estimateTokens(task.prompt), output: estimateTokens(result) } };
        }
        return result;
      } finally {
        aborted.dispose();
      }
    },
  };
}
