import type { NodeSpec, Priority } from "@hybrid/graph";

/** Tokens an agent consumed for one attempt. */
export interface TokenUsage {
  input: number;
  output: number;
}

/** One attempt of one node, handed to an `AgentRunner`. */
export interface AgentTask {
  runId: string;
  nodeId: string;
  agent: string;
  priority: Priority;
  /** 1-based attempt number; continues across restarts of the same run. */
  attempt: number;
  /** Stable for every attempt of a node in a run: side effects keyed on it happen once. */
  idempotencyKey: string;
  /** The prompt `prepare` built for this node. */
  prompt: string;
  /** The node's spec from the workflow. */
  node: NodeSpec;
}

/** What a runner returns for a successful attempt. */
export interface AgentResult {
  output: string;
  tokens: TokenUsage;
}

/**
 * Runs one attempt of an agent. It must stop promptly when `signal` aborts (timeout, graceful stop,
 * `abort-run`), rejecting with any error.
 */
export interface AgentRunner {
  run(task: AgentTask, signal: AbortSignal): Promise<AgentResult>;
}

/** Rough token count (4 characters a token) for runners that do not report one. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A promise that rejects with the signal's reason when it aborts; resolves never. */
export function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let dispose = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dispose = () => signal.removeEventListener("abort", onAbort);
  });
  return { promise, dispose };
}
