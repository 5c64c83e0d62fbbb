import type { Priority } from "@hybrid/graph";
import type { PlannedNode } from "@hybrid/scheduler";

/** The three caps a node must fit under before it may start. */
export interface SlotLimits {
  maxParallel: number;
  caps: Partial<Record<Priority, number>>;
  maxPerWave?: number | undefined;
}

/**
 * Running-node accounting for the global, per-class and per-wave caps. A node is admitted only
 * when all three have room, so nothing ever queues behind a capped class (no head-of-line blocking).
 */
export class Slots {
  /** Nodes running now. */
  inFlight = 0;
  readonly #classRunning: Record<Priority, number> = { security: 0, architecture: 0, implementation: 0, docs: 0 };
  readonly #waveRunning: Uint32Array;

  constructor(
    private readonly limits: SlotLimits,
    waveCount: number,
  ) {
    this.#waveRunning = new Uint32Array(waveCount);
  }

  /** Whether every global slot is taken (then asking the scheduler would scan its ready set for nothing). */
  get full(): boolean {
    return this.inFlight >= this.limits.maxParallel;
  }

  /** Whether `node` fits under all three caps now; an arrow, as the scheduler calls it per candidate. */
  readonly fits = (node: PlannedNode): boolean => {
    const { maxParallel, caps, maxPerWave } = this.limits;
    if (this.inFlight >= maxParallel) return false;
    const classCap = caps[node.priority];
    if (classCap !== undefined && this.#classRunning[node.priority] >= classCap) return false;
    return maxPerWave === undefined || this.#waveRunning[node.wave]! < maxPerWave;
  };

  take(node: PlannedNode): void {
    this.inFlight += 1;
    this.#classRunning[node.priority] += 1;
    this.#waveRunning[node.wave]! += 1;
  }

  free(node: PlannedNode): void {
    this.inFlight -= 1;
    this.#classRunning[node.priority] -= 1;
    this.#waveRunning[node.wave]! -= 1;
  }
}
