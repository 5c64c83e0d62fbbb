import { describe, expect, it } from "vitest";
import type { CategoryId, Check } from "../src/contract.js";
import { assembleCategories, renderMarkdown, renderSummary } from "../src/report.js";
import type { AcceptanceReport, SuiteResult } from "../src/report.js";

const check = (pass: boolean, name = "violations"): Check => ({ name, measured: pass ? "0" : "3", threshold: "0", pass, n: 200, unit: "runs" });
const outcome = (...checks: Check[]) => ({ outcome: { checks, seeds: [1, 2], notes: ["agents simulated"], stateDirs: [] }, durationMs: 1000 });

function report(results: Map<CategoryId, SuiteResult>): AcceptanceReport {
  const { categories, failedGating } = assembleCategories(results);
  return {
    version: 1,
    mode: "reduced",
    startedAt: "2026-11-29T00:00:00.000Z",
    durationMs: 5000,
    seed: 1,
    command: "pnpm acceptance",
    commit: "abc1234",
    machine: { cpus: 2, node: "20.20.2", platform: "linux-x64", loadAverage: [1, 1, 1] },
    simulated: "Agents were simulated.",
    categories,
    failedGating,
  };
}

describe("assembleCategories", () => {
  it("fails a gating category on one failed check, an error, or nothing measured; a timing category never gates", () => {
    const results = new Map<CategoryId, SuiteResult>([
      ["compatibility", outcome(check(true))],
      ["correctness", outcome(check(true), check(false, "cap exceeded"))],
      ["recovery", { error: "Error: boom", durationMs: 10 }],
      ["security", { durationMs: 10 }],
      ["governance", outcome()],
      ["performance", outcome(check(false, "duration"))],
    ]);
    const { categories, failedGating } = assembleCategories(results);
    // Matrix order, whatever order the suites ran in.
    expect(categories.map((c) => c.id)).toEqual(["correctness", "performance", "recovery", "security", "governance", "compatibility"]);
    expect(failedGating).toEqual(["correctness", "recovery", "security", "governance"]);
    expect(categories.find((c) => c.id === "performance")).toMatchObject({ status: "FAIL", gating: false });
    expect(categories.find((c) => c.id === "compatibility")).toMatchObject({ status: "PASS", gating: true });
    expect(categories.find((c) => c.id === "security")!.error).toMatch(/returned nothing/);
  });
});

describe("the rendered report", () => {
  it("prints each check with its N, spread and result, the seeds and that agents were simulated", () => {
    const md = renderMarkdown(report(new Map([["correctness", outcome(check(true), { ...check(false, "a | b"), spread: "95% CI 1–2%" })]])));
    expect(md).toContain("**Agents were simulated.**");
    expect(md).toContain("| a \\| b | 3 | 0 | 200 runs | 95% CI 1–2% | **FAIL** |");
    expect(md).toContain("- Seeds: 1, 2.");
    expect(md).toContain("Gating categories that failed: correctness (exit 1).");
  });

  it("marks a failed timing category as reported, not gating, in the summary", () => {
    const summary = renderSummary(report(new Map([["performance", outcome(check(false, "duration"))], ["security", outcome(check(true))]])));
    expect(summary).toMatch(/\| Performance \|.*\| 0\/1 \| \*\*FAIL\*\* \(reported\) \|/);
    expect(summary).toMatch(/\| Security \|.*\| 1\/1 \| PASS \|/);
  });
});
