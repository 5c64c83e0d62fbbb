import { setMaxListeners } from "node:events";
import type { Priority } from "@hybrid/graph";
import { createRetryPolicy, withDeadline } from "@hybrid/resilience";
import type { AttemptContext, BreakerRegistry, ResiliencePolicy, RetryPolicy } from "@hybrid/resilience";
import { WaveScheduler } from "@hybrid/scheduler";
import type { PlannedNode, SchedulePlan, SchedulerTransition } from "@hybrid/scheduler";
import pLimit from "p-limit";
import { classify, errorInfo, failureCategory } from "./error-info.js";
import { digest } from "./output-digest.js";
import { DispatchAbortedError } from "./errors.js";
import { recordHandoff } from "./record-handoff.js";
import type { FailureCategory, RunCounts, RunStatus } from "./events.js";
import type { Journal } from "./journal.js";
import { defaultIdempotencyKey } from "./options.js";
import type { ResolvedDispatchOptions } from "./options.js";
import { countOutcomes, type NodeOutcome } from "./outcome.js";
import type { PrepareFn } from "./prepare.js";
import type { PriorState } from "./replay.js";
import type { AgentResult, AgentRunner, AgentTask } from "./runner.js";
import { WaveJournal, needsJournal } from "./wave-journal.js";

export interface ExecutionInit {
  plan: SchedulePlan;
  runId: string;
  mode: "wave" | "eager";
  runner: AgentRunner;
  prepare: PrepareFn;
  options: ResolvedDispatchOptions;
  policy: ResiliencePolicy;
  breakers: BreakerRegistry;
  journal: Journal;
  redact: (text: string) => string;
  now: () => number;
  signal?: AbortSignal;
  prior?: PriorState;
}

/**
 * One run of a plan in this process: takes ready nodes from the scheduler only when a global, a
 * class and a wave slot are free (no head-of-line blocking), journals every transition before acting
 * on it, and records every node's outcome.
 */
export class RunExecution {
  readonly outcomes = new Map<string, NodeOutcome>();
  readonly #scheduler: WaveScheduler;
  readonly #limit: ReturnType<typeof pLimit>;
  #inFlight = 0;
  readonly #classRunning: Record<Priority, number> = { security: 0, architecture: 0, implementation: 0, docs: 0 };
  readonly #waveRunning: Uint32Array;
  readonly #retryPolicies = new Map<number, RetryPolicy>();
  readonly #abort = new AbortController();
  readonly #waves: WaveJournal;
  #stopping: "none" | "abort-run" | "signal" | "fatal" = "none";
  #fatal: unknown;
  #wake: (() => void) | undefined;

  constructor(private readonly init: ExecutionInit) {
    const { plan, prior, mode } = init;
    this.#limit = pLimit(init.options.maxParallel);
    // Every in-flight attempt listens on the run's signal (retry backoff, timeout): up to maxParallel.
    setMaxListeners(0, this.#abort.signal);
    this.#waves = new WaveJournal(init.journal, plan, prior?.wavesStarted ?? [], prior?.wavesCompleted ?? []);
    this.#waveRunning = new Uint32Array(plan.waves.length);
    for (const [id, done] of prior?.completed ?? []) {
      const node = plan.nodes[id]!;
      this.outcomes.set(id, { id, agent: node.agent, status: "succeeded", attempts: done.attempts, output: done.output, reused: true });
    }
    this.#scheduler = new WaveScheduler(plan, { mode, completed: prior?.completed.keys() ?? [] });
  }

  /** Runs to the end (or to a stop) and returns the run status. Throws when the journal cannot be written. */
  async run(): Promise<RunStatus> {
    const { signal } = this.init;
    const onAbort = (): void => this.#stop("signal", signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#waveEvents(this.#scheduler.initialWavesStarted, []);
      await this.#handoffsLeftBehind();
      for (;;) {
        this.#fill();
        if (this.#inFlight === 0) break;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    if (this.#fatal !== undefined) throw this.#fatal;
    return this.#finish();
  }

  #stop(kind: "abort-run" | "signal" | "fatal", reason?: unknown): void {
    if (this.#stopping === "none" || kind === "fatal" || kind === "signal") {
      if (this.#stopping !== "fatal") this.#stopping = kind;
    }
    // `abort-run` lets in-flight nodes finish; a stop signal or a broken journal aborts them.
    if (kind !== "abort-run" && !this.#abort.signal.aborted) {
      this.#abort.abort(reason instanceof Error ? reason : new DispatchAbortedError("run stopped", reason));
    }
  }

  #canStart = (node: PlannedNode): boolean => {
    const { maxParallel, caps, maxPerWave } = this.init.options;
    if (this.#inFlight >= maxParallel) return false;
    const classCap = caps[node.priority];
    if (classCap !== undefined && this.#classRunning[node.priority] >= classCap) return false;
    return maxPerWave === undefined || this.#waveRunning[node.wave]! < maxPerWave;
  };

  #fill(): void {
    // The global check first: asking the scheduler while every slot is taken would make it scan
    // (and re-queue) the whole ready set for nothing.
    while (this.#stopping === "none" && this.#inFlight < this.init.options.maxParallel) {
      const node = this.#scheduler.next(this.#canStart);
      if (node === undefined) return;
      // Slots are counted here, synchronously, so p-limit queues at most briefly (a slot we freed
      // before p-limit's own bookkeeping ran): it stays the hard global cap.
      this.#inFlight += 1;
      this.#classRunning[node.priority] += 1;
      this.#waveRunning[node.wave]! += 1;
      // p-limit hands `node` on (no closure per node); `#execute` settles the slot itself and never
      // rejects, which saved the `.catch().finally()` chain per node.
      void this.#limit(this.#execute, node);
    }
  }

  /** One retry policy per attempt limit (nodes may override `maxAttempts`), built once per run. */
  #retryPolicy(maxAttempts: number): RetryPolicy {
    const { random, sleep } = this.init.options;
    const policy = this.#retryPolicies.get(maxAttempts) ?? createRetryPolicy({ ...this.init.policy.retry, maxAttempts }, { random, sleep });
    this.#retryPolicies.set(maxAttempts, policy);
    return policy;
  }

  /** Runs one node in its slot, then frees the slot; never rejects (a broken journal stops the run). */
  #execute = async (node: PlannedNode): Promise<void> => {
    try {
      const failedBefore = this.init.prior?.failed.get(node.id);
      if (failedBefore) {
        // Failed for good in an earlier process and not retried: its failure stands, unrun.
        this.outcomes.set(node.id, { id: node.id, agent: node.agent, status: "failed", attempts: failedBefore.attempts, error: failedBefore.error, category: failedBefore.category });
        await this.#transition(this.#scheduler.failed(node.id));
        if (this.init.options.onFailure === "abort-run") this.#stop("abort-run");
      } else {
        await this.#attempts(node);
      }
    } catch (error) {
      this.#fatal ??= error;
      this.#stop("fatal", error);
    } finally {
      this.#inFlight -= 1;
      this.#classRunning[node.priority] -= 1;
      this.#waveRunning[node.wave]! -= 1;
      this.#wake?.();
    }
  };

  async #attempts(node: PlannedNode): Promise<void> {
    const { runId, journal, redact, options, runner, prior } = this.init;
    const resumeAt = prior?.resumeAt.get(node.id);
    const idempotencyKey = resumeAt?.idempotencyKey ?? (options.idempotencyKey ?? defaultIdempotencyKey)({ runId, node });
    const startAttempt = resumeAt?.nextAttempt ?? 1;
    let attempt = startAttempt;
    let startedAt = 0;
    const base = { id: node.id, agent: node.agent, idempotencyKey };
    try {
      // Ids are dynamic keys: a prototype-less object goes straight to dictionary mode instead of
      // walking a new hidden-class transition per key, which dominated dispatch overhead.
      const upstream: Record<string, string> = Object.create(null);
      // A dependency is running only once all its dependencies succeeded: their outcomes hold the
      // outputs (a second map of outputs cost a Map.set per node).
      for (const id of node.dependsOn) upstream[id] = this.outcomes.get(id)!.output!;
      const prepared = this.init.prepare(node, upstream);
      // Skip a microtask when prepare is synchronous (the default is): it adds up over many nodes.
      const { prompt } = prepared instanceof Promise ? await prepared : prepared;
      const maxAttempts = Math.max(node.spec.maxAttempts ?? this.init.policy.retry.maxAttempts, startAttempt);
      const timeoutMs = node.spec.timeoutMs ?? this.init.policy.timeoutMs;
      // Plain promise chains, not async functions, below: each async layer cost allocations and ticks.
      const run = (task: AgentTask, signal: AbortSignal): Promise<AgentResult> => {
        startedAt = this.init.now();
        return withDeadline((attemptSignal) => runner.run(task, attemptSignal), timeoutMs, signal).catch((error: unknown) => {
          if (classify(error) !== "timeout") throw error;
          const written = journal.write({ type: "node.timed-out", nodeId: node.id, agent: node.agent, attempt: task.attempt, timeoutMs });
          if (written === undefined) throw error;
          return written.then(() => Promise.reject(error));
        });
      };
      const result = await this.#retryPolicy(maxAttempts).execute(
        ({ attempt: current, signal }: AttemptContext) =>
          this.init.breakers.execute(node.agent, () => {
            attempt = current;
            const task: AgentTask = { runId, nodeId: node.id, agent: node.agent, priority: node.priority, attempt: current, idempotencyKey, prompt, node: node.spec };
            const written = journal.write({ type: "node.dispatched", nodeId: node.id, agent: node.agent, priority: node.priority, wave: node.wave, attempt: current, idempotencyKey });
            return written === undefined ? run(task, signal) : written.then(() => run(task, signal));
          }),
        {
          signal: this.#abort.signal,
          startAttempt,
          onRetry: async ({ attempt: failed, nextAttempt, error, delayMs }) => {
            const info = errorInfo(error, redact);
            void journal.append({ type: "node.failed", nodeId: node.id, agent: node.agent, attempt: failed, final: false, error: info });
            await journal.append({ type: "node.retrying", nodeId: node.id, agent: node.agent, attempt: failed, nextAttempt, delayMs, error: info });
          },
        },
      );
      const succeeded = this.#succeed(node, base, attempt, result, startedAt);
      if (succeeded !== undefined) await succeeded;
    } catch (error) {
      if (this.#fatal !== undefined || journal.failure !== undefined) throw this.#fatal ?? journal.failure;
      if (classify(error) === "aborted" && this.#stopping !== "none") {
        // Stopped mid-flight: no final event, so resume runs it again with the same key.
        this.outcomes.set(node.id, { ...base, status: "aborted", attempts: attempt, error: errorInfo(error, redact) });
        return;
      }
      await this.#fail(node, base, attempt, error, failureCategory(error));
    }
  }

  /** Journals and records a success; returns a promise only when there is something to wait for. */
  #succeed(node: PlannedNode, base: Pick<NodeOutcome, "id" | "agent" | "idempotencyKey">, attempt: number, result: AgentResult, startedAt: number): Promise<void> | undefined {
    const { journal, redact } = this.init;
    const output = redact(result.output);
    const durationMs = Math.max(0, this.init.now() - startedAt);
    const tokens = { input: result.tokens.input, output: result.tokens.output };
    const written = journal.write({ type: "node.succeeded", nodeId: node.id, agent: node.agent, attempt, output, outputDigest: digest(output), tokens, durationMs, startedAt });
    const record = (): Promise<void> | undefined => {
      const outcome: NodeOutcome = { id: base.id, agent: base.agent, idempotencyKey: base.idempotencyKey, status: "succeeded", attempts: attempt, output, tokens, durationMs };
      this.outcomes.set(node.id, outcome);
      if (this.init.options.handoffSink) return this.#handoff(node, output, outcome).then(() => this.#released(node));
      return this.#released(node);
    };
    return written === undefined ? record() : written.then(record);
  }

  /** Tells the scheduler a node succeeded and journals what that changed, if anything. */
  #released(node: PlannedNode): Promise<void> | undefined {
    const transition = this.#scheduler.succeeded(node.id);
    return needsJournal(transition) ? this.#transition(transition) : undefined;
  }

  async #fail(node: PlannedNode, base: Pick<NodeOutcome, "id" | "agent" | "idempotencyKey">, attempt: number, error: unknown, category: FailureCategory): Promise<void> {
    const info = errorInfo(error, this.init.redact);
    await this.init.journal.append({ type: "node.failed", nodeId: node.id, agent: node.agent, attempt, final: true, category, error: info });
    this.outcomes.set(node.id, { ...base, status: "failed", attempts: attempt, category, error: info });
    await this.#transition(this.#scheduler.failed(node.id));
    if (this.init.options.onFailure === "abort-run") this.#stop("abort-run");
  }

  #handoff(node: PlannedNode, output: string, outcome: NodeOutcome): Promise<void> {
    const { options, journal, runId, redact, now } = this.init;
    return recordHandoff({ sink: options.handoffSink!, summaryChars: options.summaryChars, journal, runId, redact, now }, node, output, outcome);
  }

  /** Handoffs of nodes that succeeded before a crash but whose handoff was not journaled (sinks are idempotent). */
  async #handoffsLeftBehind(): Promise<void> {
    for (const [id, done] of this.init.prior?.completed ?? []) {
      if (!done.handoffRecorded && this.init.options.handoffSink) await this.#handoff(this.init.plan.nodes[id]!, done.output, this.outcomes.get(id)!);
    }
  }

  /** Journals what a scheduler transition says (blocked nodes, waves), issuing the appends in order. */
  async #transition(transition: SchedulerTransition): Promise<void> {
    const appends: Promise<unknown>[] = [];
    for (const { id, blockedBy } of transition.blocked) {
      const node = this.init.plan.nodes[id]!;
      this.outcomes.set(id, { id, agent: node.agent, status: "blocked", attempts: 0, blockedBy });
      appends.push(this.init.journal.append({ type: "node.blocked", nodeId: id, agent: node.agent, blockedBy }));
    }
    appends.push(this.#waveEvents(transition.wavesStarted, transition.wavesCompleted));
    await Promise.all(appends);
  }

  #waveEvents(started: readonly number[], completed: readonly number[]): Promise<unknown> {
    return this.#waves.record(started, completed, this.outcomes);
  }

  /** Fills in nodes that never ran, journals `run.completed` and returns the status. */
  async #finish(): Promise<RunStatus> {
    const { plan, journal } = this.init;
    for (const id of plan.order) {
      if (!this.outcomes.has(id)) {
        const node = plan.nodes[id]!;
        this.outcomes.set(id, { id, agent: node.agent, status: "skipped", attempts: 0 });
      }
    }
    const counts = this.counts();
    const status: RunStatus =
      counts.succeeded === counts.total ? "succeeded" : this.#stopping === "signal" ? "aborted" : "failed";
    await journal.append({ type: "run.completed", status, counts });
    await journal.flush();
    return status;
  }

  counts(): RunCounts {
    return countOutcomes(this.outcomes.values());
  }
}
