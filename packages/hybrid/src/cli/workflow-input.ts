// A workflow file checked as far as it can be before anything is written: read, parsed, validated
// (schema, ids, dependencies, cycles), planned, and every `docs` path confined to the repository.
// `plan`, `run` and `resume` all start here, so bad input fails with exit 2 and an untouched state dir.
import { resolve } from "node:path";
import { createDocsProvider, createHeuristicEstimator, isPathOutsideRepoError, redact } from "@hybrid/context";
import { loadWorkflow } from "@hybrid/graph";
import type { WorkflowSpec } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import type { SchedulePlan } from "@hybrid/scheduler";
import { CliError } from "./errors.js";
import type { CliProblem } from "./errors.js";
import { redactWorkflowText } from "../workflow-store.js";

/** A workflow ready to run. */
export interface CheckedWorkflow {
  /** Absolute path of the file. */
  file: string;
  spec: WorkflowSpec;
  /** Planned exactly as the orchestrators plan it, so `planHash` is the run's. */
  plan: SchedulePlan;
}

/**
 * Every `docs` entry that would leave `repoRoot` (absolute, `..`, through a symlink), found by the
 * same docs provider that reads them during the run; its messages are kept as they are.
 */
async function docsProblems(spec: WorkflowSpec, repoRoot: string): Promise<CliProblem[]> {
  const problems: CliProblem[] = [];
  if (!spec.nodes.some((node) => (node.docs ?? []).length > 0)) return problems;
  // Nothing but the requested path: no state file, no ADR index; a cheap estimator, no cache on disk.
  const provider = createDocsProvider({ root: repoRoot, adrIndex: [], estimator: createHeuristicEstimator(), redact: (text) => text });
  for (const [i, node] of spec.nodes.entries()) {
    for (const [j, path] of (node.docs ?? []).entries()) {
      try {
        await provider.collect({ node: { ...node, docs: [path] }, runId: "check" });
      } catch (error) {
        if (!isPathOutsideRepoError(error)) throw error;
        problems.push({ code: error.code, path: `nodes[${i}].docs[${j}]`, message: error.message });
      }
    }
  }
  return problems;
}

/**
 * Loads, validates and plans a workflow file. Throws the library's `WorkflowLoadError` (missing or
 * unreadable) or `GraphValidationError` (syntax, schema, duplicate ids, unknown dependencies,
 * cycles, every problem at once with line and column), or a `CliError` (`doc-path`) listing every
 * docs path outside the repository.
 */
export async function checkWorkflow(path: string, repoRoot: string): Promise<CheckedWorkflow> {
  const file = resolve(path);
  // Planned as runs plan it, free text redacted: the plan hash printed is the one runs journal.
  const spec = redactWorkflowText(await loadWorkflow(file), redact);
  const plan = planSchedule(spec);
  const problems = await docsProblems(spec, resolve(repoRoot));
  if (problems.length > 0) {
    const lines = problems.map((problem) => `  - ${file} ${problem.path}: ${problem.message} [${problem.code}]`);
    throw new CliError("doc-path", [`invalid workflow ${file}: ${problems.length} docs path${problems.length === 1 ? "" : "s"} outside the repository`, ...lines].join("\n"), {
      problems,
      file,
    });
  }
  return { file, spec, plan };
}
