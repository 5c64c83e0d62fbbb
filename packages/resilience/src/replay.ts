import { blockedBy, dependencyOrder } from "./blocking.js";
import type { BreakerState } from "./circuit-breaker.js";
import { PlanMismatchError } from "./errors.js";
import type { PlanDifference } from "./errors.js";
import type { ErrorInfo, FailureCategory, JournalEvent } from "./journal-events.js";
import { emptyNode, replayStates } from "./replay-state.js";
import type { JournalState, NodeState, RecordedProcess } from "./replay-state.js";

/** The structural part of a plan that replay needs. */
export interface ReplayPlanInput {
  planHash: string;
  nodes: ReadonlyArray<{ id: string; specHash: string; dependsOn: readonly string[] }>;
}

/** Options of {@link planReplay}. */
export interface ReplayOptions {
  /** Run failed nodes again, and the nodes they blocked; completed siblings keep their outputs. @default false */
  retryFailed?: boolean;
  /** Resume even though the plan changed; only outputs still valid for the new plan are kept. @default false */
  force?: boolean;
}

/** A node whose journaled output is reused. */
export interface CompletedNode {
  nodeId: string;
  agent: string | undefined;
  attempt: number;
  output: string;
  outputDigest: string;
  /** Key of the dispatch that produced it. */
  idempotencyKey: string | undefined;
  /** The handoff recorded for that dispatch, if any (else the resume records it). */
  handoffUrl: string | undefined;
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
  /** For an in-flight node whose spec did not change: the key of its unfinished dispatch, to reuse so side effects dedupe. */
  idempotencyKey: string | undefined;
}

/** A final failure that stands (it is not run again). */
export interface StandingFailure {
  nodeId: string;
  agent: string | undefined;
  attempt: number;
  error: ErrorInfo;
  category: FailureCategory | undefined;
}

/** An agent process an earlier orchestrator started and never saw settle: stop it before dispatching again. */
export interface SurvivorProcess {
  nodeId: string;
  agent: string;
  attempt: number;
  process: RecordedProcess;
}

/** What to do on resume. All node lists are in dependency order (dependencies first). */
export interface ReplayResult {
  runId: string | undefined;
  planHash: string;
  journalPlanHash: string | undefined;
  planChanged: boolean;
  forced: boolean;
  /** The journaled scheduling mode and retry seed of the run. */
  mode: "wave" | "eager" | undefined;
  seed: number | undefined;
  completed: CompletedNode[];
  /** Every node to dispatch, in-flight ones included. */
  toRun: NodeToRun[];
  /** The in-flight subset of `toRun`: dispatched, never finished. */
  inFlight: NodeToRun[];
  /** Final failures that stand (without `retryFailed`, and nothing they were attempted from changed). */
  failed: StandingFailure[];
  /** Nodes that cannot run because an ancestor's failure stands; `blockedBy` is that failed node. */
  blocked: Array<{ nodeId: string; blockedBy: string }>;
  /** Nodes whose journaled output is not reused: their spec, or an output they were prepared from, changed. */
  discarded: string[];
  /** Journal nodes that are no longer in the plan. */
  removed: string[];
  /** Highest attempt dispatched per plan node (0 = never dispatched). */
  attempts: Map<string, number>;
  /** Breaker state found last in the journal; pass it as `initialState`. */
  breakers: Record<string, BreakerState>;
  /** Agent processes that may have outlived the orchestrator that started them. */
  survivors: SurvivorProcess[];
  /** Waves already journaled as started / completed under this plan. */
  wavesStarted: ReadonlySet<number>;
  wavesCompleted: ReadonlySet<number>;
}

function differences(plan: ReplayPlanInput, journal: JournalState): PlanDifference {
  const current = new Set(plan.nodes.map((node) => node.id));
  return {
    added: plan.nodes.filter((node) => !journal.specs.has(node.id)).map((node) => node.id),
    removed: [...journal.specs.keys()].filter((id) => !current.has(id)),
    changed: plan.nodes.filter((node) => journal.specs.has(node.id) && journal.specs.get(node.id)!.specHash !== node.specHash).map((node) => node.id),
  };
}

const IDLE: NodeState = emptyNode();

/**
 * Decides, from a run's journal, what a resume must do. The rule that keeps it right across
 * processes, forced resumes and interruptions: a node's journaled output is reused only when it was
 * produced from the node's current spec AND from exactly the outputs its dependencies have now
 * (each dependency itself reused). So the reused set is closed under dependencies, and every reused
 * output was produced from the current versions of all its ancestors. The same holds for a final
 * failure: it stands only while nothing it was attempted from changed.
 * @throws PlanMismatchError when the plan changed and `force` is not set.
 */
export function planReplay(plan: ReplayPlanInput, events: readonly JournalEvent[], options: ReplayOptions = {}): ReplayResult {
  const journal = replayStates(events);
  const planChanged = journal.planHash !== undefined && journal.planHash !== plan.planHash;
  if (planChanged && !options.force) {
    throw new PlanMismatchError(journal.planHash!, plan.planHash, differences(plan, journal), journal.runId);
  }
  const stateOf = (id: string): NodeState => journal.nodes.get(id) ?? IDLE;
  const { ordered, unordered } = dependencyOrder(plan.nodes);
  const keptDigest = new Map<string, string>();
  const standing = new Set<string>();
  // The inputs a completion or failure recorded are exactly the current ones of its dependencies.
  const sameInputs = (node: ReplayPlanInput["nodes"][number], inputs: Readonly<Record<string, string>>): boolean =>
    node.dependsOn.every((dep) => keptDigest.has(dep) && inputs[dep] === keptDigest.get(dep)) &&
    Object.keys(inputs).length === node.dependsOn.length;

  for (const node of ordered) {
    const state = stateOf(node.id);
    const completion = state.completion;
    if (completion && completion.specHash === node.specHash && sameInputs(node, completion.inputs)) {
      keptDigest.set(node.id, completion.outputDigest);
      continue;
    }
    const failure = state.failure;
    if (
      state.status === "failed" &&
      !options.retryFailed &&
      !state.retried &&
      failure !== undefined &&
      failure.specHash === node.specHash &&
      sameInputs(node, failure.inputs)
    ) {
      standing.add(node.id);
    }
  }
  const blockers = blockedBy(plan.nodes, standing);

  const result: ReplayResult = {
    runId: journal.runId,
    planHash: plan.planHash,
    journalPlanHash: journal.planHash,
    planChanged,
    forced: Boolean(options.force) && planChanged,
    mode: journal.mode,
    seed: journal.seed,
    completed: [],
    toRun: [],
    inFlight: [],
    failed: [],
    blocked: [],
    discarded: [],
    removed: [...journal.specs.keys()].filter((id) => !plan.nodes.some((node) => node.id === id)),
    attempts: new Map(),
    breakers: journal.breakers,
    survivors: [],
    wavesStarted: planChanged ? new Set() : journal.wavesStarted,
    wavesCompleted: planChanged ? new Set() : journal.wavesCompleted,
  };
  for (const [nodeId, state] of journal.nodes) {
    for (const [attempt, process] of state.processes) result.survivors.push({ nodeId, agent: state.agent ?? "", attempt, process });
  }

  for (const node of [...ordered, ...unordered]) {
    const state = stateOf(node.id);
    result.attempts.set(node.id, state.attempt);
    const completion = state.completion;
    if (keptDigest.has(node.id) && completion) {
      result.completed.push({
        nodeId: node.id,
        agent: state.agent,
        attempt: completion.attempt,
        output: completion.output,
        outputDigest: completion.outputDigest,
        idempotencyKey: completion.idempotencyKey,
        handoffUrl: completion.idempotencyKey === undefined ? undefined : journal.handoffs.get(completion.idempotencyKey),
      });
      continue;
    }
    if (completion) result.discarded.push(node.id);
    if (standing.has(node.id)) {
      const failure = state.failure!;
      result.failed.push({ nodeId: node.id, agent: state.agent, attempt: state.attempt, error: failure.error, category: failure.category });
      continue;
    }
    const blocker = blockers.get(node.id);
    if (blocker !== undefined) {
      result.blocked.push({ nodeId: node.id, blockedBy: blocker });
      continue;
    }
    // The latest dispatch was of this very spec, from the very outputs its dependencies have now.
    const sameDispatch =
      state.dispatchedSpecHash === node.specHash && state.dispatchedInputs !== undefined && sameInputs(node, state.dispatchedInputs);
    const retrying = options.retryFailed === true || state.retried;
    // An unfinished dispatch of this very spec and inputs is in flight even when an older output of
    // the node was discarded: it is the same attempt, so its idempotency key is reused.
    const reason: RunReason =
      sameDispatch && state.status === "in-flight"
        ? "in-flight"
        : state.status === "blocked" && !completion
          ? "unblocked"
          : state.attempt === 0 && !completion
            ? "new"
            : completion !== undefined || !sameDispatch || (state.status === "failed" && !retrying)
              ? "changed"
              : state.status === "failed"
                ? "retry-failed"
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
