import { z } from "zod";
import { TelemetryOptionsError, zodProblems } from "./errors.js";
import { escapeHtml as e } from "./html.js";
import { identityRedact, redactDeep, type Redact } from "./redact.js";
import { ReportOptionsSchema, buildReport, formatPct } from "./report.js";
import type { RunRecord } from "./run-record.js";
import { dag, gantt, runBars, trendChart } from "./svg-charts.js";
import { TREND_METRICS } from "./trend.js";

/** Options of `renderDashboard` (plus those of `buildReport`: thresholds, minRuns, by, groupBy). */
export const DashboardOptionsSchema = z.object({
  ...ReportOptionsSchema.shape,
  /** Page title. @default "hybrid dashboard" */
  title: z.string().default("hybrid dashboard"),
  /** Run shown in the Gantt chart and DAG. @default the latest hybrid run, else the latest run */
  runId: z.string().optional(),
  /** How many recent runs the duration chart and run table show. @default 40 */
  maxRuns: z.number().int().min(1).max(1000).default(40),
  /** Applied to every string of the records before rendering. @default identity */
  redact: z.custom<Redact>((v) => typeof v === "function").default(() => identityRedact),
});
export type DashboardOptions = z.input<typeof DashboardOptionsSchema>;

const CSS = `
:root{color-scheme:light;--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb;--seq:#9ca3af;--hyb:#2563eb;--crit:#dc2626;--ok:#059669;--bad:#dc2626}
*{box-sizing:border-box}body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px}.muted{color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin-bottom:16px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)}
.pass{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}.chart-svg{width:100%;height:auto;display:block}
.axis{stroke:#9ca3af}.grid{stroke:var(--line)}.tick,.wave-label,.node-label{font-size:10px;fill:var(--muted)}.series{stroke-width:2}
.run-bar.mode-sequential{fill:var(--seq)}.run-bar.mode-hybrid{fill:var(--hyb)}.run-bar.status-failed,.run-bar.status-aborted{opacity:.45}
.wave-band.wave-even{fill:#f3f4f6}.wave-band.wave-odd{fill:#fff}
.gantt-bar{fill:#93c5fd}.gantt-bar.critical{fill:var(--crit)}.gantt-bar.status-failed,.gantt-bar.status-timed-out{fill:#fca5a5;stroke:var(--bad)}
.gantt-missing{font-size:10px;fill:var(--bad)}
.dag-edge{fill:none;stroke:#9ca3af;stroke-width:1.5}.dag-edge.critical{stroke:var(--crit);stroke-width:2.5}.arrow-head{fill:#6b7280}
.dag-node rect{fill:#eff6ff;stroke:#93c5fd}.dag-node.critical rect{stroke:var(--crit);stroke-width:2}.dag-node.status-failed rect,.dag-node.status-timed-out rect{fill:#fee2e2}
.dag-node text{font-size:11px;fill:var(--fg)}.legend span{display:inline-block;margin-right:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
`;

function pickRun(records: readonly RunRecord[], runId: string | undefined): RunRecord | undefined {
  if (runId !== undefined) return records.find((r) => r.runId === runId);
  const latest = (list: readonly RunRecord[]) =>
    list.reduce<RunRecord | undefined>((best, r) => (best === undefined || r.startedAt >= best.startedAt ? r : best), undefined);
  return latest(records.filter((r) => r.mode === "hybrid")) ?? latest(records);
}

/**
 * A self-contained HTML dashboard: comparison summary, trend charts, recent run durations, a Gantt
 * chart of one run (nodes by wave, critical path highlighted) and its DAG. Inline CSS and SVG only:
 * no script, no network, no external font; every string is HTML-escaped.
 */
export function renderDashboard(records: readonly RunRecord[], options: DashboardOptions = {}): string {
  const parsed = DashboardOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TelemetryOptionsError("renderDashboard", zodProblems(parsed.error), parsed.error);
  const { title, runId, maxRuns, redact, ...reportOptions } = parsed.data;
  const safe = redact === identityRedact ? records : redactDeep(records, redact);
  const report = buildReport(safe, reportOptions);
  const c = report.comparison;
  const recent = [...safe].sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId)).slice(-maxRuns);
  const run = pickRun(safe, runId === undefined ? undefined : redact(runId));
  const day = (t: number | null) => (t === null ? "—" : new Date(t).toISOString().slice(0, 10));

  const checks = c.checks
    .map(
      (check) =>
        `<tr data-check="${e(check.metric)}"><td>${e(check.metric)}</td><td>${e(check.value === null ? "—" : check.value.toFixed(1))}</td><td>≥ ${e(check.threshold)}</td><td class="${check.pass ? "pass" : "fail"}">${check.pass ? "PASS" : "FAIL"}</td></tr>`,
    )
    .join("");
  const dist = (label: string, d: typeof c.durationImprovementPct) =>
    `<tr><td>${e(label)}</td><td>${e(formatPct(d?.median))}</td><td>${e(d ? `${formatPct(d.q1)} – ${formatPct(d.q3)}` : "—")}</td><td>${e(d ? formatPct(d.iqr) : "—")}</td><td>${d?.n ?? 0}</td></tr>`;
  const charts = TREND_METRICS.map(
    (metric) =>
      `<figure class="chart trend-chart" data-metric="${e(metric)}"><figcaption>${e(metric)}</figcaption>${trendChart(report.trend, metric)}</figure>`,
  ).join("");
  const legend = report.trend.groups
    .map((g, i) => `<span data-legend="${e(g)}"><span class="swatch" style="background:${["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"][i % 8]}"></span>${e(g)}</span>`)
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
<h2>Gantt (nodes by wave, critical path in red)</h2>${gantt(run)}<h2>DAG</h2>${dag(run)}</section>`
    : `<section id="run"><h2>Run</h2><p class="muted">${e(runId === undefined ? "No runs recorded yet." : `No run ${runId}.`)}</p></section>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${CSS}</style></head>
<body>
<h1>${e(title)}</h1>
<p class="muted">${report.runs} run(s), ${e(day(report.from))} to ${e(day(report.to))}; trend by ${e(report.trend.by)}</p>
<section id="comparison" data-pass="${c.pass}"><h2>Sequential vs hybrid: <span class="${c.pass ? "pass" : "fail"}">${c.pass ? "PASS" : "FAIL"}</span></h2>
<p class="muted">${c.workflows.length} matched workflow(s); ${c.runs.sequential} sequential and ${c.runs.hybrid} hybrid runs; hybrid success ${e(formatPct(c.successRatePct.hybrid))}, sequential ${e(formatPct(c.successRatePct.sequential))}</p>
<table><thead><tr><th>metric</th><th>median</th><th>q1 – q3</th><th>IQR</th><th>N</th></tr></thead><tbody>${dist("duration improvement", c.durationImprovementPct)}${dist("token savings", c.tokenSavingsPct)}</tbody></table>
<table><thead><tr><th>check</th><th>value</th><th>threshold</th><th>result</th></tr></thead><tbody>${checks}</tbody></table></section>
<section id="trends"><h2>Trends</h2><p class="legend">${legend}</p><div class="charts">${charts}</div></section>
<section id="durations"><h2>Recent runs (duration; grey sequential, blue hybrid)</h2>${runBars(recent)}</section>
${runSection}
<section id="runs"><h2>Recent runs</h2><table><thead><tr><th>run</th><th>workflow</th><th>task type</th><th>mode</th><th>status</th><th>started</th><th>ms</th><th>input tokens</th><th>parallelism</th><th>failed</th></tr></thead><tbody>${runRows}</tbody></table></section>
</body></html>
`;
}
