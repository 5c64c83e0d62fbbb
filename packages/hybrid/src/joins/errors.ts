// The errors of the join resolver. A stable `code` and a `Symbol.for` brand, so
// `isJoinInputError` still works when two copies of the package are installed.

const brand = Symbol.for("hybrid.hybrid.JoinInputError");

/** One invalid argument of `resolveJoin`: its path (`join.policy`, `inputs[3].nodeId`) and what is wrong. */
export interface JoinInputProblem {
  path: string;
  message: string;
}

/**
 * `resolveJoin` was called with an unknown policy, rules that are not strings, or inputs that are
 * malformed or share a node id (the order of arrival would then decide ties). Agent output never
 * causes it: malformed JSON in an output is read as text.
 */
export class JoinInputError extends Error {
  readonly code = "invalid-join-input" as const;
  readonly problems: readonly JoinInputProblem[];
  readonly [brand] = true;

  constructor(problems: readonly JoinInputProblem[]) {
    super(["[hybrid] invalid join input:", ...problems.map((p) => `  - ${p.path}: ${p.message}`)].join("\n"));
    this.name = "JoinInputError";
    this.problems = problems;
  }
}

/** True for a {@link JoinInputError} from any installed copy of this package. */
export const isJoinInputError = (value: unknown): value is JoinInputError =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
