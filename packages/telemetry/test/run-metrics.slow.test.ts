import { describe, expect, it } from "vitest";
import { createTelemetry, renderDashboard } from "../src/index.js";
import { chainRun } from "./fixtures/chain.js";

describe("a 200,000-node chain end to end", () => {
  it("finish() records it, and the dashboard renders it without drawing 200,000 rows", async () => {
    const telemetry = createTelemetry({ redact: (text) => text, onWarning: () => undefined });
    for (const event of chainRun(200_000)) telemetry.handle(event);
    const record = await telemetry.finish();
    expect(record.metrics.critical_path_ms).toBe(400_000);
    expect(record.criticalPath).toHaveLength(200_000);
    const html = renderDashboard([record], { redact: (text) => text });
    expect(html).toContain("200000 nodes: the chart shows the first 300 of the 200000 on the critical path.");
    expect(html).toContain("200000 nodes: too many to draw or to embed as Mermaid text.");
    expect((html.match(/class="gantt-bar /g) ?? []).length).toBe(300);
  });
});
