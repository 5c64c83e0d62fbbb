import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Priority } from "@hybrid/graph";
import { createRetryPolicy } from "@hybrid/resilience";
import type { BreakerRegistry, ResiliencePolicy, RetryPolicy } from "@hybrid/resilience";
import { WaveScheduler } from "@hybrid/scheduler";
import type { PlannedNode, SchedulePlan, SchedulerTransition } from "@hybrid/scheduler";
import pLimit from "p-limit";
import { withDeadline } from "./deadline.js";
import { classify, errorInfo, failureCategory } from "./error-info.js";
import { DispatchAbortedError } from "./errors.js";
import { recordHandoff } from "./record-handoff.js";
import type { FailureCategory, RunCounts, RunStatus } from "./events.js";
import type { Journal } from "./journal.js";
import { defaultIdempotencyKey } from "./options.js";
import type { ResolvedDispatchOptions } from "./options.js";
import type { NodeOutcome } from "./outcome.js";
import type { PrepareFn } from "./prepare.js";
import type { PriorState } from "./replay.js";
import type { AgentResult, AgentRunner } from "./runner.js";

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

const digest = (text: string): string => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;

/**
 * One run of a plan in this process: takes ready nodes from the scheduler only when a global, a
 * class and a wave slot are free (no head-of-line blocking), journals every transition before acting
 * on it, and records every node's outcome.
 */
export class RunExecution {
  readonly outcomes = new Map<string, NodeOutcome>();
  readonly #scheduler: WaveScheduler;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #outputs = new Map<string, string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #classRunning = new Map<Priority, number>();
  readonly #waveRunning = new Map<number, number>();
  readonly #retryPolicies = new Map<number, RetryPolicy>();
  readonly #abort = new AbortController();
  readonly #wavesStarted: Set<number>;
  readonly #wavesCompleted: Set<number>;
  #stopping: "none" | "abort-run" | "signal" | "fatal" = "none";
  #fatal: unknown;
  #wake: (() => void) | undefined;

  constructor(private readonly init: ExecutionInit) {
    const { plan, prior, mode } = init;
    this.#limit = pLimit(init.options.maxParallel);
    // Every in-flight attempt listens on the run's signal (retry backoff, timeout): up to maxParallel.
    setMaxListeners(0, this.#abort.signal);
    this.#wavesStarted = new Set(prior?.wavesStarted ?? []);
    this.#wavesCompleted = new Set(prior?.wavesCompleted ?? []);
    for (const [id, done] of prior?.completed ?? []) {
      this.#outputs.set(id, done.output);
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
        if (this.#running.size === 0) break;
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
    if (this.#running.size >= maxParallel) return false;
    const classCap = caps[node.priority];
    if (classCap !== undefined && (this.#classRunning.get(node.priority) ?? 0) >= classCap) return false;
    return maxPerWave === undefined || (this.#waveRunning.get(node.wave) ?? 0) < maxPerWave;
  };

  #fill(): void {
    // The global check first: asking the scheduler while every slot is taken would make it scan
    // (and re-queue) the whole ready set for nothing.
    while (this.#stopping === "none" && this.#running.size < this.init.options.maxParallel) {
      const node = this.#scheduler.next(this.#canStart);
      if (node === undefined) return;
      this.#classRunning.set(node.priority, (this.#classRunning.get(node.priority) ?? 0) + 1);
      this.#waveRunning.set(node.wave, (this.#waveRunning.get(node.wave) ?? 0) + 1);
      // Slots are counted here, synchronously, so p-limit never has to queue anything.
      const task = this.#limit(() => this.#execute(node))
        .catch((error: unknown) => {
          this.#fatal ??= error;
          this.#stop("fatal", error);
        })
        .finally(() => {
          this.#running.delete(node.id);
          this.#classRunning.set(node.priority, this.#classRunning.get(node.priority)! - 1);
          this.#waveRunning.set(node.wave, this.#waveRunning.get(node.wave)! - 1);
          this.#wake?.();
        });
      this.#running.set(node.id, task);
    }
  }

  #retryPolicy(maxAttempts: number): RetryPolicy {
    let policy = this.#retryPolicies.get(maxAttempts);
    if (!policy) {
      const { random, sleep } = this.init.options;
      policy = createRetryPolicy({ ...this.init.policy.retry, maxAttempts }, { random, sleep });
      this.#retryPolicies.set(maxAttempts, policy);
    }
    return policy;
  }

  async #execute(node: PlannedNode): Promise<void> {
    const { runId, journal, redact, options, runner, prior } = this.init;
    const failedBefore = prior?.failed.get(node.id);
    if (failedBefore) {
      // Failed for good in an earlier process and not retried: its failure stands, unrun.
      this.outcomes.set(node.id, { id: node.id, agent: node.agent, status: "failed", attempts: failedBefore.attempts, error: failedBefore.error, category: failedBefore.category });
      await this.#transition(this.#scheduler.failed(node.id));
      if (options.onFailure === "abort-run") this.#stop("abort-run");
      return;
    }
    const resumeAt = prior?.resumeAt.get(node.id);
    const idempotencyKey = resumeAt?.idempotencyKey ?? (options.idempotencyKey ?? defaultIdempotencyKey)({ runId, node });
    const startAttempt = resumeAt?.nextAttempt ?? 1;
    let attempt = startAttempt;
    const base = { id: node.id, agent: node.agent, idempotencyKey };
    try {
      // Ids are dynamic keys: a prototype-less object goes straight to dictionary mode instead of
      // walking a new hidden-class transition per key, which dominated dispatch overhead.
      const upstream: Record<string, string> = Object.create(null);
      for (const id of node.dependsOn) upstream[id] = this.#outputs.get(id)!;
      const prepared = this.init.prepare(node, upstream);
      // Skip a microtask when prepare is synchronous (the default is): it adds up over many nodes.
      const { prompt } = prepared instanceof Promise ? await prepared : prepared;
      const maxAttempts = Math.max(node.spec.maxAttempts ?? this.init.policy.retry.maxAttempts, startAttempt);
      const timeoutMs = node.spec.timeoutMs ?? this.init.policy.timeoutMs;
      const agentLabel = node.agent;
      const result = await this.#retryPolicy(maxAttempts).execute(
        ({ attempt: current, signal }) =>
          this.init.breakers.execute(agentLabel, async () => {
            attempt = current;
            await journal.append({ type: "node.dispatched", nodeId: node.id, agent: node.agent, priority: node.priority, wave: node.wave, attempt: current, idempotencyKey });
            const startedAt = this.init.now();
            try {
              const output = await withDeadline(
                (attemptSignal) => runner.run({ runId, nodeId: node.id, agent: node.agent, priority: node.priority, attempt: current, idempotencyKey, prompt, node: node.spec }, attemptSignal),
                timeoutMs,
                signal,
              );
              return { output, startedAt };
            } catch (error) {
              if (classify(error) === "timeout") {
                await journal.append({ type: "node.timed-out", nodeId: node.id, agent: node.agent, attempt: current, timeoutMs });
              }
              throw error;
            }
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
      await this.#succeed(node, base, attempt, result.output, result.startedAt);
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

  async #succeed(node: PlannedNode, base: Pick<NodeOutcome, "id" | "agent" | "idempotencyKey">, attempt: number, result: AgentResult, startedAt: number): Promise<void> {
    const { journal, redact } = this.init;
    const output = redact(result.output);
    const durationMs = Math.max(0, this.init.now() - startedAt);
    const tokens = { input: result.tokens.input, output: result.tokens.output };
    await journal.append({ type: "node.succeeded", nodeId: node.id, agent: node.agent, attempt, output, outputDigest: digest(output), tokens, durationMs, startedAt });
    this.#outputs.set(node.id, output);
    const outcome: NodeOutcome = { id: base.id, agent: base.agent, idempotencyKey: base.idempotencyKey, status: "succeeded", attempts: attempt, output, tokens, durationMs };
    this.outcomes.set(node.id, outcome);
    if (this.init.options.handoffSink) await this.#handoff(node, output, outcome);
    const transition = this.#scheduler.succeeded(node.id);
    if (hasChanges(transition)) await this.#transition(transition);
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
    const { journal, plan } = this.init;
    const appends: Promise<unknown>[] = [];
    for (const wave of completed) {
      if (this.#wavesCompleted.has(wave)) continue;
      this.#wavesCompleted.add(wave);
      const counts = { succeeded: 0, failed: 0, blocked: 0 };
      for (const id of plan.waves[wave]!) {
        const status = this.outcomes.get(id)?.status;
        if (status === "succeeded" || status === "failed" || status === "blocked") counts[status] += 1;
      }
      appends.push(journal.append({ type: "wave.completed", wave, ...counts }));
    }
    for (const wave of started) {
      if (this.#wavesStarted.has(wave)) continue;
      this.#wavesStarted.add(wave);
      appends.push(journal.append({ type: "wave.started", wave, nodeIds: [...plan.waves[wave]!] }));
    }
    return Promise.all(appends);
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
    const counts: RunCounts = { total: 0, succeeded: 0, failed: 0, blocked: 0, skipped: 0 };
    for (const outcome of this.outcomes.values()) {
      counts.total += 1;
      if (outcome.status === "aborted" || outcome.status === "skipped") counts.skipped += 1;
      else counts[outcome.status] += 1;
    }
    return counts;
  }
}

function hasChanges(transition: SchedulerTransition): boolean {
  return transition.blocked.length > 0 || transition.wavesStarted.length > 0 || transition.wavesCompleted.length > 0;
}
