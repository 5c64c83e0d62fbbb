// A run's workflow, kept beside its journal so `resume(runId)` needs nothing but the run id.
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadWorkflow, parseWorkflow } from "@hybrid/graph";
import type { WorkflowInput, WorkflowSpec } from "@hybrid/graph";
import { RunNotFoundError } from "./orchestrator-errors.js";

/** A workflow as the orchestrators take it: a file path, a parsed spec, or an object to validate. */
export type WorkflowSource = string | WorkflowSpec | WorkflowInput;

/** Loads and validates a workflow (typed errors with file, path and line come from `@hybrid/graph`). */
export async function resolveWorkflow(source: WorkflowSource): Promise<{ spec: WorkflowSpec; file?: string }> {
  if (typeof source === "string") return { spec: await loadWorkflow(source), file: resolve(source) };
  return { spec: parseWorkflow(source) };
}

/**
 * The workflow with its free text redacted (description, scopes, acceptance criteria, inputs, join
 * rules): what a run plans, saves beside its journal and hashes, so a secret pasted into a workflow
 * reaches no state file, while ids, agents, paths and output names stay as written.
 */
export function redactWorkflowText(spec: WorkflowSpec, redact: (text: string) => string): WorkflowSpec {
  return {
    ...spec,
    ...(spec.description === undefined ? {} : { description: redact(spec.description) }),
    nodes: spec.nodes.map((node) => ({
      ...node,
      scope: redact(node.scope),
      acceptance: node.acceptance.map(redact),
      ...(node.inputs ? { inputs: node.inputs.map(redact) } : {}),
      ...(node.join?.rules ? { join: { ...node.join, rules: node.join.rules.map(redact) } } : {}),
    })),
  };
}

const fileOf = (stateDir: string, runId: string): string => join(stateDir, "runs", runId, "workflow.json");

/** Writes the run's workflow atomically (write, fsync, rename): a crash leaves the old file or the new one. */
export async function saveWorkflow(stateDir: string, runId: string, workflow: { spec: WorkflowSpec; file?: string }): Promise<void> {
  const target = fileOf(stateDir, runId);
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(JSON.stringify({ v: 1, file: workflow.file ?? null, spec: workflow.spec }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, target);
}

/** The workflow a run was started with. */
export async function loadSavedWorkflow(stateDir: string, runId: string): Promise<{ spec: WorkflowSpec; file?: string }> {
  let text: string;
  try {
    text = await readFile(fileOf(stateDir, runId), "utf8");
  } catch {
    throw new RunNotFoundError(runId, stateDir, "no saved workflow");
  }
  const saved = JSON.parse(text) as { v?: unknown; file?: string | null; spec: unknown };
  if (saved.v !== 1) throw new RunNotFoundError(runId, stateDir, `a saved workflow of unknown format ${JSON.stringify(saved.v)}`);
  return { spec: parseWorkflow(saved.spec as object), ...(saved.file ? { file: saved.file } : {}) };
}
