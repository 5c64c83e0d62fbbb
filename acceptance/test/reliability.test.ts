// The Reliability category's pure parts: the Wilson interval against known values, and the tally's
// oracles catching a planted disagreement between a run's answer and its journal.
import { describe, expect, it } from "vitest";
import type { ChaosRun } from "../src/chaos/chaos-runs.js";
import { overlap, tallyChaos } from "../src/chaos/tally.js";
import { formatInterval, wilsonInterval } from "../src/chaos/wilson.js";

describe("wilsonInterval", () => {
  it("matches published values and stays inside [0, 1]", () => {
    // Newcombe (1998), Statistics in Medicine 17:857, table I: 81 of 263 -> 0.2553–0.3662.
    const a = wilsonInterval(81, 263)!;
    expect(a.low).toBeCloseTo(0.2553, 4);
    expect(a.high).toBeCloseTo(0.3662, 4);
    // 15 of 148 -> 0.0624–0.1605 (same table).
    const b = wilsonInterval(15, 148)!;
    expect(b.low).toBeCloseTo(0.0624, 4);
    expect(b.high).toBeCloseTo(0.1605, 4);
    const all = wilsonInterval(200, 200)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.9812, 4);
    expect(wilsonInterval(0, 10)!.low).toBe(0);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(formatInterval(all)).toBe("95% Wilson score interval 98.1%–100.0%");
  });

  it("narrows with n and widens with confidence; refuses what is not a proportion", () => {
    const small = wilsonInterval(99, 100)!;
    const large = wilsonInterval(990, 1000)!;
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    const wide = wilsonInterval(99, 100, 0.99)!;
    expect(wide.low).toBeLessThan(small.low);
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 10, 0.42)).toThrow(RangeError);
  });
});

const run = (over: Partial<ChaosRun>): ChaosRun => ({
  index: 0,
  seed: 1,
  mode: "hybrid",
  nodes: 10,
  status: "succeeded",
  journalStatus: "succeeded",
  attempts: 11,
  retries: 1,
  timeouts: 0,
  hangsCut: 0,
  transientFailures: 1,
  maxAttempt: 2,
  recordRetries: 1,
  rootCauses: [],
  durationMs: 5,
  ...over,
});

describe("tallyChaos", () => {
  it("catches a record whose retries or status disagree with its journal, and a failure without a root cause", () => {
    const clean = tallyChaos([run({ index: 0 }), run({ index: 1, mode: "sequential" })], 0.11, 3);
    expect(clean.retryMismatches).toEqual([]);
    expect(clean.statusMismatches).toEqual([]);
    expect(clean.all.succeeded).toBe(2);

    const planted = tallyChaos(
      [run({ index: 0, recordRetries: 0 }), run({ index: 1, status: "succeeded", journalStatus: "failed" }), run({ index: 2, status: "failed", journalStatus: "failed", rootCauses: [] })],
      0.11,
      3,
    );
    expect(planted.retryMismatches).toEqual([0]);
    expect(planted.statusMismatches).toEqual([1]);
    expect(planted.unexplained).toEqual([2]);
    expect(planted.all.succeeded).toBe(2);
  });

  it("predicts completion from the model: a node fails when every attempt fails", () => {
    const t = tallyChaos([run({ nodes: 10 })], 0.11, 3);
    expect(t.expectedCompletion).toBeCloseTo((1 - 0.11 ** 3) ** 10, 10);
  });

  it("overlap says whether two intervals share a point", () => {
    expect(overlap(wilsonInterval(99, 100), wilsonInterval(19, 20))).toBe(true);
    expect(overlap(wilsonInterval(100, 100), wilsonInterval(2, 20))).toBe(false);
    expect(overlap(null, wilsonInterval(1, 2))).toBe(false);
  });
});
