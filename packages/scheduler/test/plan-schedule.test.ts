import { createHash } from "node:crypto";
import { buildGraph } from "@hybrid/graph";
import { arbitraryDag } from "@hybrid/test-utils";
import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidScheduleOptionsError, isInvalidScheduleOptionsError, planSchedule } from "../src/index.js";
import { checkDeclarationOrder, checkScale } from "./plan-checks.js";

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
  });

  it("keeps its nodes in a record without a prototype", () => {
    const plan = planSchedule(epic());
    expect(Object.getPrototypeOf(plan.nodes)).toBeNull();
    for (const name of ["toString", "constructor", "valueOf", "hasOwnProperty", "__proto__"]) expect(plan.nodes[name]).toBeUndefined();
    const named = planSchedule({ nodes: [node("toString", "docs"), node("constructor", "docs", ["toString"])] });
    expect(Object.keys(named.nodes).sort()).toEqual(["constructor", "toString"]);
    expect(named.nodes["constructor"]!.dependsOn).toEqual(["toString"]);
    expect(named.nodes["valueOf"]).toBeUndefined();
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
    expect(() => planSchedule(graph, 5 as never)).toThrow(/^\[scheduler\] invalid schedule options: \(options\): /);
    // Paths are written as zod's toDotPath writes them, as in every package.
    expect(() => planSchedule(graph, { priorityOrder: ["docs", "urgent"] as never })).toThrow(/priorityOrder\[1\]: /);
    try {
      planSchedule(graph, { defaultEstimateMs: -1, bogus: 1 } as never);
      expect.unreachable();
    } catch (error) {
      expect(isInvalidScheduleOptionsError(error)).toBe(true);
      const problems = (error as InvalidScheduleOptionsError).problems;
      expect(problems).toEqual([
        { path: "defaultEstimateMs", message: expect.stringMatching(/>=0/) },
        { path: "bogus", message: "unknown option" },
      ]);
      expect((error as Error).message).toMatch(/^\[scheduler\] invalid schedule options: defaultEstimateMs: .*; bogus: unknown option$/);
    }
  });

  it("plans the same, hash included, for every declaration order of 40 random DAGs of up to 300 nodes", () => {
    fc.assert(fc.property(arbitraryDag(300), fc.array(fc.integer(), { minLength: 5, maxLength: 5 }), checkDeclarationOrder), {
      numRuns: 40,
      seed: 424242,
    });
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
      variant((w) => Object.assign(w.nodes[3]!, { timeoutMs: 5_000 })),
      variant((w) => (w.id = "epic-2")),
      variant((w) => w.nodes.push(node("extra", "docs"))),
    ];
    const configs = [planSchedule(epic(), { defaultEstimateMs: 2 }).planHash, planSchedule(epic(), { priorityOrder: ["docs", "security", "architecture", "implementation"] }).planHash];
    expect(new Set([base, ...variants, ...configs]).size).toBe(variants.length + configs.length + 1);
  });

  it("keeps the hash when only the description or taskType changes (they do not change execution)", () => {
    const base = planSchedule(epic());
    const edits: [Record<string, unknown>, string | undefined][] = [
      [{ description: "what this epic is for" }, "feature"],
      [{ taskType: "bugfix" }, "bugfix"],
      [{ taskType: undefined }, undefined],
    ];
    for (const [edit, taskType] of edits) {
      const edited = planSchedule({ ...epic(), ...edit });
      expect(edited.planHash).toBe(base.planHash);
      expect(edited.taskType).toBe(taskType); // carried for telemetry, not hashed
    }
    expect(planSchedule({ ...epic(), description: "x" }).workflow.description).toBe("x");
  });

  it("hashes the RFC 8785 canonical JSON of [header, nodes in id order], format 2", () => {
    const plan = planSchedule(epic());
    const specs = Object.values(plan.nodes).map((n) => n.spec).sort((a, b) => (a.id < b.id ? -1 : 1));
    const header = { format: 2, workflow: { id: "epic", version: 1 }, config: plan.config };
    // An independent computation, from the library and node's crypto, of what the README documents.
    expect(plan.planHash).toBe(createHash("sha256").update(canonicalize([header, specs])!).digest("hex"));
    for (const spec of specs) expect(plan.nodes[spec.id]!.specHash).toBe(createHash("sha256").update(canonicalize(spec)!).digest("hex"));
  });

  it("plans 10,000 nodes (100,000 in plan-schedule.slow.test.ts)", () => {
    checkScale(10_000);
  });
});
