import { thrown } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isConfigError } from "../src/config-errors.js";
import { ROLLOUT_STAGES, type HybridConfigInput } from "../src/config-schema.js";
import { rolloutBucket, selectStrategy } from "../src/strategy.js";

const FC = { seed: 20_251_111, numRuns: 300 } as const;
const on = (rollout: HybridConfigInput["rollout"] = {}, flags: HybridConfigInput["flags"] = {}): HybridConfigInput => ({
  flags: { hybrid_orchestration_enabled: true, ...flags },
  rollout: { percentage: 100, ...rollout },
});

describe("rolloutBucket", () => {
  it("matches sha256(salt ‖ 0x00 ‖ key) computed independently (Python hashlib)", () => {
    // python3: int.from_bytes(sha256(salt.encode() + b"\0" + key.encode()).digest()[:4], "big") % 100 + 1
    expect(rolloutBucket("hybrid", "hybrid-epic")).toBe(27);
    expect(rolloutBucket("hybrid", "wf-0")).toBe(23);
    expect(rolloutBucket("s2", "wf-0")).toBe(53);
    expect(rolloutBucket("hybrid", "")).toBe(5);
    expect(rolloutBucket("ünï", "çødé")).toBe(36);
    expect(rolloutBucket("hybrid", "feature")).toBe(10);
  });

  it("is an integer 1..100 for any salt and key", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (salt, key) => {
        const bucket = rolloutBucket(salt, key);
        return Number.isInteger(bucket) && bucket >= 1 && bucket <= 100;
      }),
      FC,
    );
  });

  it("separates salt from key (no 'a:b' + 'c' = 'a' + 'b:c' collision by construction)", () => {
    const pairs = Array.from({ length: 200 }, (_, i) => [rolloutBucket(`s${i}`, "x"), rolloutBucket("s", `${i}x`)]);
    expect(pairs.filter(([a, b]) => a !== b).length).toBeGreaterThan(150);
  });

  it("refuses anything but two strings", () => {
    expect(thrown(() => rolloutBucket("hybrid", 3 as unknown as string))).toBeInstanceOf(TypeError);
  });
});

describe("sticky rollout over 20,000 workflow ids", () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `workflow-${i}`);
  const inAt = (percentage: number) => new Set(ids.filter((id) => selectStrategy(on({ percentage }), { id }).mode === "hybrid"));
  const stages = ROLLOUT_STAGES.map((stage) => ({ stage, ids: inAt(stage) }));

  it("keeps everyone already in as the percentage rises (0 → 5 → 25 → 50 → 100)", () => {
    for (let i = 1; i < stages.length; i++) {
      const before = stages[i - 1]!;
      const after = stages[i]!;
      const dropped = [...before.ids].filter((id) => !after.ids.has(id));
      expect(dropped, `${before.stage}% → ${after.stage}%`).toEqual([]);
    }
  });

  it("puts each stage within ±1.5 points of its share", () => {
    for (const { stage, ids: selected } of stages) {
      const share = (selected.size / ids.length) * 100;
      expect(Math.abs(share - stage), `stage ${stage}%: ${share.toFixed(2)}%`).toBeLessThanOrEqual(1.5);
    }
    expect(stages[0]!.ids.size).toBe(0);
    expect(stages.at(-1)!.ids.size).toBe(ids.length);
  });

  it("never drops a workflow when the percentage rises (any salt, key and pair of percentages)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.nat(100), fc.nat(100), (salt, id, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const inLow = selectStrategy(on({ percentage: low, salt }), { id }).mode === "hybrid";
        const inHigh = selectStrategy(on({ percentage: high, salt }), { id }).mode === "hybrid";
        return !inLow || inHigh;
      }),
      FC,
    );
  });
});

describe("selectStrategy", () => {
  // bucket("hybrid", "hybrid-epic") = 27 (see above): in at 27%, out at 26%.
  const epic = { id: "hybrid-epic", taskType: "feature" };

  it("checks, in order: flag-off, kill-switch, not-in-rollout, ineligible, critical, hybrid", () => {
    const everythingWrong = { percentage: 26, eligibleTaskTypes: ["bugfix"], exclude: ["hybrid-epic"] };
    expect(selectStrategy({ flags: { kill_switch: true }, rollout: everythingWrong }, epic)).toEqual({ mode: "sequential", reason: "flag-off" });
    expect(selectStrategy(on(everythingWrong, { kill_switch: true }), epic)).toEqual({ mode: "sequential", reason: "kill-switch" });
    expect(selectStrategy(on(everythingWrong), epic)).toEqual({ mode: "sequential", reason: "not-in-rollout", bucket: 27 });
    expect(selectStrategy(on({ ...everythingWrong, percentage: 27 }), epic)).toEqual({ mode: "sequential", reason: "ineligible", bucket: 27 });
    expect(selectStrategy(on({ ...everythingWrong, percentage: 27, eligibleTaskTypes: ["feature"] }), epic)).toEqual({
      mode: "sequential",
      reason: "critical",
      bucket: 27,
    });
    expect(selectStrategy(on({ percentage: 27, eligibleTaskTypes: ["feature"], exclude: ["other"] }), epic)).toEqual({
      mode: "hybrid",
      reason: "hybrid",
      bucket: 27,
    });
  });

  it("is stage 0 by default: hybrid off", () => {
    expect(selectStrategy({}, epic)).toEqual({ mode: "sequential", reason: "flag-off" });
  });

  it("sends every run sequential when the kill switch is on, whatever else is set", () => {
    const config = fc.record({
      percentage: fc.nat(100),
      salt: fc.string({ minLength: 1 }),
      by: fc.constantFrom("workflow" as const, "taskType" as const),
      eligibleTaskTypes: fc.array(fc.constantFrom("feature", "bugfix", "docs")),
      exclude: fc.array(fc.constantFrom("a", "b", "hybrid-epic")),
    });
    fc.assert(
      fc.property(config, fc.boolean(), fc.constantFrom("a", "b", "hybrid-epic"), (rollout, enabled, id) => {
        const strategy = selectStrategy({ flags: { hybrid_orchestration_enabled: enabled, kill_switch: true }, rollout }, { id, taskType: "feature" });
        return strategy.mode === "sequential" && strategy.reason === (enabled ? "kill-switch" : "flag-off");
      }),
      FC,
    );
  });

  it("buckets by task type when rollout.by is taskType: every workflow of a type gets the same answer", () => {
    const decide = (id: string, taskType: string) => selectStrategy(on({ percentage: 10, by: "taskType" }), { id, taskType }).reason;
    // bucket("hybrid", "feature") = 10: in at 10%.
    expect(new Set(Array.from({ length: 50 }, (_, i) => decide(`w${i}`, "feature")))).toEqual(new Set(["hybrid"]));
    expect(selectStrategy(on({ percentage: 9, by: "taskType" }), { id: "w1", taskType: "feature" })).toMatchObject({ reason: "not-in-rollout", bucket: 10 });
  });

  it("counts a workflow without a task type as 'unspecified'", () => {
    expect(selectStrategy(on({ eligibleTaskTypes: ["feature"] }), { id: "w" }).reason).toBe("ineligible");
    expect(selectStrategy(on({ eligibleTaskTypes: ["unspecified"] }), { id: "w" }).reason).toBe("hybrid");
    const byType = selectStrategy(on({ percentage: 100, by: "taskType" }), { id: "w" });
    expect(byType.bucket).toBe(rolloutBucket("hybrid", "unspecified"));
  });

  it("rejects a bad config or workflow with a ConfigError naming the path", () => {
    const badConfig = thrown(() => selectStrategy({ rollout: { percentage: 150 } }, epic));
    expect(isConfigError(badConfig) && badConfig.problems).toEqual([{ path: "rollout.percentage", message: "must be at most 100, got number 150" }]);
    const badWorkflow = thrown(() => selectStrategy({}, { id: "" }));
    expect(isConfigError(badWorkflow) && badWorkflow.problems.map((p) => p.path)).toEqual(["workflow.id"]);
  });
});
