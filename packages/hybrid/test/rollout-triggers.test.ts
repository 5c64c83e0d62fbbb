import type { RunRecord } from "@hybrid/telemetry";
import { describe, expect, it } from "vitest";
import { evaluateTriggers, gateBypasses, TriggerOptionsSchema, type TriggerOptions, type TriggerResult } from "../src/rollout-triggers.js";
import { HOUR, runRecord, T0 } from "./rollout-fixtures.js";

const window = { from: T0 - 1000 * HOUR, to: T0 + HOUR };
const evaluate = (records: RunRecord[], options: TriggerOptions = {}) =>
  Object.fromEntries(evaluateTriggers(records, window, TriggerOptionsSchema.parse(options)).map((t) => [t.trigger, t])) as Record<string, TriggerResult>;

/** `n` runs of one mode, numbered from `from`, each `minutes` apart before T0. */
const runs = (n: number, fields: Parameters<typeof runRecord>[0] = {}, from = 0): RunRecord[] =>
  Array.from({ length: n }, (_, i) => runRecord({ runId: `${fields.mode ?? "hybrid"}-${from + i}`, startedAt: T0 - (from + i + 1) * 60_000, ...fields }));

describe("the determinism trigger", () => {
  const seeded = { seeded: true, runnerSeed: 7, workflowContentHash: "c1", configHash: "k1" };

  it("trips on one seeded hybrid run whose plan hash or dispatch order changed", () => {
    const reference = runRecord({ ...seeded, runId: "ref", startedAt: T0 - 10 * HOUR });
    const changed = runRecord({ ...seeded, runId: "changed", startedAt: T0 - HOUR, planHash: "plan-2" });
    const result = evaluate([reference, changed]).determinism!;
    expect(result).toMatchObject({ status: "tripped", tripped: true, value: 1, sampleSize: 2, minSample: 1, runIds: ["changed"] });
    expect(result.detail).toBe("run changed differs from ref (plan-hash)");
    const reordered = runRecord({ ...seeded, runId: "reordered", startedAt: T0 - HOUR, dispatchOrder: ["n1", "n2"] });
    expect(evaluate([reference, reordered]).determinism).toMatchObject({ tripped: true, runIds: ["reordered"] });
  });

  it("does not trip on identical seeded runs, unseeded runs, resumed runs or sequential runs", () => {
    const same = [runRecord({ ...seeded, runId: "a" }), runRecord({ ...seeded, runId: "b", startedAt: T0 + 1 })];
    expect(evaluate(same).determinism).toMatchObject({ status: "ok", value: 0, sampleSize: 2 });
    const unseeded = [runRecord({ runId: "a" }), runRecord({ runId: "b", planHash: "other", startedAt: T0 + 1 })];
    expect(evaluate(unseeded).determinism).toMatchObject({ status: "insufficient-data", sampleSize: 0 });
    const sequential = [runRecord({ ...seeded, mode: "sequential", runId: "a" }), runRecord({ ...seeded, mode: "sequential", runId: "b", planHash: "x", startedAt: T0 + 1 })];
    expect(evaluate(sequential).determinism).toMatchObject({ tripped: false, value: 0 });
  });

  it("counts only regressions in the window, against references before it", () => {
    const reference = runRecord({ ...seeded, runId: "ref", startedAt: window.from - HOUR });
    const before = runRecord({ ...seeded, runId: "before", startedAt: window.from - 1, planHash: "plan-2" });
    expect(evaluate([reference, before]).determinism).toMatchObject({ tripped: false, sampleSize: 0 });
    const inside = runRecord({ ...seeded, runId: "inside", startedAt: window.from, planHash: "plan-2" });
    expect(evaluate([reference, inside]).determinism).toMatchObject({ tripped: true, sampleSize: 1 });
  });

  it("cannot trip below its minimum sample", () => {
    const pair = [runRecord({ ...seeded, runId: "a" }), runRecord({ ...seeded, runId: "b", startedAt: T0 + 1, planHash: "x" })];
    expect(evaluate(pair, { determinism: { minSample: 3 } }).determinism).toMatchObject({ status: "insufficient-data", tripped: false, value: 1, runIds: ["b"] });
  });
});

describe("the gate-bypass trigger", () => {
  const gate = (decision: "pass" | "fail" | "bypass" | "warn", extra: { node?: string; stage?: string } = {}) => ({ id: "G5", stage: "output", decision, ...extra });

  it("finds bypasses and failures that did not stop their node or run", () => {
    expect(gateBypasses(runRecord({ gates: [gate("bypass", { node: "n1" })] }))).toEqual(["G5 bypassed at n1 (output)"]);
    expect(gateBypasses(runRecord({ gates: [gate("bypass", { stage: "plan" })] }))).toEqual(["G5 bypassed at plan"]);
    expect(gateBypasses(runRecord({ gates: [gate("fail", { node: "n1" })] }))).toEqual(["G5 failed at n1 (output) but the node succeeded"]);
    expect(gateBypasses(runRecord({ gates: [{ id: "G1", stage: "plan", decision: "fail" }] }))).toEqual(["G1 failed at plan but nodes were dispatched"]);
    expect(gateBypasses(runRecord({ gates: [{ id: "G8", stage: "run", decision: "fail" }] }))).toEqual(["G8 failed at run end but the run succeeded"]);
  });

  it("accepts failures that stopped what they guard, passes and warnings", () => {
    const failedNode = runRecord({
      status: "failed",
      nodes: [{ ...runRecord().nodes[0]!, status: "failed", attempts: 0 }],
      gates: [gate("fail", { node: "n1" }), { id: "G1", stage: "plan", decision: "fail" }, { id: "G8", stage: "run", decision: "fail" }, gate("warn", { node: "n1" }), gate("pass", { node: "n1" })],
    });
    expect(gateBypasses(failedNode)).toEqual([]);
    expect(gateBypasses(runRecord({ gates: [gate("fail", { node: "unknown-node" }), { id: "G2", stage: "dispatch", decision: "fail" }] }))).toEqual([]);
  });

  it("trips on one hybrid run with a bypass; sequential runs do not count", () => {
    const clean = runs(3);
    const bypassed = runRecord({ runId: "bad", gates: [gate("bypass", { node: "n1" })] });
    expect(evaluate(clean)["gate-bypass"]).toMatchObject({ status: "ok", value: 0, sampleSize: 3, detail: "no gate bypass in 3 hybrid runs" });
    expect(evaluate([...clean, bypassed])["gate-bypass"]).toMatchObject({ status: "tripped", value: 1, sampleSize: 4, runIds: ["bad"], detail: "run bad: G5 bypassed at n1 (output)" });
    expect(evaluate([{ ...bypassed, mode: "sequential" }])["gate-bypass"]).toMatchObject({ status: "insufficient-data", sampleSize: 0 });
    expect(evaluate([...clean, bypassed], { gateBypass: { minSample: 5 } })["gate-bypass"]).toMatchObject({ status: "insufficient-data", tripped: false });
  });
});

describe("the token-usage trigger", () => {
  const baseline = runs(5, { mode: "sequential", metrics: { token_input: 1000 } });
  const hybrid = (n: number, tokens: number, from = 0) => runs(n, { metrics: { token_input: tokens } }, from);

  it("trips above +15% over the sequential baseline, not at it", () => {
    expect(evaluate([...baseline, ...hybrid(20, 1150)])["token-usage"]).toMatchObject({ status: "ok", sampleSize: 20, threshold: 15 });
    expect(evaluate([...baseline, ...hybrid(20, 1150)])["token-usage"]!.value).toBeCloseTo(15, 10);
    const over = evaluate([...baseline, ...hybrid(20, 1151)])["token-usage"]!;
    expect(over).toMatchObject({ status: "tripped", tripped: true, sampleSize: 20 });
    expect(over.value).toBeCloseTo(15.1, 10);
    expect(over.runIds).toHaveLength(20);
    expect(over.detail).toBe("median token usage +15.1% against the sequential baseline over 20 hybrid runs of the last 48 h");
  });

  it("is insufficient below its minimum sample, and without any baseline", () => {
    expect(evaluate([...baseline, ...hybrid(19, 2000)])["token-usage"]).toMatchObject({ status: "insufficient-data", tripped: false, sampleSize: 19 });
    expect(evaluate(hybrid(30, 2000))["token-usage"]).toMatchObject({ status: "insufficient-data", value: null, sampleSize: 0 });
    expect(evaluate(hybrid(30, 2000))["token-usage"]!.detail).toMatch(/^no hybrid run of the last 48 h has a sequential baseline/);
  });

  it("looks back 48 hours only (configurable), and never before the window", () => {
    const old = hybrid(20, 2000).map((r) => ({ ...r, startedAt: T0 - 49 * HOUR }));
    const recent = hybrid(20, 900, 100);
    expect(evaluate([...baseline, ...old, ...recent])["token-usage"]).toMatchObject({ status: "ok", sampleSize: 20 });
    expect(evaluate([...baseline, ...old, ...recent], { tokenUsage: { windowHours: 50 } })["token-usage"]).toMatchObject({ sampleSize: 40 });
    const narrow = evaluateTriggers([...baseline, ...recent], { from: T0, to: T0 + HOUR }, TriggerOptionsSchema.parse({}));
    expect(narrow.find((t) => t.trigger === "token-usage")).toMatchObject({ sampleSize: 0 });
  });
});

describe("the success-rate trigger", () => {
  const failed = (n: number, from: number) => runs(n, { status: "failed" }, from);

  it("trips below 99% once 100 runs are in, not at 99%", () => {
    expect(evaluate([...runs(99), ...failed(1, 99)])["success-rate"]).toMatchObject({ status: "ok", value: 99, sampleSize: 100, runIds: ["hybrid-99"] });
    const tripped = evaluate([...runs(98), ...failed(2, 98)])["success-rate"]!;
    expect(tripped).toMatchObject({ status: "tripped", value: 98, sampleSize: 100, threshold: 99, runIds: ["hybrid-98", "hybrid-99"] });
    expect(tripped.detail).toBe("98 of 100 hybrid runs succeeded (98.00%)");
    expect(evaluate([...runs(97), ...failed(2, 97)])["success-rate"]).toMatchObject({ status: "insufficient-data", sampleSize: 99 });
  });

  it("leaves aborted runs out, counts a resumed run once by its latest record, and ignores sequential runs", () => {
    const resumedFail = runRecord({ runId: "hybrid-0", status: "failed", startedAt: T0 - 5 * HOUR, endedAt: T0 - 5 * HOUR + 1 });
    const aborted = runs(5, { status: "aborted" }, 200);
    const sequentialFailures = runs(10, { mode: "sequential", status: "failed" }, 300);
    const result = evaluate([resumedFail, ...runs(100), ...aborted, ...sequentialFailures])["success-rate"]!;
    expect(result).toMatchObject({ status: "ok", value: 100, sampleSize: 100 });
    const incomplete = runs(2, { status: "incomplete" }, 400);
    expect(evaluate([...runs(98), ...incomplete])["success-rate"]).toMatchObject({ tripped: true, runIds: ["hybrid-400", "hybrid-401"] });
    expect(evaluate([])["success-rate"]).toMatchObject({ value: null, detail: "no hybrid run in the window" });
    expect(evaluate([...runs(9), ...failed(1, 9)], { successRate: { minSample: 10, minPct: 95 } })["success-rate"]).toMatchObject({ tripped: true, value: 90 });
  });
});

describe("TriggerOptionsSchema", () => {
  it("documents its defaults and refuses unknown keys", () => {
    expect(TriggerOptionsSchema.parse({})).toEqual({
      determinism: { minSample: 1 },
      gateBypass: { minSample: 1 },
      tokenUsage: { maxIncreasePct: 15, windowHours: 48, minSample: 20 },
      successRate: { minPct: 99, minSample: 100 },
    });
    expect(TriggerOptionsSchema.safeParse({ successRate: { minPercent: 99 } }).success).toBe(false);
  });
});
