import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDashboard, trend, type RunRecord } from "../src/index.js";
import { TREND_METRICS } from "../src/trend.js";
import { createMemoryRunSink, createTelemetry } from "../src/index.js";
import { recordHistory } from "./fixtures/history.js";

// Debian's chromium (apt-get install -y chromium). Under CI=true a missing browser fails the
// test (the launch throws); elsewhere the suite skips with a message.
const CHROMIUM = process.env.HYBRID_CHROMIUM ?? "/usr/bin/chromium";
const inCi = process.env.CI === "true";
const available = existsSync(CHROMIUM);
if (!available && !inCi) {
  console.warn(`[telemetry] skipping the Chromium dashboard test: no browser at ${CHROMIUM} (apt-get install -y chromium)`);
}
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const redact = (text: string) => text;

/** A run whose critical path ends in a failed node (d), newer than the history: the run the page shows. */
async function failingRun(at: number): Promise<RunRecord> {
  const sink = createMemoryRunSink();
  const telemetry = createTelemetry({ sinks: [sink], redact, onWarning: () => undefined });
  const ev = (t: number, type: string, rest: Record<string, unknown>) => telemetry.handle({ type, runId: "failing-run", at: at + t, ...rest });
  const nodes = [
    { id: "design", agent: "architect", wave: 0, dependsOn: [] },
    { id: "api", agent: "backend", wave: 1, dependsOn: ["design"] },
    { id: "docs", agent: "writer", wave: 1, dependsOn: ["design"] },
    { id: "deploy-to-a-very-long-environment-name", agent: "ops", wave: 2, dependsOn: ["api", "docs"] },
  ];
  ev(0, "run.started", { workflowId: "epic-7", taskType: "feature", mode: "eager", planHash: "p", nodes });
  const span = (id: string, agent: string, from: number, to: number, ok: boolean) => {
    ev(from, "node.dispatched", { nodeId: id, agent, attempt: 1 });
    if (ok) ev(to, "node.succeeded", { nodeId: id, agent, attempt: 1, tokens: { input: 100, output: 10 } });
    else ev(to, "node.failed", { nodeId: id, agent, attempt: 1, final: true, category: "permanent", error: { message: "exit 1" } });
  };
  span("design", "architect", 0, 60_000, true);
  span("api", "backend", 60_000, 150_000, true);
  span("docs", "writer", 60_000, 90_000, true);
  span("deploy-to-a-very-long-environment-name", "ops", 150_000, 200_000, false);
  ev(200_000, "run.completed", { status: "failed" });
  telemetry.startRun({ mode: "hybrid", workflowContentHash: "sha256:epic-7" });
  await telemetry.finish();
  return sink.records[0]!;
}

interface Box {
  what: string;
  x: number;
  y: number;
  right: number;
  bottom: number;
}

/** Every mark of every chart whose box is not inside its own SVG's box, or not inside the page's width. */
async function marksOutside(page: Page): Promise<{ checked: number; outside: string[] }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { documentElement: { clientWidth: number }; querySelectorAll(s: string): ArrayLike<Element> } }).document;
    interface Element {
      getBoundingClientRect(): { left: number; top: number; right: number; bottom: number; width: number };
      querySelectorAll(s: string): ArrayLike<Element>;
      getAttribute(n: string): string | null;
      tagName: string;
      textContent: string | null;
    }
    const width = doc.documentElement.clientWidth;
    const outside: string[] = [];
    let checked = 0;
    const marks = "circle, text, rect.gantt-bar, line.threshold, path.dag-edge";
    for (const svg of Array.from(doc.querySelectorAll("svg.chart-svg"))) {
      const frame = svg.getBoundingClientRect();
      for (const mark of Array.from(svg.querySelectorAll(marks))) {
        const box = mark.getBoundingClientRect();
        checked += 1;
        const inside = box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5 && box.top >= frame.top - 0.5 && box.bottom <= frame.bottom + 0.5;
        if (!inside || box.right > width) {
          outside.push(`${svg.getAttribute("aria-label")}: <${mark.tagName} class="${mark.getAttribute("class")}">${(mark.textContent ?? "").slice(0, 30)}`);
        }
      }
    }
    for (const legend of Array.from(doc.querySelectorAll(".legend > span"))) {
      checked += 1;
      if (legend.getBoundingClientRect().right > width) outside.push(`legend ${legend.textContent}`);
    }
    return { checked, outside };
  });
}

describe.skipIf(!available && !inCi)("dashboard in headless Chromium", () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    dir = await mkdtemp(join(tmpdir(), "hybrid-dashboard-"));
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string, width: number): Promise<{ page: Page; errors: string[]; requests: string[]; url: string }> {
    const file = join(dir, name);
    await writeFile(file, html);
    const url = pathToFileURL(file).href;
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url, { waitUntil: "load" });
    return { page, errors, requests, url };
  }

  it("shows every chart mark inside its chart and the page, threshold lines, and failed critical nodes in the failure colour", async () => {
    const history = await recordHistory(5);
    const records = [...history, await failingRun(Math.max(...history.map((r) => r.startedAt)) + 3_600_000)];
    const html = renderDashboard(records, { redact, by: "day", groupBy: "taskType", maxRuns: 12, title: "hybrid <dashboard>" });
    for (const width of [1280, 820]) {
      const { page, errors, requests, url } = await open(html, `dashboard-${width}.html`, width);
      expect(await page.title()).toBe("hybrid <dashboard>");
      const t = trend(records, { by: "day", groupBy: "taskType" });
      for (const metric of TREND_METRICS) {
        const expected = t.points.filter((p) => p.metrics[metric] !== null).length;
        expect(await page.locator(`svg circle.point[data-metric="${metric}"]`).count(), metric).toBe(expected);
      }
      expect(await page.locator("rect.run-bar").count()).toBe(12);

      const { checked, outside } = await marksOutside(page);
      expect(checked).toBeGreaterThan(150); // not vacuous: points, ticks, bars, dots, labels
      expect(outside, `marks outside their chart at ${width}px`).toEqual([]);
      // Nothing makes the page scroll sideways.
      expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement.scrollWidth <= (globalThis as unknown as { document: { documentElement: { clientWidth: number } } }).document.documentElement.clientWidth)).toBe(true);

      // Threshold lines are drawn, visible, and at the threshold's height on its axis.
      for (const metric of ["median_duration_improvement_pct", "median_token_savings_pct", "run_success_rate_pct"]) {
        const line = page.locator(`figure[data-metric="${metric}"] line.threshold`);
        expect(await line.count(), metric).toBe(1);
        expect((await line.boundingBox())!.width).toBeGreaterThan(100);
      }
      // Axes have round ticks between their ends.
      expect(await page.locator(`figure[data-metric="run_success_rate_pct"] text.y-tick`).count()).toBeGreaterThanOrEqual(4);

      // The failed node on the critical path keeps the failure colour, outlined as critical.
      expect(await page.locator("section#run").getAttribute("data-run-id")).toBe("failing-run");
      const style = (selector: string) =>
        page.locator(selector).evaluate((el) => {
          const s = (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string; stroke: string; strokeWidth: string } }).getComputedStyle(el);
          return { fill: s.fill, stroke: s.stroke, strokeWidth: s.strokeWidth };
        });
      const failedBar = 'rect.gantt-bar[data-node="deploy-to-a-very-long-environment-name"]';
      expect(await page.locator(failedBar).getAttribute("data-critical")).toBe("true");
      expect(await style(failedBar)).toEqual({ fill: "rgb(220, 38, 38)", stroke: "rgb(17, 24, 39)", strokeWidth: "2.5px" });
      expect(await style('g.dag-node[data-node="deploy-to-a-very-long-environment-name"] circle')).toEqual({ fill: "rgb(220, 38, 38)", stroke: "rgb(17, 24, 39)", strokeWidth: "2.5px" });
      expect((await style('rect.gantt-bar[data-node="design"]')).fill).toBe("rgb(96, 165, 250)");
      expect((await style('rect.gantt-bar[data-node="docs"]')).stroke).toBe("none"); // not on the critical path

      const shot = join(ARTIFACTS, `dashboard-${width}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      await page.close();
    }
  });

  it("shows a no-data state and INSUFFICIENT DATA for an empty store", async () => {
    const { page, errors } = await open(renderDashboard([], { redact }), "empty.html", 1280);
    expect(await page.locator("text.no-data").count()).toBe(TREND_METRICS.length + 1);
    for (const box of await Promise.all((await page.locator("text.no-data").all()).map((l) => l.boundingBox()))) expect(box!.width).toBeGreaterThan(20);
    expect(await page.locator("section#comparison h2").innerText()).toBe("Sequential vs hybrid: INSUFFICIENT DATA");
    expect(await page.locator("section#run").innerText()).toContain("No runs recorded yet.");
    expect((await marksOutside(page)).outside).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-empty.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
