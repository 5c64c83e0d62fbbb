import { thrown } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import {
  DependencyGraph,
  DependencyGraphBuilder,
  GraphValidationError,
  UnknownNodeError,
  ancestors,
  analyseWorkflow,
  buildGraph,
  descendants,
  isGraphValidationError,
  isUnknownNodeError,
  predecessors,
  successors,
  validateWorkflow,
} from "../src/index.js";

const node = (id: string, dependsOn: string[] = [], extra: Record<string, unknown> = {}) => ({
  id,
  agent: "engineer",
  priority: "implementation" as const,
  scope: `work on ${id}`,
  acceptance: [`${id} done`],
  dependsOn,
  ...extra,
});


const diamond = () =>
  buildGraph({ version: 1, id: "diamond", nodes: [node("d", ["b", "c"]), node("b", ["a"]), node("c", ["a"]), node("a")] });

describe("buildGraph", () => {
  it("indexes nodes canonically and answers graph queries", () => {
    const graph = diamond();
    expect(graph.size).toBe(4);
    expect(graph.edgeCount).toBe(4);
    expect(graph.ids).toEqual(["a", "b", "c", "d"]);
    expect(graph.predecessors("d")).toEqual(["b", "c"]);
    expect(graph.successors("a")).toEqual(["b", "c"]);
    expect(graph.ancestors("d")).toEqual(["a", "b", "c"]);
    expect(graph.descendants("a")).toEqual(["b", "c", "d"]);
    expect(graph.descendants("d")).toEqual([]);
    expect(graph.topologicalOrder()).toEqual(["a", "b", "c", "d"]);
    expect(predecessors(graph, "b")).toEqual(["a"]);
    expect(successors(graph, "b")).toEqual(["d"]);
    expect(ancestors(graph, "a")).toEqual([]);
    expect(descendants(graph, "c")).toEqual(["d"]);
    expect(graph.has("a")).toBe(true);
    expect(graph.has("z")).toBe(false);
    expect(graph.workflow).toEqual({ version: 1, id: "diamond" });
  });

  it("is immutable", () => {
    const graph = diamond();
    expect(Object.isFrozen(graph)).toBe(true);
    expect(Object.isFrozen(graph.node("d"))).toBe(true);
    expect(Object.isFrozen(graph.node("d").dependsOn)).toBe(true);
    expect(Object.isFrozen(graph.nodes())).toBe(true);
    expect(() => (graph.node("d").dependsOn as string[]).push("x")).toThrow(TypeError);
    // Query results are copies: changing them does not change the graph.
    graph.predecessors("d").push("zz");
    expect(graph.predecessors("d")).toEqual(["b", "c"]);
  });

  it("does not share objects with its input", () => {
    const input = { version: 1, id: "x", nodes: [node("b", ["a"]), node("a")] };
    const graph = buildGraph(input);
    input.nodes[0]!.dependsOn.push("c");
    input.nodes[0]!.scope = "changed";
    expect(graph.node("b").dependsOn).toEqual(["a"]);
    expect(graph.node("b").scope).toBe("work on b");
  });

  it("sorts and de-duplicates dependencies", () => {
    const graph = buildGraph({ nodes: [node("c", ["b", "a", "b"]), node("a"), node("b")] });
    expect(graph.node("c").dependsOn).toEqual(["a", "b"]);
    expect(graph.edgeCount).toBe(2);
  });

  it("throws UnknownNodeError for ids that are not in the graph", () => {
    const graph = diamond();
    expect(() => graph.node("zz")).toThrow(UnknownNodeError);
    const error = thrown(() => graph.ancestors("zz"));
    expect(isUnknownNodeError(error)).toBe(true);
    expect(error).toMatchObject({ code: "unknown-node", nodeId: "zz", message: '[graph] no node with id "zz" in the graph' });
    // Names of Object.prototype members are ids like any other: absent unless declared.
    for (const id of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect(graph.has(id)).toBe(false);
      expect(isUnknownNodeError(thrown(() => graph.node(id)))).toBe(true);
    }
  });

  it("accepts a graph and round-trips through toWorkflow", () => {
    const graph = diamond();
    expect(buildGraph(graph)).toBe(graph);
    const again = buildGraph(graph.toWorkflow());
    expect(again.ids).toEqual(graph.ids);
    expect(again.toWorkflow()).toEqual(graph.toWorkflow());
    expect(analyseWorkflow(graph).graph).toBe(graph);
  });

  it("lists every structural problem in one error", () => {
    const input = {
      id: "x",
      nodes: [node("a", ["a", "bb"]), node("b", ["c"]), node("c", ["b"]), node("a"), node("d", ["e"]), node("e", ["f"]), node("f", ["d"])],
    };
    expect(() => buildGraph(input)).toThrow(GraphValidationError);
    const problems = validateWorkflow(input);
    expect(problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "duplicate-id nodes[3].id",
      "self-dependency nodes[0].dependsOn[0]",
      "unknown-dependency nodes[0].dependsOn[1]",
      "cycle nodes[1].dependsOn[0]",
      "cycle nodes[4].dependsOn[0]",
    ]);
    expect(problems[2]!.message).toContain('did you mean "b"');
    expect(problems[3]!.cycle).toEqual(["b", "c", "b"]);
    expect(problems[4]!.cycle).toEqual(["d", "e", "f", "d"]);
    expect(problems[4]!.message).toBe("dependency cycle d → e → f → d (each depends on the next)");
  });

  it("never suggests the dependent node itself", () => {
    const [problem] = validateWorkflow({ nodes: [node("d", ["dd"]), node("x")] });
    expect(problem!.suggestions).toBeUndefined();
  });

  it("gives unknown dependencies without a near id no suggestion", () => {
    const [problem] = validateWorkflow({ nodes: [node("alpha", ["zzzzzzzz"])] });
    expect(problem).toMatchObject({ code: "unknown-dependency" });
    expect(problem!.suggestions).toBeUndefined();
    expect(problem!.message).not.toContain("did you mean");
  });

  it("suggests ids that differ only in case, and stops suggesting after 50 distinct unknown names", () => {
    const [caseOnly] = validateWorkflow({ nodes: [node("Deploy"), node("x", ["deploy"])] });
    expect(caseOnly!.suggestions).toEqual(["Deploy"]);
    // 62 distinct names, each one edit from "tas-": the first 50 get a suggestion.
    const names = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].map((c) => `tas${c}`);
    const distinct = validateWorkflow({ nodes: [node("tas-"), node("x", names)] });
    expect(distinct).toHaveLength(62);
    expect(distinct.filter((p) => p.suggestions).length).toBe(50);
    expect(distinct[0]).toMatchObject({ path: "nodes[1].dependsOn[0]", suggestions: ["tas-"] });
    // One name asked 60 times is one name: every problem gets its suggestion.
    const repeated = validateWorkflow({ nodes: [node("abc"), ...Array.from({ length: 60 }, (_, i) => node(`n${i}`, ["abd"]))] });
    expect(repeated.filter((p) => p.suggestions?.[0] === "abc").length).toBe(60);
  });

  it("suggests nothing for a very long unknown name (edit distance is quadratic in length)", () => {
    const long = "b".repeat(100_000);
    const started = Date.now();
    const [problem] = validateWorkflow({ nodes: [node("a", [long]), node(`${long.slice(1)}c`)] });
    expect(problem).toMatchObject({ code: "unknown-dependency", path: "nodes[0].dependsOn[0]" });
    expect(problem!.suggestions).toBeUndefined();
    // A catastrophic-regression bound only: this took 41 s when the distance was computed.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports an empty graph", () => {
    expect(validateWorkflow({ nodes: [] })[0]).toMatchObject({ code: "empty-workflow" });
  });
});

describe("DependencyGraphBuilder", () => {
  it("builds the same graph as buildGraph", () => {
    const built = new DependencyGraphBuilder({ id: "diamond" })
      .addNode(node("d"))
      .addNode(node("b", ["a"]))
      .addNode(node("c"))
      .addNode({ ...node("a"), dependsOn: undefined })
      .addDependency("d", "b")
      .addDependency("d", "c")
      .addDependency("c", "a")
      .build();
    expect(built).toBeInstanceOf(DependencyGraph);
    expect(built.toWorkflow()).toEqual(diamond().toWorkflow());
  });

  it("reports problems of added nodes and dependencies together", () => {
    const builder = new DependencyGraphBuilder()
      .addNode(node("a"))
      .addNode(node("a"))
      .addDependency("a", "missing")
      .addDependency("ghost", "a");
    const error = thrown(() => builder.build());
    expect(isGraphValidationError(error)).toBe(true);
    const codes = (error as GraphValidationError).problems.map((p) => p.code);
    expect(codes).toContain("duplicate-id");
    expect(codes).toContain("unknown-dependency");
    expect(codes).toContain("missing-field"); // "ghost" was never added as a node
  });
});
