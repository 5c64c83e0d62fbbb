// Types and status codes of the run-time scheduler, shared by its modules.

/** `wave`: wave n+1 waits for all of wave n. `eager`: a node is ready once its dependencies succeeded. */
export type SchedulerMode = "wave" | "eager";
export type NodeStatus = "pending" | "ready" | "running" | "succeeded" | "failed" | "blocked";

export const STATUSES: readonly NodeStatus[] = ["pending", "ready", "running", "succeeded", "failed", "blocked"];
export const [PENDING, READY, RUNNING, SUCCEEDED, FAILED, BLOCKED] = [0, 1, 2, 3, 4, 5] as const;
export const isTerminal = (status: number) => status >= SUCCEEDED;

/** What a transition changed, for the caller to journal and report. */
export interface SchedulerTransition {
  /** Nodes that became ready, in plan order. */
  ready: string[];
  /** Nodes that can no longer run, each with the failed ancestor that blocked it. */
  blocked: { id: string; blockedBy: string }[];
  wavesStarted: number[];
  wavesCompleted: number[];
}

/** A serialisable picture of a scheduler, for checkpoints. */
export interface SchedulerSnapshot {
  planHash: string;
  mode: SchedulerMode;
  succeeded: string[];
  failed: string[];
  blocked: { id: string; blockedBy: string }[];
  /** In flight when the snapshot was taken; `restore` makes them ready again. */
  running: string[];
}

export interface WaveSchedulerOptions {
  /** @default "eager" */
  mode?: SchedulerMode;
  /** Nodes that already succeeded (a resumed run); each one's dependencies must be among them. */
  completed?: Iterable<string>;
  /**
   * Nodes that failed for good before (a resumed run that does not retry them): failed from the
   * start, with every node that depends on them blocked (see `initial`).
   */
  failed?: Iterable<string>;
}

export function emptyTransition(): SchedulerTransition {
  return { ready: [], blocked: [], wavesStarted: [], wavesCompleted: [] };
}
