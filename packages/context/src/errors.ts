import { z, type ZodError } from "zod";

const budgetExceededBrand = Symbol.for("hybrid.context.BudgetExceededError");
const pathOutsideRepoBrand = Symbol.for("hybrid.context.PathOutsideRepoError");
const contextOptionsBrand = Symbol.for("hybrid.context.ContextOptionsError");

/** A pinned segment of a composition that could not fit, as named by `BudgetExceededError`. */
export interface PinnedOverflow {
  /** The segment id (redacted). */
  id: string;
  /** Where it came from (redacted). */
  source: string;
  /** What it costs in the prompt: its heading and (redacted) text. */
  tokens: number;
}

/**
 * Thrown by `composeContext` when the pinned segments alone exceed `hardCap - reserve`. Everything
 * else (unpinned segments, the provenance block) degrades first, so this names only pinned text.
 * Pinned content is never dropped or summarised, so the caller must decide.
 */
export class BudgetExceededError extends Error {
  readonly code = "budget-exceeded" as const;
  /** Every pinned segment, largest first. */
  readonly pinned: readonly PinnedOverflow[];
  /** Tokens of the pinned segments alone (headings and text, no provenance), as counted by the estimator. */
  readonly required: number;
  /** The budget that was available (`hardCap - reserve`). */
  readonly budget: number;
  readonly [budgetExceededBrand] = true;

  constructor(pinned: readonly PinnedOverflow[], required: number, budget: number) {
    const names = pinned.map((p) => `${p.id} (${p.source}, ${p.tokens} tokens)`).join(", ");
    super(`[context] pinned segments need ${required} tokens but the budget is ${budget}: ${names}`);
    this.name = "BudgetExceededError";
    this.pinned = pinned;
    this.required = required;
    this.budget = budget;
  }
}

/** Thrown when an L3 path or glob would leave the repository root (`..`, absolute, symlink). */
export class PathOutsideRepoError extends Error {
  readonly code = "path-outside-repo" as const;
  /** The path as it was requested. */
  readonly path: string;
  /** The repository root it had to stay in. */
  readonly root: string;
  readonly [pathOutsideRepoBrand] = true;

  constructor(path: string, root: string, reason: string) {
    super(`[context] path "${path}" is outside the repository root ${root}: ${reason}`);
    this.name = "PathOutsideRepoError";
    this.path = path;
    this.root = root;
  }
}

/** One invalid option, located by its path (`maxComments`, `node.acceptance[2]`). */
export interface OptionProblem {
  path: string;
  message: string;
}

/** Thrown when options or a work item given to this package do not match their schema. */
export class ContextOptionsError extends Error {
  readonly code = "invalid-options" as const;
  readonly problems: readonly OptionProblem[];
  readonly [contextOptionsBrand] = true;

  constructor(what: string, problems: readonly OptionProblem[], cause?: unknown) {
    const lines = problems.map((p) => `  - ${p.path === "" ? "(root)" : p.path}: ${p.message}`);
    super([`[context] invalid ${what}:`, ...lines].join("\n"), { cause });
    this.name = "ContextOptionsError";
    this.problems = problems;
  }
}

/** Turns a ZodError into a `ContextOptionsError` with the path of each problem. */
export function fromZodError(what: string, error: ZodError): ContextOptionsError {
  const problems = error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
  return new ContextOptionsError(what, problems, error);
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Brand guard for `BudgetExceededError` that survives two installed copies of the package. */
export const isBudgetExceededError = (value: unknown): value is BudgetExceededError =>
  hasBrand(value, budgetExceededBrand);
/** Brand guard for `PathOutsideRepoError`. */
export const isPathOutsideRepoError = (value: unknown): value is PathOutsideRepoError =>
  hasBrand(value, pathOutsideRepoBrand);
/** Brand guard for `ContextOptionsError`. */
export const isContextOptionsError = (value: unknown): value is ContextOptionsError =>
  hasBrand(value, contextOptionsBrand);

const statusOf = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && typeof (error as { status?: unknown }).status === "number"
    ? (error as { status: number }).status
    : undefined;

/** A one-line reason for a failure, for events: `HTTP 500: message`, or the message alone. */
export function describeError(error: unknown): string {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n", 1)[0]!;
  return status === undefined ? line : `HTTP ${status}: ${line}`;
}

/** The HTTP status of an Octokit error, if it has one. */
export { statusOf };
