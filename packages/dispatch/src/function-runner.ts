import { abortPromise } from "./abort.js";
import type { AgentResult, AgentRunner, AgentTask } from "./runner.js";

/** The in-process agent a function runner calls. A plain string is the output, with unknown tokens. */
export type AgentFunction = (task: AgentTask, signal: AbortSignal) => Promise<AgentResult | string> | AgentResult | string;

/**
 * Runs agents as in-process async functions. The promise settles when the function settles, or when
 * the signal aborts, whichever comes first. An in-process function cannot be killed: one that ignores
 * its signal keeps running after the attempt settled (its result is dropped), so a function that does
 * real work must honour the signal itself. A string result is the output with unknown tokens (none
 * are invented); return `{ output, tokens }` to report usage.
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
        return typeof result === "string" ? { output: result } : result;
      } finally {
        aborted.dispose();
      }
    },
  };
}
