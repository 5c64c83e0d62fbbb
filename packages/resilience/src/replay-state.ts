import type { BreakerState } from "./circuit-breaker.js";
import type { ErrorInfo, FailureCategory, JournalEvent, JournalEventOf } from "./journal-events.js";

/** An agent process a node's attempt started, as journaled by `node.spawned`. */
export type RecordedProcess = JournalEventOf<"node.spawned">["process"];

/** A node's latest success, with what it was produced from. */
export interface Completion {
  attempt: number;
  output: string;
  outputDigest: string;
  specHash: string;
  inputs: Readonly<Record<string, string>>;
  idempotencyKey: string | undefined;
}

/** A node's latest final failure, with what it was attempted from. */
export interface FinalFailure {
  attempt: number;
  specHash: string;
  inputs: Readonly<Record<string, string>>;
  error: ErrorInfo;
  category: FailureCategory | undefined;
}

/** What the journal says about one node. */
export interface NodeState {
  /** Highest attempt seen for the node (0 = never dispatched). */
  attempt: number;
  /** Where its latest lifecycle event left it. */
  status: "idle" | "in-flight" | "succeeded" | "failed" | "blocked";
  agent: string | undefined;
  /** Key, spec and inputs of the latest dispatch. */
  idempotencyKey: string | undefined;
  dispatchedSpecHash: string | undefined;
  dispatchedInputs: Readonly<Record<string, string>> | undefined;
  /**
   * A resume with `retryFailed` put this failed or blocked node back to run, and it has not failed
   * or been blocked again since: later resumes run it too, with or without the flag.
   */
  retried: boolean;
  completion: Completion | undefined;
  failure: FinalFailure | undefined;
  /** The failed node a `node.blocked` event named. */
  blockedBy: string | undefined;
  /** Agent processes started by attempts that never settled: they may have outlived their orchestrator. */
  processes: Map<number, RecordedProcess>;
}

/** The journal folded into per-node state. */
export interface JournalState {
  runId: string | undefined;
  /** planHash, mode and node specs of the last `run.started` / `run.resumed`. */
  planHash: string | undefined;
  mode: "wave" | "eager" | undefined;
  seed: number | undefined;
  specs: Map<string, { specHash: string; dependsOn: readonly string[] }>;
  nodes: Map<string, NodeState>;
  breakers: Record<string, BreakerState>;
  /** Handoffs recorded, by idempotency key. */
  handoffs: Map<string, string>;
  /** Waves journaled as started / completed under the current plan hash. */
  wavesStarted: Set<number>;
  wavesCompleted: Set<number>;
}

/** What the journal says about a node it never mentions. */
export function emptyNode(): NodeState {
  return {
    attempt: 0,
    status: "idle",
    agent: undefined,
    idempotencyKey: undefined,
    dispatchedSpecHash: undefined,
    dispatchedInputs: undefined,
    retried: false,
    completion: undefined,
    failure: undefined,
    blockedBy: undefined,
    processes: new Map(),
  };
}

/**
 * Folds the events in order. Nothing here decides what a resume keeps: that is `planReplay`'s rule
 * (a completion is reused only if its spec and every input it was produced from are still current).
 */
export function replayStates(events: readonly JournalEvent[]): JournalState {
  const state: JournalState = {
    runId: events[0]?.runId,
    planHash: undefined,
    mode: undefined,
    seed: undefined,
    specs: new Map(),
    nodes: new Map(),
    breakers: {},
    handoffs: new Map(),
    wavesStarted: new Set(),
    wavesCompleted: new Set(),
  };
  const node = (id: string, agent: string): NodeState => {
    let found = state.nodes.get(id);
    if (!found) {
      found = emptyNode();
      state.nodes.set(id, found);
    }
    found.agent = agent;
    return found;
  };

  for (const event of events) {
    switch (event.type) {
      case "run.started":
      case "run.resumed": {
        if (event.planHash !== state.planHash) {
          state.wavesStarted.clear();
          state.wavesCompleted.clear();
        }
        state.planHash = event.planHash;
        state.mode = event.mode;
        if (event.type === "run.started") state.seed = event.seed;
        state.specs = new Map(event.nodes.map((spec) => [spec.id, { specHash: spec.specHash, dependsOn: spec.dependsOn }]));
        state.breakers = { ...event.breakers };
        if (event.type === "run.resumed" && event.retryFailed) {
          for (const current of state.nodes.values()) if (current.status === "failed" || current.status === "blocked") current.retried = true;
        }
        break;
      }
      case "breaker.changed":
        state.breakers = { ...state.breakers, [event.key]: event.state };
        break;
      case "wave.started":
        state.wavesStarted.add(event.wave);
        break;
      case "wave.completed":
        state.wavesCompleted.add(event.wave);
        break;
      case "handoff.recorded":
        state.handoffs.set(event.idempotencyKey, event.url);
        break;
      case "node.dispatched": {
        const current = node(event.nodeId, event.agent);
        current.attempt = Math.max(current.attempt, event.attempt);
        current.status = "in-flight";
        current.idempotencyKey = event.idempotencyKey;
        current.dispatchedSpecHash = event.specHash;
        current.dispatchedInputs = event.inputs;
        break;
      }
      case "node.spawned":
        node(event.nodeId, event.agent).processes.set(event.attempt, event.process);
        break;
      case "node.reaped":
        node(event.nodeId, event.agent).processes.delete(event.attempt);
        break;
      case "node.succeeded": {
        const current = node(event.nodeId, event.agent);
        current.attempt = Math.max(current.attempt, event.attempt);
        current.status = "succeeded";
        current.processes.delete(event.attempt);
        current.completion = {
          attempt: event.attempt,
          output: event.output,
          outputDigest: event.outputDigest,
          specHash: event.specHash,
          inputs: event.inputs,
          idempotencyKey: current.idempotencyKey,
        };
        break;
      }
      case "node.failed": {
        const current = node(event.nodeId, event.agent);
        current.attempt = Math.max(current.attempt, event.attempt);
        // The runner settled (its process group is gone) before a failure is journaled.
        current.processes.delete(event.attempt);
        if (!event.final) {
          current.status = "in-flight";
          break;
        }
        current.status = "failed";
        current.retried = false;
        current.failure = { attempt: event.attempt, specHash: event.specHash, inputs: event.inputs, error: event.error, category: event.category };
        break;
      }
      case "node.timed-out": {
        const current = node(event.nodeId, event.agent);
        current.processes.delete(event.attempt);
        current.status = "in-flight";
        break;
      }
      case "node.retrying":
        node(event.nodeId, event.agent).status = "in-flight";
        break;
      case "node.blocked": {
        const current = node(event.nodeId, event.agent);
        current.status = "blocked";
        current.blockedBy = event.blockedBy;
        current.retried = false;
        break;
      }
      case "node.waiting":
      case "handoff.failed":
      case "run.completed":
        break;
    }
  }
  return state;
}
