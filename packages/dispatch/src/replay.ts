import { planReplay } from "@hybrid/resilience";
import type { BreakerState, JournalEvent } from "@hybrid/resilience";
import type { SchedulePlan } from "@hybrid/scheduler";
import type { DispatchEvent, ErrorInfo, FailureCategory } from "./events.js";

/** What an earlier process of the same run left behind (from `planReplay`). */
export interface PriorState {
  /** Nodes that succeeded before, with their journaled outputs. */
  completed: Map<string, { output: string; attempts: number; handoffRecorded: boolean }>;
  /** Nodes to run again: the next attempt, and for in-flight ones the same idempotency key. */
  resumeAt: Map<string, { idempotencyKey?: string; nextAttempt: number }>;
  /** Nodes that failed for good before and are not retried: they fail again without running. */
  failed: Map<string, { attempts: number; error: ErrorInfo; category?: FailureCategory }>;
  /** Waves whose `wave.started` / `wave.completed` are already in the journal. */
  wavesStarted: Set<number>;
  wavesCompleted: Set<number>;
}

/** What a resume starts from: `planReplay`'s decisions in the shape the execution uses. */
export interface ResumeState extends PriorState {
  breakers: Record<string, BreakerState>;
  forced: boolean;
  /** Failed nodes, and those they blocked, were put back to run (journaled in `run.resumed`). */
  retryFailed: boolean;
  /** The journal so far, for the post-mortem. */
  events: DispatchEvent[];
}

/**
 * Reads a run's journal through `planReplay` (which throws `PlanMismatchError` when the plan changed
 * and `force` is off).
 */
export function readPriorState(
  plan: SchedulePlan,
  events: readonly JournalEvent[],
  options: { retryFailed: boolean; force: boolean },
): ResumeState {
  const replay = planReplay(
    { planHash: plan.planHash, nodes: plan.order.map((id) => ({ id, specHash: plan.nodes[id]!.specHash, dependsOn: plan.nodes[id]!.dependsOn })) },
    events,
    options,
  );
  const handoffs = new Set<string>();
  const finalErrors = new Map<string, { error: ErrorInfo; category?: FailureCategory }>();
  const wavesStarted = new Set<number>();
  const wavesCompleted = new Set<number>();
  for (const event of events as unknown as readonly DispatchEvent[]) {
    if (event.type === "handoff.recorded") handoffs.add(event.nodeId);
    else if (event.type === "node.failed" && event.final) finalErrors.set(event.nodeId, { error: event.error, ...(event.category ? { category: event.category } : {}) });
    else if (event.type === "wave.started") wavesStarted.add(event.wave);
    else if (event.type === "wave.completed") wavesCompleted.add(event.wave);
  }
  const state: ResumeState = {
    completed: new Map(),
    resumeAt: new Map(),
    failed: new Map(),
    wavesStarted,
    wavesCompleted,
    breakers: replay.breakers,
    forced: replay.forced,
    retryFailed: options.retryFailed,
    events: [...(events as unknown as readonly DispatchEvent[])],
  };
  for (const done of replay.completed) {
    state.completed.set(done.nodeId, { output: done.output, attempts: done.attempt, handoffRecorded: handoffs.has(done.nodeId) });
  }
  for (const node of replay.toRun) {
    state.resumeAt.set(node.nodeId, {
      nextAttempt: node.attempt,
      ...(node.idempotencyKey !== undefined ? { idempotencyKey: node.idempotencyKey } : {}),
    });
  }
  for (const failed of replay.failed) {
    const known = finalErrors.get(failed.nodeId);
    state.failed.set(failed.nodeId, {
      attempts: failed.attempt,
      error: known?.error ?? { message: "failed in an earlier process of this run" },
      ...(known?.category ? { category: known.category } : {}),
    });
  }
  return state;
}
