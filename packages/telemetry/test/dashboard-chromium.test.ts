import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TREND_METRICS, renderDashboard, trend } from "../src/index.js";
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

describe.skipIf(!available && !inCi)("dashboard in headless Chromium", () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    dir = await mkdtemp(join(tmpdir(), "hybrid-dashboard-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads without console errors or network requests, with the expected marks", async () => {
    const records = await recordHistory(5);
    const html = renderDashboard(records, { by: "day", groupBy: "taskType", maxRuns: 12, title: "hybrid <dashboard>" });
    const file = join(dir, "dashboard.html");
    await writeFile(file, html);
    const url = pathToFileURL(file).href;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url, { waitUntil: "load" });

    expect(await page.title()).toBe("hybrid <dashboard>");
    const t = trend(records, { by: "day", groupBy: "taskType" });
    for (const metric of TREND_METRICS) {
      const expected = t.points.filter((p) => p.metrics[metric] !== null).length;
      expect(await page.locator(`svg circle.point[data-metric="${metric}"]`).count(), metric).toBe(expected);
    }
    expect(await page.locator("figure.trend-chart").count()).toBe(TREND_METRICS.length);
    expect(await page.locator("rect.run-bar").count()).toBe(12);
    const runId = await page.locator("section#run").getAttribute("data-run-id");
    const run = records.find((r) => r.runId === runId)!;
    const ran = run.nodes.filter((n) => n.startedAt !== undefined && n.endedAt !== undefined);
    expect(await page.locator("rect.gantt-bar").count()).toBe(ran.length);
    expect(await page.locator('rect.gantt-bar[data-critical="true"]').count()).toBe(
      ran.filter((n) => run.criticalPath.includes(n.id)).length,
    );
    expect(await page.locator("path.dag-edge").count()).toBe(run.nodes.reduce((s, n) => s + n.dependsOn.length, 0));
    // A critical bar is painted in the critical colour and has a real size.
    const critical = page.locator("rect.gantt-bar.critical").first();
    expect(await critical.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(el).fill)).toBe("rgb(220, 38, 38)");
    const box = await critical.boundingBox();
    expect(box!.width).toBeGreaterThan(0);

    await mkdir(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
