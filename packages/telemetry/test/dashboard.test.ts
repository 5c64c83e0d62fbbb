import { describe, expect, it } from "vitest";
import { escapeHtml, renderDashboard, trend, TREND_METRICS, type RunRecord } from "../src/index.js";
import { recordHistory } from "./fixtures/history.js";
import { makeRecord } from "./fixtures/records.js";

const count = (html: string, pattern: RegExp) => (html.match(new RegExp(pattern.source, "g")) ?? []).length;

describe("renderDashboard", () => {
  it("draws a point per trend value, a bar per recent run, the Gantt and the DAG", async () => {
    const records = await recordHistory(4);
    const html = renderDashboard(records, { by: "day", maxRuns: 10 });
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
    const html = renderDashboard([record], { title: `Dash ${evil}` });
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
    expect(renderDashboard([])).toContain("No runs recorded yet.");
    const record = makeRecord({ runId: "r1", strategyReason: "token hunter2" });
    expect(renderDashboard([record], { runId: "nope" })).toContain("No run nope.");
    const redacted = renderDashboard([record], { runId: "r1", redact: (t) => t.replaceAll("r1", "RX") });
    expect(redacted).toContain(`data-run-id="RX"`);
    expect(() => renderDashboard([], { maxRuns: 0 })).toThrow(/maxRuns/);
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
    const html = renderDashboard([record]);
    expect(count(html, /class="dag-node /)).toBe(3);
    expect(count(html, /class="dag-edge/)).toBe(3);
  });
});
