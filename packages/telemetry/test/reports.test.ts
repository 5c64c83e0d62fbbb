import { describe, expect, it } from "vitest";
import {
  buildReport,
  compareModes,
  findDeterminismRegressions,
  isTelemetryOptionsError,
  renderJsonReport,
  renderMarkdownReport,
  renderTerminalTable,
  trend,
  type RunRecord,
} from "../src/index.js";
import { periodOf } from "../src/trend.js";
import { seededRandom } from "./fixtures/event-stream.js";
import { makeRecord } from "./fixtures/records.js";

const DAY = 86_400_000;
const T = Date.UTC(2025, 2, 3, 9); // Monday, ISO week 10

type Extra = NonNullable<Parameters<typeof makeRecord>[0]>;

function run(id: string, mode: RunRecord["mode"], duration: number, tokens: number, extra: Extra = {}): RunRecord {
  return makeRecord({ runId: id, mode, ...extra, metrics: { duration_ms: duration, token_input: tokens, ...extra.metrics } });
}

/**
 * wf/content-1: six sequential runs around 1200 ms at 1000 tokens; six hybrid runs improving 50, 45,
 * 40, 35, 30 and 25 % in both; plus runs that must not be compared (another workflow, another content).
 */
function matched(): RunRecord[] {
  const seq = [1000, 1100, 1200, 1200, 1300, 1400];
  const gains = [50, 45, 40, 35, 30, 25];
  return [
    ...seq.map((ms, i) => run(`s${i}`, "sequential", ms, 1000)),
    ...gains.map((g, i) => run(`h${i}`, "hybrid", (1200 * (100 - g)) / 100, (1000 * (100 - g)) / 100)),
    run("x1", "hybrid", 10, 10, { workflowId: "wf2" }),
    run("x2", "sequential", 99_999, 99_999, { workflowContentHash: "c2" }),
  ];
}

const verdicts = (c: ReturnType<typeof compareModes>) => c.checks.map((x) => [x.metric, x.verdict]);

describe("compareModes", () => {
  it("computes medians, IQR, N, a bootstrap interval, success rates and passes the default thresholds", () => {
    const c = compareModes(matched());
    const near = (v: number) => expect.closeTo(v, 9);
    expect(c.durationImprovementPct).toMatchObject({ n: 6, median: near(37.5), q1: near(31.25), q3: near(43.75), iqr: near(12.5) });
    expect(c.tokenSavingsPct).toMatchObject({ n: 6, median: near(37.5) });
    expect(c.durationImprovementPct!.ci).toMatchObject({ confidence: 0.95, resamples: 2000, seed: 1 });
    const ci = c.durationImprovementPct!.ci!;
    expect(ci.low).toBeLessThanOrEqual(37.5);
    expect(ci.high).toBeGreaterThanOrEqual(37.5);
    expect(ci.low).toBeGreaterThan(0);
    expect(c.successRatePct).toEqual({ hybrid: 100, sequential: 100 });
    expect(c.runs).toEqual({ sequential: 6, hybrid: 6 });
    expect(c.compared).toEqual({ sequential: 6, hybrid: 6 });
    expect(c.excluded).toEqual({ resumed: 0, unsuccessful: 0 });
    expect(c.workflows).toEqual([
      {
        workflowId: "wf",
        workflowContentHash: "content-1",
        sequentialRuns: 6,
        hybridRuns: 6,
        sequentialMedianMs: 1200,
        hybridMedianMs: 750,
        durationImprovementPct: near(37.5),
        tokenSavingsPct: near(37.5),
      },
    ]);
    expect(c.thresholds).toEqual({ durationImprovementPct: 30, tokenSavingsPct: 35, successRatePct: 99 });
    expect(verdicts(c)).toEqual([
      ["run_success_rate_pct", "pass"],
      ["median_duration_improvement_pct", "pass"],
      ["median_token_savings_pct", "pass"],
    ]);
    expect(c).toMatchObject({ verdict: "pass", pass: true, reasons: [] });
  });

  it("fails a hybrid mode that fails 80% of its runs, however fast its successes are", () => {
    const records = [
      ...matched().filter((r) => r.mode === "sequential"),
      ...Array.from({ length: 10 }, (_, i) => run(`h${i}`, "hybrid", 100, 100, { status: i < 8 ? "failed" : "succeeded" })),
    ];
    const c = compareModes(records);
    expect(c.successRatePct.hybrid).toBe(20);
    expect(c.checks[0]).toEqual({ metric: "run_success_rate_pct", value: 20, threshold: 99, n: 10, verdict: "fail", pass: false });
    expect(c.excluded.unsuccessful).toBe(8);
    expect(c.verdict).toBe("fail");
    expect(c.reasons).toContain("run_success_rate_pct 20.0 is below 99");
    // 80% success (the case this test once encoded as a pass) fails too.
    const eighty = compareModes([...matched(), run("h-fail", "hybrid", 100, 100, { status: "failed" })], { thresholds: { successRatePct: 99 } });
    expect(eighty.successRatePct.hybrid).toBeCloseTo((6 / 7) * 100);
    expect(eighty.verdict).toBe("fail");
  });

  it("says insufficient data, never pass, for one run of each mode, and honours minRuns", () => {
    const one = compareModes([run("s", "sequential", 1000, 1000), run("h", "hybrid", 100, 100)]);
    expect(one.durationImprovementPct).toMatchObject({ n: 1, median: 90, iqr: 0, ci: { low: 90, high: 90 } });
    expect(one.verdict).toBe("insufficient-data");
    expect(one.pass).toBe(false);
    expect(verdicts(one).map(([, v]) => v)).toEqual(["insufficient-data", "insufficient-data", "insufficient-data"]);
    expect(one.reasons).toEqual(["1 sequential and 1 hybrid matched runs; at least 5 of each are needed"]);
    expect(compareModes(matched(), { minRuns: 7 }).verdict).toBe("insufficient-data");
    expect(compareModes([run("s", "sequential", 1000, 1000), run("h", "hybrid", 100, 100)], { minRuns: 1 }).verdict).toBe("pass");
    // Enough runs, but the medians rest on too few successes (the success threshold lowered to let them through).
    const fewOk = [
      ...matched().filter((r) => r.mode === "sequential"),
      ...Array.from({ length: 6 }, (_, i) => run(`h${i}`, "hybrid", 600, 500, { status: i < 3 ? "failed" : "succeeded" })),
    ];
    const lenient = compareModes(fewOk, { thresholds: { successRatePct: 40 } });
    expect(verdicts(lenient)).toEqual([
      ["run_success_rate_pct", "pass"],
      ["median_duration_improvement_pct", "insufficient-data"],
      ["median_token_savings_pct", "insufficient-data"],
    ]);
    expect(lenient.verdict).toBe("insufficient-data");
    expect(lenient.reasons[0]).toMatch(/medians rest on 6 sequential and 3 hybrid/);
  });

  it("leaves resumed runs out of the medians and counts them; a resumed run counts once for success", () => {
    const records = [
      ...matched(),
      // The first process died without finishing; the resumed one re-ran one node in 20 ms.
      run("h-r", "hybrid", 5000, 800, { status: "incomplete", startedAt: T }),
      run("h-r", "hybrid", 20, 10, { resumedFrom: "h-r", recovered: true, startedAt: T + 60_000 }),
      run("s-r", "sequential", 30, 10, { resumedFrom: "s-r", recovered: true }),
    ];
    const c = compareModes(records);
    expect(c.durationImprovementPct?.median).toBeCloseTo(37.5, 9); // not pulled up by a "98%" improvement
    expect(c.excluded).toEqual({ resumed: 2, unsuccessful: 1 });
    expect(c.runs).toEqual({ sequential: 7, hybrid: 7 });
    expect(c.successRatePct.hybrid).toBe(100); // h-r ended succeeded
    expect(c.compared).toEqual({ sequential: 6, hybrid: 6 });
  });

  it("fails configurable thresholds and rejects bad options with their path", () => {
    const stricter = compareModes(matched(), { thresholds: { durationImprovementPct: 38 } });
    expect(stricter.verdict).toBe("fail");
    expect(stricter.checks[1]).toMatchObject({ metric: "median_duration_improvement_pct", value: expect.closeTo(37.5, 9), threshold: 38, n: 6, verdict: "fail" });
    expect(() => compareModes([], { thresholds: { successRatePct: 101 } })).toThrow(/thresholds\.successRatePct/);
    expect(() => compareModes([], { bootstrap: { confidence: 1 } })).toThrow(/bootstrap\.confidence/);
  });

  it("has no estimate without matched data, and skips runs without a usable baseline", () => {
    const none = compareModes([run("h", "hybrid", 1, 1)]);
    expect(none).toMatchObject({ durationImprovementPct: null, tokenSavingsPct: null, successRatePct: { hybrid: null, sequential: null }, verdict: "insufficient-data" });
    const noTokens = compareModes([run("s", "sequential", 100, 0), run("f", "sequential", 1, 1, { status: "failed" }), run("h", "hybrid", 50, 0)]);
    expect(noTokens.durationImprovementPct?.median).toBe(50);
    expect(noTokens.tokenSavingsPct).toBeNull();
    const noSuccess = compareModes([run("s", "sequential", 100, 10, { status: "aborted" }), run("h", "hybrid", 50, 5)]);
    expect(noSuccess.workflows[0]).toMatchObject({ sequentialMedianMs: null, durationImprovementPct: null });
  });
});

describe("the bootstrap interval of the median", () => {
  it("is reproducible for a seed and moves with another seed", () => {
    const a = compareModes(matched()).durationImprovementPct!.ci!;
    expect(compareModes(matched()).durationImprovementPct!.ci).toEqual(a);
    const b = compareModes(matched(), { bootstrap: { seed: 2 } }).durationImprovementPct!.ci!;
    expect(b.seed).toBe(2);
    expect([b.low, b.high]).not.toEqual([a.low, a.high]);
  });

  it("covers the true median improvement in about 95% of simulated experiments", () => {
    // Sequential runs ~ U(900, 1100) ms (median 1000), hybrid ~ U(500, 700) (median 600): the true
    // median improvement is 40%. 200 experiments of 10 + 20 runs, each with its own interval.
    const random = seededRandom(20_250_303);
    const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const records = [
        ...Array.from({ length: 10 }, (_, i) => run(`s${i}`, "sequential", uniform(900, 1100), 1000)),
        ...Array.from({ length: 20 }, (_, i) => run(`h${i}`, "hybrid", uniform(500, 700), 500)),
      ];
      const ci = compareModes(records, { bootstrap: { resamples: 500, seed: t + 1 } }).durationImprovementPct!.ci!;
      if (ci.low <= 40 && 40 <= ci.high) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(1);
  });
});

describe("trend", () => {
  it("names periods by UTC day and ISO week", () => {
    expect(periodOf(T, "day")).toBe("2025-03-03");
    expect(periodOf(T, "week")).toBe("2025-W10");
    expect(periodOf(Date.UTC(2024, 11, 30), "week")).toBe("2025-W01");
    expect(periodOf(Date.UTC(2021, 0, 3), "week")).toBe("2020-W53");
  });

  it("computes every dashboard metric per period and task type", () => {
    const records = [
      run("s1", "sequential", 1000, 1000, { startedAt: T }),
      run("h1", "hybrid", 500, 400, { startedAt: T + 1000, metrics: { parallelism_ratio: 2 } }),
      run("h2", "hybrid", 700, 800, {
        startedAt: T + 2000,
        status: "failed",
        gates: [{ id: "G4", stage: "security", decision: "bypass" }, { id: "G1", stage: "plan", decision: "pass" }],
        redactions: { "github-token": 2, email: 1 },
        metrics: { parallelism_ratio: 3 },
      }),
      run("h3", "hybrid", 800, 800, { startedAt: T + DAY, resumedFrom: "h2", recovered: true }),
      run("h4", "hybrid", 900, 900, { startedAt: T + DAY + 1, resumedFrom: "hx", recovered: false, status: "failed" }),
      run("b1", "hybrid", 300, 300, { startedAt: T + DAY, taskType: "bugfix", workflowId: "other" }),
    ];
    const daily = trend(records, { by: "day", groupBy: "taskType" });
    expect(daily.periods).toEqual(["2025-03-03", "2025-03-04"]);
    expect(daily.groups).toEqual(["bugfix", "feature"]);
    expect(daily.points.map((p) => [p.period, p.group, p.runs])).toEqual([
      ["2025-03-03", "feature", 3],
      ["2025-03-04", "bugfix", 1],
      ["2025-03-04", "feature", 2],
    ]);
    expect(daily.points[0]!.metrics).toEqual({
      median_duration_improvement_pct: 50,
      median_token_savings_pct: 60,
      run_success_rate_pct: (2 / 3) * 100,
      checkpoint_recovery_success_pct: null,
      parallelism_ratio: 2.5,
      determinism_regression_count: 0,
      gate_bypass_incidents: 1,
      security_findings_count: 3,
    });
    expect(daily.points[1]!.metrics).toMatchObject({ median_duration_improvement_pct: null, run_success_rate_pct: 100 });
    // h3 is a resumed run: its record covers only what the resumed process re-ran, so it has no improvement.
    expect(daily.points[2]!.metrics).toMatchObject({ median_duration_improvement_pct: null, checkpoint_recovery_success_pct: 50, run_success_rate_pct: 50 });

    const weekly = trend(records, { by: "week", groupBy: "none" });
    expect(weekly.points).toHaveLength(1);
    expect(weekly.points[0]).toMatchObject({ period: "2025-W10", group: "all", runs: 6 });
    expect(() => trend(records, { by: "month" as never })).toThrow(/\[telemetry\] invalid trend options/);
  });
});

describe("determinism regressions", () => {
  const seeded = (id: string, at: number, extra: Partial<RunRecord>) =>
    makeRecord({ runId: id, startedAt: T + at, seeded: true, runnerSeed: 7, configHash: "cfg", dispatchOrder: ["a", "b"], ...extra });

  it("flags a different plan hash or dispatch order for the same content, config and seed", () => {
    const records = [
      seeded("r1", 0, {}),
      seeded("r2", 1, {}),
      seeded("r3", 2, { dispatchOrder: ["b", "a"] }),
      seeded("r4", 3, { planHash: "plan-2" }),
      seeded("other-seed", 4, { runnerSeed: 8, dispatchOrder: ["b", "a"] }),
      seeded("other-config", 5, { configHash: "cfg2", planHash: "plan-3" }),
      seeded("resumed", 6, { resumedFrom: "r1", dispatchOrder: ["b"] }),
      makeRecord({ runId: "unseeded", startedAt: T + 7, dispatchOrder: ["b", "a"] }),
      seeded("no-hash", 8, { workflowContentHash: "", planHash: "zzz" }),
    ];
    expect(findDeterminismRegressions(records)).toEqual([
      { runId: "r3", referenceRunId: "r1", startedAt: T + 2, kind: "dispatch-order" },
      { runId: "r4", referenceRunId: "r1", startedAt: T + 3, kind: "plan-hash" },
    ]);
    expect(trend(records, { groupBy: "none" }).points[0]!.metrics.determinism_regression_count).toBe(2);
  });
});

describe("renderers", () => {
  const redact = (text: string) => text;
  const report = buildReport([...matched(), run("pipe", "sequential", 1, 1, { workflowId: "a|b<c>" }), run("pipe-h", "hybrid", 1, 1, { workflowId: "a|b<c>" })], {
    by: "week",
    redact,
  });

  it("builds a report with its period", () => {
    expect(report).toMatchObject({ runs: 16, from: T, to: T });
    expect(buildReport([], { redact })).toMatchObject({ runs: 0, from: null, to: null });
    expect(() => buildReport([], { redact, minRuns: 0 })).toThrow(/minRuns/);
  });

  it("renders a terminal table with the interval and N next to every median", () => {
    const text = renderTerminalTable(report);
    expect(text).toContain("Sequential vs hybrid: 2 matched workflow(s), 7 sequential and 7 hybrid runs (at least 5 of each needed)");
    expect(text).toMatch(/hybrid success rate\s+100\.0%\s+—\s+sequential 100\.0%\s+7\s+≥ 99%\s+PASS/);
    expect(text).toMatch(/duration improvement\s+35\.0%\s+95% CI \d+\.\d% – \d+\.\d%\s+27\.5% – 42\.5% \(15\.0%\)\s+7\s+≥ 30%\s+PASS/);
    expect(text).toMatch(/token savings\s+35\.0%\s+95% CI [^\n]+\s+7\s+≥ 35%\s+(PASS|FAIL)/);
    expect(text).toMatch(/^Verdict: (PASS|FAIL)/m);
    expect(text).toContain("Trend by week");
    expect(text).toContain("2025-W10");
    const empty = renderTerminalTable(buildReport([], { redact }));
    expect(empty).toContain("Verdict: INSUFFICIENT DATA (0 sequential and 0 hybrid matched runs; at least 5 of each are needed)");
    expect(empty).not.toContain("FAIL");
    expect(empty).not.toContain("Trend by");
  });

  it("renders JSON that round-trips", () => {
    expect(JSON.parse(renderJsonReport(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it("renders Markdown with escaped cells and the verdict's reasons", () => {
    const md = renderMarkdownReport(buildReport([...matched(), run("pipe", "sequential", 1, 1, { workflowId: "a|b<c>" }), run("pipe-h", "hybrid", 1, 1, { workflowId: "a|b<c>" })], { redact, thresholds: { tokenSavingsPct: 90 } }));
    expect(md).toMatch(/^### hybrid vs sequential: ❌ FAIL/);
    expect(md).toContain("| check | value | confidence interval of the median | IQR (q1 – q3) | N | threshold | result |");
    expect(md).toMatch(/- median_token_savings_pct 3\d\.\d is below 90/);
    expect(md).toContain("a\\|b&lt;c&gt;");
    expect(md).not.toContain("<c>");
    const good = renderMarkdownReport(
      buildReport(
        [
          ...matched(),
          makeRecord({ runId: "d1", workflowId: "det", seeded: true, dispatchOrder: ["a"] }),
          makeRecord({ runId: "d2", workflowId: "det", seeded: true, dispatchOrder: ["b"], startedAt: T + 1 }),
        ],
        { redact },
      ),
    );
    expect(good).toContain("✅ PASS");
    expect(good).toContain("#### Determinism regressions (1)");
    expect(good).toContain("- d2: dispatch-order differs from d1");
    const empty = renderMarkdownReport(buildReport([], { redact }));
    expect(empty).toMatch(/^### hybrid vs sequential: ⚠️ INSUFFICIENT DATA/);
    expect(empty).not.toContain("Per workflow");
  });

  it("turns bad options into our error", () => {
    try {
      compareModes([], { minRuns: -1 });
      expect.unreachable();
    } catch (error) {
      expect(isTelemetryOptionsError(error)).toBe(true);
      expect((error as { problems: { path: string }[] }).problems[0]!.path).toBe("minRuns");
    }
  });
});
