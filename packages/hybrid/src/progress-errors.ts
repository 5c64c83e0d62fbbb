// The errors of escalation and the progress ledger. Each carries a stable `code` and a
// `Symbol.for` brand, so `isXxxError` still works when two copies of the package are installed.
import { z } from "zod";

const brands = {
  ReportingOptionsError: Symbol.for("hybrid.hybrid.ReportingOptionsError"),
  EscalationError: Symbol.for("hybrid.hybrid.EscalationError"),
} as const;

const hasBrand = (value: unknown, brand: symbol): boolean =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;

/** One invalid option: its dotted path and what is wrong with it. */
export interface ReportingOptionsProblem {
  path: string;
  message: string;
}

/**
 * Invalid options of `createEscalator` or `createProgressReporter`, or an invalid `escalate` call:
 * each problem names its path (`github.issue.number`, `owner`).
 */
export class ReportingOptionsError extends Error {
  readonly code = "invalid-options" as const;
  readonly problems: readonly ReportingOptionsProblem[];
  readonly [brands.ReportingOptionsError] = true;

  constructor(what: string, problems: readonly ReportingOptionsProblem[], cause?: unknown) {
    super([`[hybrid] invalid ${what}:`, ...problems.map((p) => `  - ${p.path || "(root)"}: ${p.message}`)].join("\n"), { cause });
    this.name = "ReportingOptionsError";
    this.problems = problems;
  }
}

/** The escalation sink did not record a run's post-mortem (GitHub and its fallback failed, or the call was aborted). */
export class EscalationError extends Error {
  readonly code = "escalation-failed" as const;
  readonly runId: string;
  readonly [brands.EscalationError] = true;

  /** `reason` is already redacted by the caller. */
  constructor(runId: string, reason: string, cause: unknown) {
    super(`[hybrid] escalation of run ${runId} failed: ${reason}`, { cause });
    this.name = "EscalationError";
    this.runId = runId;
  }
}

/** True for a {@link ReportingOptionsError} from any installed copy of this package. */
export const isReportingOptionsError = (value: unknown): value is ReportingOptionsError => hasBrand(value, brands.ReportingOptionsError);
/** True for an {@link EscalationError} from any installed copy of this package. */
export const isEscalationError = (value: unknown): value is EscalationError => hasBrand(value, brands.EscalationError);

/** Parses `input` with `schema`; a `ZodError` becomes a {@link ReportingOptionsError} with the path of each problem. */
export function parseReportingOptions<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
  throw new ReportingOptionsError(what, problems, result.error);
}

/** A required `redact` option: context's `redact`, or `(text) => text` to write text as is. */
export const RequiredRedactSchema = z.custom<(text: string) => string>((value) => typeof value === "function", {
  message: "required: a function (text: string) => string applied to every text written; pass (text) => text to write text as is",
});
