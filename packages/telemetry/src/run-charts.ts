import { escapeHtml as e, num } from "./html.js";
import { layers, rowsOf } from "./layout.js";
import type { RunRecord } from "./run-record.js";
import { durationTicks, noData, yAxis } from "./svg-axis.js";

/** Bars of run duration for the given runs, oldest first; one `rect.run-bar` per run. */
export function runBars(runs: readonly RunRecord[]): string {
  const width = 860;
  const height = 190;
  const pad = { left: 60, right: 16, top: 14, bottom: 20 };
  const { ticks, label } = durationTicks(Math.max(1, ...runs.map((r) => r.metrics.duration_ms)));
  const top = ticks[ticks.length - 1]!;
  const plotH = height - pad.top - pad.bottom;
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const slot = (width - pad.left - pad.right) / Math.max(1, runs.length);
  const bars = runs
    .map((r, i) => {
      const h = (r.metrics.duration_ms / top) * plotH;
      return `<rect class="bar run-bar mode-${e(r.mode)} status-${e(r.status)}" data-run-id="${e(r.runId)}" data-mode="${e(r.mode)}" x="${num(pad.left + i * slot + slot * 0.1)}" y="${num(pad.top + plotH - h)}" width="${num(Math.max(1, slot * 0.8))}" height="${num(h)}"><title>${e(`${r.runId} (${r.mode}, ${r.status}): ${r.metrics.duration_ms} ms`)}</title></rect>`;
    })
    .join("");
  const body = runs.length === 0 ? noData(width / 2, pad.top + plotH / 2) : bars;
  const grid = runs.length === 0 ? "" : yAxis(ticks, y, pad.left, width - pad.right, label);
  return `<svg class="chart-svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="run durations (ms)">${grid}<line class="axis" x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}"/>${body}</svg>`;
}

/** Above this many nodes the Gantt chart draws the critical path only (a row per node stops being readable). */
export const GANTT_MAX_ROWS = 300;

/**
 * A Gantt chart of one run: a row per node grouped by layer (wave), bars coloured by the node's
 * status, critical-path bars outlined (so a failed critical node keeps its failure colour).
 */
export function gantt(run: RunRecord): string {
  const critical = new Set(run.criticalPath);
  const layer = layers(run.nodes);
  const all = run.nodes.length > GANTT_MAX_ROWS ? run.nodes.filter((n) => critical.has(n.id)) : run.nodes;
  const rows = rowsOf(all, layer).slice(0, GANTT_MAX_ROWS);
  const rowH = 22;
  const labelW = 190;
  const width = 860;
  const right = 40;
  const height = 30 + Math.max(1, rows.length) * rowH;
  const time = durationTicks(Math.max(1, run.endedAt - run.startedAt));
  // The axis ends at the round tick after the run's end, so every bar and label fits.
  const span = time.ticks[time.ticks.length - 1]!;
  const x = (t: number) => labelW + ((t - run.startedAt) / span) * (width - labelW - right);
  const perLayer = new Map<number, number>();
  for (const node of rows) perLayer.set(layer.get(node.id)!, (perLayer.get(layer.get(node.id)!) ?? 0) + 1);
  const bands: string[] = [];
  const bars: string[] = [];
  rows.forEach((node, i) => {
    const y = 20 + i * rowH;
    const wave = layer.get(node.id)!;
    if (i === 0 || layer.get(rows[i - 1]!.id) !== wave) {
      bands.push(
        `<rect class="wave-band wave-${wave % 2 ? "odd" : "even"}" data-wave="${wave}" x="0" y="${y}" width="${width}" height="${perLayer.get(wave)! * rowH}"/><text class="wave-label" x="4" y="${y + 14}">${e(`wave ${wave}`)}</text>`,
      );
    }
    const label = node.id.length > 26 ? `${node.id.slice(0, 25)}…` : node.id;
    bars.push(`<text class="node-label" x="${labelW - 6}" y="${y + 15}" text-anchor="end">${e(label)}<title>${e(node.id)}</title></text>`);
    const isCritical = critical.has(node.id);
    if (node.startedAt !== undefined && node.endedAt !== undefined) {
      bars.push(
        `<rect class="gantt-bar status-${e(node.status)}${isCritical ? " critical" : ""}" data-node="${e(node.id)}" data-wave="${wave}" data-critical="${isCritical}" x="${num(x(node.startedAt))}" y="${y + 4}" width="${num(Math.max(2, x(node.endedAt) - x(node.startedAt)))}" height="${rowH - 8}"><title>${e(`${node.id} (${node.agent}) ${node.status}${isCritical ? ", critical path" : ""}: ${node.endedAt - node.startedAt} ms, ${node.attempts} attempt(s)`)}</title></rect>`,
      );
    } else {
      bars.push(`<text class="gantt-missing" data-node="${e(node.id)}" x="${labelW + 4}" y="${y + 15}">${e(node.status)}</text>`);
    }
  });
  const axis = time.ticks
    .map((offset, i) => {
      const at = x(run.startedAt + offset);
      const anchor = i === 0 ? "start" : i === time.ticks.length - 1 ? "end" : "middle";
      return `<line class="grid" x1="${num(at)}" y1="16" x2="${num(at)}" y2="${height}"/><text class="tick" x="${num(at)}" y="12" text-anchor="${anchor}">${e(time.label(offset))}</text>`;
    })
    .join("");
  const shown = all.length > rows.length ? `the first ${rows.length} of the ${all.length} on the critical path` : `the ${rows.length} on the critical path`;
  const note = rows.length < run.nodes.length ? `<p class="muted chart-note">${e(`${run.nodes.length} nodes: the chart shows ${shown}.`)}</p>` : "";
  const body = rows.length === 0 ? noData(width / 2, 40) : `${axis}${bars.join("")}`;
  return `${note}<svg class="chart-svg gantt" viewBox="0 0 ${width} ${height}" role="img" aria-label="Gantt chart of run ${e(run.runId)}">${bands.join("")}${body}</svg>`;
}
