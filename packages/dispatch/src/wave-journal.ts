import type { SchedulerTransition } from "@hybrid/scheduler";
import type { Journal } from "./journal.js";
import type { NodeOutcome } from "./outcome.js";

/**
 * Journals each wave's start and completion exactly once per run, resumed runs included (the
 * waves a previous process already journaled are passed in).
 */
export class WaveJournal {
  readonly #started: Set<number>;
  readonly #completed: Set<number>;

  constructor(
    private readonly journal: Journal,
    private readonly plan: { waves: readonly (readonly string[])[] },
    private readonly waveRanks: readonly Uint32Array[],
    started: Iterable<number>,
    completed: Iterable<number>,
  ) {
    this.#started = new Set(started);
    this.#completed = new Set(completed);
  }

  /** Appends `wave.completed` (with its counts) and `wave.started` events not journaled yet. */
  record(started: readonly number[], completed: readonly number[], outcomes: readonly (NodeOutcome | undefined)[]): Promise<unknown> {
    const appends: Promise<unknown>[] = [];
    for (const wave of completed) {
      if (this.#completed.has(wave)) continue;
      this.#completed.add(wave);
      const counts = { succeeded: 0, failed: 0, blocked: 0 };
      for (const rank of this.waveRanks[wave]!) {
        const status = outcomes[rank]?.status;
        if (status === "succeeded" || status === "failed" || status === "blocked") counts[status] += 1;
      }
      appends.push(this.journal.append({ type: "wave.completed", wave, ...counts }));
    }
    for (const wave of started) {
      if (this.#started.has(wave)) continue;
      this.#started.add(wave);
      appends.push(this.journal.append({ type: "wave.started", wave, nodeIds: [...this.plan.waves[wave]!] }));
    }
    return Promise.all(appends);
  }
}

/** Whether a scheduler transition has anything to journal (blocked nodes, wave starts or ends). */
export function needsJournal(transition: SchedulerTransition): boolean {
  return transition.blocked.length > 0 || transition.wavesStarted.length > 0 || transition.wavesCompleted.length > 0;
}
