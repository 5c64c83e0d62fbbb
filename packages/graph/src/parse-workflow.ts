import { open } from "node:fs/promises";
import { basename, extname } from "node:path";
import { analyseWorkflow } from "./build-graph.js";
import { GraphValidationError, WorkflowLoadError, isGraphValidationError, type GraphProblem } from "./errors.js";
import type { WorkflowSpec } from "./workflow-schema.js";
import { MAX_WORKFLOW_TEXT, locate, parseText, tooLarge } from "./yaml-document.js";

/** Options of `parseWorkflow`. */
export interface ParseWorkflowOptions {
  /** File name used in messages. */
  file?: string;
  /** Workflow id to use when the document has none. @default "workflow" */
  defaultId?: string;
}

function withDefaultId(data: unknown, defaultId: string | undefined): unknown {
  if (defaultId === undefined || typeof data !== "object" || data === null || Array.isArray(data)) return data;
  return Object.hasOwn(data, "id") ? data : { ...data, id: defaultId };
}

function fail(problems: GraphProblem[], file: string | undefined): never {
  throw new GraphValidationError(problems, file === undefined ? {} : { file });
}

/**
 * Parses and validates a workflow from YAML or JSON text, or checks a plain object. Every problem
 * (syntax, schema, duplicate ids, unknown dependencies, cycles) is reported at once in one
 * `GraphValidationError`, with line and column for text input.
 */
export function parseWorkflow(input: string | object, options: ParseWorkflowOptions = {}): WorkflowSpec {
  const { file, defaultId } = options;
  if (typeof input !== "string") {
    const { problems, spec } = analyseWorkflow(withDefaultId(input, defaultId), { build: false });
    if (!spec || problems.length > 0) fail(problems, file);
    return spec;
  }

  const parsed = parseText(input);
  if (!parsed.ok) fail(parsed.problems, file);
  const { data, doc, lines } = parsed;
  if (data === null || data === undefined) {
    fail([{ code: "empty-workflow", path: "", message: "the workflow file is empty" }], file);
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    fail(
      locate([{ code: "invalid-type", path: "", message: "a workflow must be a mapping with version, id and nodes" }], doc, lines),
      file,
    );
  }
  const { problems, spec } = analyseWorkflow(withDefaultId(data, defaultId), { build: false });
  if (!spec || problems.length > 0) fail(locate(problems, doc, lines), file);
  return spec;
}

/** A workflow id derived from a file name: `hybrid-epic.yaml` → `hybrid-epic`. */
export function workflowIdFromFile(file: string): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return stem === "" ? "workflow" : stem;
}

/**
 * Reads and validates a workflow file (`.yaml`, `.yml` or `.json`). A document without an `id`
 * takes the file's base name. Throws `WorkflowLoadError` when the file cannot be read and
 * `GraphValidationError` (with `file`, lines and columns) when it is invalid.
 */
export async function loadWorkflow(path: string): Promise<WorkflowSpec> {
  let text: string;
  try {
    const file = await open(path, "r");
    try {
      // Sized before it is read: a file of gigabytes is refused, not loaded into memory. Bytes are
      // never fewer than characters, so what passes here passes parseWorkflow's own check.
      const { size } = await file.stat();
      if (size > MAX_WORKFLOW_TEXT) fail([tooLarge("file", size)], path);
      text = await file.readFile("utf8");
    } finally {
      await file.close();
    }
  } catch (error) {
    if (isGraphValidationError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code === "ENOENT" ? "workflow-not-found" : "workflow-unreadable";
    throw new WorkflowLoadError(path, code, error);
  }
  return parseWorkflow(text, { file: path, defaultId: workflowIdFromFile(path) });
}
