// The correctness oracles catch what they are there to catch: hand-made journals and process
// observations with a planted violation, next to clean ones.
import { expectedStatuses, orderViolations } from "@hybrid/test-utils";
import type { OracleEvent } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { generateDag } from "@hybrid/test-utils";
import { capViolations, processViolations } from "../src/dag/oracles.js";
import type { ProcessObservation } from "../src/dag/oracles.js";

// a → b, a → c, (b, c) → d: a diamond.
const plan = {
  waves: [["a"], ["b", "c"], ["d"]],
  nodes: { a: { dependsOn: [] }, b: { dependsOn: ["a"] }, c: { dependsOn: ["a"] }, d: { dependsOn: ["b", "c"] } },
};
const dispatched = (nodeId: string, priority = "implementation", wave = 0): OracleEvent => ({ type: "node.dispatched", nodeId, priority, wave });
const succeeded = (nodeId: string): OracleEvent => ({ type: "node.succeeded", nodeId });
const clean: OracleEvent[] = [dispatched("a"), succeeded("a"), dispatched("b", "docs", 1), dispatched("c", "docs", 1), succeeded("b"), succeeded("c"), dispatched("d", "security", 2), succeeded("d")];
const limits = { maxParallel: 2, caps: { docs: 2 }, maxPerWave: 2 };

describe("dependency oracle", () => {
  it("passes a clean journal and names a node started before a predecessor succeeded", () => {
    expect(orderViolations(clean, plan)).toEqual([]);
    const early = [dispatched("a"), succeeded("a"), dispatched("b"), dispatched("d"), succeeded("b"), dispatched("c"), succeeded("c"), succeeded("d")];
    expect(orderViolations(early, plan)).toEqual(["d dispatched before b succeeded", "d dispatched before c succeeded"]);
  });

  it("counts a failed predecessor as not succeeded, and a second dispatch as a duplicate", () => {
    const afterFailure = [dispatched("a"), { type: "node.failed", nodeId: "a", final: true }, dispatched("b")];
    expect(orderViolations(afterFailure, plan)).toEqual(["b dispatched before a succeeded"]);
    expect(orderViolations([...clean, dispatched("d")], plan)).toContain("d dispatched twice");
  });
});

describe("cap oracle (journal)", () => {
  it("passes a clean journal and catches the global, class and wave caps exceeded", () => {
    expect(capViolations(clean, limits)).toEqual([]);
    expect(capViolations(clean, { ...limits, maxParallel: 1 }).map((v) => v.kind)).toEqual(["global"]);
    expect(capViolations(clean, { ...limits, caps: { docs: 1 } }).map((v) => v.kind)).toEqual(["class"]);
    expect(capViolations(clean, { ...limits, maxPerWave: 1 }).map((v) => v.kind)).toEqual(["wave"]);
  });

  it("keeps a node live until its final event: a retried attempt's failure does not free its slot", () => {
    const retried = [dispatched("a"), { type: "node.failed", nodeId: "a", final: false }, dispatched("b"), succeeded("a"), succeeded("b")];
    expect(capViolations(retried, { ...limits, maxParallel: 1 })).toHaveLength(1);
  });
});

describe("process oracle", () => {
  const seen = (node: string, live: number, liveByPriority: Record<string, number>): ProcessObservation => ({ node, priority: Object.keys(liveByPriority)[0]!, live, liveByPriority });
  it("passes processes within their caps and catches one too many, overall or of one priority", () => {
    const ok = [seen("a", 1, { docs: 1 }), seen("b", 2, { docs: 2 })];
    expect(processViolations(ok, { maxParallel: 2, caps: { docs: 2 } })).toEqual([]);
    expect(processViolations([...ok, seen("c", 3, { docs: 2, security: 1 })], { maxParallel: 2, caps: {} })).toEqual(["3 agent processes at once, cap 2"]);
    expect(processViolations([...ok, seen("c", 2, { docs: 3 })], { maxParallel: 4, caps: { docs: 2 } })).toEqual(["3 docs agent processes at once, cap 2"]);
  });
});

describe("expected statuses", () => {
  it("blocks everything downstream of a failure, and nothing else", () => {
    expect(Object.fromEntries(expectedStatuses(plan, { throwing: new Set(["b"]), reviewing: new Set() }))).toEqual({ a: "succeeded", b: "failed", c: "succeeded", d: "blocked" });
    expect(Object.fromEntries(expectedStatuses(plan, { throwing: new Set(), reviewing: new Set(["a"]) }))).toEqual({ a: "needs-review", b: "blocked", c: "blocked", d: "blocked" });
  });
});

describe("the wide shape", () => {
  it("is one root, a layer of independent nodes under it, and one node joining them all", () => {
    const wide = generateDag("wide", 60, 5);
    const roots = wide.nodes.filter((n) => n.dependsOn.length === 0);
    const join = wide.nodes.find((n) => n.dependsOn.length === 58)!;
    expect(roots).toHaveLength(1);
    expect(join).toBeDefined();
    expect(wide.nodes.filter((n) => n !== join && n !== roots[0]).every((n) => n.dependsOn.length === 1 && n.dependsOn[0] === roots[0]!.id)).toBe(true);
  });
});
