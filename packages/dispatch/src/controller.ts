import { randomInt, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  assertValidRunId,
  buildPostMortemFromJournal,
  checkedRedact,
  createBreakerRegistry,
  createRetryPolicy,
  resolveResiliencePolicy,
} from "@hybrid/resilience";
import type { CheckpointStore, JournalEventOf, JournalNode, RunLock } from "@hybrid/resilience";
import type { PlannedNode, SchedulePlan } from "@hybrid/scheduler";
import { DispatchOptionsError, ResumeMismatchError, parseOptions } from "./errors.js";
import type { DispatchEventListener } from "./events.js";
import { RunExecution } from "./execution.js";
import { Journal } from "./journal.js";
import { DispatchOptionsSchema } from "./options.js";
import type { DispatchOptions, ResolvedDispatchOptions } from "./options.js";
import { countOutcomes } from "./outcome.js";
import type { DispatchResult, NodeOutcome } from "./outcome.js";
import { journalNodesOf } from "./plan-nodes.js";
import { defaultPrepare } from "./prepare.js";
import type { PrepareFn } from "./prepare.js";
import { stopProcessGroup } from "./process-group.js";
import type { CheckFn } from "./node-run.js";
import { readResumeState } from "./resume.js";
import type { ResumeState } from "./resume.js";
import type { AgentRunner } from "./runner.js";

/** Per-run options of `controller.run`. */
export interface RunOptions {
  /** Runs each attempt. */
  runner: AgentRunner;
  /** The journal. Without one nothing is checkpointed and the run cannot be resumed. */
  store?: CheckpointStore;
  /** Builds each node's prompt, inside the node's attempt deadline. @default scope + acceptance + upstream outputs */
  prepare?: PrepareFn;
  /**
   * `wave`: wave n+1 waits for all of wave n; `eager`: a node starts once its dependencies
   * succeeded. A resume continues in the journaled mode unless one is given. @default "wave"
   */
  mode?: "wave" | "eager";
  /** The run's id (`[A-Za-z0-9._-]`). @default a fresh time-ordered id */
  runId?: string;
  /** Graceful stop: dispatch nothing new, abort in-flight nodes (their agents are stopped), journal, return `aborted`. */
  signal?: AbortSignal;
  /** Resume the journal of `runId` instead of starting a new run (see `resume`). */
  resume?: boolean | { retryFailed?: boolean; force?: boolean };
  /**
   * Whether a ready node that fits under the caps may start now, given how many run: the caller's
   * own limit, read at every admission (an orchestrator turning the rest of a run sequential).
   * @default every node that fits
   */
  admit?: (node: PlannedNode, running: number) => boolean;
  /** Checks on each success before it counts (quality gates); a throw fails the node for good. */
  check?: CheckFn;
  /**
   * Called once the run's journal is open (after `run.started`/`run.resumed`), before anything is
   * dispatched: the caller appends its own events (`run.strategy`, `gate.evaluated`) through it,
   * journaled and emitted in order with dispatch's.
   */
  onJournalOpen?: (journal: RunJournal) => void | Promise<void>;
}

/** The caller's way into a run's journal: only the orchestrator's event types. */
export interface RunJournal {
  append(event: OrchestratorEventDraft): Promise<void>;
}

/** An orchestrator event before the journal stamps it with the run id and time. */
export type OrchestratorEventDraft =
  | Omit<JournalEventOf<"run.strategy">, "runId" | "at">
  | Omit<JournalEventOf<"gate.evaluated">, "runId" | "at">;

/** Options of `controller.resume`. */
export interface ResumeOptions extends Omit<RunOptions, "resume" | "runId" | "store"> {
  runId: string;
  store: CheckpointStore;
  /** Run nodes that failed for good before again (with their next attempt). @default false */
  retryFailed?: boolean;
  /** Resume even though the journal belongs to a different plan; only outputs still valid for it are kept. @default false */
  force?: boolean;
}

/** Drives schedules through caps, timeouts, retries, breakers and the journal. */
export interface DispatchController {
  /** The resolved options. */
  readonly options: ResolvedDispatchOptions;
  /** Runs a whole plan and returns every node's outcome. */
  run(plan: SchedulePlan, options: RunOptions): Promise<DispatchResult>;
  /**
   * Continues a run from its journal, holding the run's lock (a second process gets `LockedError`):
   * agents a dead orchestrator left running are stopped first; outputs still valid for the plan
   * are reused (they feed `prepare`); in-flight nodes run again with the same idempotency key and
   * the next attempt. An empty journal starts the run afresh.
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
  const redact = config.redact === undefined ? (text: string) => text : checkedRedact(config.redact, "dispatch controller option redact");
  const now = config.clock ? () => config.clock!.now() : Date.now;
  const listeners: DispatchEventListener[] =
    config.onEvent === undefined ? [] : Array.isArray(config.onEvent) ? config.onEvent : [config.onEvent];

  const execute = async (plan: SchedulePlan, run: RunOptions, runId: string, prior: ResumeState | undefined): Promise<DispatchResult> => {
    const journalNodes: JournalNode[] = journalNodesOf(plan);
    const mode = run.mode ?? prior?.mode ?? "wave";
    const seed = prior?.seed ?? config.seed ?? randomInt(2 ** 31);
    const journal = new Journal(runId, run.store, listeners, now, prior?.events ?? []);
    const breakers = createBreakerRegistry(policy.breaker, {
      clock: now,
      ...(prior ? { initialState: prior.breakers } : {}),
      onChange: (change) => {
        void journal.append({ type: "breaker.changed", key: change.key, from: change.from, to: change.to, state: change.state }).catch(() => undefined);
      },
    });
    const first = prior
      ? await journal.append({
          type: "run.resumed",
          planHash: plan.planHash,
          workflowId: plan.workflowId,
          ...(plan.taskType !== undefined ? { taskType: plan.taskType } : {}),
          forced: prior.forced,
          retryFailed: prior.retryFailed,
          mode,
          nodes: journalNodes,
          breakers: breakers.toJSON(),
        })
      : await journal.append({
          type: "run.started",
          planHash: plan.planHash,
          workflowId: plan.workflowId,
          ...(plan.taskType !== undefined ? { taskType: plan.taskType } : {}),
          mode,
          seed,
          nodes: journalNodes,
          breakers: breakers.toJSON(),
        });
    // An agent a dead orchestrator left running would do its side effects beside the new attempt.
    // They are stopped together (each may take its whole grace), then journaled in order.
    const survivors = prior?.survivors ?? [];
    const stopped = await Promise.all(survivors.map((survivor) => stopProcessGroup(survivor.process, { graceMs: config.reapGraceMs })));
    for (const [i, survivor] of survivors.entries()) {
      const outcome = stopped[i]!;
      if (outcome === "other-host") continue;
      await journal.append({ type: "node.reaped", nodeId: survivor.nodeId, agent: survivor.agent, attempt: survivor.attempt, process: survivor.process, outcome });
    }
    if (run.onJournalOpen) {
      await run.onJournalOpen({
        append: async (event) => {
          await journal.append({ ...event } as never);
        },
      });
    }
    const execution = new RunExecution({
      plan,
      runId,
      mode,
      runner: run.runner,
      prepare: run.prepare ?? defaultPrepare,
      options: config,
      policy,
      retry: createRetryPolicy(policy.retry, { seed, ...(config.sleep ? { sleep: config.sleep } : {}) }),
      breakers,
      journal,
      redact,
      now,
      ...(run.signal ? { signal: run.signal } : {}),
      ...(prior ? { prior } : {}),
      ...(run.admit ? { admit: run.admit } : {}),
      ...(run.check ? { check: run.check } : {}),
    });
    const status = await execution.run();
    const outcomes: Record<string, NodeOutcome> = Object.create(null);
    for (const id of plan.order) outcomes[id] = execution.outcomes.get(id)!;
    const result: DispatchResult = {
      runId,
      planHash: plan.planHash,
      mode,
      status,
      counts: countOutcomes(execution.outcomes.values()),
      outcomes,
      resumed: prior !== undefined,
      startedAt: first.at,
      finishedAt: now(),
    };
    if (status !== "succeeded") {
      result.postMortem = buildPostMortemFromJournal(journal.events, { plan: { nodes: journalNodes }, maxAttempts: policy.retry.maxAttempts, redact });
    }
    return result;
  };

  // Every run and resume holds the run's lock from before it reads the journal until it settles.
  const locked = async (store: CheckpointStore | undefined, runId: string, body: () => Promise<DispatchResult>): Promise<DispatchResult> => {
    const lock: RunLock | undefined = await store?.lock?.(runId);
    try {
      return await body();
    } finally {
      await lock?.release();
    }
  };

  const resume = async (plan: SchedulePlan, opts: ResumeOptions): Promise<DispatchResult> => {
    assertValidRunId(opts.runId);
    return locked(opts.store, opts.runId, async () => {
      const { events } = await opts.store.read(opts.runId);
      if (events.length === 0) return execute(plan, opts, opts.runId, undefined);
      const prior = readResumeState(plan, events, { retryFailed: opts.retryFailed ?? false, force: opts.force ?? false });
      const elsewhere = prior.survivors.find((survivor) => survivor.process.hostname !== hostname());
      if (elsewhere) {
        throw new ResumeMismatchError(
          opts.runId,
          `node "${elsewhere.nodeId}" may still be running as process group ${elsewhere.process.pgid} on host ${elsewhere.process.hostname}; resume there, or stop it first`,
        );
      }
      return execute(plan, opts, opts.runId, prior);
    });
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
      assertValidRunId(runId);
      return locked(run.store, runId, async () => {
        if (run.store && run.runId !== undefined && (await run.store.read(runId)).events.length > 0) {
          throw new ResumeMismatchError(runId, "its journal already has events; call resume() to continue it");
        }
        return execute(plan, run, runId, undefined);
      });
    },
    resume,
  };
}
