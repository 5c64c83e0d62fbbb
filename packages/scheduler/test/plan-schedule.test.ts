import { buildGraph } from "@hybrid/graph";
import { arbitraryDag, generateDag, permuteWorkflow } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidScheduleOptionsError, canonicalJson, isFrozenPlan, isInvalidScheduleOptionsError, planSchedule } from "../src/index.js";

const node = (id: string, priority: string, dependsOn: string[] = [], estimateMs?: number) => ({
  id,
  agent: `${priority}-agent`,
  priority,
  scope: `scope ${id}`,
  acceptance: [`${id} accepted`],
  dependsOn,
  ...(estimateMs === undefined ? {} : { estimateMs }),
});

const epic = () => ({
  version: 1 as const,
  id: "epic",
  taskType: "feature",
  nodes: [
    node("arch", "architecture", [], 10),
    node("sec", "security", ["arch"], 2),
    node("impl-long", "implementation", ["arch"], 20),
    node("impl-short", "implementation", ["arch"], 5),
    node("docs", "docs", ["arch"], 50),
    node("join", "architecture", ["sec", "impl-long", "impl-short", "docs"], 1),
  ],
});

describe("planSchedule", () => {
  it("orders by priority class, then remaining critical path, then id", () => {
    const plan = planSchedule(buildGraph(epic()));
    expect(plan.waves).toEqual([["arch"], ["sec", "impl-long", "impl-short", "docs"], ["join"]]);
    expect(plan.order).toEqual(["sec", "arch", "join", "impl-long", "impl-short", "docs"]);
    expect(plan.sequentialOrder).toEqual(["arch", "sec", "impl-long", "impl-short", "docs", "join"]);
    expect(plan.criticalPath).toEqual({ nodes: ["arch", "docs", "join"], length: 61 });
    expect(plan.workflowId).toBe("epic");
    expect(plan.taskType).toBe("feature");
    expect(plan.nodes["join"]).toMatchObject({
      id: "join",
      agent: "architecture-agent",
      priority: "architecture",
      dependsOn: ["docs", "impl-long", "impl-short", "sec"],
      dependents: [],
      wave: 2,
      rank: 2,
      remainingMs: 1,
    });
    expect(plan.nodes["arch"]!.remainingMs).toBe(61);
    expect(plan.nodes["arch"]!.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.planHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts a workflow spec as well as a graph", () => {
    expect(planSchedule(epic()).planHash).toBe(planSchedule(buildGraph(epic())).planHash);
  });

  it("returns a deeply frozen plan: it is a value named by its hash", () => {
    const plan = planSchedule(epic());
    const parts = [plan, plan.nodes, plan.order, plan.waves, plan.sequentialOrder, plan.config, plan.config.priorityOrder, plan.criticalPath, plan.criticalPath.nodes];
    for (const part of [...parts, ...plan.waves, ...Object.values(plan.nodes), ...Object.values(plan.nodes).map((n) => n.spec)]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    const first = plan.order[0]!;
    expect(() => (plan.order as string[]).push("x")).toThrow(TypeError);
    expect(() => Object.assign(plan.nodes[first]!, { wave: 99 })).toThrow(TypeError);
    expect(isFrozenPlan(plan)).toBe(true);
    expect(isFrozenPlan({ ...plan })).toBe(false);
    expect(isFrozenPlan(Object.freeze({ ...plan, nodes: { ...plan.nodes } }))).toBe(false);
  });

  it("breaks ties of class and path by id", () => {
    const plan = planSchedule(buildGraph({ nodes: [node("b", "docs"), node("a", "docs"), node("c", "docs")] }));
    expect(plan.order).toEqual(["a", "b", "c"]);
    expect(plan.taskType).toBeUndefined();
  });

  it("takes a configurable priority order and default estimate", () => {
    const graph = buildGraph(epic());
    const docsFirst = planSchedule(graph, { priorityOrder: ["docs", "implementation", "architecture", "security"] });
    expect(docsFirst.waves[1]).toEqual(["docs", "impl-long", "impl-short", "sec"]);
    expect(docsFirst.planHash).not.toBe(planSchedule(graph).planHash);
    const unweighted = planSchedule(buildGraph({ nodes: [node("a", "docs"), node("b", "docs", ["a"])] }), { defaultEstimateMs: 7 });
    expect(unweighted.criticalPath.length).toBe(14);
  });

  it("rejects invalid options with their paths", () => {
    const graph = buildGraph(epic());
    expect(() => planSchedule(graph, { priorityOrder: ["docs"] as never })).toThrow(InvalidScheduleOptionsError);
    try {
      planSchedule(graph, { defaultEstimateMs: -1, bogus: 1 } as never);
      expect.unreachable();
    } catch (error) {
      expect(isInvalidScheduleOptionsError(error)).toBe(true);
      const problems = (error as InvalidScheduleOptionsError).problems.map((p) => p.path);
      expect(problems).toEqual(expect.arrayContaining(["defaultEstimateMs", ""]));
      expect((error as Error).message).toMatch(/^\[scheduler\] invalid schedule options: /);
    }
  });

  it("hashes the same for every declaration order of 200 random DAGs", () => {
    fc.assert(
      fc.property(arbitraryDag(2000), fc.array(fc.integer(), { minLength: 5, maxLength: 5 }), (workflow, seeds) => {
        const plan = planSchedule(buildGraph(workflow));
        for (const seed of seeds) {
          const again = planSchedule(buildGraph(permuteWorkflow(workflow, seed)));
          expect(again.planHash).toBe(plan.planHash);
          expect(again.waves).toEqual(plan.waves);
          expect(again.order).toEqual(plan.order);
          expect(again.sequentialOrder).toEqual(plan.sequentialOrder);
        }
        // sequentialOrder is topological and complete.
        const position = new Map(plan.sequentialOrder.map((id, i) => [id, i]));
        expect(position.size).toBe(plan.order.length);
        for (const id of plan.order) for (const dep of plan.nodes[id]!.dependsOn) expect(position.get(dep)!).toBeLessThan(position.get(id)!);
      }),
      { numRuns: 200, seed: 424242 },
    );
  });

  it("changes the hash when anything but declaration order changes", () => {
    const base = planSchedule(buildGraph(epic())).planHash;
    const variant = (change: (w: ReturnType<typeof epic>) => void) => {
      const w = epic();
      change(w);
      return planSchedule(buildGraph(w)).planHash;
    };
    const variants = [
      variant((w) => w.nodes[5]!.dependsOn.pop()), // an edge
      variant((w) => (w.nodes[1]!.priority = "docs")), // a priority
      variant((w) => (w.nodes[2]!.estimateMs = 21)), // an estimate
      variant((w) => (w.nodes[3]!.scope += ".")), // a node's text
      variant((w) => (w.nodes[3]!.acceptance = ["other"])),
      variant((w) => (w.nodes[3]!.agent = "someone-else")),
      variant((w) => (w.taskType = "bugfix")),
      variant((w) => (w.id = "epic-2")),
      variant((w) => w.nodes.push(node("extra", "docs"))),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("serialises canonically", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"e":2,"f":1}]},"b":1}');
  });

  it("plans 100,000 nodes", () => {
    const plan = planSchedule(buildGraph(generateDag("layered", 100_000, 3)));
    expect(plan.order).toHaveLength(100_000);
    expect(plan.sequentialOrder).toHaveLength(100_000);
  });
});
