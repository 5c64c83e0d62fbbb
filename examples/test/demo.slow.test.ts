// `pnpm demo` as a user runs it: the example epic planned, run in both modes through the `hybrid`
// CLI, compared, and the dashboard written; earlier runs kept (seeds continue), --fresh wipes them.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("../demo.ts", import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), "hybrid-demo-"));

function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=@hybrid/source", "--import", "tsx", script, "--state-dir", stateDir, ...args],
      { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: "1" }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** The run records in the state dir: run id, mode, seed and status. */
function records(): Array<{ runId: string; mode: string; status: string; seed?: number }> {
  const file = join(stateDir, "runs.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { runId: string; mode: string; status: string; seed?: number });
}

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("pnpm demo", () => {
  it("plans the epic, runs it 5 times in each mode through the CLI, compares them and writes the dashboard file", async () => {
    const run = await demo(["--fresh"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^hybrid-epic-7: 17 nodes in 8 waves/m);
    expect(run.stdout).toMatch(/seeds 1\.\.5\n/);
    const ids = records().map((r) => `${r.runId} ${r.mode}`);
    expect(ids.sort()).toEqual([1, 2, 3, 4, 5].flatMap((seed) => [`demo-${seed}-hybrid hybrid`, `demo-${seed}-sequential sequential`]).sort());
    // Enough matched runs for a verdict: pass or fail, never "insufficient data".
    expect(run.stdout).toMatch(/^Verdict: (PASS|FAIL)\b/m);
    expect(run.stdout).toMatch(/5 sequential and 5 hybrid runs/);
    const dashboard = join(stateDir, "dashboard.html");
    expect(run.stdout.trimEnd().split("\n")).toContain(`dashboard: ${dashboard}`);
    expect(statSync(dashboard).isFile()).toBe(true);
    expect(readFileSync(dashboard, "utf8")).toMatch(/^<!doctype html>/i);
  }, 600_000);

  it("keeps earlier runs and continues their seeds, so the comparison and the trends grow", async () => {
    const run = await demo(["--runs", "1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/seeds 6\.\.6; 5 earlier pair\(s\) kept/);
    expect(records()).toHaveLength(12);
    expect(readdirSync(join(stateDir, "runs")).filter((name) => name.startsWith("demo-6-")).sort()).toEqual(["demo-6-hybrid", "demo-6-sequential"]);
    expect(run.stdout).toMatch(/6 sequential and 6 hybrid runs/);
  }, 300_000);

  it("wipes them with --fresh", async () => {
    const run = await demo(["--fresh", "--runs", "1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(records().map((r) => r.runId).sort()).toEqual(["demo-1-hybrid", "demo-1-sequential"]);
    expect(run.stdout).toMatch(/^Verdict: INSUFFICIENT DATA/m);
  }, 300_000);

  it("stops at a workflow the CLI refuses, with its exit code", async () => {
    const run = await demo([join(root, "examples/workflows/missing.yaml"), "--runs", "1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing\.yaml/);
  }, 120_000);
});
