// The determinism oracles catch what they are there to catch: the admission model on a hand-made
// plan, a dispatch order that does not follow its completions, and a plan that moved.
import { describe, expect, it } from "vitest";
import { generateDag } from "@hybrid/test-utils";
import { replayAdmission } from "../src/dag/oracles.js";
import { planFingerprint, redeclare } from "../src/dag/replan.js";
import { compareTraces } from "../src/dag/rerun.js";
import type { RunTrace } from "../src/dag/rerun.js";

// Plan order r, x, y, z; x, y and z depend on r; x and y are docs.
const order = ["r", "x", "y", "z"];
const nodes = {
  r: { priority: "security", wave: 0, dependsOn: [] },
  x: { priority: "docs", wave: 1, dependsOn: ["r"] },
  y: { priority: "docs", wave: 1, dependsOn: ["r"] },
  z: { priority: "implementation", wave: 1, dependsOn: ["r"] },
};
const ok = (id: string) => ({ id, ok: true });

describe("admission model", () => {
  it("starts ready nodes in plan order under the global, class and wave caps", () => {
    const completions = [ok("r"), ok("x"), ok("z"), ok("y")];
    expect(replayAdmission(order, nodes, { maxParallel: 3, caps: {}, maxPerWave: null }, completions)).toEqual(["r", "x", "y", "z"]);
    // docs capped at 1: y waits for x, so z (later in plan order) goes first.
    expect(replayAdmission(order, nodes, { maxParallel: 3, caps: { docs: 1 }, maxPerWave: null }, completions)).toEqual(["r", "x", "z", "y"]);
    expect(replayAdmission(order, nodes, { maxParallel: 3, caps: {}, maxPerWave: 1 }, completions)).toEqual(["r", "x", "y", "z"]);
  });

  it("starts nothing downstream of a failure", () => {
    expect(replayAdmission(order, nodes, { maxParallel: 3, caps: {}, maxPerWave: null }, [{ id: "r", ok: false }])).toEqual(["r"]);
  });
});

describe("trace comparison", () => {
  const limits = { maxParallel: 1, caps: {}, maxPerWave: null };
  const trace = (dispatch: string[]): RunTrace => ({ planHash: "h", waves: [["r"], ["x", "y", "z"]], dispatch, completion: dispatch.map(ok), status: "succeeded" });

  it("agrees with runs that follow the model and catches one that does not", () => {
    const good = compareTraces([trace(["r", "x", "y", "z"]), trace(["r", "x", "y", "z"])], { order, nodes }, limits);
    expect(good).toMatchObject({ runs: 2, samePlan: 2, sameDispatch: 2, modelMatches: 2, equalCompletionPairs: 1, equalCompletionSameDispatch: 1 });
    // Same completions as journaled, but z dispatched before y: not what the rule gives.
    const bad = trace(["r", "x", "z", "y"]);
    bad.completion = [ok("r"), ok("x"), ok("y"), ok("z")];
    const summary = compareTraces([trace(["r", "x", "y", "z"]), bad], { order, nodes }, limits);
    expect(summary.modelMatches).toBe(1);
    expect(summary.equalCompletionSameDispatch).toBe(0);
    expect(summary.equalCompletionPairs).toBe(1);
  });

  it("catches a run whose plan hash or waves moved", () => {
    const moved = { ...trace(["r", "x", "y", "z"]), planHash: "other" };
    expect(compareTraces([trace(["r", "x", "y", "z"]), moved], { order, nodes }, limits).samePlan).toBe(1);
  });
});

describe("replanning", () => {
  const workflow = generateDag("layered", 25, 3);

  it("redeclares in another order, keeps the plan, and tells a changed workflow apart", () => {
    const again = redeclare(workflow, 11);
    expect(again.nodes.map((n) => n.id)).not.toEqual(workflow.nodes.map((n) => n.id));
    expect(Object.keys(again.nodes[0]!)).not.toEqual(Object.keys(workflow.nodes.find((n) => n.id === again.nodes[0]!.id)!));
    expect(planFingerprint(again)).toBe(planFingerprint(workflow));
    const changed = { ...workflow, nodes: workflow.nodes.map((n, i) => (i === 0 ? { ...n, priority: n.priority === "docs" ? ("security" as const) : ("docs" as const) } : n)) };
    expect(planFingerprint(changed)).not.toBe(planFingerprint(workflow));
  });
});
