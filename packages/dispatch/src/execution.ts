import { setMaxListeners } from "node:events";
import { sleep as realSleep } from "@hybrid/resilience";
import { WaveScheduler } from "@hybrid/scheduler";
import type { PlannedNode, SchedulePlan } from "@hybrid/scheduler";
import { DispatchAbortedError } from "./errors.js";
import type { RunStatus } from "./events.js";
import { inputsOf, runNode } from "./node-run.js";
import type { DispatchTurn, NodeRunContext, NodeRunEnd } from "./node-run.js";
import { countOutcomes } from "./outcome.js";
import type { NodeOutcome } from "./outcome.js";
import { recordHandoff } from "./record-handoff.js";
import type { PriorState } from "./resume.js";
import { Slots } from "./slots.js";
import { TransitionJournal } from "./transitions.js";

export interface ExecutionInit extends NodeRunContext {
  plan: SchedulePlan;
  mode: "wave" | "eager";
  signal?: AbortSignal;
  prior?: PriorState;
  /** The caller's say on whether a node that fits may start now (given how many run). */
  admit?: (node: PlannedNode, running: number) => boolean;
}

/**
 * One run of a plan in this process. It takes a ready node from the scheduler only when a global, a
 * class and a wave slot are free and the node's agent breaker admits it, journals every transition
 * before acting on it, and frees a node's slot only when the node's runner has settled. A node whose
 * breaker is open waits (it is put back and retried when the breaker lets a probe through).
 */
export class RunExecution {
  /** Every node's outcome, by id. */
  readonly outcomes = new Map<string, NodeOutcome>();
  readonly #scheduler: WaveScheduler;
  readonly #slots: Slots;
  readonly #abort = new AbortController();
  readonly #transitions: TransitionJournal;
  /** Where a deferred or resumed node starts again: its next attempt, and (in flight before) its key. */
  readonly #next = new Map<string, { attempt: number; idempotencyKey: string | undefined }>();
  /** Nodes whose breaker said "wait": not before this clock time. */
  readonly #notBefore = new Map<string, number>();
  /** Nodes journaled as waiting for their breaker, until they are dispatched. */
  readonly #waiting = new Set<string>();
  #wake: { at: number; controller: AbortController } | undefined;
  #idle: (() => void) | undefined;
  #stopping: "none" | "abort-run" | "signal" | "fatal" = "none";
  /** What every node's run gets: the run's context, and the handoff recorder when there is a sink. */
  readonly #nodeContext: NodeRunContext;
  #fatal: unknown;
  /** Settles once the last node admitted has journaled its dispatch or ended: the next one's turn. */
  #lastTurn: Promise<void> = Promise.resolve();

  constructor(readonly init: ExecutionInit) {
    const { plan, prior, mode, options } = init;
    this.#slots = new Slots(options);
    const sink = options.handoffSink;
    this.#nodeContext = sink ? { ...init, handoff: (node, outcome) => recordHandoff(this.#handoffContext(sink), node, outcome) } : init;
    // Every in-flight attempt (up to maxParallel) listens on the run's signal.
    setMaxListeners(0, this.#abort.signal);
    this.#transitions = new TransitionJournal(init.journal, plan, this.outcomes, prior?.wavesStarted ?? [], prior?.wavesCompleted ?? []);
    for (const [id, done] of prior?.completed ?? []) {
      this.outcomes.set(id, {
        id,
        agent: plan.nodes[id]!.agent,
        status: "succeeded",
        attempts: done.attempts,
        output: done.output,
        outputDigest: done.outputDigest,
        reused: true,
        ...(done.idempotencyKey !== undefined ? { idempotencyKey: done.idempotencyKey } : {}),
        ...(done.handoffUrl !== undefined ? { handoffUrl: done.handoffUrl } : {}),
      });
    }
    // Failed for good in an earlier process and not retried: the failure stands, unrun, from the
    // start, so every node it blocks is blocked before anything is dispatched.
    for (const [id, failed] of prior?.failed ?? []) {
      this.outcomes.set(id, { id, agent: plan.nodes[id]!.agent, status: "failed", attempts: failed.attempts, error: failed.error, ...(failed.category ? { category: failed.category } : {}) });
    }
    for (const [id, at] of prior?.resumeAt ?? []) this.#next.set(id, { attempt: at.nextAttempt, idempotencyKey: at.idempotencyKey });
    this.#scheduler = new WaveScheduler(plan, { mode, completed: prior?.completed.keys() ?? [], failed: prior?.failed.keys() ?? [] });
  }

  /** Runs to the end (or to a stop) and returns the run status. Throws when the journal cannot be written. */
  async run(): Promise<RunStatus> {
    const { signal } = this.init;
    const onAbort = (): void => this.#stop("signal", signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#transitions.record(this.#scheduler.initial);
      // Under abort-run, a failure that stands stops the resumed run as it stopped the first one.
      if ((this.init.prior?.failed.size ?? 0) > 0 && this.init.options.onFailure === "abort-run") this.#stop("abort-run");
      await this.#handoffsLeftBehind();
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        this.#fill();
      });
    } catch (error) {
      this.#fail(error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#wake?.controller.abort();
    }
    if (this.#fatal !== undefined) throw this.#fatal;
    return this.#finish();
  }

  #stop(kind: "abort-run" | "signal" | "fatal", reason?: unknown): void {
    if (this.#stopping !== "fatal") this.#stopping = kind === "abort-run" && this.#stopping !== "none" ? this.#stopping : kind;
    // `abort-run` lets in-flight nodes finish; a stop signal or a broken journal aborts them.
    if (kind !== "abort-run" && !this.#abort.signal.aborted) {
      this.#abort.abort(reason instanceof Error ? reason : new DispatchAbortedError("run stopped", reason));
    }
    this.#wake?.controller.abort();
    this.#wake = undefined;
    this.#checkIdle();
  }

  #fail(error: unknown): void {
    this.#fatal ??= error;
    this.#stop("fatal", error);
  }

  /** Starts every node that fits now; resolves the run when nothing runs and nothing more can start. */
  #fill(): void {
    const now = this.init.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    // Whether the agent's breaker would let the node run now; if it says when, remember the earliest.
    const admitted = (node: PlannedNode): boolean => {
      const notBefore = this.#notBefore.get(node.id);
      if (notBefore !== undefined && notBefore > now) {
        wakeAt = Math.min(wakeAt, notBefore);
        return false;
      }
      const admission = this.init.breakers.admission(node.agent);
      if (admission.admitted) return true;
      if (admission.retryAfterMs !== undefined) wakeAt = Math.min(wakeAt, now + admission.retryAfterMs);
      if (!this.#waiting.has(node.id)) {
        this.#waiting.add(node.id);
        this.#journalWaiting(node, admission.retryAfterMs);
      }
      return false;
    };
    // With every global slot taken, asking the scheduler would make it scan the whole ready set for nothing.
    while (this.#stopping === "none" && this.#slots.running < this.init.options.maxParallel) {
      const admit = this.init.admit;
      const node = this.#scheduler.next(
        (candidate) => this.#slots.fits(candidate) && (admit === undefined || admit(candidate, this.#slots.running)) && admitted(candidate),
      );
      if (node === undefined) break;
      this.#waiting.delete(node.id);
      this.#slots.take(node);
      void this.#execute(node, this.#nextTurn());
    }
    if (this.#stopping === "none" && Number.isFinite(wakeAt)) this.#wakeAt(wakeAt);
    this.#checkIdle();
  }

  /** The run is over when nothing runs and nothing will start: no pending wake-up, or a stop. */
  #checkIdle(): void {
    if (this.#slots.running === 0 && (this.#wake === undefined || this.#stopping !== "none")) this.#idle?.();
  }

  /** Says why a ready node does not start: its agent's breaker is open (or probing). */
  #journalWaiting(node: PlannedNode, retryAfterMs: number | undefined): void {
    const attempt = this.#next.get(node.id)?.attempt ?? 1;
    this.init.journal
      .append({ type: "node.waiting", nodeId: node.id, agent: node.agent, attempt, breaker: node.agent, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) })
      .catch((error: unknown) => this.#fail(error));
  }

  /** Fills again at clock time `at` (a deferred node's breaker cooldown ends). */
  #wakeAt(at: number): void {
    if (this.#wake !== undefined && this.#wake.at <= at) return;
    this.#wake?.controller.abort();
    const controller = new AbortController();
    this.#wake = { at, controller };
    const sleep = this.init.options.sleep ?? realSleep;
    // An injected sleep is meant to move an injected clock; if the clock did not get there (a sleep
    // that returns at once over a real clock), wait the rest on a real timer rather than spin.
    sleep(Math.max(0, at - this.init.now()), controller.signal)
      .then(() => {
        const left = at - this.init.now();
        return left > 0 ? realSleep(left, controller.signal) : undefined;
      })
      .then(
        () => {
          if (this.#wake?.controller !== controller) return;
          this.#wake = undefined;
          this.#fill();
        },
        () => undefined,
      );
  }

  /**
   * The admitted node's turn to journal its dispatch: after the node admitted before it. The journal's
   * dispatch order is then the admission order, a function of the completions alone, not of which
   * of the nodes admitted together finished preparing its prompt first.
   */
  #nextTurn(): DispatchTurn {
    const wait = this.#lastTurn;
    let done!: () => void;
    this.#lastTurn = new Promise<void>((resolve) => (done = resolve));
    return { wait, done };
  }

  /** Runs one node and settles its transition; frees its slot only after its runner settled. Never rejects. */
  async #execute(node: PlannedNode, turn: DispatchTurn): Promise<void> {
    try {
      const next = this.#next.get(node.id) ?? { attempt: 1, idempotencyKey: undefined };
      const upstream: Record<string, string> = Object.create(null);
      for (const dep of node.dependsOn) upstream[dep] = this.outcomes.get(dep)!.output!;
      const end = await runNode(this.#nodeContext, node, next, upstream, inputsOf(node, this.outcomes), {
        signal: this.#abort.signal,
        stopping: () => this.#stopping === "signal" || this.#stopping === "fatal",
        turn,
      });
      await this.#settle(node, end);
    } catch (error) {
      this.#fail(error);
    } finally {
      // A node that ended without a dispatch (its prepare failed, its breaker deferred it) lets the next one go.
      turn.done();
      this.#slots.free(node);
      this.#fill();
    }
  }

  async #settle(node: PlannedNode, end: NodeRunEnd): Promise<void> {
    if (end.kind === "deferred") {
      this.#next.set(node.id, { attempt: end.attempt, idempotencyKey: this.#next.get(node.id)?.idempotencyKey });
      if (end.retryAfterMs !== undefined) this.#notBefore.set(node.id, this.init.now() + end.retryAfterMs);
      this.#scheduler.requeue(node);
      return;
    }
    this.#notBefore.delete(node.id);
    this.outcomes.set(node.id, end.outcome);
    if (end.kind === "aborted") return;
    if (end.kind === "failed") {
      await this.#transitions.record(this.#scheduler.failed(node));
      if (this.init.options.onFailure === "abort-run") this.#stop("abort-run");
      return;
    }
    await this.#transitions.record(this.#scheduler.succeeded(node));
  }

  #handoffContext(sink: NonNullable<ExecutionInit["options"]["handoffSink"]>): Parameters<typeof recordHandoff>[0] {
    const { options, journal, runId, redact, now } = this.init;
    return { sink, summaryChars: options.summaryChars, timeoutMs: options.handoffTimeoutMs, journal, runId, redact, now, signal: this.#abort.signal };
  }

  /** Handoffs of reused nodes whose handoff was not journaled before the crash (sinks dedupe on the key). */
  async #handoffsLeftBehind(): Promise<void> {
    const sink = this.init.options.handoffSink;
    if (!sink) return;
    for (const [id, done] of this.init.prior?.completed ?? []) {
      if (done.handoffUrl !== undefined || done.idempotencyKey === undefined) continue;
      await recordHandoff(this.#handoffContext(sink), this.init.plan.nodes[id]!, this.outcomes.get(id)!);
    }
  }

  /** Fills in nodes that never ran, journals `run.completed` and returns the status. */
  async #finish(): Promise<RunStatus> {
    const { plan, journal } = this.init;
    for (const id of plan.order) {
      if (!this.outcomes.has(id)) this.outcomes.set(id, { id, agent: plan.nodes[id]!.agent, status: "skipped", attempts: this.#next.get(id) ? this.#next.get(id)!.attempt - 1 : 0 });
    }
    const counts = countOutcomes(this.outcomes.values());
    const status: RunStatus = counts.succeeded === counts.total ? "succeeded" : this.#stopping === "signal" ? "aborted" : "failed";
    await journal.append({ type: "run.completed", status, counts });
    await journal.flush();
    return status;
  }
}
