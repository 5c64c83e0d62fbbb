import { describe, expect, it } from "vitest";
import {
  buildReport,
  compareModes,
  findDeterminismRegressions,
  isTelemetryOptionsError,
  periodOf,
  renderJsonReport,
  renderMarkdownReport,
  renderTerminalTable,
  trend,
  type RunRecord,
} from "../src/index.js";
import { makeRecord } from "./fixtures/records.js";

const DAY = 86_400_000;
const T = Date.UTC(2025, 2, 3, 9); // Monday, ISO week 10

type Extra = NonNullable<Parameters<typeof makeRecord>[0]>;

function run(id: string, mode: RunRecord["mode"], duration: number, tokens: number, extra: Extra = {}): RunRecord {
  return makeRecord({ runId: id, mode, ...extra, metrics: { duration_ms: duration, token_input: tokens, ...extra.metrics } });
}

/** wf/c1: sequential 1000/1200/1400 ms at 1000 tokens; hybrid improves 50/40/30/20 % in both. */
function matched(): RunRecord[] {
  return [
    run("s1", "sequential", 1000, 1000),
    run("s2", "sequential", 1200, 1000),
    run("s3", "sequential", 1400, 1000),
    run("h1", "hybrid", 600, 500),
    run("h2", "hybrid", 720, 600),
    run("h3", "hybrid", 840, 700),
    run("h4", "hybrid", 960, 800),
    run("h5", "hybrid", 100, 10, { status: "failed" }),
    // Not matched: hybrid only, or another content hash with sequential only.
    run("x1", "hybrid", 10, 10, { workflowId: "wf2" }),
    run("x2", "sequential", 99_999, 99_999, { workflowContentHash: "c2" }),
  ];
}

describe("compareModes", () => {
  it("computes medians, IQR, N, success rates and passes the default thresholds", () => {
    const c = compareModes(matched());
    expect(c.durationImprovementPct).toEqual({ n: 4, median: 35, q1: 27.5, q3: 42.5, iqr: 15 });
    expect(c.tokenSavingsPct).toEqual({ n: 4, median: 35, q1: 27.5, q3: 42.5, iqr: 15 });
    expect(c.successRatePct).toEqual({ hybrid: 80, sequential: 100 });
    expect(c.runs).toEqual({ sequential: 3, hybrid: 5 });
    expect(c.workflows).toEqual([
      {
        workflowId: "wf",
        workflowContentHash: "content-1",
        sequentialRuns: 3,
        hybridRuns: 5,
        sequentialMedianMs: 1200,
        hybridMedianMs: 780,
        durationImprovementPct: 35,
        tokenSavingsPct: 35,
      },
    ]);
    expect(c.thresholds).toEqual({ durationImprovementPct: 30, tokenSavingsPct: 35 });
    expect(c.checks.map((x) => [x.metric, x.pass])).toEqual([
      ["runs", true],
      ["median_duration_improvement_pct", true],
      ["median_token_savings_pct", true],
    ]);
    expect(c.pass).toBe(true);
  });

  it("fails configurable thresholds", () => {
    const stricter = compareModes(matched(), { thresholds: { durationImprovementPct: 36 } });
    expect(stricter.pass).toBe(false);
    expect(stricter.checks.find((x) => x.metric === "median_duration_improvement_pct")).toEqual({
      metric: "median_duration_improvement_pct",
      value: 35,
      threshold: 36,
      pass: false,
    });
    const success = compareModes(matched(), { thresholds: { successRatePct: 90 } });
    expect(success.checks.at(-1)).toEqual({ metric: "run_success_rate_pct", value: 80, threshold: 90, pass: false });
    expect(compareModes(matched(), { minRuns: 5 }).pass).toBe(false);
    expect(() => compareModes([], { thresholds: { successRatePct: 101 } })).toThrow(/thresholds\.successRatePct/);
  });

  it("fails without matched data, and skips runs without a usable baseline", () => {
    const none = compareModes([run("h", "hybrid", 1, 1)]);
    expect(none).toMatchObject({ durationImprovementPct: null, tokenSavingsPct: null, successRatePct: { hybrid: null, sequential: null }, pass: false });
    const noTokens = compareModes([run("s", "sequential", 100, 0), run("f", "sequential", 1, 1, { status: "failed" }), run("h", "hybrid", 50, 0)]);
    expect(noTokens.durationImprovementPct?.median).toBe(50);
    expect(noTokens.tokenSavingsPct).toBeNull();
    const noSuccess = compareModes([run("s", "sequential", 100, 10, { status: "aborted" }), run("h", "hybrid", 50, 5)]);
    expect(noSuccess.workflows[0]).toMatchObject({ sequentialMedianMs: null, durationImprovementPct: null });
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
    expect(daily.points[2]!.metrics).toMatchObject({ median_duration_improvement_pct: 20, checkpoint_recovery_success_pct: 50, run_success_rate_pct: 50 });

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
  const report = buildReport([...matched(), run("pipe", "sequential", 1, 1, { workflowId: "a|b<c>" }), run("pipe-h", "hybrid", 1, 1, { workflowId: "a|b<c>" })], {
    by: "week",
  });

  it("builds a report with its period", () => {
    expect(report).toMatchObject({ runs: 12, from: T, to: T });
    expect(buildReport([])).toMatchObject({ runs: 0, from: null, to: null });
    expect(() => buildReport([], { minRuns: 0 })).toThrow(/minRuns/);
  });

  it("renders a terminal table", () => {
    const text = renderTerminalTable(report);
    expect(text).toContain("Sequential vs hybrid: 2 matched workflow(s)");
    expect(text).toMatch(/duration improvement\s+30\.0%\s+20\.0% – 40\.0% \(20\.0%\)\s+5\s+≥ 30%\s+PASS/);
    expect(text).toMatch(/token savings\s+30\.0%\s+20\.0% – 40\.0% \(20\.0%\)\s+5\s+≥ 35%\s+FAIL/);
    expect(text).toContain("Overall: FAIL");
    expect(text).toContain("Trend by week");
    expect(text).toContain("2025-W10");
    const empty = renderTerminalTable(buildReport([]));
    expect(empty).toContain("Overall: FAIL");
    expect(empty).not.toContain("Trend by");
  });

  it("renders JSON that round-trips", () => {
    expect(JSON.parse(renderJsonReport(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it("renders Markdown with escaped cells", () => {
    const md = renderMarkdownReport(report);
    expect(md).toMatch(/^### hybrid vs sequential: ❌ FAIL/);
    expect(md).toContain("| metric | median | IQR (q1 – q3) | N | threshold | result |");
    expect(md).toContain("a\\|b&lt;c&gt;");
    expect(md).not.toContain("<c>");
    const good = renderMarkdownReport(
      buildReport([
        ...matched(),
        makeRecord({ runId: "d1", workflowId: "det", seeded: true, dispatchOrder: ["a"] }),
        makeRecord({ runId: "d2", workflowId: "det", seeded: true, dispatchOrder: ["b"], startedAt: T + 1 }),
      ]),
    );
    expect(good).toContain("✅ PASS");
    expect(good).toContain("#### Determinism regressions (1)");
    expect(good).toContain("- d2: dispatch-order differs from d1");
    expect(renderMarkdownReport(buildReport([]))).not.toContain("Per workflow");
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
