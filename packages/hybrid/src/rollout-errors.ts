// The errors of the rollout guard: a refused advance (with every reason), and a state file that
// cannot be trusted.

/** Why `rolloutAdvance` (or `rolloutResume`) refused. */
export interface RolloutRefusal {
  code: "final-stage" | "kill-switch" | "dwell" | "incomplete-telemetry" | "trigger" | "not-killed";
  message: string;
}

const rolloutErrorBrand = Symbol.for("hybrid.hybrid.RolloutError");
const rolloutStateErrorBrand = Symbol.for("hybrid.hybrid.RolloutStateError");

const hasBrand = (value: unknown, brand: symbol): boolean =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;

/** Thrown when the rollout guard refuses a move; nothing was changed. `reasons` lists every reason. */
export class RolloutError extends Error {
  readonly code = "rollout-refused" as const;
  readonly reasons: readonly RolloutRefusal[];
  readonly [rolloutErrorBrand] = true;

  constructor(action: string, reasons: readonly RolloutRefusal[]) {
    super([`[hybrid] rollout ${action} refused:`, ...reasons.map((reason) => `  - ${reason.message} [${reason.code}]`)].join("\n"));
    this.name = "RolloutError";
    this.reasons = reasons;
  }
}

/** Thrown when `<stateDir>/rollout.json` is not a rollout state this version can read; it is left as it is. */
export class RolloutStateError extends Error {
  readonly code = "invalid-rollout-state" as const;
  readonly file: string;
  readonly problems: readonly { path: string; message: string }[];
  readonly [rolloutStateErrorBrand] = true;

  constructor(file: string, problems: readonly { path: string; message: string }[], cause?: unknown) {
    const lines = problems.map((problem) => `  - ${problem.path === "" ? "(document)" : problem.path}: ${problem.message}`);
    super([`[hybrid] rollout state ${file} cannot be used:`, ...lines].join("\n"), { cause });
    this.name = "RolloutStateError";
    this.file = file;
    this.problems = problems;
  }
}

/** Whether `value` is a `RolloutError` (from any installed copy of this package). */
export const isRolloutError = (value: unknown): value is RolloutError => hasBrand(value, rolloutErrorBrand);
/** Whether `value` is a `RolloutStateError` (from any installed copy of this package). */
export const isRolloutStateError = (value: unknown): value is RolloutStateError => hasBrand(value, rolloutStateErrorBrand);
