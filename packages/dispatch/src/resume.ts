import { planReplay } from "@hybrid/resilience";
import type { BreakerState, ErrorInfo, FailureCategory, JournalEvent, SurvivorProcess } from "@hybrid/resilience";
import type { SchedulePlan } from "@hybrid/scheduler";

/** What an earlier process of the same run left behind, as the execution uses it (from `planReplay`). */
export interface PriorState {
  /** Nodes whose outputs are reused, with the handoff recorded for them (if any). */
  completed: Map<string, { output: string; outputDigest: string; attempts: number; idempotencyKey: string | undefined; handoffUrl: string | undefined }>;
  /** Nodes to run again: the next attempt, and for in-flight ones the key of the unfinished dispatch. */
  resumeAt: Map<string, { idempotencyKey?: string; nextAttempt: number }>;
  /** Final failures that stand: they fail again without running, and block what depends on them. */
  failed: Map<string, { attempts: number; error: ErrorInfo; category?: FailureCategory }>;
  /** Waves whose `wave.started` / `wave.completed` are already in the journal. */
  wavesStarted: ReadonlySet<number>;
  wavesCompleted: ReadonlySet<number>;
}

/** What a resume starts from. */
export interface ResumeState extends PriorState {
  breakers: Record<string, BreakerState>;
  forced: boolean;
  retryFailed: boolean;
  mode: "wave" | "eager" | undefined;
  seed: number | undefined;
  /** Agent processes an earlier orchestrator started and never saw settle. */
  survivors: SurvivorProcess[];
  /** The journal so far. */
  events: readonly JournalEvent[];
}

/** Reads a run's journal through `planReplay`, which throws `PlanMismatchError` when the plan changed and `force` is off. */
export function readResumeState(plan: SchedulePlan, events: readonly JournalEvent[], options: { retryFailed: boolean; force: boolean }): ResumeState {
  const replay = planReplay(
    { planHash: plan.planHash, nodes: plan.order.map((id) => ({ id, specHash: plan.nodes[id]!.specHash, dependsOn: plan.nodes[id]!.dependsOn })) },
    events,
    options,
  );
  const state: ResumeState = {
    completed: new Map(),
    resumeAt: new Map(),
    failed: new Map(),
    wavesStarted: replay.wavesStarted,
    wavesCompleted: replay.wavesCompleted,
    breakers: replay.breakers,
    forced: replay.forced,
    retryFailed: options.retryFailed,
    mode: replay.mode,
    seed: replay.seed,
    survivors: replay.survivors,
    events,
  };
  for (const done of replay.completed) {
    state.completed.set(done.nodeId, {
      output: done.output,
      outputDigest: done.outputDigest,
      attempts: done.attempt,
      idempotencyKey: done.idempotencyKey,
      handoffUrl: done.handoffUrl,
    });
  }
  for (const node of replay.toRun) {
    state.resumeAt.set(node.nodeId, { nextAttempt: node.attempt, ...(node.idempotencyKey !== undefined ? { idempotencyKey: node.idempotencyKey } : {}) });
  }
  for (const failed of replay.failed) {
    state.failed.set(failed.nodeId, { attempts: failed.attempt, error: failed.error, ...(failed.category ? { category: failed.category } : {}) });
  }
  return state;
}
