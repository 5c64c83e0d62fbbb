import { z } from "zod";
import { estimateOf, type ModeComparison } from "./compare-modes.js";
import { dag } from "./dag-chart.js";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import { VERDICT_LABEL, formatCi, formatPct } from "./format.js";
import { escapeHtml as e } from "./html.js";
import { redactDeep, redactOption } from "./redact.js";
import { ReportCoreOptionsSchema, reportOf } from "./report.js";
import type { RunRecord } from "./run-record.js";
import { gantt, runBars } from "./run-charts.js";
import { SERIES_COLORS, trendChart } from "./trend-chart.js";
import { TREND_METRICS } from "./trend.js";

/** Options of `renderDashboard` (plus those of `buildReport`: thresholds, minRuns, bootstrap, by, groupBy). */
export const DashboardOptionsSchema = ReportCoreOptionsSchema.extend({
  /** Page title. @default "hybrid dashboard" */
  title: z.string().default("hybrid dashboard"),
  /** Run shown in the Gantt chart and DAG. @default the latest hybrid run, else the latest run */
  runId: z.string().optional(),
  /** How many recent runs the duration chart and run table show. @default 40 */
  maxRuns: z.number().int().min(1).max(1000).default(40),
  /** Applied to every string of the records before rendering (the page is shared). Required. */
  redact: redactOption("renderDashboard"),
});
export type DashboardOptions = z.input<typeof DashboardOptionsSchema>;

// Status is a node's fill everywhere; the critical path is a dark outline, so that a failed node
// on the critical path keeps its failure colour.
const CSS = `
:root{color-scheme:light;--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb;--seq:#9ca3af;--hyb:#2563eb;--crit:#111827;--ok:#059669;--bad:#dc2626;--warn:#b45309;
--s-succeeded:#60a5fa;--s-failed:#dc2626;--s-timed-out:#f97316;--s-blocked:#9ca3af;--s-running:#a78bfa;--s-pending:#e5e7eb}
*{box-sizing:border-box}body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 10px}.muted{color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin-bottom:16px;min-width:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)}
.pass{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}.insufficient-data{color:var(--warn);font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}.chart-svg{width:100%;height:auto;display:block}
.axis{stroke:#9ca3af}.grid{stroke:var(--line)}.tick,.wave-label,.node-label{font-size:10px;fill:var(--muted)}.series{stroke-width:2}
.threshold{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:5 4}.threshold-label{font-size:10px;fill:var(--bad)}.no-data{font-size:13px;fill:var(--muted)}
.run-bar.mode-sequential{fill:var(--seq)}.run-bar.mode-hybrid{fill:var(--hyb)}.run-bar.status-failed,.run-bar.status-aborted,.run-bar.status-incomplete{opacity:.45}
.wave-band.wave-even{fill:#f3f4f6}.wave-band.wave-odd{fill:#fff}
.gantt-bar,.dag-node circle{stroke:none}.gantt-missing{font-size:10px;fill:var(--bad)}
.status-succeeded{fill:var(--s-succeeded)}.status-failed{fill:var(--s-failed)}.status-timed-out{fill:var(--s-timed-out)}
.status-blocked{fill:var(--s-blocked)}.status-running{fill:var(--s-running)}.status-pending{fill:var(--s-pending)}
.dag-node.status-succeeded circle{fill:var(--s-succeeded)}.dag-node.status-failed circle{fill:var(--s-failed)}.dag-node.status-timed-out circle{fill:var(--s-timed-out)}
.dag-node.status-blocked circle{fill:var(--s-blocked)}.dag-node.status-running circle{fill:var(--s-running)}.dag-node.status-pending circle{fill:var(--s-pending)}
.gantt-bar.critical,.dag-node.critical circle{stroke:var(--crit);stroke-width:2.5}
.dag-row{stroke:#f3f4f6}.dag-edge{fill:none;stroke:#cbd5e1;stroke-width:1.2}.dag-edge.critical{stroke:var(--crit);stroke-width:2.5}
pre{white-space:pre-wrap;word-break:break-all;font-size:12px;max-height:400px;overflow:auto}
.legend span{display:inline-block;margin-right:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.swatch.critical{background:#fff;border:2.5px solid var(--crit)}
`;

function pickRun(records: readonly RunRecord[], runId: string | undefined): RunRecord | undefined {
  if (runId !== undefined) return records.find((r) => r.runId === runId);
  const latest = (list: readonly RunRecord[]) =>
    list.reduce<RunRecord | undefined>((best, r) => (best === undefined || r.startedAt >= best.startedAt ? r : best), undefined);
  return latest(records.filter((r) => r.mode === "hybrid")) ?? latest(records);
}

const swatch = (label: string, css: string) => `<span><span class="swatch" style="background:${css}"></span>${e(label)}</span>`;
const STATUS_LEGEND = `<p class="legend">${swatch("succeeded", "var(--s-succeeded)")}${swatch("failed", "var(--s-failed)")}${swatch("timed out", "var(--s-timed-out)")}${swatch("blocked", "var(--s-blocked)")}<span><span class="swatch critical"></span>critical path (outline)</span></p>`;

function comparisonSection(c: ModeComparison): string {
  const checks = c.checks
    .map((check) => {
      const estimate = estimateOf(c, check.metric);
      return `<tr data-check="${e(check.metric)}" data-verdict="${e(check.verdict)}"><td>${e(check.metric)}</td><td>${e(formatPct(check.value))}</td><td>${e(formatCi(estimate))}</td><td>${e(estimate ? `${formatPct(estimate.q1)} – ${formatPct(estimate.q3)}` : "—")}</td><td>${check.n}</td><td>≥ ${e(check.threshold)}%</td><td class="${e(check.verdict)}">${e(VERDICT_LABEL[check.verdict])}</td></tr>`;
    })
    .join("");
  const reasons = c.reasons.length > 0 ? `<ul class="reasons">${c.reasons.map((r) => `<li>${e(r)}</li>`).join("")}</ul>` : "";
  return `<section id="comparison" data-verdict="${e(c.verdict)}"><h2>Sequential vs hybrid: <span class="${e(c.verdict)}">${e(VERDICT_LABEL[c.verdict])}</span></h2>${reasons}
<p class="muted">${c.workflows.length} matched workflow(s); ${c.runs.sequential} sequential and ${c.runs.hybrid} hybrid runs (at least ${c.minRuns} of each needed); medians over ${c.compared.sequential} sequential and ${c.compared.hybrid} hybrid succeeded runs; left out: ${c.excluded.resumed} resumed and ${c.excluded.unsuccessful} unsuccessful record(s). Hybrid success ${e(formatPct(c.successRatePct.hybrid))}, sequential ${e(formatPct(c.successRatePct.sequential))}.</p>
<div class="scroll"><table><thead><tr><th>check</th><th>value</th><th>confidence interval of the median</th><th>q1 – q3</th><th>N</th><th>threshold</th><th>result</th></tr></thead><tbody>${checks}</tbody></table></div></section>`;
}

/**
 * A self-contained HTML dashboard: the verdict with its confidence intervals, trend charts (with
 * threshold lines and a "no data" state), recent run durations, a Gantt chart of one run and its
 * DAG. Inline CSS and SVG only: no script, no network, no external font; every string is redacted
 * and HTML-escaped.
 * @example writeFileSync("dashboard.html", renderDashboard(await store.query(), { redact, by: "week" }));
 */
export function renderDashboard(records: readonly RunRecord[], options: DashboardOptions): string {
  const parsed = DashboardOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw new TelemetryOptionsError("renderDashboard", zodProblems(parsed.error), parsed.error);
  const { title, runId, maxRuns, redact, ...reportOptions } = parsed.data;
  // Everything the page shows comes from these three redacted values: the report, the recent runs
  // and the run drawn. Redacting them, not every record, keeps a 10,000-run page fast.
  const report = redactDeep(reportOf(records, reportOptions), redact);
  const c = report.comparison;
  const recent = redactDeep([...records].sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId)).slice(-maxRuns), redact);
  const picked = pickRun(records, runId);
  const run = picked === undefined ? undefined : redactDeep(picked, redact);
  const day = (t: number | null) => (t === null ? "—" : new Date(t).toISOString().slice(0, 10));
  const thresholds: Partial<Record<(typeof TREND_METRICS)[number], number>> = {
    median_duration_improvement_pct: c.thresholds.durationImprovementPct,
    median_token_savings_pct: c.thresholds.tokenSavingsPct,
    run_success_rate_pct: c.thresholds.successRatePct,
  };
  const charts = TREND_METRICS.map(
    (metric) =>
      `<figure class="chart trend-chart" data-metric="${e(metric)}"><figcaption>${e(metric)}</figcaption>${trendChart(report.trend, metric, thresholds[metric])}</figure>`,
  ).join("");
  const legend = report.trend.groups
    .map((g, i) => `<span data-legend="${e(g)}"><span class="swatch" style="background:${SERIES_COLORS[i % SERIES_COLORS.length]}"></span>${e(g)}</span>`)
    .join("");
  const runRows = [...recent]
    .reverse()
    .map(
      (r) =>
        `<tr data-run-id="${e(r.runId)}"><td>${e(r.runId)}</td><td>${e(r.workflowId)}</td><td>${e(r.taskType)}</td><td>${e(r.mode)}</td><td>${e(r.status)}</td><td>${e(new Date(r.startedAt).toISOString())}</td><td>${r.metrics.duration_ms}</td><td>${r.metrics.token_input}</td><td>${r.metrics.parallelism_ratio.toFixed(2)}</td><td>${r.metrics.failed_count}</td></tr>`,
    )
    .join("");
  const runSection = run
    ? `<section id="run" data-run-id="${e(run.runId)}"><h2>Run ${e(run.runId)}</h2>
<p class="muted">${e(run.workflowId)} · ${e(run.mode)}${run.dispatchMode ? ` (${e(run.dispatchMode)})` : ""} · ${e(run.status)} · ${run.metrics.duration_ms} ms · critical path ${run.metrics.critical_path_ms} ms: ${e(run.criticalPath.join(" → "))}</p>
${STATUS_LEGEND}<h2>Gantt (nodes by wave)</h2>${gantt(run)}<h2>DAG (a row per node, columns by wave)</h2>${dag(run)}</section>`
    : `<section id="run" class="no-data-state"><h2>Run</h2><p class="muted">${e(runId === undefined ? "No runs recorded yet." : `No run ${redact(runId)}.`)}</p></section>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(redact(title))}</title><style>${CSS}</style></head>
<body>
<h1>${e(redact(title))}</h1>
<p class="muted">${report.runs} run(s), ${e(day(report.from))} to ${e(day(report.to))}; trend by ${e(report.trend.by)}</p>
${comparisonSection(c)}
<section id="trends"><h2>Trends</h2><p class="legend">${legend}<span data-legend="threshold"><span class="swatch" style="background:var(--bad)"></span>threshold (dashed)</span></p><div class="charts">${charts}</div></section>
<section id="durations"><h2>Recent runs (duration; grey sequential, blue hybrid, faded unsuccessful)</h2>${runBars(recent)}</section>
${runSection}
<section id="runs"><h2>Recent runs</h2><div class="scroll"><table><thead><tr><th>run</th><th>workflow</th><th>task type</th><th>mode</th><th>status</th><th>started</th><th>ms</th><th>input tokens</th><th>parallelism</th><th>failed</th></tr></thead><tbody>${runRows || `<tr><td colspan="10" class="muted">No runs recorded yet.</td></tr>`}</tbody></table></div></section>
</body></html>
`;
}
