import type { BreakerState } from "./circuit-breaker.js";
import type { JournalEvent } from "./journal-events.js";

/** What the journal says about one node. */
export interface NodeState {
  /** Highest attempt seen for the node (0 = never dispatched). */
  attempt: number;
  status: "idle" | "in-flight" | "succeeded" | "failed" | "blocked";
  agent?: string;
  idempotencyKey?: string;
  blockedBy?: string;
  /**
   * A resume with `retryFailed` put this failed or blocked node back to run, and it has not failed
   * or been blocked again since: later resumes run it too, with or without the flag.
   */
  retried?: boolean;
  completion?: { output: string; outputDigest?: string; attempt: number; specHash?: string };
}

/** The journal folded into per-node state. */
export interface JournalState {
  runId: string | undefined;
  /** planHash of the last `run.started` / `run.resumed`. */
  planHash: string | undefined;
  /** The specs the journal knows, from `run.started` and `run.resumed` with `nodes`. */
  specs: Map<string, { specHash: string; dependsOn: string[] }>;
  nodes: Map<string, NodeState>;
  breakers: Record<string, BreakerState>;
}

type Fields = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * Folds the events in order. A success is sticky: events after it for the same spec are ignored,
 * so a completed node is never made to run again by a stray later event.
 */
export function replayStates(events: readonly JournalEvent[]): JournalState {
  const state: JournalState = { runId: events[0]?.runId, planHash: undefined, specs: new Map(), nodes: new Map(), breakers: {} };
  const node = (id: string): NodeState => {
    let found = state.nodes.get(id);
    if (!found) {
      found = { attempt: 0, status: "idle" };
      state.nodes.set(id, found);
    }
    return found;
  };
  const recordSpecs = (nodes: unknown): void => {
    if (!Array.isArray(nodes)) return;
    for (const entry of nodes as Fields[]) {
      const id = str(entry.id);
      if (id === undefined) continue;
      const specHash = str(entry.specHash) ?? "";
      state.specs.set(id, { specHash, dependsOn: Array.isArray(entry.dependsOn) ? (entry.dependsOn as string[]) : [] });
      const existing = state.nodes.get(id);
      // A forced resume re-recorded this node with a new spec: its old output no longer stands.
      if (existing?.completion && existing.completion.specHash !== specHash) {
        delete existing.completion;
        existing.status = "idle";
      }
    }
  };

  for (const event of events as ReadonlyArray<JournalEvent & Fields>) {
    if (event.type === "run.started" || event.type === "run.resumed") {
      state.planHash = str(event.planHash) ?? state.planHash;
      recordSpecs(event.nodes);
      if (event.breakers && typeof event.breakers === "object") state.breakers = { ...(event.breakers as Record<string, BreakerState>) };
      if (event.type === "run.resumed" && event.retryFailed === true) {
        for (const current of state.nodes.values()) if (current.status === "failed" || current.status === "blocked") current.retried = true;
      }
      continue;
    }
    if (event.type === "breaker.snapshot") {
      state.breakers = { ...(event.breakers as Record<string, BreakerState>) };
      continue;
    }
    if (event.type === "breaker.changed") {
      state.breakers = { ...state.breakers, [String(event.key)]: event.state as BreakerState };
      continue;
    }
    const nodeId = str(event.nodeId);
    if (nodeId === undefined || !event.type.startsWith("node.")) continue;
    const current = node(nodeId);
    current.agent = str(event.agent) ?? current.agent;
    current.attempt = Math.max(current.attempt, num(event.attempt));
    if (current.status === "succeeded") continue;
    switch (event.type) {
      case "node.dispatched":
        current.status = "in-flight";
        current.idempotencyKey = str(event.idempotencyKey) ?? current.idempotencyKey;
        break;
      case "node.succeeded":
        current.status = "succeeded";
        current.completion = {
          output: str(event.output) ?? "",
          outputDigest: str(event.outputDigest),
          attempt: num(event.attempt),
          specHash: str(event.specHash) ?? state.specs.get(nodeId)?.specHash,
        };
        break;
      case "node.failed":
        // A non-final failure means a retry was coming: the node is still in flight.
        current.status = event.final === true ? "failed" : "in-flight";
        if (event.final === true) delete current.retried;
        break;
      case "node.timed-out":
      case "node.retrying":
        current.status = "in-flight";
        break;
      case "node.blocked":
        current.status = "blocked";
        current.blockedBy = str(event.blockedBy);
        delete current.retried;
        break;
      default:
        break;
    }
  }
  return state;
}
