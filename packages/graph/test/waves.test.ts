import { arbitraryDag, generateDag, permuteWorkflow } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildGraph, criticalPath, nodeWaves, planWaves, remainingPath, validateWorkflow, type DependencyGraph } from "../src/index.js";
import { checkChain, checkRandomDag, checkWaves } from "./wave-checks.js";

const node = (id: string, dependsOn: string[] = [], estimateMs?: number) => ({
  id,
  agent: "a",
  priority: "docs",
  scope: "s",
  acceptance: [],
  dependsOn,
  ...(estimateMs === undefined ? {} : { estimateMs }),
});

/** Longest path by exhaustive search: the reference for small graphs. */
function bruteForceLongest(graph: DependencyGraph, weight: (id: string) => number): number {
  const memo = new Map<string, number>();
  const longestEndingAt = (id: string): number => {
    if (!memo.has(id)) memo.set(id, weight(id) + Math.max(0, ...graph.predecessors(id).map(longestEndingAt)));
    return memo.get(id)!;
  };
  return Math.max(0, ...graph.ids.map(longestEndingAt));
}

describe("planWaves", () => {
  it("puts each node one wave after its deepest dependency", () => {
    const graph = buildGraph({ nodes: [node("d", ["b", "c"]), node("c", ["a"]), node("b", ["a"]), node("a"), node("e", ["a", "d"])] });
    expect(planWaves(graph)).toEqual([["a"], ["b", "c"], ["d"], ["e"]]);
    expect(Object.fromEntries(nodeWaves(graph))).toEqual({ a: 0, b: 1, c: 1, d: 2, e: 3 });
  });

  it("holds on 60 random DAGs of up to 500 nodes: edges go forward, waves are minimal, order does not matter", () => {
    fc.assert(fc.property(arbitraryDag(500), fc.integer(), checkWaves), { numRuns: 60, seed: 20261124 });
  });
});

describe("criticalPath", () => {
  it("follows the heaviest chain, with estimateMs ?? 1 by default", () => {
    const graph = buildGraph({ nodes: [node("a", [], 5), node("b", ["a"], 1), node("c", ["a"], 10), node("d", ["b", "c"])] });
    expect(criticalPath(graph)).toEqual({ nodes: ["a", "c", "d"], length: 16 });
    expect(criticalPath(graph, () => 1)).toEqual({ nodes: ["a", "b", "d"], length: 3 });
    expect(Object.fromEntries(remainingPath(graph))).toEqual({ a: 16, b: 2, c: 11, d: 1 });
  });

  it("takes weights by id from a record or a map, and a workflow spec instead of a graph", () => {
    const spec = { nodes: [node("a", [], 5), node("b", ["a"], 1), node("c", ["a"], 10), node("d", ["b", "c"])] };
    expect(criticalPath(spec, { b: 100 })).toEqual({ nodes: ["a", "b", "d"], length: 106 });
    expect(criticalPath(spec, new Map([["c", 0]]))).toEqual({ nodes: ["a", "b", "d"], length: 7 });
    expect(remainingPath(spec, { a: 0 }).get("a")).toBe(11);
    expect(planWaves(spec)).toEqual([["a"], ["b", "c"], ["d"]]);
    expect(nodeWaves(spec).get("d")).toBe(2);
  });

  it("breaks ties towards the smaller id", () => {
    const graph = buildGraph({ nodes: [node("z"), node("y"), node("m", ["z", "y"])] });
    expect(criticalPath(graph).nodes).toEqual(["y", "m"]);
    expect(criticalPath(buildGraph({ nodes: [node("q"), node("p")] })).nodes).toEqual(["p"]);
  });

  it("matches exhaustive search on random small DAGs", () => {
    fc.assert(
      fc.property(arbitraryDag(40), (workflow) => {
        const graph = buildGraph(workflow);
        const weight = (id: string) => graph.node(id).estimateMs ?? 1;
        const path = criticalPath(graph);
        expect(path.length).toBe(bruteForceLongest(graph, weight));
        expect(path.nodes.reduce((sum, id) => sum + weight(id), 0)).toBe(path.length);
        for (let i = 1; i < path.nodes.length; i++) expect(graph.predecessors(path.nodes[i]!)).toContain(path.nodes[i - 1]);
        const rest = remainingPath(graph);
        expect(Math.max(...rest.values())).toBe(path.length);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it("rejects negative or non-finite weights", () => {
    const graph = buildGraph({ nodes: [node("a")] });
    expect(() => criticalPath(graph, () => -1)).toThrow(/weight of "a" must be a finite number >= 0, got -1/);
    expect(() => remainingPath(graph, () => Number.NaN)).toThrow(RangeError);
  });
});

describe("cycles", () => {
  it("finds injected cycles and reports real, closed paths, one per component", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 300 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, size, cycles) => {
          const workflow = generateDag("random", size, seed);
          const byId = new Map(workflow.nodes.map((n) => [n.id, n]));
          const ids = [...byId.keys()].sort();
          // A back edge from an ancestor to a descendant closes a cycle.
          const graph = buildGraph(workflow);
          let injected = 0;
          for (let k = 0; k < ids.length && injected < cycles; k += Math.max(1, Math.floor(ids.length / cycles))) {
            const below = graph.ancestors(ids[k]!);
            if (below.length === 0) continue;
            byId.get(below[0]!)!.dependsOn.push(ids[k]!);
            injected++;
          }
          const problems = validateWorkflow(workflow);
          if (injected === 0) {
            expect(problems).toEqual([]);
            return;
          }
          const cyclesFound = problems.filter((p) => p.code === "cycle");
          expect(cyclesFound.length).toBeGreaterThanOrEqual(1);
          const seen = new Set<string>();
          for (const problem of cyclesFound) {
            const cycle = problem.cycle!;
            expect(cycle.length).toBeGreaterThanOrEqual(3);
            expect(cycle[0]).toBe(cycle[cycle.length - 1]);
            expect(new Set(cycle.slice(1)).size).toBe(cycle.length - 1); // simple cycle
            for (let i = 0; i + 1 < cycle.length; i++) expect(byId.get(cycle[i]!)!.dependsOn).toContain(cycle[i + 1]);
            for (const id of cycle) {
              expect(seen.has(id) && id !== cycle[0]).toBe(false);
            }
            cycle.forEach((id) => seen.add(id));
          }
          // Deterministic: another declaration order reports the same cycles.
          expect(validateWorkflow(permuteWorkflow(workflow, seed)).map((p) => p.cycle)).toEqual(problems.map((p) => p.cycle));
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});

describe("scale (the 100,000-node versions are in waves.slow.test.ts)", () => {
  it("plans a 10,000-node chain without recursion and finds the cycle that closes it", () => {
    checkChain(10_000);
  });

  it("plans 10,000 nodes and about 100,000 edges", () => {
    checkRandomDag(10_000, 20);
  });
});
