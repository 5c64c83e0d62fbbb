import type { BreakerState } from "./circuit-breaker.js";
import { digestOutput } from "./digest.js";
import { PlanMismatchError } from "./errors.js";
import type { PlanDifference } from "./errors.js";
import type { JournalEvent } from "./journal-events.js";
import { replayStates } from "./replay-state.js";
import type { NodeState } from "./replay-state.js";

/** The structural part of a plan that replay needs. */
export interface ReplayPlanInput {
  planHash: string;
  nodes: ReadonlyArray<{ id: string; specHash: string; dependsOn: readonly string[] }>;
}

/** Options of {@link planReplay}. */
export interface ReplayOptions {
  /** Run failed nodes again, and the nodes they blocked; completed siblings keep their outputs. @default false */
  retryFailed?: boolean;
  /** Resume even though the plan changed; only unchanged nodes (and ancestors) keep outputs. @default false */
  force?: boolean;
}

/** A node whose journaled output is reused. */
export interface CompletedNode {
  nodeId: string;
  agent: string | undefined;
  attempt: number;
  output: string;
  outputDigest: string;
}

/** Why a node is (re)dispatched. */
export type RunReason = "new" | "in-flight" | "retry-failed" | "unblocked" | "changed";

/** A node to dispatch on resume. */
export interface NodeToRun {
  nodeId: string;
  agent: string | undefined;
  /** The attempt number to dispatch: one past the highest attempt in the journal. */
  attempt: number;
  reason: RunReason;
  /** For in-flight nodes: the key of the unfinished dispatch, to be reused so side effects dedupe. */
  idempotencyKey: string | undefined;
}

/** What to do on resume. All lists are in plan order. */
export interface ReplayResult {
  runId: string | undefined;
  planHash: string;
  journalPlanHash: string | undefined;
  planChanged: boolean;
  forced: boolean;
  completed: CompletedNode[];
  /** Every node to dispatch, in-flight ones included. */
  toRun: NodeToRun[];
  /** The in-flight subset of `toRun`: dispatched, never finished. */
  inFlight: NodeToRun[];
  /** Finally failed nodes left as they are (without `retryFailed`). */
  failed: Array<{ nodeId: string; agent: string | undefined; attempt: number }>;
  /** Nodes that cannot run because an ancestor failed; `blockedBy` is that failed node. */
  blocked: Array<{ nodeId: string; blockedBy: string }>;
  /** Completed nodes whose outputs were dropped because they or an ancestor changed (forced). */
  discarded: string[];
  /** Journal nodes that are no longer in the plan. */
  removed: string[];
  /** Highest attempt dispatched per plan node (0 = never dispatched). */
  attempts: Record<string, number>;
  /** Breaker state found last in the journal; pass it as `initialState`. */
  breakers: Record<string, BreakerState>;
}

function differences(plan: ReplayPlanInput, specs: Map<string, { specHash: string }>): PlanDifference {
  const current = new Set(plan.nodes.map((node) => node.id));
  return {
    added: plan.nodes.filter((node) => !specs.has(node.id)).map((node) => node.id),
    removed: [...specs.keys()].filter((id) => !current.has(id)),
    changed: plan.nodes.filter((node) => specs.has(node.id) && specs.get(node.id)!.specHash !== node.specHash).map((node) => node.id),
  };
}

/**
 * Decides, from a run's journal, what a resume must do: which outputs to reuse, which nodes to
 * dispatch (in-flight ones with the same idempotency key and the next attempt), what stays failed
 * or blocked, and the breaker state to restart with.
 * @throws PlanMismatchError when the plan changed and `force` is not set.
 */
export function planReplay(
  plan: ReplayPlanInput,
  events: readonly JournalEvent[],
  options: ReplayOptions = {},
): ReplayResult {
  const journal = replayStates(events);
  const planChanged = journal.planHash !== undefined && journal.planHash !== plan.planHash;
  if (planChanged && !options.force) {
    throw new PlanMismatchError(journal.planHash!, plan.planHash, differences(plan, journal.specs), journal.runId);
  }
  const byId = new Map(plan.nodes.map((node) => [node.id, node]));

  // Unchanged = same specHash as journaled, and so are all ancestors. Memoized; a cycle or an
  // unknown dependency counts as changed, so nothing doubtful keeps an output.
  const unchangedMemo = new Map<string, boolean>();
  const unchanged = (id: string): boolean => {
    const memo = unchangedMemo.get(id);
    if (memo !== undefined) return memo;
    unchangedMemo.set(id, false);
    const node = byId.get(id);
    const result =
      node !== undefined &&
      journal.specs.get(id)?.specHash === node.specHash &&
      node.dependsOn.every((dep) => unchanged(dep));
    unchangedMemo.set(id, result);
    return result;
  };
  const keeps = (node: ReplayPlanInput["nodes"][number], state: NodeState): boolean => {
    const completion = state.completion;
    if (!completion) return false;
    if (!planChanged) return true;
    return unchanged(node.id) && (completion.specHash === undefined || completion.specHash === node.specHash);
  };

  const result: ReplayResult = {
    runId: journal.runId,
    planHash: plan.planHash,
    journalPlanHash: journal.planHash,
    planChanged,
    forced: Boolean(options.force) && planChanged,
    completed: [],
    toRun: [],
    inFlight: [],
    failed: [],
    blocked: [],
    discarded: [],
    removed: [...journal.specs.keys()].filter((id) => !byId.has(id)),
    attempts: {},
    breakers: journal.breakers,
  };

  // The failed node that blocks `id`, if any: found through dependencies, first in declaration order.
  const blockerMemo = new Map<string, string | null>();
  const stateOf = (id: string): NodeState => journal.nodes.get(id) ?? { attempt: 0, status: "idle" };
  const failedHere = (id: string): boolean => {
    const node = byId.get(id);
    // A failed node whose spec (or an ancestor's) changed under `force` gets another go: that is the fix.
    const state = stateOf(id);
    return node !== undefined && !options.retryFailed && state.status === "failed" && state.retried !== true && !(planChanged && !unchanged(id));
  };
  const blockerOf = (id: string): string | null => {
    const memo = blockerMemo.get(id);
    if (memo !== undefined) return memo;
    blockerMemo.set(id, null);
    let found: string | null = null;
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      found = failedHere(dep) ? dep : blockerOf(dep);
      if (found !== null) break;
    }
    blockerMemo.set(id, found);
    return found;
  };

  for (const node of plan.nodes) {
    const state = stateOf(node.id);
    result.attempts[node.id] = state.attempt;
    if (keeps(node, state)) {
      const completion = state.completion!;
      result.completed.push({
        nodeId: node.id,
        agent: state.agent,
        attempt: completion.attempt,
        output: completion.output,
        outputDigest: completion.outputDigest ?? digestOutput(completion.output),
      });
      continue;
    }
    if (state.completion) result.discarded.push(node.id);
    const changed = state.completion !== undefined || (planChanged && !unchanged(node.id));
    if (failedHere(node.id)) {
      result.failed.push({ nodeId: node.id, agent: state.agent, attempt: state.attempt });
      continue;
    }
    const blockedBy = blockerOf(node.id);
    if (blockedBy !== null) {
      result.blocked.push({ nodeId: node.id, blockedBy });
      continue;
    }
    const reason: RunReason = changed
      ? state.attempt > 0 || state.completion ? "changed" : "new"
      : state.status === "in-flight"
        ? "in-flight"
        : state.status === "failed"
          ? "retry-failed"
          : state.status === "blocked"
            ? "unblocked"
            : "new";
    const toRun: NodeToRun = {
      nodeId: node.id,
      agent: state.agent,
      attempt: state.attempt + 1,
      reason,
      idempotencyKey: reason === "in-flight" ? state.idempotencyKey : undefined,
    };
    result.toRun.push(toRun);
    if (reason === "in-flight") result.inFlight.push(toRun);
  }
  return result;
}
