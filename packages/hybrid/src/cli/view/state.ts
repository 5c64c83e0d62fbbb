// What the view knows of a run, folded from its dispatch events. The reducer updates the state in
// place and returns it: copying per-node maps on every event would make a 5,000-node run cost
// O(n²); the render functions never write to it, so the state is still a plain value to test.
import type { DispatchEvent } from "@hybrid/dispatch";
import { sanitize } from "./sanitize.js";

/** Longest agent name, reason or message kept; the render cuts further to the terminal's width. */
export const MAX_TEXT = 160;
/** Failures remembered for the frame (the latest ones). */
export const MAX_FAILURES = 3;

/** A node with an attempt in flight (or between attempts). */
export interface RunningNode {
  agent: string;
  attempt: number;
  /** When this attempt was dispatched (the event's `at`). */
  since: number;
  /** Between attempts (`retry`) or held by an open breaker (`waiting`). */
  phase: "running" | "retry" | "waiting";
}

/** Where each node stands, as far as this view saw. */
export type NodeStatus = "running" | "succeeded" | "failed" | "blocked";

/** The strategy and where it changed: `from` is set once the kill switch (or a flag) switched it mid-run. */
export interface ViewStrategy {
  strategy: "hybrid" | "sequential";
  reason: string;
  parallel: boolean;
  memory: boolean;
  from?: "hybrid" | "sequential";
  /** The wave after which the switch took effect. */
  wave?: number;
}

export interface ViewState {
  runId?: string;
  workflowId?: string;
  resumed: boolean;
  /** First event's time: the run's elapsed time counts from it. */
  startedAt?: number;
  /** Plan size, from `run.started` / `run.resumed`. */
  totalNodes?: number;
  totalWaves?: number;
  /** Waves started and not completed (eager mode may have several). */
  openWaves: Set<number>;
  /** Highest wave started so far. */
  wave?: number;
  /** In-flight nodes in dispatch order (a Map keeps insertion order, so the oldest come first). */
  running: Map<string, RunningNode>;
  /** Last known status per node: counts stay right when an event repeats or a node is retried. */
  status: Map<string, NodeStatus>;
  counts: { succeeded: number; failed: number; blocked: number };
  tokens: { input: number; output: number };
  strategy?: ViewStrategy;
  gatesFailed: number;
  /** Latest final failures, newest last (sanitized). */
  failures: { nodeId: string; message: string }[];
  completed?: { status: "succeeded" | "failed" | "aborted"; at: number };
}

export function createViewState(): ViewState {
  return {
    resumed: false,
    openWaves: new Set(),
    running: new Map(),
    status: new Map(),
    counts: { succeeded: 0, failed: 0, blocked: 0 },
    tokens: { input: 0, output: 0 },
    gatesFailed: 0,
    failures: [],
  };
}

function setStatus(state: ViewState, nodeId: string, next: NodeStatus): void {
  const previous = state.status.get(nodeId);
  if (previous === next) return;
  if (previous !== undefined && previous !== "running") state.counts[previous]--;
  if (next !== "running") state.counts[next]++;
  state.status.set(nodeId, next);
}

/** A failure's one-line message: its category (when known) and its sanitized error. */
export function failureText(event: { category?: string; error: { code?: string; message: string } }): string {
  const kind = event.category ?? event.error.code;
  return sanitize(kind ? `${kind}: ${event.error.message}` : event.error.message, MAX_TEXT);
}

/** Folds one event into the state (in place) and returns it. Unknown or irrelevant events change nothing. */
export function reduceView(state: ViewState, event: DispatchEvent): ViewState {
  state.startedAt ??= event.at;
  switch (event.type) {
    case "run.started":
    case "run.resumed":
      state.runId = sanitize(event.runId, MAX_TEXT);
      state.workflowId = sanitize(event.workflowId, MAX_TEXT);
      state.resumed = event.type === "run.resumed";
      state.startedAt = event.at;
      state.totalNodes = event.nodes.length;
      state.totalWaves = event.nodes.reduce((max, node) => Math.max(max, node.wave + 1), 0);
      break;
    case "wave.started":
      state.openWaves.add(event.wave);
      state.wave = Math.max(state.wave ?? 0, event.wave);
      break;
    case "wave.completed":
      state.openWaves.delete(event.wave);
      break;
    case "node.dispatched":
      // Re-inserting moves a retried node to the end: the list stays in dispatch order.
      state.running.delete(event.nodeId);
      state.running.set(event.nodeId, { agent: sanitize(event.agent, MAX_TEXT), attempt: event.attempt, since: event.at, phase: "running" });
      setStatus(state, event.nodeId, "running");
      break;
    case "node.retrying":
    case "node.waiting": {
      const node = state.running.get(event.nodeId);
      if (node) node.phase = event.type === "node.retrying" ? "retry" : "waiting";
      break;
    }
    case "node.succeeded":
      state.running.delete(event.nodeId);
      setStatus(state, event.nodeId, "succeeded");
      if (event.tokens) {
        state.tokens.input += event.tokens.input;
        state.tokens.output += event.tokens.output;
      }
      break;
    case "node.failed":
      // A failure that is not final is followed by `node.retrying`: the node stays in the list.
      if (!event.final) break;
      state.running.delete(event.nodeId);
      setStatus(state, event.nodeId, "failed");
      state.failures.push({ nodeId: event.nodeId, message: failureText(event) });
      if (state.failures.length > MAX_FAILURES) state.failures.shift();
      break;
    case "node.blocked":
      state.running.delete(event.nodeId);
      setStatus(state, event.nodeId, "blocked");
      break;
    case "run.strategy": {
      const previous = state.strategy;
      const switched = previous !== undefined && previous.strategy !== event.strategy;
      state.strategy = {
        strategy: event.strategy,
        reason: sanitize(event.reason, MAX_TEXT),
        parallel: event.parallel,
        memory: event.memory,
        ...(switched ? { from: previous.strategy } : previous?.from ? { from: previous.from } : {}),
        ...(event.wave !== undefined ? { wave: event.wave } : previous?.wave !== undefined ? { wave: previous.wave } : {}),
      };
      break;
    }
    case "gate.evaluated":
      if (event.decision === "fail") state.gatesFailed++;
      break;
    case "run.completed":
      state.completed = { status: event.status, at: event.at };
      state.openWaves.clear();
      // Whatever was still in flight was stopped with the run (an abort journals no failure for it).
      state.running.clear();
      break;
    default:
      break;
  }
  return state;
}
