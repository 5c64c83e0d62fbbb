import { escapeHtml as e, num } from "./html.js";
import { noData, niceTicks, yAxis } from "./svg-axis.js";
import type { Trend, TrendMetrics } from "./trend.js";

/** One colour per group (task type), in the order of `trend.groups`; the legend uses the same. */
export const SERIES_COLORS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#475569"];

const WIDTH = 420;
const HEIGHT = 190;
// The right pad leaves room for half of the last period label and for the threshold label; the
// inset keeps the first and last points off the plot's edges.
const PAD = { left: 48, right: 34, top: 16, bottom: 34 };
const INSET = 14;

/**
 * A line chart of one trend metric: one series per group, one `circle.point` per non-null value,
 * round ticks with grid lines, a dashed `line.threshold` when the metric has one, and a "no data"
 * state when no bucket has a value.
 */
export function trendChart(trend: Trend, metric: keyof TrendMetrics, threshold?: number): string {
  const values = trend.points.map((p) => p.metrics[metric]).filter((v): v is number => v !== null);
  const limits = threshold === undefined ? values : [...values, threshold];
  const pct = metric.endsWith("_pct");
  const ticks = niceTicks(Math.min(0, ...limits), Math.max(1, ...limits), 4, metric.endsWith("_count") || metric.endsWith("_incidents"));
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const plot = { x0: PAD.left, x1: WIDTH - PAD.right, y0: PAD.top, y1: HEIGHT - PAD.bottom };
  const y = (v: number) => plot.y0 + (1 - (v - lo) / (hi - lo)) * (plot.y1 - plot.y0);
  const n = trend.periods.length;
  const x = (i: number) => (n <= 1 ? (plot.x0 + plot.x1) / 2 : plot.x0 + INSET + (i / (n - 1)) * (plot.x1 - plot.x0 - 2 * INSET));
  const periodIndex = new Map(trend.periods.map((p, i) => [p, i]));
  const series = trend.groups.map((group, gi) => {
    const color = SERIES_COLORS[gi % SERIES_COLORS.length]!;
    const pts = trend.points
      .filter((p) => p.group === group && p.metrics[metric] !== null)
      .map((p) => ({ p, cx: x(periodIndex.get(p.period)!), cy: y(p.metrics[metric]!) }));
    const line =
      pts.length > 1 ? `<polyline class="series" fill="none" stroke="${color}" points="${pts.map((q) => `${num(q.cx)},${num(q.cy)}`).join(" ")}"/>` : "";
    const dots = pts
      .map(
        ({ p, cx, cy }) =>
          `<circle class="point" data-metric="${e(metric)}" data-group="${e(group)}" data-period="${e(p.period)}" data-value="${num(p.metrics[metric]!)}" cx="${num(cx)}" cy="${num(cy)}" r="3.5" fill="${color}"><title>${e(`${group} ${p.period}: ${num(p.metrics[metric]!)}`)}</title></circle>`,
      )
      .join("");
    return `<g class="series-group" data-group="${e(group)}">${line}${dots}</g>`;
  });
  // At most 8 period labels; the last period is always labelled.
  const every = Math.max(1, Math.ceil(n / 8));
  const xTicks = trend.periods
    .map((period, i) =>
      i % every !== 0 && i !== n - 1
        ? ""
        : `<text class="tick x-tick" x="${num(x(i))}" y="${plot.y1 + 14}" text-anchor="middle">${e(period.slice(5))}</text>`,
    )
    .join("");
  const thresholdMark =
    threshold === undefined || values.length === 0
      ? ""
      : // The label sits in the right margin, beside the line, where no point can cover it.
        `<line class="threshold" data-threshold="${num(threshold)}" x1="${plot.x0}" y1="${num(y(threshold))}" x2="${plot.x1}" y2="${num(y(threshold))}"/><text class="threshold-label" x="${plot.x1 + 2}" y="${num(y(threshold) + 3.5)}" text-anchor="start">${e(`≥${num(threshold)}`)}</text>`;
  // Without data, ticks (and a threshold line) would float on no scale: only the baseline stays.
  const grid = values.length === 0 ? "" : yAxis(ticks, y, plot.x0, plot.x1, pct ? (v) => `${num(v)}%` : num);
  const axis = `${grid}<line class="axis" x1="${plot.x0}" y1="${plot.y1}" x2="${plot.x1}" y2="${plot.y1}"/>`;
  const body = values.length === 0 ? noData((plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2) : `${xTicks}${series.join("")}`;
  return `<svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${e(metric)}">${axis}${thresholdMark}${body}</svg>`;
}
