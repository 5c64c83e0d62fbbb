import { setMaxListeners } from "node:events";
import type { BreakerRegistry, ResiliencePolicy } from "@hybrid/resilience";
import { WaveScheduler } from "@hybrid/scheduler";
import type { PlannedNode, SchedulePlan, SchedulerTransition } from "@hybrid/scheduler";
import pLimit from "p-limit";
import { DispatchAbortedError } from "./errors.js";
import type { RunCounts, RunStatus } from "./events.js";
import type { Journal } from "./journal.js";
import { NodeAttempts } from "./node-attempts.js";
import type { AttemptHost } from "./node-attempts.js";
import type { ResolvedDispatchOptions } from "./options.js";
import { countOutcomes, type NodeOutcome } from "./outcome.js";
import type { PrepareFn } from "./prepare.js";
import { recordHandoff } from "./record-handoff.js";
import type { PriorState } from "./replay.js";
import type { RunStats } from "./run-post-mortem.js";
import type { RunIndex } from "./run-index.js";
import type { AgentRunner } from "./runner.js";
import { Slots } from "./slots.js";
import { WaveJournal, needsJournal } from "./wave-journal.js";

export interface ExecutionInit {
  plan: SchedulePlan;
  index: RunIndex;
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
  /** Counters the attempts (and the controller, for breakers) keep. */
  stats: RunStats;
}

/**
 * One run of a plan in this process: takes ready nodes from the scheduler only when a global, a
 * class and a wave slot are free (no head-of-line blocking), journals every transition before acting
 * on it, and records every node's outcome.
 *
 * Nodes run in lanes: a lane runs a node, then takes the next node that fits, until none does.
 * p-limit (`maxParallel`) runs the lanes, so it stays the hard global cap, but it is entered only when
 * the pool of lanes grows, not once per node: p-limit 7 costs ~3.5 µs a call (measured: as much as
 * the rest of plain p-limit chaining), which alone put a per-node call over the overhead budget.
 */
export class RunExecution implements AttemptHost {
  /** Every node's outcome by rank (position in `plan.order`); complete once `run` resolves. */
  readonly outcomes: (NodeOutcome | undefined)[];
  readonly #scheduler: WaveScheduler;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #slots: Slots;
  readonly #attempts: NodeAttempts;
  readonly #abort = new AbortController();
  readonly #waves: WaveJournal;
  #lanes = 0;
  #idle: (() => void) | undefined;
  #stopping: "none" | "abort-run" | "signal" | "fatal" = "none";
  #fatal: unknown;
  /** `at` of the `run.completed` event, once journaled. */
  completedAt = 0;

  constructor(readonly init: ExecutionInit) {
    const { plan, prior, mode, options } = init;
    this.outcomes = new Array<NodeOutcome | undefined>(plan.order.length).fill(undefined);
    this.#limit = pLimit(options.maxParallel);
    this.#slots = new Slots(options, plan.waves.length);
    this.#attempts = new NodeAttempts(this);
    // Every in-flight attempt listens on the run's signal (retry backoff, timeout): up to maxParallel.
    setMaxListeners(0, this.#abort.signal);
    this.#waves = new WaveJournal(init.journal, plan, init.index.waveRanks, prior?.wavesStarted ?? [], prior?.wavesCompleted ?? []);
    for (const [id, done] of prior?.completed ?? []) {
      const node = plan.nodes[id]!;
      this.outcomes[node.rank] = { id, agent: node.agent, status: "succeeded", attempts: done.attempts, output: done.output, reused: true };
    }
    // Failed for good in an earlier process and not retried: the failure stands, unrun, from the
    // start, so every node it blocks is blocked before anything is dispatched.
    for (const [id, failed] of prior?.failed ?? []) {
      const node = plan.nodes[id]!;
      this.outcomes[node.rank] = { id, agent: node.agent, status: "failed", attempts: failed.attempts, error: failed.error, ...(failed.category ? { category: failed.category } : {}) };
    }
    this.#scheduler = new WaveScheduler(plan, { mode, completed: prior?.completed.keys() ?? [], failed: prior?.failed.keys() ?? [] });
  }

  get stats(): RunStats {
    return this.init.stats;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get stopping(): boolean {
    return this.#stopping !== "none";
  }

  get fatal(): unknown {
    return this.#fatal;
  }

  /** Runs to the end (or to a stop) and returns the run status. Throws when the journal cannot be written. */
  async run(): Promise<RunStatus> {
    const { signal } = this.init;
    const onAbort = (): void => this.#stop("signal", signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.#transition(this.#scheduler.initial);
      // Under abort-run, a failure that stands stops the resumed run as it stopped the first one.
      if ((this.init.prior?.failed.size ?? 0) > 0 && this.init.options.onFailure === "abort-run") this.#stop("abort-run");
      await this.#handoffsLeftBehind();
      this.#fill();
      // Every running node belongs to a lane, and a lane ends only when no node fits: no lanes left
      // means nothing runs and nothing more can start.
      if (this.#lanes > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
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

  /** The next node that fits under every cap, its slot taken; undefined when none does or the run is stopping. */
  #take(): PlannedNode | undefined {
    // The global check first: asking the scheduler while every slot is taken would make it scan
    // (and re-queue) the whole ready set for nothing.
    if (this.#stopping !== "none" || this.#slots.full) return undefined;
    const node = this.#scheduler.next(this.#slots.fits);
    if (node !== undefined) this.#slots.take(node);
    return node;
  }

  /** Starts a lane for every node that fits now. */
  #fill(): void {
    for (let node = this.#take(); node !== undefined; node = this.#take()) {
      this.#lanes += 1;
      // p-limit hands `node` on (no closure per lane); `#lane` never rejects.
      void this.#limit(this.#lane, node);
    }
  }

  #lane = async (first: PlannedNode): Promise<void> => {
    for (let node: PlannedNode | undefined = first; node !== undefined; ) {
      await this.#execute(node);
      this.#slots.free(node);
      // This lane takes the next node itself, then lanes start for whatever else the node released.
      node = this.#take();
      this.#fill();
    }
    if (--this.#lanes === 0) this.#idle?.();
  };

  /** Runs one node to its outcome; never rejects (a broken journal stops the run). */
  async #execute(node: PlannedNode): Promise<void> {
    try {
      await this.#attempts.run(node);
    } catch (error) {
      this.#fatal ??= error;
      this.#stop("fatal", error);
    }
  }

  succeeded(node: PlannedNode): Promise<void> | undefined {
    const transition = this.#scheduler.succeeded(node);
    return needsJournal(transition) ? this.#transition(transition) : undefined;
  }

  async failed(node: PlannedNode): Promise<void> {
    await this.#transition(this.#scheduler.failed(node));
    if (this.init.options.onFailure === "abort-run") this.#stop("abort-run");
  }

  handoff(node: PlannedNode, output: string, outcome: NodeOutcome): Promise<void> {
    const { options, journal, runId, redact, now } = this.init;
    return recordHandoff({ sink: options.handoffSink!, summaryChars: options.summaryChars, journal, runId, redact, now }, node, output, outcome);
  }

  /** Handoffs of nodes that succeeded before a crash but whose handoff was not journaled (sinks are idempotent). */
  async #handoffsLeftBehind(): Promise<void> {
    if (!this.init.options.handoffSink) return;
    for (const [id, done] of this.init.prior?.completed ?? []) {
      const node = this.init.plan.nodes[id]!;
      if (!done.handoffRecorded) await this.handoff(node, done.output, this.outcomes[node.rank]!);
    }
  }

  /** Journals what a scheduler transition says (blocked nodes, waves), issuing the appends in order. */
  async #transition(transition: SchedulerTransition): Promise<void> {
    const appends: Promise<unknown>[] = [];
    for (const { id, blockedBy } of transition.blocked) {
      const node = this.init.plan.nodes[id]!;
      this.outcomes[node.rank] = { id, agent: node.agent, status: "blocked", attempts: 0, blockedBy };
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
    for (let rank = 0; rank < plan.order.length; rank++) {
      if (this.outcomes[rank] === undefined) {
        const node = plan.nodes[plan.order[rank]!]!;
        this.outcomes[rank] = { id: node.id, agent: node.agent, status: "skipped", attempts: 0 };
      }
    }
    const counts = this.counts();
    const status: RunStatus =
      counts.succeeded === counts.total ? "succeeded" : this.#stopping === "signal" ? "aborted" : "failed";
    this.completedAt = (await journal.append({ type: "run.completed", status, counts })).at;
    await journal.flush();
    return status;
  }

  counts(): RunCounts {
    return countOutcomes(this.outcomes as NodeOutcome[]);
  }
}
