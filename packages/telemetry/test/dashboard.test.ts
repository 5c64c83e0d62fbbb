import { describe, expect, it } from "vitest";
import { renderDashboard, trend, type DashboardOptions, type RunRecord } from "../src/index.js";
import { DAG_MAX_DRAWN, mermaidOf } from "../src/dag-chart.js";
import { escapeHtml } from "../src/html.js";
import { TREND_METRICS } from "../src/trend.js";
import { recordHistory } from "./fixtures/history.js";
import { makeRecord } from "./fixtures/records.js";

const count = (html: string, pattern: RegExp) => (html.match(new RegExp(pattern.source, "g")) ?? []).length;
const render = (records: readonly RunRecord[], options: Omit<DashboardOptions, "redact"> & { redact?: (t: string) => string } = {}) =>
  renderDashboard(records, { redact: (text) => text, ...options });

describe("renderDashboard", () => {
  it("draws a point per trend value, a bar per recent run, the Gantt and the DAG", async () => {
    const records = await recordHistory(4);
    const html = render(records, { by: "day", maxRuns: 10 });
    const t = trend(records, { by: "day", groupBy: "taskType" });
    for (const metric of TREND_METRICS) {
      const expected = t.points.filter((p) => p.metrics[metric] !== null).length;
      expect(count(html, new RegExp(`class="point" data-metric="${metric}"`))).toBe(expected);
    }
    expect(count(html, /class="bar run-bar /)).toBe(10);
    const shown = [...records].filter((r) => r.mode === "hybrid").sort((a, b) => b.startedAt - a.startedAt)[0]!;
    expect(html).toContain(`<section id="run" data-run-id="${shown.runId}">`);
    const ran = shown.nodes.filter((n) => n.startedAt !== undefined && n.endedAt !== undefined);
    expect(count(html, /class="gantt-bar /)).toBe(ran.length);
    expect(count(html, /class="gantt-bar [^"]*" data-node="[^"]*" data-wave="\d+" data-critical="true"/)).toBe(
      ran.filter((n) => shown.criticalPath.includes(n.id)).length,
    );
    expect(count(html, /class="dag-edge/)).toBe(shown.nodes.reduce((s, n) => s + n.dependsOn.length, 0));
    expect(count(html, /class="dag-node /)).toBe(shown.nodes.length);
    expect(count(html, /class="dag-edge critical"/)).toBe(shown.criticalPath.length - 1);
  });

  it("is self-contained and escapes everything", () => {
    const evil = `<script>alert("x")</script>`;
    const record = makeRecord({
      runId: `r&"${evil}`,
      workflowId: evil,
      taskType: `<img src=x onerror=alert(1)>`,
      nodes: [
        { ...makeRecord().nodes[0]!, id: `<b>node</b>`, agent: evil },
        { ...makeRecord().nodes[0]!, id: "late", dependsOn: [`<b>node</b>`], wave: undefined, startedAt: undefined, endedAt: undefined, status: "blocked" },
      ],
      criticalPath: [`<b>node</b>`],
    });
    const html = render([record], { title: `Dash ${evil}` });
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain(escapeHtml(evil));
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\s(src|href)=/);
    expect(html).not.toMatch(/url\((?!#arrow\))/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain(`class="gantt-missing" data-node="late"`);
  });

  it("handles no records, an unknown run id and a redact function", () => {
    const empty = render([]);
    expect(empty).toContain("No runs recorded yet.");
    // Every chart says so instead of drawing an empty frame, and the verdict is not a FAIL.
    expect(count(empty, /class="no-data"/)).toBe(TREND_METRICS.length + 1);
    expect(empty).toContain(`<section id="comparison" data-verdict="insufficient-data">`);
    expect(empty).not.toMatch(/>FAIL</);
    const record = makeRecord({ runId: "r1", strategyReason: "token hunter2" });
    expect(render([record], { runId: "nope" })).toContain("No run nope.");
    const redacted = render([record], { runId: "r1", redact: (t) => t.replaceAll("r1", "RX") });
    expect(redacted).toContain(`data-run-id="RX"`);
    expect(() => render([], { maxRuns: 0 })).toThrow(/maxRuns/);
  });

  it("lays out nodes without waves by dependency depth and survives a cycle", () => {
    const node = makeRecord().nodes[0]!;
    const record: RunRecord = makeRecord({
      nodes: [
        { ...node, id: "a", wave: undefined, dependsOn: ["c"] },
        { ...node, id: "b", wave: undefined, dependsOn: ["a", "ghost"] },
        { ...node, id: "c", wave: undefined, dependsOn: ["b"] },
      ],
      criticalPath: [],
    });
    const html = render([record]);
    expect(count(html, /class="dag-node /)).toBe(3);
    expect(count(html, /class="dag-edge/)).toBe(3);
  });
});

describe("what the dashboard says and draws", () => {
  it("says insufficient data, not FAIL, when there are hybrid runs but no sequential ones", () => {
    const html = render([makeRecord({ runId: "h1" }), makeRecord({ runId: "h2" })]);
    expect(html).toContain(`<section id="comparison" data-verdict="insufficient-data">`);
    expect(html).toContain(`<span class="insufficient-data">INSUFFICIENT DATA</span>`);
    expect(html).toContain("0 sequential and 0 hybrid matched runs; at least 5 of each are needed");
    expect(html).not.toMatch(/>FAIL</);
  });

  it("draws a dashed threshold line on the charts that have a threshold, at the configured value", async () => {
    const html = render(await recordHistory(2), { thresholds: { durationImprovementPct: 25 } });
    const chart = (metric: string) => html.slice(html.indexOf(`data-metric="${metric}"><figcaption>`), html.indexOf("</figure>", html.indexOf(`data-metric="${metric}"><figcaption>`)));
    expect(chart("median_duration_improvement_pct")).toMatch(/<line class="threshold" data-threshold="25"/);
    expect(chart("median_token_savings_pct")).toMatch(/<line class="threshold" data-threshold="35"/);
    expect(chart("run_success_rate_pct")).toMatch(/<line class="threshold" data-threshold="99"/);
    expect(chart("gate_bypass_incidents")).not.toContain("threshold");
    // Axes carry round ticks between their ends, not only min and max.
    expect(count(chart("run_success_rate_pct"), /class="tick y-tick"/)).toBeGreaterThanOrEqual(4);
  });

  it("keeps a failed node's failure colour on the critical path and outlines it", () => {
    const node = makeRecord().nodes[0]!;
    const record = makeRecord({
      nodes: [
        { ...node, id: "a", status: "succeeded" },
        { ...node, id: "b", dependsOn: ["a"], status: "failed", wave: 1 },
      ],
      criticalPath: ["a", "b"],
    });
    const html = render([record]);
    expect(html).toMatch(/<rect class="gantt-bar status-failed critical" data-node="b"/);
    expect(html).toMatch(/<g class="dag-node status-failed critical" data-node="b"/);
  });

  it("lays a 60-node DAG out with a row per node; above the limit it embeds the Mermaid text instead", () => {
    const node = makeRecord().nodes[0]!;
    const nodes = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...node, id: `node-${i}`, wave: Math.floor(i / 6), dependsOn: i < 6 ? [] : [`node-${i - 6}`, `node-${(i * 7) % 6}`] }));
    const sixty = render([makeRecord({ nodes: nodes(60), criticalPath: [] })]);
    const dagSvg = sixty.slice(sixty.indexOf('<svg class="chart-svg dag"'), sixty.indexOf("</svg>", sixty.indexOf('<svg class="chart-svg dag"')));
    const ys = [...dagSvg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(60);
    expect(new Set(ys).size).toBe(60); // one row each: no two nodes share a line
    expect(count(dagSvg, /class="node-label"/)).toBe(60);

    const big = makeRecord({ nodes: nodes(DAG_MAX_DRAWN + 1), criticalPath: [] });
    const html = render([big]);
    expect(html).not.toContain('<svg class="chart-svg dag"');
    expect(html).toContain(`${DAG_MAX_DRAWN + 1} nodes: too many to draw legibly`);
    expect(html).toContain(escapeHtml(mermaidOf(big)).slice(0, 200));
  });

  it("writes Mermaid text that names nodes safely", () => {
    const node = makeRecord().nodes[0]!;
    const text = mermaidOf(makeRecord({ nodes: [{ ...node, id: `a"#b` }, { ...node, id: "c", dependsOn: [`a"#b`, "ghost"] }] }));
    expect(text).toBe('flowchart LR\n  n0["a#quot;#35;b"]\n  n1["c"]\n  n0 --> n1\n');
  });
});
