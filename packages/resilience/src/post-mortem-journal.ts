import { blockedBy } from "./blocking.js";
import type { JournalEvent } from "./journal-events.js";
import { buildPostMortem } from "./post-mortem.js";
import type { PostMortem, PostMortemFailureInput, PostMortemStatus } from "./post-mortem.js";
import type { Redact } from "./prepare-event.js";
import { replayStates } from "./replay-state.js";

/** Options of {@link buildPostMortemFromJournal}. */
export interface PostMortemJournalOptions {
  /** The plan's nodes; defaults to the nodes recorded by the last `run.started` / `run.resumed`. */
  plan?: { nodes: ReadonlyArray<{ id: string; dependsOn?: readonly string[] }> };
  /** The retry budget, quoted in transient-exhausted hints. */
  maxAttempts?: number;
  /** @default identity */
  redact?: Redact;
}

interface Counters {
  status: PostMortemStatus;
  startedAt: number;
  endedAt: number;
  attempts: number;
  retries: number;
  timeouts: number;
  breakerTrips: number;
  tokens: { input: number; output: number };
  timeoutMs: Map<string, number>;
  /** Whether a node's last attempt ended in a timeout (no later success or failure). */
  lastTimedOut: Set<string>;
}

function count(events: readonly JournalEvent[]): Counters {
  const counters: Counters = {
    status: "incomplete",
    startedAt: events[0]?.at ?? 0,
    endedAt: events.at(-1)?.at ?? 0,
    attempts: 0,
    retries: 0,
    timeouts: 0,
    breakerTrips: 0,
    tokens: { input: 0, output: 0 },
    timeoutMs: new Map(),
    lastTimedOut: new Set(),
  };
  for (const event of events) {
    switch (event.type) {
      case "run.started":
        counters.startedAt = event.at;
        counters.status = "incomplete";
        break;
      case "run.resumed":
        counters.status = "incomplete";
        break;
      case "run.completed":
        counters.status = event.status;
        counters.endedAt = event.at;
        break;
      case "breaker.changed":
        if (event.to === "open") counters.breakerTrips += 1;
        break;
      case "node.dispatched":
        counters.attempts += 1;
        counters.lastTimedOut.delete(event.nodeId);
        break;
      case "node.retrying":
        counters.retries += 1;
        // A retry was coming: the timeout before it was not the node's last word.
        counters.lastTimedOut.delete(event.nodeId);
        break;
      case "node.waiting":
        counters.lastTimedOut.delete(event.nodeId);
        break;
      case "node.timed-out":
        counters.timeouts += 1;
        counters.timeoutMs.set(event.nodeId, event.timeoutMs);
        counters.lastTimedOut.add(event.nodeId);
        break;
      case "node.succeeded":
        counters.tokens.input += event.tokens?.input ?? 0;
        counters.tokens.output += event.tokens?.output ?? 0;
        break;
      default:
        break;
    }
  }
  return counters;
}

/**
 * Builds the post-mortem of a run from its journal alone: the one way hybrid explains a run, used by
 * the dispatcher when a run does not succeed and by `resume`/`report` after a crash.
 */
export function buildPostMortemFromJournal(events: readonly JournalEvent[], options: PostMortemJournalOptions = {}): PostMortem {
  const runId = events[0]?.runId ?? "unknown";
  const state = replayStates(events);
  const counters = count(events);
  const planNodes = options.plan?.nodes ?? [...state.specs].map(([id, spec]) => ({ id, dependsOn: spec.dependsOn }));

  const failed: PostMortemFailureInput[] = [];
  const completed: string[] = [];
  const unfinished: string[] = [];
  const blockedCandidates = new Set<string>();
  const order = [...new Set([...planNodes.map((node) => node.id), ...state.nodes.keys()])];
  for (const id of order) {
    const node = state.nodes.get(id);
    if (!node) {
      unfinished.push(id);
      continue;
    }
    const base = {
      node: id,
      attempts: node.attempt,
      ...(node.agent !== undefined ? { agent: node.agent } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(counters.timeoutMs.has(id) ? { timeoutMs: counters.timeoutMs.get(id)! } : {}),
    };
    if (node.status === "succeeded") completed.push(id);
    // A retryFailed resume put the failure back to run (replay runs it again): it no longer stands.
    else if (node.status === "failed" && node.failure && !node.retried) {
      failed.push({ ...base, error: node.failure.error, ...(node.failure.category ? { category: node.failure.category } : {}) });
    } else if (node.status === "blocked") blockedCandidates.add(id);
    else if (node.status === "in-flight" && counters.lastTimedOut.has(id) && counters.status === "failed") {
      // The run failed right after the timeout without a final `node.failed`: the timeout was final.
      // (A crash, or a stop that caught the node between attempts, leaves it to run again: unfinished.)
      failed.push({ ...base, category: "timeout", error: { code: "timeout", message: `timed out after ${counters.timeoutMs.get(id)}ms` } });
    } else unfinished.push(id);
  }
  // A journaled block stands only while some failure upstream still stands (a resume may have lifted it).
  const failedIds = new Set(failed.map((failure) => failure.node));
  const blockers = blockedBy(planNodes, failedIds);
  const blocked: Array<{ node: string; blockedBy: string }> = [];
  for (const id of order) {
    if (!blockedCandidates.has(id)) continue;
    // The blocker the run named, while its failure stands; else any failure upstream that still does.
    const journaled = state.nodes.get(id)?.blockedBy;
    const blocker = journaled !== undefined && failedIds.has(journaled) ? journaled : blockers.get(id);
    if (blocker === undefined) unfinished.push(id);
    else blocked.push({ node: id, blockedBy: blocker });
  }

  return buildPostMortem({
    runId,
    status: counters.status,
    failed,
    nodes: planNodes,
    blocked,
    completed,
    unfinished,
    telemetry: {
      durationMs: Math.max(0, counters.endedAt - counters.startedAt),
      nodeCount: order.length,
      attempts: counters.attempts,
      retries: counters.retries,
      timeouts: counters.timeouts,
      breakerTrips: counters.breakerTrips,
      tokens: counters.tokens,
    },
    ...(options.redact ? { redact: options.redact } : {}),
  });
}
