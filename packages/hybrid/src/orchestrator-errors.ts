// The errors the orchestrators throw, or hand to dispatch to fail a node with the right category.
const brands = {
  gate: Symbol.for("hybrid.hybrid.GateFailedError"),
  options: Symbol.for("hybrid.hybrid.OrchestratorOptionsError"),
  notFound: Symbol.for("hybrid.hybrid.RunNotFoundError"),
} as const;

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * A quality gate stopped a node's transition. Its `category` tells dispatch how the node failed:
 * `gate-failed`, `needs-review` (G10: the output misses its Definition of Done) or `needs-escalation`
 * (a join conflict a person must decide). Never retried.
 */
export class GateFailedError extends Error {
  readonly code: "gate-failed" | "needs-review" | "needs-escalation";
  readonly category: "gate-failed" | "needs-review" | "needs-escalation";
  readonly gate: string;
  readonly transient = false as const;
  readonly [brands.gate] = true;

  constructor(gate: string, reason: string, category: GateFailedError["category"] = "gate-failed") {
    super(`[hybrid] ${gate}: ${reason}`);
    this.name = "GateFailedError";
    this.gate = gate;
    this.code = category;
    this.category = category;
  }
}

/** One problem with the options given to an orchestrator. */
export interface OrchestratorProblem {
  path: string;
  message: string;
}

/** The options given to an orchestrator are invalid. */
export class OrchestratorOptionsError extends Error {
  readonly code = "invalid-options" as const;
  readonly problems: readonly OrchestratorProblem[];
  readonly [brands.options] = true;

  constructor(problems: readonly OrchestratorProblem[], options: { cause?: unknown } = {}) {
    super(["[hybrid] invalid orchestrator options:", ...problems.map((p) => `  - ${p.path || "(root)"}: ${p.message}`)].join("\n"), options);
    this.name = "OrchestratorOptionsError";
    this.problems = problems;
  }
}

/** `resume` was asked for a run this state directory has no journal (or no workflow) for. */
export class RunNotFoundError extends Error {
  readonly code = "run-not-found" as const;
  readonly runId: string;
  readonly [brands.notFound] = true;

  constructor(runId: string, stateDir: string, what: string) {
    super(`[hybrid] cannot resume run ${runId}: ${what} in ${stateDir}`);
    this.name = "RunNotFoundError";
    this.runId = runId;
  }
}

export const isGateFailedError = (e: unknown): e is GateFailedError => hasBrand(e, brands.gate);
export const isOrchestratorOptionsError = (e: unknown): e is OrchestratorOptionsError => hasBrand(e, brands.options);
export const isRunNotFoundError = (e: unknown): e is RunNotFoundError => hasBrand(e, brands.notFound);
