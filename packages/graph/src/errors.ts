/** Problem codes a workflow can have. Schema problems and structural problems share one list. */
export type ProblemCode =
  | "yaml-syntax"
  | "invalid-json"
  | "too-large"
  | "too-deep"
  | "empty-workflow"
  | "invalid-type"
  | "missing-field"
  | "unknown-field"
  | "invalid-value"
  | "invalid-id"
  | "duplicate-id"
  | "unknown-dependency"
  | "self-dependency"
  | "cycle";

/** One problem in a workflow, located by a path such as `nodes[3].dependsOn[0]`. */
export interface GraphProblem {
  code: ProblemCode;
  /** Where the problem is: `nodes[3].dependsOn[0]`; the empty string is the document itself. */
  path: string;
  message: string;
  /** For `cycle`: a closed path `[a, b, c, a]` in which each id depends on the next. */
  cycle?: string[];
  /** For `unknown-dependency`: the nearest existing ids. */
  suggestions?: string[];
  /** 1-based line and column in the source file, when the problem came from YAML/JSON text. */
  line?: number;
  column?: number;
}

const graphValidationBrand = Symbol.for("hybrid.graph.GraphValidationError");
const workflowLoadBrand = Symbol.for("hybrid.graph.WorkflowLoadError");
const unknownNodeBrand = Symbol.for("hybrid.graph.UnknownNodeError");

function describe(problem: GraphProblem, file?: string): string {
  const where = [file, problem.line !== undefined ? `${problem.line}:${problem.column ?? 1}` : undefined]
    .filter(Boolean)
    .join(":");
  const at = problem.path === "" ? "(document)" : problem.path;
  return `${where ? `${where} ` : ""}${at}: ${problem.message} [${problem.code}]`;
}

/** Thrown when a workflow or graph is invalid; `problems` lists every problem at once. */
export class GraphValidationError extends Error {
  readonly code = "graph-invalid" as const;
  readonly problems: readonly GraphProblem[];
  /** The file the workflow came from, when it was loaded from disk. */
  readonly file: string | undefined;
  readonly [graphValidationBrand] = true;

  constructor(problems: readonly GraphProblem[], options: { file?: string; cause?: unknown } = {}) {
    const count = problems.length;
    const head = `[graph] invalid workflow${options.file ? ` ${options.file}` : ""}: ${count} problem${count === 1 ? "" : "s"}`;
    const shown = problems.slice(0, 20).map((problem) => `  - ${describe(problem, options.file)}`);
    if (count > shown.length) shown.push(`  … and ${count - shown.length} more`);
    super([head, ...shown].join("\n"), { cause: options.cause });
    this.name = "GraphValidationError";
    this.problems = problems;
    this.file = options.file;
  }
}

/** Thrown when a workflow file cannot be read at all (missing, a directory, unreadable). */
export class WorkflowLoadError extends Error {
  readonly code: "workflow-not-found" | "workflow-unreadable";
  readonly file: string;
  readonly [workflowLoadBrand] = true;

  constructor(file: string, code: WorkflowLoadError["code"], cause?: unknown) {
    const reason = code === "workflow-not-found" ? "no such file" : "cannot be read";
    const detail = cause instanceof Error ? ` (${cause.message})` : "";
    super(`[graph] workflow ${file}: ${reason}${detail}`, { cause });
    this.name = "WorkflowLoadError";
    this.code = code;
    this.file = file;
  }
}

/** Thrown when a graph query names an id that is not in the graph. */
export class UnknownNodeError extends Error {
  readonly code = "unknown-node" as const;
  readonly nodeId: string;
  readonly [unknownNodeBrand] = true;

  constructor(nodeId: string) {
    super(`[graph] no node with id "${nodeId}" in the graph`);
    this.name = "UnknownNodeError";
    this.nodeId = nodeId;
  }
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

export const isGraphValidationError = (value: unknown): value is GraphValidationError =>
  hasBrand(value, graphValidationBrand);
export const isWorkflowLoadError = (value: unknown): value is WorkflowLoadError => hasBrand(value, workflowLoadBrand);
export const isUnknownNodeError = (value: unknown): value is UnknownNodeError => hasBrand(value, unknownNodeBrand);
