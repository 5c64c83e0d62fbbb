import { InvalidScheduleOptionsError, SchedulerStateError } from "./errors.js";
import type { PlannedNode, SchedulePlan } from "./plan-schedule.js";
import { indexPlan } from "./plan-index.js";
import { RankHeap } from "./ready-queue.js";
import { BLOCKED, FAILED, PENDING, READY, RUNNING, STATUSES, SUCCEEDED, emptyTransition, isTerminal } from "./scheduler-state.js";
import type { NodeStatus, SchedulerMode, SchedulerSnapshot, SchedulerTransition, WaveSchedulerOptions } from "./scheduler-state.js";

/**
 * The run-time ready queue a dispatcher pulls from. Pure and synchronous: no timers, no I/O. Nodes
 * are handed out in plan order; `next(canStart)` skips nodes the caller cannot start yet (a class
 * at its cap) without blocking the others.
 */
export class WaveScheduler {
  readonly mode: SchedulerMode;
  readonly plan: SchedulePlan;
  /**
   * What creating the scheduler did: the nodes ready now (never one preset as completed or failed),
   * nodes blocked by `failed`, waves started (and completed).
   */
  readonly initial: SchedulerTransition;
  /** Waves that had started when the scheduler was created (`initial.wavesStarted`). */
  readonly initialWavesStarted: number[];
  readonly #rankOf: ReadonlyMap<string, number>;
  /** Nodes and their dependents by rank: the hot path does no lookups by id. */
  readonly #nodes: PlannedNode[];
  readonly #dependentOffsets: Uint32Array;
  readonly #dependentRanks: Uint32Array;
  #status: Uint8Array;
  #waiting: Uint32Array;
  readonly #waveOf: Uint32Array;
  #waveOpen: Uint32Array;
  #waveStarted: Uint8Array;
  #blockedBy = new Map<number, string>();
  #ready = new RankHeap();
  /** Ranks released by the transition being built; `#advanceWaves` turns them into sorted ids. */
  readonly #released: number[] = [];
  #counts = new Uint32Array(STATUSES.length);
  #currentWave = 0;

  constructor(plan: SchedulePlan, modeOrOptions: WaveSchedulerOptions | SchedulerMode = {}) {
    const options = typeof modeOrOptions === "string" ? { mode: modeOrOptions } : modeOrOptions;
    this.plan = plan;
    this.mode = options.mode ?? "eager";
    if (this.mode !== "wave" && this.mode !== "eager") {
      throw new InvalidScheduleOptionsError("scheduler options", [{ path: "mode", message: `expected "wave" or "eager", got ${JSON.stringify(this.mode)}` }]);
    }
    const n = plan.order.length;
    this.#status = new Uint8Array(n);
    this.#waveOpen = new Uint32Array(plan.waves.length);
    this.#waveStarted = new Uint8Array(plan.waves.length);
    this.#counts[PENDING] = n;
    const index = indexPlan(plan);
    this.#nodes = index.nodes;
    this.#rankOf = index.rankOf;
    this.#dependentOffsets = index.dependentOffsets;
    this.#dependentRanks = index.dependentRanks;
    this.#waveOf = index.waveOf;
    this.#waiting = index.dependencyCounts;
    for (let rank = 0; rank < n; rank++) this.#waveOpen[this.#waveOf[rank]!]!++;

    const transition = emptyTransition();
    if (options.completed) this.#preset(options.completed, transition);
    for (const id of options.failed ?? []) {
      const rank = this.#rank(id);
      if (isTerminal(this.#status[rank]!)) {
        throw new SchedulerStateError("invalid-transition", `node "${id}" cannot be failed: it is ${STATUSES[this.#status[rank]!]}`, id);
      }
      this.#fail(rank, transition);
    }
    for (let rank = 0; rank < n; rank++) {
      if (this.#status[rank] === PENDING && this.#waiting[rank] === 0) this.#release(rank, transition);
    }
    this.#advanceWaves(transition);
    this.initial = transition;
    this.initialWavesStarted = transition.wavesStarted;
  }

  /** Restores a scheduler from `snapshot()`; nodes that were running become ready again. */
  static restore(plan: SchedulePlan, snapshot: SchedulerSnapshot): WaveScheduler {
    if (snapshot.planHash !== plan.planHash) {
      throw new SchedulerStateError("plan-mismatch", `snapshot is of plan ${snapshot.planHash}, not ${plan.planHash}`);
    }
    return new WaveScheduler(plan, { mode: snapshot.mode ?? "eager", completed: snapshot.succeeded, failed: snapshot.failed });
  }

  /**
   * Resets this scheduler to `snapshot` (same plan), as `WaveScheduler.restore` would build it:
   * nodes that were running become ready again.
   */
  restore(snapshot: SchedulerSnapshot): this {
    const source = WaveScheduler.restore(this.plan, snapshot);
    this.#status = source.#status;
    this.#waiting = source.#waiting;
    this.#waveOpen = source.#waveOpen;
    this.#waveStarted = source.#waveStarted;
    this.#blockedBy = source.#blockedBy;
    this.#ready = source.#ready;
    this.#counts = source.#counts;
    this.#currentWave = source.#currentWave;
    return this;
  }

  /** The lowest wave that is not complete (in `eager` mode later waves may already be running). */
  get currentWave(): number {
    return this.#currentWave;
  }

  /**
   * The first ready node in plan order that `canStart` accepts, now marked running; `undefined`
   * when none is ready or none is accepted.
   */
  next(canStart?: (node: PlannedNode) => boolean): PlannedNode | undefined {
    const skipped: number[] = [];
    let found: number | undefined;
    for (let rank = this.#ready.pop(); rank !== undefined; rank = this.#ready.pop()) {
      if (this.#status[rank] !== READY) continue; // stale: blocked while it waited
      if (!canStart || canStart(this.#node(rank))) {
        found = rank;
        break;
      }
      skipped.push(rank);
    }
    for (const rank of skipped) this.#ready.push(rank);
    if (found === undefined) return undefined;
    this.#set(found, RUNNING);
    return this.#node(found);
  }

  /** Marks a running node (its id, or the node `next` handed out) succeeded and releases the dependents that now have all they need. */
  succeeded(node: string | PlannedNode): SchedulerTransition {
    const rank = this.#expect(node, RUNNING, "succeeded");
    const transition = emptyTransition();
    this.#succeed(rank, transition);
    this.#advanceWaves(transition);
    return transition;
  }

  /** Marks a running node failed; every node that depends on it, directly or not, is blocked. */
  failed(node: string | PlannedNode): SchedulerTransition {
    const rank = this.#expect(node, RUNNING, "failed");
    const transition = emptyTransition();
    this.#fail(rank, transition);
    this.#advanceWaves(transition);
    return transition;
  }

  /** Puts a running node back in the ready queue (it was stopped before it did anything). */
  requeue(node: string | PlannedNode): void {
    const rank = this.#expect(node, RUNNING, "requeued");
    this.#set(rank, READY);
    this.#ready.push(rank);
  }

  status(id: string): NodeStatus {
    return STATUSES[this.#status[this.#rank(id)]!]!;
  }

  /** The failed ancestor that blocked `id`, if it is blocked. */
  blockedBy(id: string): string | undefined {
    return this.#blockedBy.get(this.#rank(id));
  }

  /** True when no node is pending, ready or running. */
  isDone(): boolean {
    return this.#counts[PENDING] === 0 && this.#counts[READY] === 0 && this.#counts[RUNNING] === 0;
  }

  runningCount(): number {
    return this.#counts[RUNNING]!;
  }

  readyCount(): number {
    return this.#counts[READY]!;
  }

  counts(): Record<NodeStatus, number> {
    return Object.fromEntries(STATUSES.map((status, i) => [status, this.#counts[i]!])) as Record<NodeStatus, number>;
  }

  snapshot(): SchedulerSnapshot {
    const pick = (status: number) => this.plan.order.filter((_, rank) => this.#status[rank] === status);
    return {
      planHash: this.plan.planHash,
      mode: this.mode,
      succeeded: pick(SUCCEEDED),
      failed: pick(FAILED),
      blocked: pick(BLOCKED).map((id) => ({ id, blockedBy: this.#blockedBy.get(this.#rank(id))! })),
      running: pick(RUNNING),
    };
  }

  #node(rank: number): PlannedNode {
    return this.#nodes[rank]!;
  }

  // A node `next` handed out carries its rank: no Map lookup by id on the dispatcher's hot path.
  #rank(node: string | PlannedNode): number {
    if (typeof node === "object" && this.#nodes[node.rank] === node) return node.rank;
    const id = typeof node === "string" ? node : node.id;
    const rank = this.#rankOf.get(id);
    if (rank === undefined) throw new SchedulerStateError("unknown-node", `no node "${id}" in the plan`, id);
    return rank;
  }

  #expect(node: string | PlannedNode, status: number, verb: string): number {
    const rank = this.#rank(node);
    if (this.#status[rank] === status) return rank;
    const id = this.#nodes[rank]!.id;
    throw new SchedulerStateError("invalid-transition", `node "${id}" cannot be ${verb}: it is ${STATUSES[this.#status[rank]!]}, not ${STATUSES[status]}`, id);
  }

  #set(rank: number, status: number): void {
    this.#counts[this.#status[rank]!]!--;
    this.#counts[status]!++;
    this.#status[rank] = status;
    if (isTerminal(status)) this.#waveOpen[this.#waveOf[rank]!]!--;
  }

  #preset(completed: Iterable<string>, transition: SchedulerTransition): void {
    const done = new Set<number>();
    for (const id of completed) done.add(this.#rank(id));
    // Sequential order is topological, so each node's dependencies are settled before it.
    for (const id of this.plan.sequentialOrder) {
      const rank = this.#rankOf.get(id)!;
      if (!done.has(rank)) continue;
      const missing = this.plan.nodes[id]!.dependsOn.find((dep) => this.#status[this.#rankOf.get(dep)!] !== SUCCEEDED);
      if (missing !== undefined) {
        throw new SchedulerStateError(
          "invalid-transition",
          `node "${id}" cannot be completed: its dependency "${missing}" is not`,
          id,
        );
      }
      this.#succeed(rank, transition);
    }
  }

  #succeed(rank: number, transition: SchedulerTransition): void {
    this.#set(rank, SUCCEEDED);
    for (let e = this.#dependentOffsets[rank]!; e < this.#dependentOffsets[rank + 1]!; e++) {
      const d = this.#dependentRanks[e]!;
      if (--this.#waiting[d]! === 0 && this.#status[d] === PENDING) this.#release(d, transition);
    }
  }

  #fail(rank: number, transition: SchedulerTransition): void {
    this.#set(rank, FAILED);
    const failedId = this.#nodes[rank]!.id;
    const queue = [rank];
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head]!;
      for (let e = this.#dependentOffsets[v]!; e < this.#dependentOffsets[v + 1]!; e++) {
        const d = this.#dependentRanks[e]!;
        if (isTerminal(this.#status[d]!)) continue;
        this.#set(d, BLOCKED);
        this.#blockedBy.set(d, failedId);
        transition.blocked.push({ id: this.#nodes[d]!.id, blockedBy: failedId });
        queue.push(d);
      }
    }
  }

  /** A node whose dependencies all succeeded: ready now, or (wave mode) when its wave opens. */
  #release(rank: number, transition: SchedulerTransition): void {
    if (this.mode === "wave" && this.#waveOf[rank]! > this.#currentWave) return;
    this.#set(rank, READY);
    this.#ready.push(rank);
    this.#released.push(rank);
    this.#start(this.#waveOf[rank]!, transition);
  }

  #start(wave: number, transition: SchedulerTransition): void {
    if (this.#waveStarted[wave]) return;
    this.#waveStarted[wave] = 1;
    transition.wavesStarted.push(wave);
  }

  /** Closes finished waves in order; in wave mode, opening the next one releases its nodes. */
  #advanceWaves(transition: SchedulerTransition): void {
    const waves = this.plan.waves;
    while (this.#currentWave < waves.length && this.#waveOpen[this.#currentWave] === 0) {
      this.#start(this.#currentWave, transition);
      transition.wavesCompleted.push(this.#currentWave);
      this.#currentWave++;
      if (this.mode === "wave" && this.#currentWave < waves.length) {
        for (const id of waves[this.#currentWave]!) {
          const rank = this.#rankOf.get(id)!;
          if (this.#status[rank] === PENDING && this.#waiting[rank] === 0) this.#release(rank, transition);
        }
      }
    }
    // Plan order is rank order. Only nodes still ready are reported: while the constructor presets a
    // resumed run, a node released by its completed dependencies may itself be completed or failed.
    const released = this.#released;
    if (released.length > 1) released.sort((a, b) => a - b);
    for (const rank of released) if (this.#status[rank] === READY) transition.ready.push(this.#nodes[rank]!.id);
    released.length = 0;
  }
}
