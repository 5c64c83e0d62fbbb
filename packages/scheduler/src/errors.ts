const invalidOptionsBrand = Symbol.for("hybrid.scheduler.InvalidScheduleOptionsError");
const schedulerStateBrand = Symbol.for("hybrid.scheduler.SchedulerStateError");

/** One bad option, with its path (`caps.security`). */
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
    super(`[scheduler] invalid ${what}: ${problems.map((p) => `${p.path || "(options)"}: ${p.message}`).join("; ")}`);
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
