// Gates as a run sees them: evaluated through the registry, every decision journaled (so telemetry
// and the post-mortem see it) and kept in the run's gate log, and an enforced failure turned into
// the error that stops the transition.
import type { RunJournal } from "@hybrid/dispatch";
import type { GateContext, GateLogEntry, GateStage } from "./gate-contract.js";
import { GateFailedError } from "./orchestrator-errors.js";

/** What the session needs of a gate registry. */
export interface GateEvaluator {
  evaluate(stage: GateStage, context: GateContext): Promise<{ entries: GateLogEntry[]; failed?: GateLogEntry; needsReview: boolean }>;
}

/** The run's gates: the log, and how decisions reach the journal. */
export class SessionGates {
  readonly log: GateLogEntry[] = [];
  #journal: RunJournal | undefined;

  constructor(
    private readonly registry: GateEvaluator,
    /** Where decisions go when the journal is not open (the run stage, after the run settled). */
    private readonly emit: (entry: GateLogEntry) => void,
  ) {}

  /** From now on, decisions are journaled (and reach telemetry through the journal's listeners). */
  open(journal: RunJournal): void {
    this.#journal = journal;
  }

  close(): void {
    this.#journal = undefined;
  }

  /** Evaluates a stage's gates; returns the error that stops the transition, if an enforced gate failed. */
  async evaluate(stage: GateStage, context: GateContext): Promise<GateFailedError | undefined> {
    const { entries, failed, needsReview } = await this.registry.evaluate(stage, context);
    for (const entry of entries) {
      this.log.push(entry);
      if (this.#journal) {
        await this.#journal.append({
          type: "gate.evaluated",
          gateId: entry.gate,
          stage: entry.stage,
          decision: entry.decision,
          ...(entry.nodeId !== undefined ? { nodeId: entry.nodeId } : {}),
          ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
        });
      } else {
        this.emit(entry);
      }
    }
    if (failed) {
      const category = stage === "join" && context.join?.status === "escalate" ? "needs-escalation" : "gate-failed";
      return new GateFailedError(failed.gate, failed.reason ?? "failed", category);
    }
    if (!needsReview) return undefined;
    // Done, but not done enough: the gate asked for a person's review (G10).
    const review = entries.find((entry) => entry.decision === "fail") ?? entries.find((entry) => !entry.passed);
    return new GateFailedError(review?.gate ?? "G10", review?.reason ?? "needs review", "needs-review");
  }
}
