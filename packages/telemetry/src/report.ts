import { z } from "zod";
import { CompareModesOptionsSchema, compareModes, estimateOf, type ModeComparison } from "./compare-modes.js";
import { findDeterminismRegressions, type DeterminismRegression } from "./determinism.js";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import { VERDICT_LABEL, formatCi, formatNum, formatPct } from "./format.js";
import { redactDeep, redactOption } from "./redact.js";
import type { RunRecord } from "./run-record.js";
import { TREND_METRICS, TrendOptionsSchema, trend, type Trend } from "./trend.js";

/** The options a report is computed with: those of `compareModes` and of `trend`. */
export const ReportCoreOptionsSchema = z.object({
  ...CompareModesOptionsSchema.shape,
  ...TrendOptionsSchema.shape,
});

/** Options of `buildReport`: those of `compareModes` and `trend`, and the required `redact`. */
export const ReportOptionsSchema = ReportCoreOptionsSchema.extend({
  /** Applied to every string of the records before the report is built (reports are pasted into PRs and issues). Required. */
  redact: redactOption("buildReport"),
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

/** Computes a report from records that are already redacted. */
export function reportOf(records: readonly RunRecord[], options: z.output<typeof ReportCoreOptionsSchema>): Report {
  const { thresholds, minRuns, bootstrap, by, groupBy } = options;
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
    comparison: compareModes(records, { thresholds, minRuns, bootstrap }),
    trend: trend(records, { by, groupBy }),
    determinismRegressions: findDeterminismRegressions(records),
  };
}

/**
 * The comparison, trend and determinism regressions of `records`, for the renderers. The report
 * itself is redacted (every string in it), which costs far less than redacting every record.
 * @example
 * const report = buildReport(await store.query(), { redact, by: "week" });
 * console.log(renderTerminalTable(report));
 */
export function buildReport(records: readonly RunRecord[], options: ReportOptions): Report {
  const parsed = ReportOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw new TelemetryOptionsError("buildReport", zodProblems(parsed.error), parsed.error);
  const { redact, ...core } = parsed.data;
  return redactDeep(reportOf(records, core), redact);
}

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
  const summary: Table = {
    head: ["check", "value", "confidence interval of the median", "IQR (q1 – q3)", "N", "threshold", "result"],
    rows: c.checks.map((check) => {
      const rate = check.metric === "run_success_rate_pct";
      const estimate = estimateOf(c, check.metric);
      const spread = rate
        ? `sequential ${formatPct(c.successRatePct.sequential)}`
        : estimate
          ? `${formatPct(estimate.q1)} – ${formatPct(estimate.q3)} (${formatPct(estimate.iqr)})`
          : "—";
      return [
        METRIC_LABELS[check.metric]!,
        formatPct(check.value),
        formatCi(estimate),
        spread,
        String(check.n),
        `≥ ${check.threshold}%`,
        VERDICT_LABEL[check.verdict],
      ];
    }),
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

/** The verdict line: `PASS`, or why not. */
function verdictLine(c: ModeComparison): string {
  return `${VERDICT_LABEL[c.verdict]}${c.reasons.length > 0 ? ` (${c.reasons.join("; ")})` : ""}`;
}

/** Who was counted and who was left out, so that a median is never read without its sample. */
function sampleLine(c: ModeComparison): string {
  return (
    `${c.workflows.length} matched workflow(s), ${c.runs.sequential} sequential and ${c.runs.hybrid} hybrid runs ` +
    `(at least ${c.minRuns} of each needed); medians over ${c.compared.sequential} sequential and ${c.compared.hybrid} hybrid ` +
    `succeeded runs; left out: ${c.excluded.resumed} resumed, ${c.excluded.unsuccessful} unsuccessful record(s)`
  );
}

/** A plain-text report for a terminal: the comparison, per-workflow numbers and the trend. */
export function renderTerminalTable(report: Report): string {
  const t = comparisonTables(report);
  const c = report.comparison;
  return [
    `Sequential vs hybrid: ${sampleLine(c)}`,
    "",
    textTable(t.summary),
    "",
    `Verdict: ${verdictLine(c)}`,
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
  const icon = c.verdict === "pass" ? "✅" : c.verdict === "fail" ? "❌" : "⚠️";
  return [
    `### hybrid vs sequential: ${icon} ${VERDICT_LABEL[c.verdict]}`,
    "",
    `${mdCell(sampleLine(c))}.`,
    ...(c.reasons.length > 0 ? ["", ...c.reasons.map((r) => `- ${mdCell(r)}`)] : []),
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
