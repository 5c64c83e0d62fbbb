import { randomUUID } from "node:crypto";
import { createBreakerRegistry, resolveResiliencePolicy } from "@hybrid/resilience";
import type { BreakerRegistry, CheckpointStore } from "@hybrid/resilience";
import type { SchedulePlan } from "@hybrid/scheduler";
import { DispatchOptionsError, ResumeMismatchError, parseOptions } from "./errors.js";
import type { DispatchEvent, DispatchEventListener, JournalNode } from "./events.js";
import { RunExecution } from "./execution.js";
import { Journal } from "./journal.js";
import { DispatchOptionsSchema } from "./options.js";
import type { DispatchOptions, ResolvedDispatchOptions } from "./options.js";
import type { DispatchResult, NodeOutcome } from "./outcome.js";
import { defaultPrepare } from "./prepare.js";
import type { PrepareFn } from "./prepare.js";
import { readPriorState } from "./replay.js";
import { runIndexOf } from "./run-index.js";
import { buildRunPostMortem, emptyStats } from "./run-post-mortem.js";
import type { ResumeState } from "./replay.js";
import type { AgentRunner } from "./runner.js";

/** Per-run options of `controller.run`. */
export interface RunOptions {
  /** Runs each attempt. */
  runner: AgentRunner;
  /** The journal. Without one nothing is checkpointed and the run cannot be resumed. */
  store?: CheckpointStore;
  /** Builds each node's prompt. @default scope + acceptance + upstream outputs */
  prepare?: PrepareFn;
  /** `wave`: wave n+1 waits for all of wave n; `eager`: a node starts once its dependencies succeeded. @default "wave" */
  mode?: "wave" | "eager";
  /** The run's id (`[A-Za-z0-9._-]`). @default a fresh time-ordered id */
  runId?: string;
  /** Graceful stop: dispatch nothing new, abort in-flight nodes, journal, return `aborted`. */
  signal?: AbortSignal;
  /** Resume the journal of `runId` instead of starting a new run (see `resume`). */
  resume?: boolean | { retryFailed?: boolean; force?: boolean };
}

/** Options of `controller.resume`. */
export interface ResumeOptions extends Omit<RunOptions, "resume" | "runId" | "store"> {
  runId: string;
  store: CheckpointStore;
  /** Run nodes that failed for good before again (with their next attempt). @default false */
  retryFailed?: boolean;
  /** Resume even though the journal belongs to a different plan. @default false */
  force?: boolean;
}

/** Drives schedules through caps, timeouts, retries, breakers and the journal. */
export interface DispatchController {
  /** The resolved options. */
  readonly options: ResolvedDispatchOptions;
  /** Runs a whole plan and returns every node's outcome. */
  run(plan: SchedulePlan, options: RunOptions): Promise<DispatchResult>;
  /**
   * Continues a run from its journal: completed nodes are not run again (their outputs feed
   * `prepare`), in-flight nodes run again with the same idempotency key and the next attempt.
   * An empty journal starts the run afresh.
   */
  resume(plan: SchedulePlan, options: ResumeOptions): Promise<DispatchResult>;
}

function newRunId(now: number): string {
  return `run-${now.toString(36)}-${randomUUID().slice(0, 8)}`;
}

/**
 * Creates a dispatch controller.
 *
 * @example
 * const controller = createDispatchController({ maxParallel: 4, caps: { docs: 1 } });
 * const result = await controller.run(plan, { runner, store, mode: "eager" });
 */
export function createDispatchController(options: DispatchOptions = {}): DispatchController {
  const config = parseOptions("dispatch controller", DispatchOptionsSchema, options);
  let policy;
  try {
    policy = resolveResiliencePolicy(config.resilience ?? {});
  } catch (error) {
    const issues = (error as { issues?: { path: string; message: string }[] }).issues ?? [];
    throw new DispatchOptionsError(
      "dispatch controller",
      issues.map((issue) => ({ path: `resilience.${issue.path}`, message: issue.message })),
      error,
    );
  }
  const redact = config.redact ?? ((text: string) => text);
  const now = config.clock ? () => config.clock!.now() : Date.now;
  const listeners: DispatchEventListener[] =
    config.onEvent === undefined ? [] : Array.isArray(config.onEvent) ? config.onEvent : [config.onEvent];

  const execute = async (
    plan: SchedulePlan,
    run: RunOptions,
    runId: string,
    prior: ResumeState | undefined,
  ): Promise<DispatchResult> => {
    const startedAt = now();
    const mode = run.mode ?? "wave";
    const index = runIndexOf(plan);
    const journalNodes = index.journalNodes as JournalNode[];
    const journal = new Journal(runId, run.store, listeners, now);
    const stats = emptyStats();
    const breakers: BreakerRegistry = createBreakerRegistry(policy.breaker, {
      clock: now,
      ...(prior?.breakers ? { initialState: prior.breakers } : {}),
      onChange: (change) => {
        if (change.to === "open") stats.breakerTrips += 1;
        journal.appendLater({ type: "breaker.changed", key: change.key, from: change.from, to: change.to, state: change.state });
      },
    });
    let first: DispatchEvent;
    if (prior) {
      first = await journal.append({
        type: "run.resumed",
        planHash: plan.planHash,
        forced: prior.forced,
        retryFailed: prior.retryFailed,
        nodes: journalNodes,
        breakers: breakers.toJSON(),
      });
    } else {
      first = await journal.append({
        type: "run.started",
        planHash: plan.planHash,
        workflowId: plan.workflowId,
        ...(plan.taskType !== undefined ? { taskType: plan.taskType } : {}),
        mode,
        nodes: journalNodes,
        breakers: breakers.toJSON(),
      });
    }
    const execution = new RunExecution({
      plan,
      index,
      runId,
      mode,
      runner: run.runner,
      prepare: run.prepare ?? defaultPrepare,
      options: config,
      policy,
      breakers,
      journal,
      redact,
      now,
      stats,
      ...(run.signal ? { signal: run.signal } : {}),
      ...(prior ? { prior } : {}),
    });
    const status = await execution.run();
    // A loop, not Object.fromEntries over [id, outcome] pairs: one allocation per node less.
    const outcomes: Record<string, NodeOutcome> = {};
    for (let rank = 0; rank < plan.order.length; rank++) outcomes[plan.order[rank]!] = execution.outcomes[rank]!;
    const result: DispatchResult = {
      runId,
      planHash: plan.planHash,
      mode,
      status,
      counts: execution.counts(),
      outcomes,
      resumed: prior !== undefined,
      startedAt,
      finishedAt: now(),
    };
    if (status !== "succeeded") {
      result.postMortem = buildRunPostMortem({
        runId,
        status,
        plan,
        journalNodes,
        outcomes: execution.outcomes as NodeOutcome[],
        stats,
        priorEvents: prior?.events ?? [],
        startedAt: first.at,
        endedAt: execution.completedAt,
        maxAttempts: policy.retry.maxAttempts,
        timeoutMs: (id) => plan.nodes[id]!.spec.timeoutMs ?? policy.timeoutMs,
        redact,
      });
    }
    return result;
  };

  const resume = async (plan: SchedulePlan, opts: ResumeOptions): Promise<DispatchResult> => {
    const { events } = await opts.store.read(opts.runId);
    if (events.length === 0) return execute(plan, opts, opts.runId, undefined);
    const prior = readPriorState(plan, events, { retryFailed: opts.retryFailed ?? false, force: opts.force ?? false });
    return execute(plan, opts, opts.runId, prior);
  };

  return {
    options: config,
    async run(plan, run) {
      if (run.resume) {
        if (!run.store || !run.runId) {
          throw new DispatchOptionsError("run", [{ path: run.store ? "runId" : "store", message: "resume needs a runId and a store" }]);
        }
        const flags = typeof run.resume === "object" ? run.resume : {};
        return resume(plan, { ...run, runId: run.runId, store: run.store, ...flags });
      }
      const runId = run.runId ?? newRunId(now());
      if (run.store && run.runId !== undefined) {
        const existing = await run.store.read(runId);
        if (existing.events.length > 0) {
          throw new ResumeMismatchError(runId, "its journal already has events; call resume() to continue it");
        }
      }
      return execute(plan, run, runId, undefined);
    },
    resume,
  };
}
