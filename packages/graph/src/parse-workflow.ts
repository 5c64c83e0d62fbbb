import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { analyseWorkflow } from "./build-graph.js";
import { GraphValidationError, WorkflowLoadError, type GraphProblem } from "./errors.js";
import type { WorkflowSpec } from "./workflow-schema.js";

/** Options of `parseWorkflow`. */
export interface ParseWorkflowOptions {
  /** File name used in messages. */
  file?: string;
  /** Workflow id to use when the document has none. @default "workflow" */
  defaultId?: string;
}

/** `nodes[3].dependsOn[0]` → `["nodes", 3, "dependsOn", 0]`. */
function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    keys.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return keys;
}

/** Adds 1-based line and column of the nearest existing node on the problem's path. */
function locate(problems: GraphProblem[], doc: Document, lines: LineCounter): GraphProblem[] {
  return problems.map((problem) => {
    const keys = pathKeys(problem.path);
    for (let depth = keys.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return { ...problem, line, column: col };
      }
    }
    /* c8 ignore next -- the document root always has a range */
    return problem;
  });
}

function withDefaultId(data: unknown, defaultId: string | undefined): unknown {
  if (defaultId === undefined || typeof data !== "object" || data === null || Array.isArray(data)) return data;
  return "id" in data ? data : { ...data, id: defaultId };
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

  const lines = new LineCounter();
  const doc = parseDocument(input, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    fail(
      doc.errors.map((error) => {
        // linePos is only filled in by prettyErrors; pos (offsets) is always there.
        const position = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
        return {
          code: "yaml-syntax",
          path: "",
          message: error.message.split("\n")[0]!,
          line: position.line,
          column: position.col,
        };
      }),
      file,
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
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
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === "ENOENT" ? "workflow-not-found" : "workflow-unreadable";
    throw new WorkflowLoadError(path, code, error);
  }
  return parseWorkflow(text, { file: path, defaultId: workflowIdFromFile(path) });
}
