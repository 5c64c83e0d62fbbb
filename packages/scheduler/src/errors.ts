const invalidOptionsBrand = Symbol.for("hybrid.scheduler.InvalidScheduleOptionsError");
const schedulerStateBrand = Symbol.for("hybrid.scheduler.SchedulerStateError");

const MAX_SHOWN = 20;

/** One bad option, with its path as zod's `toDotPath` writes it (`caps.security`, `priorityOrder[0]`). */
export interface OptionProblem {
  path: string;
  message: string;
}

/** Thrown when planning, scheduling or simulation options are invalid. */
export class InvalidScheduleOptionsError extends Error {
  readonly code = "invalid-options" as const;
  readonly problems: readonly OptionProblem[];
  readonly [invalidOptionsBrand] = true;

  constructor(what: string, problems: readonly OptionProblem[]) {
    // The message names the first problems; `problems` has them all (durations of 100,000 nodes).
    const shown = problems.slice(0, MAX_SHOWN).map((p) => `${p.path || "(options)"}: ${p.message}`);
    if (problems.length > MAX_SHOWN) shown.push(`… and ${problems.length - MAX_SHOWN} more`);
    super(`[scheduler] invalid ${what}: ${shown.join("; ")}`);
    this.name = "InvalidScheduleOptionsError";
    this.problems = problems;
  }
}

/**
 * Thrown when the run-time scheduler is asked for a transition its state does not allow: finishing
 * a node that is not running, restoring a snapshot of another plan, naming an unknown node.
 */
export class SchedulerStateError extends Error {
  readonly code: "unknown-node" | "invalid-transition" | "plan-mismatch";
  readonly nodeId: string | undefined;
  readonly [schedulerStateBrand] = true;

  constructor(code: SchedulerStateError["code"], message: string, nodeId?: string) {
    super(`[scheduler] ${message}`);
    this.name = "SchedulerStateError";
    this.code = code;
    this.nodeId = nodeId;
  }
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

export const isInvalidScheduleOptionsError = (value: unknown): value is InvalidScheduleOptionsError =>
  hasBrand(value, invalidOptionsBrand);
export const isSchedulerStateError = (value: unknown): value is SchedulerStateError =>
  hasBrand(value, schedulerStateBrand);
