import type { SchedulePlan, SchedulerTransition } from "@hybrid/scheduler";
import type { Journal } from "./journal.js";
import type { NodeOutcome } from "./outcome.js";

/**
 * Journals what a scheduler transition says: nodes it blocked (recording their outcome), and each
 * wave's start and completion exactly once per run (resumed runs included: the waves an earlier
 * process journaled are passed in).
 */
export class TransitionJournal {
  readonly #started: Set<number>;
  readonly #completed: Set<number>;

  constructor(
    private readonly journal: Journal,
    private readonly plan: SchedulePlan,
    private readonly outcomes: Map<string, NodeOutcome>,
    started: Iterable<number>,
    completed: Iterable<number>,
  ) {
    this.#started = new Set(started);
    this.#completed = new Set(completed);
  }

  /** Appends the transition's events in order and waits until they are durable. */
  async record(transition: SchedulerTransition): Promise<void> {
    const appends: Promise<unknown>[] = [];
    for (const { id, blockedBy } of transition.blocked) {
      const agent = this.plan.nodes[id]!.agent;
      this.outcomes.set(id, { id, agent, status: "blocked", attempts: 0, blockedBy });
      appends.push(this.journal.append({ type: "node.blocked", nodeId: id, agent, blockedBy }));
    }
    for (const wave of transition.wavesCompleted) {
      if (this.#completed.has(wave)) continue;
      this.#completed.add(wave);
      const counts = { succeeded: 0, failed: 0, blocked: 0 };
      for (const id of this.plan.waves[wave]!) {
        const status = this.outcomes.get(id)?.status;
        if (status === "succeeded" || status === "failed" || status === "blocked") counts[status] += 1;
      }
      appends.push(this.journal.append({ type: "wave.completed", wave, ...counts }));
    }
    for (const wave of transition.wavesStarted) {
      if (this.#started.has(wave)) continue;
      this.#started.add(wave);
      appends.push(this.journal.append({ type: "wave.started", wave, nodeIds: [...this.plan.waves[wave]!] }));
    }
    await Promise.all(appends);
  }
}
