import { escapeHtml as e, num } from "./html.js";
import { layers, rowsOf } from "./layout.js";
import type { RunRecord } from "./run-record.js";

/** Above this many nodes the DAG is not drawn: its Mermaid text is embedded instead. */
export const DAG_MAX_DRAWN = 200;
/** Above this many nodes not even the Mermaid text is embedded (it would dwarf the page). */
export const DAG_MAX_MERMAID = 5000;

/**
 * The run's DAG as Mermaid flowchart text. Node ids of records are untrusted, so every node is
 * named `n<index>` and labelled with its quoted id (quotes and `#` written as Mermaid entities).
 */
export function mermaidOf(run: RunRecord): string {
  const index = new Map(run.nodes.map((n, i) => [n.id, i]));
  const quote = (text: string) => `"${text.replace(/#/g, "#35;").replace(/"/g, "#quot;")}"`;
  const lines = ["flowchart LR"];
  run.nodes.forEach((n, i) => lines.push(`  n${i}[${quote(n.id)}]`));
  for (const n of run.nodes) {
    for (const dep of n.dependsOn) {
      const from = index.get(dep);
      if (from !== undefined) lines.push(`  n${from} --> n${index.get(n.id)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The run's DAG, layered: a fixed row per node (labelled on the left), its column the node's layer
 * (wave), an edge per dependency. A dot's fill is its status; critical-path dots and edges are
 * outlined dark. Beyond `DAG_MAX_DRAWN` nodes the Mermaid text is embedded instead, and beyond
 * `DAG_MAX_MERMAID` only the node count is shown.
 */
export function dag(run: RunRecord): string {
  const count = run.nodes.length;
  if (count > DAG_MAX_DRAWN) {
    if (count > DAG_MAX_MERMAID) return `<p class="muted dag-omitted">${count} nodes: too many to draw or to embed as Mermaid text.</p>`;
    return `<p class="muted dag-omitted">${count} nodes: too many to draw legibly. Paste this Mermaid text into any Mermaid viewer:</p><details class="mermaid-text"><summary>Mermaid (${count} nodes)</summary><pre>${e(mermaidOf(run))}</pre></details>`;
  }
  const critical = new Set(run.criticalPath);
  const criticalEdges = new Set(run.criticalPath.slice(1).map((id, i) => `${run.criticalPath[i]}\u0000${id}`));
  const layer = layers(run.nodes);
  const rows = rowsOf(run.nodes, layer);
  const maxLayer = Math.max(0, ...layer.values());
  const width = 860;
  const labelW = 190;
  const rowH = 20;
  const top = 24;
  const right = 24;
  // Columns share the width left of the labels; a deep chain gets narrow columns, never a wider page.
  const colW = Math.min(120, (width - labelW - right - 20) / Math.max(1, maxLayer));
  const height = top + Math.max(1, rows.length) * rowH + 8;
  const pos = new Map<string, { x: number; y: number }>();
  rows.forEach((n, i) => pos.set(n.id, { x: labelW + 20 + layer.get(n.id)! * colW, y: top + i * rowH + rowH / 2 }));
  const guides = rows
    .map((n, i) => {
      const p = pos.get(n.id)!;
      const label = n.id.length > 26 ? `${n.id.slice(0, 25)}…` : n.id;
      return `<line class="dag-row" x1="${labelW}" y1="${num(p.y)}" x2="${num(p.x)}" y2="${num(p.y)}"/><text class="node-label" data-row="${i}" x="${labelW - 6}" y="${num(p.y + 4)}" text-anchor="end">${e(label)}<title>${e(n.id)}</title></text>`;
    })
    .join("");
  const edges: string[] = [];
  for (const n of run.nodes) {
    const to = pos.get(n.id)!;
    for (const dep of n.dependsOn) {
      const from = pos.get(dep);
      if (!from) continue;
      const isCritical = criticalEdges.has(`${dep}\u0000${n.id}`);
      const mid = (from.x + to.x) / 2;
      edges.push(
        `<path class="dag-edge${isCritical ? " critical" : ""}" data-from="${e(dep)}" data-to="${e(n.id)}" data-critical="${isCritical}" d="M${num(from.x)},${num(from.y)} C${num(mid)},${num(from.y)} ${num(mid)},${num(to.y)} ${num(to.x)},${num(to.y)}"/>`,
      );
    }
  }
  const dots = rows.map((n) => {
    const p = pos.get(n.id)!;
    const isCritical = critical.has(n.id);
    return `<g class="dag-node status-${e(n.status)}${isCritical ? " critical" : ""}" data-node="${e(n.id)}" data-critical="${isCritical}"><title>${e(`${n.id} (${n.agent}) ${n.status}${isCritical ? ", critical path" : ""}`)}</title><circle cx="${num(p.x)}" cy="${num(p.y)}" r="6"/></g>`;
  });
  const layerTicks = Array.from({ length: maxLayer + 1 }, (_, l) => l)
    .filter((l) => maxLayer < 12 || l % Math.ceil(maxLayer / 10) === 0 || l === maxLayer)
    .map((l) => `<text class="tick" x="${num(labelW + 20 + l * colW)}" y="14" text-anchor="middle">${l}</text>`)
    .join("");
  return `<svg class="chart-svg dag" viewBox="0 0 ${width} ${height}" role="img" aria-label="DAG of run ${e(run.runId)}, one row per node, columns by wave">${layerTicks}${guides}${edges.join("")}${dots.join("")}</svg>`;
}
