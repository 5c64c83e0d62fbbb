import { mkdtemp, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import {
  buildGraph,
  criticalPath,
  isGraphValidationError,
  loadWorkflow,
  parseWorkflow,
  planWaves,
  remainingPath,
  validateWorkflow,
  type GraphProblem,
  type GraphValidationError,
} from "../src/index.js";

const node = (id: string, dependsOn: string[] = [], extra: Record<string, unknown> = {}) => ({
  id,
  agent: "engineer",
  priority: "implementation",
  scope: `work on ${id}`,
  acceptance: [],
  dependsOn,
  ...extra,
});

/** The GraphValidationError `fn` throws (synchronously or not); the test fails on anything else. */
async function validationError(fn: () => unknown): Promise<GraphValidationError> {
  try {
    await fn();
  } catch (error) {
    if (isGraphValidationError(error)) return error;
    throw error;
  }
  return expect.unreachable("expected a GraphValidationError");
}

const NODE_YAML = "  - { id: a, agent: x, priority: docs, scope: s, acceptance: [], dependsOn: [] }";

/** Whether the yaml library itself (the oracle) refuses to expand these lines. */
function yamlRefuses(lines: readonly string[]): boolean {
  try {
    parseDocument(lines.join("\n")).toJS({ maxAliasCount: 1000 });
    return false;
  } catch {
    return true;
  }
}

describe("ids named like Object.prototype members", () => {
  // Valid ids that a plain-object lookup would find on every object.
  const NAMES = ["toString", "constructor", "valueOf", "hasOwnProperty", "isPrototypeOf", "toLocaleString", "a", "b"];

  it("are nodes like any other, absent unless declared", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat())),
        (ids, edges) => {
          const deps = new Map(ids.map((id) => [id, new Set<string>()]));
          // Edges point from a later id to an earlier one: acyclic.
          for (const [x, y] of edges) {
            const [i, j] = [x % ids.length, y % ids.length];
            if (i > j) deps.get(ids[i]!)!.add(ids[j]!);
          }
          const graph = buildGraph({ nodes: ids.map((id) => node(id, [...deps.get(id)!])) });
          expect(graph.ids).toEqual([...ids].sort());
          for (const id of NAMES) expect(graph.has(id)).toBe(ids.includes(id));
          for (const id of ids) expect(graph.predecessors(id)).toEqual([...deps.get(id)!].sort());
          expect(planWaves(graph).flat().sort()).toEqual([...ids].sort());
          expect([...remainingPath(graph).keys()].sort()).toEqual([...ids].sort());
          // Weights by id from a plain record: inherited members are not weights.
          expect(criticalPath(graph, {}).length).toBe(criticalPath(graph).length);
        },
      ),
      { numRuns: 200, seed: 1234 },
    );
  });

  it("report __proto__ as an invalid id and as an unknown dependency", () => {
    const problems = validateWorkflow({ nodes: [node("__proto__"), node("constructor", ["__proto__", "toString"])] });
    expect(problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "invalid-id nodes[0].id",
      "unknown-dependency nodes[1].dependsOn[1]",
    ]);
    expect(problems[1]!.message).toBe('"constructor" depends on "toString", which is not a node of this workflow');
  });

  it("are unknown fields, with their line, when used as field names", async () => {
    const text = ["nodes:", "  - id: a", "    agent: x", "    priority: docs", "    scope: s", "    acceptance: []", "    dependsOn: []", "    constructor: 1", "    __proto__: { polluted: true }", "    toString: y"].join("\n");
    const { problems } = await validationError(() => parseWorkflow(text));
    expect(problems.map((p) => `${p.code} ${p.path} ${p.line}`)).toEqual([
      "unknown-field nodes[0].constructor 8",
      "unknown-field nodes[0].__proto__ 9",
      "unknown-field nodes[0].toString 10",
    ]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("paths as zod writes them", () => {
  it("quotes field names that are not identifiers, and still finds their line", async () => {
    const text = ["nodes:", NODE_YAML, "  - id: b", "    agent: x", "    priority: docs", "    scope: s", "    acceptance: []", "    dependsOn: []", "    my-field: 1", '    "a.b": 2'].join("\n");
    const { problems } = await validationError(() => parseWorkflow(text));
    expect(problems.map((p) => `${p.path} ${p.line}`)).toEqual(['nodes[1]["my-field"] 9', 'nodes[1]["a.b"] 10']);
  });

  it("says a number must be finite when YAML gives Infinity", async () => {
    const line = "  - { id: a, agent: x, priority: docs, scope: s, acceptance: [], dependsOn: [], estimateMs: 1e400 }";
    const { problems } = await validationError(() => parseWorkflow(`nodes:\n${line}`));
    expect(problems).toEqual([
      { code: "invalid-type", path: "nodes[0].estimateMs", message: "expected a finite number, got Infinity", line: 2, column: line.indexOf("1e400") + 1 },
    ]);
  });
});

describe("text that is not Unicode", () => {
  it("rejects an unpaired surrogate escape with its path and line, and accepts a paired one", async () => {
    const text = ["nodes:", '  - { id: a, agent: x, priority: docs, scope: "pair \\ud83d\\ude00", acceptance: ["lone \\ud800"], dependsOn: [] }'].join("\n");
    const { problems } = await validationError(() => parseWorkflow(text));
    expect(problems.map((p) => `${p.code} ${p.path} ${p.line}`)).toEqual(["invalid-value nodes[0].acceptance[0] 2"]);
    expect(problems[0]!.message).toContain("unpaired UTF-16 surrogate");
    expect(parseWorkflow(text.replace("lone \\ud800", "fine")).nodes[0]!.scope).toBe("pair 😀");
    const json = JSON.stringify({ description: "\ud800", nodes: [node("a")] });
    expect((await validationError(() => parseWorkflow(json))).problems.map((p) => p.path)).toEqual(["description"]);
  });
});

describe("YAML aliases", () => {
  // Nine lines that would expand to 9^9 entries ("billion laughs").
  const bomb = [
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ...["b", "c", "d", "e", "f", "g", "h", "i"].map((name, k) => {
      const previous = String.fromCharCode("a".charCodeAt(0) + k);
      return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`;
    }),
    "nodes:",
    NODE_YAML,
  ];

  it("an alias bomb is a too-large problem at the line where expansion is refused", async () => {
    const error = await validationError(() => parseWorkflow(bomb.join("\n"), { file: "bomb.yaml" }));
    expect(error.file).toBe("bomb.yaml");
    expect(error.problems).toHaveLength(1);
    const [problem] = error.problems as GraphProblem[];
    expect(problem).toMatchObject({ code: "too-large", path: "" });
    expect(problem!.message).toMatch(/aliases expand too far/);
    expect(error.message).toContain(`bomb.yaml:${problem!.line}:`);
    // The oracle: the yaml library refuses the document up to that line, and not one line less.
    expect(yamlRefuses(bomb.slice(0, problem!.line))).toBe(true);
    expect(yamlRefuses(bomb.slice(0, problem!.line! - 1))).toBe(false);
  });

  it("an alias bomb in a file names the file and the line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hybrid-graph-"));
    const file = join(dir, "bomb.yaml");
    await writeFile(file, bomb.join("\n"));
    const error = await validationError(() => loadWorkflow(file));
    expect(error.file).toBe(file);
    expect(error.problems[0]).toMatchObject({ code: "too-large", line: expect.any(Number) });
    expect(error.message).toContain(`${file}:${error.problems[0]!.line}:`);
  });

  it("one anchor may be used 999 times; the 1000th use is refused where it is", async () => {
    const uses = (count: number) => ["x: &x engineer", "uses:", ...Array.from({ length: count }, () => "  - *x"), "nodes:", NODE_YAML];
    expect((await validationError(() => parseWorkflow(uses(999).join("\n")))).problems[0]).toMatchObject({ code: "unknown-field", path: "x" });
    const { problems } = await validationError(() => parseWorkflow(uses(1000).join("\n")));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "too-large", line: 1002, column: 5 });
  });

  it("an alias without an anchor is a syntax problem at its line", async () => {
    const line = "  - { id: a, agent: *agent }";
    const { problems } = await validationError(() => parseWorkflow(["id: x", "nodes:", line].join("\n")));
    const column = line.indexOf("*agent") + 1;
    expect(problems).toEqual([{ code: "yaml-syntax", path: "", message: "alias *agent has no anchor &agent before it", line: 3, column }]);
  });

  it("ordinary aliases still work", async () => {
    const text = ["base: &std [reviewed, tested]", "nodes:", "  - { id: a, agent: x, priority: docs, scope: s, acceptance: *std, dependsOn: [] }"].join("\n");
    // Only the extra top-level field is wrong: the alias resolved to a valid acceptance list.
    expect((await validationError(() => parseWorkflow(text))).problems.map((p) => p.path)).toEqual(["base"]);
  });
});

describe("documents too deep or too large", () => {
  it("a deeply nested document is a too-deep problem with a position, in YAML and in JSON", async () => {
    for (const text of [`x: ${"[".repeat(50_000)}${"]".repeat(50_000)}\nnodes: []`, `{"x": ${"[".repeat(50_000)}${"]".repeat(50_000)}, "nodes": []}`]) {
      const { problems } = await validationError(() => parseWorkflow(text, { file: "deep.yaml" }));
      expect(problems[0]).toMatchObject({ code: "too-deep", path: "", message: "the document is nested too deeply to parse", line: 1 });
    }
    const block = Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    expect((await validationError(() => parseWorkflow(block))).problems[0]).toMatchObject({ code: "too-deep", line: expect.any(Number) });
  });

  it("text over 16 MiB is refused before it is parsed", async () => {
    const text = `nodes: []\n${"#".repeat(16 * 1024 * 1024)}`;
    const { problems } = await validationError(() => parseWorkflow(text, { file: "huge.yaml" }));
    expect(problems).toEqual([
      { code: "too-large", path: "", line: 1, column: 1, message: expect.stringMatching(/^the workflow text is 16\.0 MiB, more than the 16\.0 MiB/) },
    ]);
  });

  it("a file over 16 MiB is refused without being read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hybrid-graph-"));
    const file = join(dir, "huge.yaml");
    await writeFile(file, "");
    await truncate(file, 5 * 1024 * 1024 * 1024); // sparse: 5 GiB that were never written
    // Reading it would fail as a WorkflowLoadError (Node reads at most 2 GiB into one buffer): a
    // too-large problem means the size was checked first.
    const error = await validationError(() => loadWorkflow(file));
    expect(error.file).toBe(file);
    expect(error.problems).toEqual([
      { code: "too-large", path: "", line: 1, column: 1, message: expect.stringMatching(/^the workflow file is 5120\.0 MiB/) },
    ]);
  });
});

describe("many problems", () => {
  it("reports 200,000 problems in one error (more than a call has arguments)", async () => {
    const nodes = Array.from({ length: 200_000 }, (_, i) => node(`n${i}`, ["missing"]));
    const { problems, message } = await validationError(() => parseWorkflow({ nodes }));
    expect(problems).toHaveLength(200_000);
    expect(new Set(problems.map((p) => p.path)).size).toBe(200_000);
    expect(problems.every((p) => p.code === "unknown-dependency" && p.suggestions === undefined)).toBe(true);
    expect(message).toContain("… and 199980 more");
  });
});
