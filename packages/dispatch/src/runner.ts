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
  /**
   * For runners that start OS processes: call it with the agent's process group right after the
   * spawn and await it before handing the agent its prompt. The dispatcher journals it, so a resume
   * after the orchestrator died can stop a survivor before it dispatches the node again.
   */
  reportProcess?: (process: AgentProcess) => Promise<void>;
}

/** An agent's OS process: the leader of its own process group. */
export interface AgentProcess {
  pid: number;
  /** The process group; a command runner's agent leads its own, so `pgid === pid`. */
  pgid: number;
  /** Host the process runs on: a process group id means nothing on another machine. */
  hostname: string;
  /** The kernel's start time of the leader (Linux `/proc/<pid>/stat` field 22), to tell a reused pid. */
  startTime?: string;
}

/** What a runner returns for a successful attempt; validated by the dispatcher (a bad one fails that node). */
export interface AgentResult {
  output: string;
  /** Omit when unknown: it is recorded as unknown, not as 0. */
  tokens?: TokenUsage;
}

/**
 * Runs one attempt of an agent. When `signal` aborts (timeout, graceful stop) it must stop the agent
 * and settle promptly; its promise settles only once the agent's work has really stopped (a command
 * runner: once its process group is dead), because the dispatcher frees the node's slot, and `run()`
 * settles, only when this promise has settled.
 */
export interface AgentRunner {
  run(task: AgentTask, signal: AbortSignal): Promise<AgentResult>;
}

/** Rough token count (4 characters a token) for runners that do not report one. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
