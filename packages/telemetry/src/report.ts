import { z } from "zod";
import { CompareModesOptionsSchema, compareModes, type ModeComparison } from "./compare-modes.js";
import { findDeterminismRegressions, type DeterminismRegression } from "./determinism.js";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import type { RunRecord } from "./run-record.js";
import { TREND_METRICS, TrendOptionsSchema, trend, type Trend } from "./trend.js";

/** Options of `buildReport`: those of `compareModes` and of `trend`. */
export const ReportOptionsSchema = z.object({
  ...CompareModesOptionsSchema.shape,
  ...TrendOptionsSchema.shape,
});
export type ReportOptions = z.input<typeof ReportOptionsSchema>;

/** Everything the renderers show: the mode comparison, the trend, determinism regressions. */
export interface Report {
  runs: number;
  /** Earliest and latest `startedAt` (epoch ms), or null without records. */
  from: number | null;
  to: number | null;
  comparison: ModeComparison;
  trend: Trend;
  determinismRegressions: DeterminismRegression[];
}

export function buildReport(records: readonly RunRecord[], options: ReportOptions = {}): Report {
  const parsed = ReportOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TelemetryOptionsError("report", zodProblems(parsed.error), parsed.error);
  const { thresholds, minRuns, by, groupBy } = parsed.data;
  let from: number | null = null;
  let to: number | null = null;
  for (const r of records) {
    from = from === null ? r.startedAt : Math.min(from, r.startedAt);
    to = to === null ? r.startedAt : Math.max(to, r.startedAt);
  }
  return {
    runs: records.length,
    from,
    to,
    comparison: compareModes(records, { thresholds, minRuns }),
    trend: trend(records, { by, groupBy }),
    determinismRegressions: findDeterminismRegressions(records),
  };
}

export const formatPct = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined ? "—" : `${value.toFixed(digits)}%`;
const formatNum = (value: number | null, digits = 2): string => (value === null ? "—" : String(Number(value.toFixed(digits))));

/** Short column names for the trend table. */
const TREND_LABELS: Record<(typeof TREND_METRICS)[number], string> = {
  median_duration_improvement_pct: "duration Δ",
  median_token_savings_pct: "tokens Δ",
  run_success_rate_pct: "success",
  checkpoint_recovery_success_pct: "recovery",
  parallelism_ratio: "parallelism",
  determinism_regression_count: "determinism regr.",
  gate_bypass_incidents: "gate bypass",
  security_findings_count: "findings",
};

const METRIC_LABELS: Record<string, string> = {
  runs: "compared hybrid runs",
  median_duration_improvement_pct: "duration improvement",
  median_token_savings_pct: "token savings",
  run_success_rate_pct: "hybrid success rate",
};

interface Table {
  head: string[];
  rows: string[][];
}

function comparisonTables(report: Report): { summary: Table; workflows: Table; trend: Table } {
  const c = report.comparison;
  const checkOf = (metric: string) => c.checks.find((x) => x.metric === metric);
  const verdict = (metric: string) => {
    const check = checkOf(metric);
    return check ? (check.pass ? "PASS" : "FAIL") : "—";
  };
  const threshold = (metric: string, unit = "%") => {
    const check = checkOf(metric);
    return check ? `≥ ${check.threshold}${unit}` : "—";
  };
  const dist = (metric: string, d: ModeComparison["durationImprovementPct"]) => [
    METRIC_LABELS[metric]!,
    formatPct(d?.median),
    d ? `${formatPct(d.q1)} – ${formatPct(d.q3)} (${formatPct(d.iqr)})` : "—",
    String(d?.n ?? 0),
    threshold(metric),
    verdict(metric),
  ];
  const summary: Table = {
    head: ["metric", "median", "IQR (q1 – q3)", "N", "threshold", "result"],
    rows: [
      dist("median_duration_improvement_pct", c.durationImprovementPct),
      dist("median_token_savings_pct", c.tokenSavingsPct),
      [
        METRIC_LABELS.run_success_rate_pct!,
        formatPct(c.successRatePct.hybrid),
        `sequential ${formatPct(c.successRatePct.sequential)}`,
        String(c.runs.hybrid),
        threshold("run_success_rate_pct"),
        verdict("run_success_rate_pct"),
      ],
      [METRIC_LABELS.runs!, String(checkOf("runs")?.value ?? 0), "", "", threshold("runs", ""), verdict("runs")],
    ],
  };
  const workflows: Table = {
    head: ["workflow", "content", "seq runs", "hybrid runs", "seq median ms", "hybrid median ms", "duration", "tokens"],
    rows: c.workflows.map((w) => [
      w.workflowId,
      w.workflowContentHash.slice(0, 12),
      String(w.sequentialRuns),
      String(w.hybridRuns),
      formatNum(w.sequentialMedianMs, 0),
      formatNum(w.hybridMedianMs, 0),
      formatPct(w.durationImprovementPct),
      formatPct(w.tokenSavingsPct),
    ]),
  };
  const trendTable: Table = {
    head: ["period", "group", "runs", ...TREND_METRICS.map((m) => TREND_LABELS[m])],
    rows: report.trend.points.map((p) => [
      p.period,
      p.group,
      String(p.runs),
      ...TREND_METRICS.map((m) => (m.endsWith("_pct") ? formatPct(p.metrics[m]) : formatNum(p.metrics[m]))),
    ]),
  };
  return { summary, workflows, trend: trendTable };
}

function textTable(table: Table): string {
  const widths = table.head.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(table.head), widths.map((w) => "─".repeat(w)).join("  "), ...table.rows.map(line)].join("\n");
}

/** A plain-text report for a terminal: the comparison, per-workflow numbers and the trend. */
export function renderTerminalTable(report: Report): string {
  const t = comparisonTables(report);
  const c = report.comparison;
  return [
    `Sequential vs hybrid: ${c.workflows.length} matched workflow(s), ${c.runs.sequential} sequential / ${c.runs.hybrid} hybrid runs`,
    "",
    textTable(t.summary),
    "",
    `Overall: ${c.pass ? "PASS" : "FAIL"}`,
    ...(t.workflows.rows.length > 0 ? ["", textTable(t.workflows)] : []),
    ...(t.trend.rows.length > 0 ? ["", `Trend by ${report.trend.by}`, textTable(t.trend)] : []),
    "",
  ].join("\n");
}

/** The report as JSON (stable key order, two-space indent). */
export function renderJsonReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const mdCell = (text: string) => text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ").replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"));

function mdTable(table: Table): string {
  return [
    `| ${table.head.map(mdCell).join(" | ")} |`,
    `|${table.head.map(() => " --- ").join("|")}|`,
    ...table.rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
  ].join("\n");
}

/** A Markdown report for a pull-request or issue comment. */
export function renderMarkdownReport(report: Report): string {
  const t = comparisonTables(report);
  const c = report.comparison;
  const regressions = report.determinismRegressions;
  return [
    `### hybrid vs sequential: ${c.pass ? "✅ PASS" : "❌ FAIL"}`,
    "",
    `${c.workflows.length} matched workflow(s), ${c.runs.sequential} sequential and ${c.runs.hybrid} hybrid runs.`,
    "",
    mdTable(t.summary),
    ...(t.workflows.rows.length > 0 ? ["", "<details><summary>Per workflow</summary>", "", mdTable(t.workflows), "", "</details>"] : []),
    ...(t.trend.rows.length > 0 ? ["", `#### Trend by ${report.trend.by}`, "", mdTable(t.trend)] : []),
    ...(regressions.length > 0
      ? ["", `#### Determinism regressions (${regressions.length})`, "", ...regressions.map((r) => `- ${mdCell(r.runId)}: ${r.kind} differs from ${mdCell(r.referenceRunId)}`)]
      : []),
    "",
  ].join("\n");
}
