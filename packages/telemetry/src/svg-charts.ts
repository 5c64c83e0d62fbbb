import { escapeHtml as e, num } from "./html.js";
import type { RunRecord } from "./run-record.js";
import type { Trend, TrendMetrics } from "./trend.js";

const SERIES_COLORS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

/** A line chart of one trend metric: one series per group, one `circle.point` per non-null value. */
export function trendChart(trend: Trend, metric: keyof TrendMetrics): string {
  const width = 420;
  const height = 170;
  const pad = { left: 44, right: 10, top: 12, bottom: 34 };
  const values = trend.points.map((p) => p.metrics[metric]).filter((v): v is number => v !== null);
  const max = Math.max(1, ...values);
  const min = Math.min(0, ...values);
  const xs = trend.periods.length <= 1 ? [0.5] : trend.periods.map((_, i) => i / (trend.periods.length - 1));
  const x = (i: number) => pad.left + xs[i]! * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - (v - min) / (max - min)) * (height - pad.top - pad.bottom);
  const periodIndex = new Map(trend.periods.map((p, i) => [p, i]));
  const series = trend.groups.map((group, gi) => {
    const color = SERIES_COLORS[gi % SERIES_COLORS.length]!;
    const pts = trend.points
      .filter((p) => p.group === group && p.metrics[metric] !== null)
      .map((p) => ({ p, cx: x(periodIndex.get(p.period)!), cy: y(p.metrics[metric]!) }));
    const line =
      pts.length > 1
        ? `<polyline class="series" fill="none" stroke="${color}" points="${pts.map((q) => `${num(q.cx)},${num(q.cy)}`).join(" ")}"/>`
        : "";
    const dots = pts
      .map(
        ({ p, cx, cy }) =>
          `<circle class="point" data-metric="${e(metric)}" data-group="${e(group)}" data-period="${e(p.period)}" data-value="${num(p.metrics[metric]!)}" cx="${num(cx)}" cy="${num(cy)}" r="3.5" fill="${color}"><title>${e(`${group} ${p.period}: ${num(p.metrics[metric]!)}`)}</title></circle>`,
      )
      .join("");
    return `<g class="series-group" data-group="${e(group)}">${line}${dots}</g>`;
  });
  const ticks = trend.periods
    .map((period, i) =>
      trend.periods.length > 12 && i % Math.ceil(trend.periods.length / 12) !== 0
        ? ""
        : `<text class="tick" x="${num(x(i))}" y="${height - pad.bottom + 14}" text-anchor="middle">${e(period.slice(5))}</text>`,
    )
    .join("");
  const axis = `<line class="axis" x1="${pad.left}" y1="${num(y(min))}" x2="${width - pad.right}" y2="${num(y(min))}"/>
<text class="tick" x="${pad.left - 6}" y="${num(y(max) + 4)}" text-anchor="end">${e(num(max))}</text>
<text class="tick" x="${pad.left - 6}" y="${num(y(min) + 4)}" text-anchor="end">${e(num(min))}</text>`;
  return `<svg class="chart-svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${e(metric)}">${axis}${ticks}${series.join("")}</svg>`;
}

/** Bars of run duration for the given runs, oldest first; one `rect.run-bar` per run. */
export function runBars(runs: readonly RunRecord[]): string {
  const width = 860;
  const height = 180;
  const pad = { left: 50, right: 10, top: 10, bottom: 20 };
  const max = Math.max(1, ...runs.map((r) => r.metrics.duration_ms));
  const slot = (width - pad.left - pad.right) / Math.max(1, runs.length);
  const plotH = height - pad.top - pad.bottom;
  const bars = runs
    .map((r, i) => {
      const h = (r.metrics.duration_ms / max) * plotH;
      return `<rect class="bar run-bar mode-${e(r.mode)} status-${e(r.status)}" data-run-id="${e(r.runId)}" data-mode="${e(r.mode)}" x="${num(pad.left + i * slot + slot * 0.1)}" y="${num(pad.top + plotH - h)}" width="${num(Math.max(1, slot * 0.8))}" height="${num(h)}"><title>${e(`${r.runId} (${r.mode}, ${r.status}): ${r.metrics.duration_ms} ms`)}</title></rect>`;
    })
    .join("");
  return `<svg class="chart-svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="run durations">
<line class="axis" x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}"/>
<text class="tick" x="${pad.left - 6}" y="${pad.top + 8}" text-anchor="end">${e(`${Math.round(max)} ms`)}</text>${bars}</svg>`;
}

/** Level of each node for layout: its wave, else 1 + the highest level among its dependencies. */
function levels(nodes: RunRecord["nodes"]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    let level = node.wave;
    if (level === undefined) {
      level = 0;
      for (const dep of node.dependsOn) {
        if (byId.has(dep) && !seen.has(dep)) level = Math.max(level, visit(dep, new Set([...seen, id])) + 1);
      }
    }
    out.set(id, level);
    return level;
  };
  for (const n of nodes) visit(n.id, new Set([n.id]));
  return out;
}

/** A Gantt chart of one run: a row per node grouped by wave; critical-path bars marked. */
export function gantt(run: RunRecord): string {
  const critical = new Set(run.criticalPath);
  const level = levels(run.nodes);
  const rows = [...run.nodes].sort(
    (a, b) =>
      level.get(a.id)! - level.get(b.id)! ||
      (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) ||
      a.id.localeCompare(b.id),
  );
  const rowH = 22;
  const labelW = 180;
  const width = 860;
  const height = 30 + rows.length * rowH;
  const span = Math.max(1, run.endedAt - run.startedAt);
  const x = (t: number) => labelW + ((t - run.startedAt) / span) * (width - labelW - 10);
  const bands: string[] = [];
  const bars: string[] = [];
  rows.forEach((node, i) => {
    const y = 20 + i * rowH;
    const wave = level.get(node.id)!;
    if (i === 0 || level.get(rows[i - 1]!.id) !== wave) {
      const count = rows.filter((r) => level.get(r.id) === wave).length;
      bands.push(
        `<rect class="wave-band wave-${wave % 2 ? "odd" : "even"}" data-wave="${wave}" x="0" y="${y}" width="${width}" height="${count * rowH}"/><text class="wave-label" x="4" y="${y + 14}">${e(`wave ${wave}`)}</text>`,
      );
    }
    bars.push(`<text class="node-label" x="${labelW - 6}" y="${y + 15}" text-anchor="end">${e(node.id)}</text>`);
    const isCritical = critical.has(node.id);
    if (node.startedAt !== undefined && node.endedAt !== undefined) {
      bars.push(
        `<rect class="gantt-bar status-${e(node.status)}${isCritical ? " critical" : ""}" data-node="${e(node.id)}" data-wave="${wave}" data-critical="${isCritical}" x="${num(x(node.startedAt))}" y="${y + 4}" width="${num(Math.max(2, x(node.endedAt) - x(node.startedAt)))}" height="${rowH - 8}"><title>${e(`${node.id} (${node.agent}) ${node.status}: ${node.endedAt - node.startedAt} ms, ${node.attempts} attempt(s)`)}</title></rect>`,
      );
    } else {
      bars.push(`<text class="gantt-missing" data-node="${e(node.id)}" x="${labelW + 4}" y="${y + 15}">${e(node.status)}</text>`);
    }
  });
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const t = run.startedAt + f * span;
      return `<line class="grid" x1="${num(x(t))}" y1="16" x2="${num(x(t))}" y2="${height}"/><text class="tick" x="${num(x(t))}" y="12" text-anchor="${f === 0 ? "start" : f === 1 ? "end" : "middle"}">${e(`${Math.round(f * span)} ms`)}</text>`;
    })
    .join("");
  return `<svg class="chart-svg gantt" viewBox="0 0 ${width} ${height}" role="img" aria-label="Gantt chart of run ${e(run.runId)}">${bands.join("")}${axis}${bars.join("")}</svg>`;
}

/** The run's DAG: columns by wave, an edge per dependency; critical nodes and edges marked. */
export function dag(run: RunRecord): string {
  const critical = new Set(run.criticalPath);
  const criticalEdges = new Set(run.criticalPath.slice(1).map((id, i) => `${run.criticalPath[i]}\u0000${id}`));
  const level = levels(run.nodes);
  const columns = new Map<number, string[]>();
  for (const n of [...run.nodes].sort((a, b) => a.id.localeCompare(b.id))) {
    const l = level.get(n.id)!;
    columns.set(l, [...(columns.get(l) ?? []), n.id]);
  }
  const colW = 170;
  const rowH = 46;
  const nodeW = 140;
  const nodeH = 28;
  const maxLevel = Math.max(0, ...columns.keys());
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const width = (maxLevel + 1) * colW + 20;
  const height = tallest * rowH + 20;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [l, ids] of columns) ids.forEach((id, i) => pos.set(id, { x: 10 + l * colW, y: 10 + i * rowH }));
  const edges: string[] = [];
  for (const n of run.nodes) {
    for (const dep of n.dependsOn) {
      const from = pos.get(dep);
      const to = pos.get(n.id)!;
      if (!from) continue;
      const isCritical = criticalEdges.has(`${dep}\u0000${n.id}`);
      const x1 = from.x + nodeW;
      const y1 = from.y + nodeH / 2;
      const x2 = to.x;
      const y2 = to.y + nodeH / 2;
      const mid = (x1 + x2) / 2;
      edges.push(
        `<path class="dag-edge${isCritical ? " critical" : ""}" data-from="${e(dep)}" data-to="${e(n.id)}" data-critical="${isCritical}" d="M${num(x1)},${num(y1)} C${num(mid)},${num(y1)} ${num(mid)},${num(y2)} ${num(x2)},${num(y2)}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  const nodes = run.nodes.map((n) => {
    const p = pos.get(n.id)!;
    const isCritical = critical.has(n.id);
    const label = n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id;
    return `<g class="dag-node status-${e(n.status)}${isCritical ? " critical" : ""}" data-node="${e(n.id)}" data-critical="${isCritical}"><title>${e(`${n.id} (${n.agent}) ${n.status}`)}</title><rect x="${p.x}" y="${p.y}" width="${nodeW}" height="${nodeH}" rx="5"/><text x="${p.x + nodeW / 2}" y="${p.y + 18}" text-anchor="middle">${e(label)}</text></g>`;
  });
  return `<svg class="chart-svg dag" style="max-width:${width}px" viewBox="0 0 ${width} ${height}" role="img" aria-label="DAG of run ${e(run.runId)}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>${edges.join("")}${nodes.join("")}</svg>`;
}
