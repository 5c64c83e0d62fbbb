import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  GraphValidationError,
  isGraphValidationError,
  isWorkflowLoadError,
  loadWorkflow,
  parseWorkflow,
  workflowIdFromFile,
  type GraphProblem,
} from "../src/index.js";

const node = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  agent: "backend-engineer",
  priority: "implementation",
  scope: `work on ${id}`,
  acceptance: [`${id} done`],
  dependsOn: [],
  ...extra,
});

function problemsOf(fn: () => unknown): GraphProblem[] {
  try {
    fn();
  } catch (error) {
    expect(isGraphValidationError(error)).toBe(true);
    return [...(error as GraphValidationError).problems];
  }
  throw new Error("expected a GraphValidationError");
}

describe("parseWorkflow from text", () => {
  it("parses YAML and JSON to the same spec", () => {
    const yaml = `version: 1\nid: epic\ntaskType: feature\nnodes:\n  - id: a\n    agent: architect\n    priority: architecture\n    scope: design\n    acceptance: [ADR merged]\n    dependsOn: []\n`;
    const json = JSON.stringify({
      version: 1,
      id: "epic",
      taskType: "feature",
      nodes: [{ id: "a", agent: "architect", priority: "architecture", scope: "design", acceptance: ["ADR merged"], dependsOn: [] }],
    });
    expect(parseWorkflow(yaml)).toEqual(parseWorkflow(json));
    expect(parseWorkflow(yaml).nodes[0]!.acceptance).toEqual(["ADR merged"]);
  });

  it("reports malformed YAML with line and column", () => {
    const problems = problemsOf(() => parseWorkflow("version: 1\nnodes:\n  - id: a\n    scope: [unclosed\n"));
    expect(problems[0]).toMatchObject({ code: "yaml-syntax", path: "" });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(4);
    expect(problems[0]!.column).toBeGreaterThan(0);
  });

  it("reports duplicate mapping keys as syntax problems", () => {
    const problems = problemsOf(() => parseWorkflow("version: 1\nversion: 1\nnodes: []\n"));
    expect(problems.map((p) => p.code)).toContain("yaml-syntax");
  });

  it("reports an empty file and an empty node list", () => {
    expect(problemsOf(() => parseWorkflow(""))).toEqual([
      { code: "empty-workflow", path: "", message: "the workflow file is empty" },
    ]);
    expect(problemsOf(() => parseWorkflow("version: 1\nid: x\nnodes: []\n"))[0]).toMatchObject({
      code: "empty-workflow",
      path: "nodes",
      line: 3,
    });
  });

  it("rejects a document that is not a mapping", () => {
    expect(problemsOf(() => parseWorkflow("- a\n- b\n"))[0]).toMatchObject({ code: "invalid-type", path: "", line: 1 });
    expect(problemsOf(() => parseWorkflow("just text"))[0]).toMatchObject({ code: "invalid-type" });
  });

  it("reports every problem at once with paths, lines and suggestions", () => {
    const text = [
      "version: 1",
      "id: epic",
      "nodes:",
      "  - id: a",
      "    agent: architect",
      "    priority: secuirty",
      "    scope: design",
      "    acceptance: []",
      "    dependsOn: [a, bb]",
      "    dependson: []",
      "  - id: b",
      "    agent: 7",
      "    priority: docs",
      "    scope: write",
      "    acceptance: []",
      "    dependsOn: [a]",
      "  - id: b",
      "    agent: x",
      "    priority: docs",
      "    scope: again",
      "    acceptance: []",
      "    dependsOn: []",
    ].join("\n");
    const problems = problemsOf(() => parseWorkflow(text, { file: "epic.yaml" }));
    const byCode = (code: string) => problems.filter((p) => p.code === code);
    expect(byCode("invalid-value")[0]).toMatchObject({ path: "nodes[0].priority", line: 6 });
    expect(byCode("invalid-value")[0]!.message).toContain('did you mean "security"');
    expect(byCode("unknown-field")[0]).toMatchObject({ path: "nodes[0].dependson", line: 10 });
    expect(byCode("unknown-field")[0]!.message).toContain('did you mean "dependsOn"');
    expect(byCode("invalid-type")[0]).toMatchObject({ path: "nodes[1].agent", line: 12 });
    expect(byCode("invalid-type")[0]!.message).toBe("expected a string, got number 7");
    expect(byCode("self-dependency")[0]).toMatchObject({ path: "nodes[0].dependsOn[0]", line: 9 });
    expect(byCode("unknown-dependency")[0]).toMatchObject({ path: "nodes[0].dependsOn[1]", suggestions: ["b"] });
    expect(byCode("duplicate-id")[0]).toMatchObject({ path: "nodes[2].id", line: 17 });
    expect(byCode("duplicate-id")[0]!.message).toContain("first declared at nodes[1]");
  });

  it("names the file, line and code in the error message", () => {
    try {
      parseWorkflow("version: 1\nid: x\nnodes: []\n", { file: "wf.yaml" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^\[graph\] invalid workflow wf\.yaml: 1 problem\n/);
      expect((error as Error).message).toContain("wf.yaml:3:8 nodes: the workflow has no nodes");
      expect((error as GraphValidationError).file).toBe("wf.yaml");
      expect((error as GraphValidationError).code).toBe("graph-invalid");
    }
  });

  it("shortens the message of a workflow with very many problems", () => {
    const nodes = Array.from({ length: 30 }, (_, i) => node(`n${i}`, { dependsOn: ["missing"] }));
    try {
      parseWorkflow({ version: 1, id: "x", nodes });
      expect.unreachable();
    } catch (error) {
      expect((error as GraphValidationError).problems).toHaveLength(30);
      expect((error as Error).message).toContain("… and 10 more");
    }
  });
});

describe("parseWorkflow from objects", () => {
  it("validates plain objects and applies defaults", () => {
    const spec = parseWorkflow({ nodes: [node("a")] });
    expect(spec.version).toBe(1);
    expect(spec.id).toBe("workflow");
    expect(parseWorkflow({ nodes: [node("a")] }, { defaultId: "from-file" }).id).toBe("from-file");
  });

  it("keeps the declared dependency order (parsing does not canonicalise)", () => {
    const spec = parseWorkflow({ id: "x", nodes: [node("a"), node("b"), node("c", { dependsOn: ["b", "a"] })] });
    expect(spec.nodes[2]!.dependsOn).toEqual(["b", "a"]);
    expect(Object.isFrozen(spec.nodes[2])).toBe(false);
  });

  it("reports wrong types, missing fields, unknown fields and bad ids", () => {
    const problems = problemsOf(() =>
      parseWorkflow({
        version: 2,
        id: "ok",
        extra: true,
        nodes: [
          { id: "bad id", agent: "a", priority: "docs", scope: "s", acceptance: "not a list", dependsOn: [] },
          { id: "b", priority: "docs", scope: "", acceptance: [], dependsOn: [], issue: { owner: "o", repo: "r", number: 0, extra: 1 } },
          { id: "c", agent: "a", scope: "s", acceptance: [], dependsOn: [], estimateMs: -5, maxAttempts: 1.5, join: { policy: "merge" } },
          "not a node",
        ],
      }),
    );
    const summary = problems.map((p) => `${p.code} ${p.path}`);
    expect(summary).toEqual(
      expect.arrayContaining([
        "invalid-value version",
        "unknown-field extra",
        "invalid-id nodes[0].id",
        "invalid-type nodes[0].acceptance",
        "missing-field nodes[1].agent",
        "invalid-value nodes[1].scope",
        "invalid-value nodes[1].issue.number",
        "unknown-field nodes[1].issue.extra",
        "missing-field nodes[2].priority",
        "invalid-value nodes[2].estimateMs",
        "invalid-type nodes[2].maxAttempts",
        "invalid-value nodes[2].join.policy",
        "invalid-type nodes[3]",
      ]),
    );
    expect(problems.find((p) => p.path === "nodes[2].maxAttempts")!.message).toContain("a whole number");
    expect(problems.find((p) => p.path === "nodes[1].scope")!.message).toBe("must not be empty");
  });

  it("reports too-large values and oddly typed documents", () => {
    const problems = problemsOf(() => parseWorkflow({ id: "x", nodes: [node("a", { maxAttempts: 1000 })] }));
    expect(problems[0]).toMatchObject({ code: "invalid-value", path: "nodes[0].maxAttempts", message: "must be at most 100" });
    const nodesNotList = problemsOf(() => parseWorkflow({ id: "x", nodes: { a: 1 } }));
    expect(nodesNotList[0]).toMatchObject({ code: "invalid-type", path: "nodes", message: "expected a list, got an object" });
    const longString = problemsOf(() => parseWorkflow({ id: "x", nodes: [node("a", { agent: ["x".repeat(50)] })] }));
    expect(longString[0]!.message).toBe("expected a string, got a list");
    const nullAgent = problemsOf(() => parseWorkflow({ id: "x", nodes: [node("a", { agent: null, priority: 3 })] }));
    expect(nullAgent.map((p) => p.message)).toEqual(
      expect.arrayContaining(["expected a string, got null"]),
    );
  });

  it("still finds structural problems when the schema fails", () => {
    const problems = problemsOf(() =>
      parseWorkflow({ id: "x", nodes: [node("a", { agent: 1, dependsOn: ["b"] }), node("b", { dependsOn: ["a", 5] }), { id: 7 }, null] }),
    );
    const codes = problems.map((p) => p.code);
    expect(codes).toContain("invalid-type");
    expect(codes).toContain("cycle");
  });

  it("handles a nodes field that is not a list", () => {
    expect(problemsOf(() => parseWorkflow({ nodes: "x" })).map((p) => p.code)).toEqual(["invalid-type"]);
  });
});

describe("loadWorkflow", () => {
  it("loads YAML and JSON files, taking the file name as the default id", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hybrid-graph-"));
    await writeFile(join(dir, "My Epic.yaml"), "nodes:\n  - id: a\n    agent: x\n    priority: docs\n    scope: s\n    acceptance: []\n    dependsOn: []\n");
    await writeFile(join(dir, "named.json"), JSON.stringify({ version: 1, id: "named-id", nodes: [node("a")] }));
    expect((await loadWorkflow(join(dir, "My Epic.yaml"))).id).toBe("My-Epic");
    expect((await loadWorkflow(join(dir, "named.json"))).id).toBe("named-id");
  });

  it("names the file in load and validation errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hybrid-graph-"));
    const missing = join(dir, "missing.yaml");
    await expect(loadWorkflow(missing)).rejects.toSatisfy(
      (e) => isWorkflowLoadError(e) && e.code === "workflow-not-found" && e.file === missing && e.message.includes("no such file"),
    );
    await mkdir(join(dir, "a-dir.yaml"));
    await expect(loadWorkflow(join(dir, "a-dir.yaml"))).rejects.toSatisfy(
      (e) => isWorkflowLoadError(e) && e.code === "workflow-unreadable",
    );
    await writeFile(join(dir, "bad.yaml"), "version: 1\nnodes:\n  - id: a\n    dependsOn: [zz]\n");
    await expect(loadWorkflow(join(dir, "bad.yaml"))).rejects.toSatisfy(
      (e) => isGraphValidationError(e) && e.file === join(dir, "bad.yaml") && e.message.includes("bad.yaml:"),
    );
  });

  it("derives safe ids from file names", () => {
    expect(workflowIdFromFile("/x/hybrid-epic.yaml")).toBe("hybrid-epic");
    expect(workflowIdFromFile("__.yaml")).toBe("workflow");
    expect(workflowIdFromFile("-a b.json")).toBe("a-b");
  });
});
