import type { Priority } from "@hybrid/graph";
import type { PlannedNode, PriorityCaps } from "@hybrid/scheduler";

/** The three caps a node must fit under before it may start. */
export interface SlotLimits {
  maxParallel: number;
  caps: PriorityCaps;
  maxPerWave?: number | undefined;
}

/**
 * Running-node accounting for the global, per-class and per-wave caps. A node is admitted only
 * when all three have room, so nothing ever queues behind a capped class (no head-of-line
 * blocking). A slot is freed only when the node's runner has settled, so the caps count live agents.
 */
export class Slots {
  #running = 0;
  readonly #byClass = new Map<Priority, number>();
  readonly #byWave = new Map<number, number>();

  constructor(private readonly limits: SlotLimits) {}

  get running(): number {
    return this.#running;
  }

  /** Whether `node` fits under all three caps now. */
  fits(node: PlannedNode): boolean {
    const { maxParallel, caps, maxPerWave } = this.limits;
    if (this.#running >= maxParallel) return false;
    const classCap = caps[node.priority];
    if (classCap !== undefined && (this.#byClass.get(node.priority) ?? 0) >= classCap) return false;
    return maxPerWave === undefined || (this.#byWave.get(node.wave) ?? 0) < maxPerWave;
  }

  take(node: PlannedNode): void {
    this.#running += 1;
    this.#byClass.set(node.priority, (this.#byClass.get(node.priority) ?? 0) + 1);
    this.#byWave.set(node.wave, (this.#byWave.get(node.wave) ?? 0) + 1);
  }

  free(node: PlannedNode): void {
    this.#running -= 1;
    this.#byClass.set(node.priority, this.#byClass.get(node.priority)! - 1);
    this.#byWave.set(node.wave, this.#byWave.get(node.wave)! - 1);
  }
}
