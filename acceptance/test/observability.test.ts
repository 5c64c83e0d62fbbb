// The observability suite over real records written by the built CLI, then over planted faults:
// each fault must turn its check red.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { observabilitySuite } from "../src/categories/observability.js";
import { hybrid } from "../src/cli.js";
import type { StateDirUse, SuiteContext } from "../src/contract.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(repoRoot, "packages/hybrid/dist/cli/bin.js");
const workflow = join(repoRoot, "examples/workflows/bugfix-release.yaml");

const context = (stateDirs: StateDirUse[]): SuiteContext => ({ full: false, seed: 1, workDir: tmpdir(), repoRoot, bin, stateDirs, log: () => {} });
const verdicts = async (stateDirs: StateDirUse[]) => {
  const outcome = (await observabilitySuite.run(context(stateDirs))).observability!;
  return Object.fromEntries(outcome.checks.map((c) => [c.name, c.pass]));
};

let stateDir: string;
beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "acceptance-observability-"));
  for (const mode of ["sequential", "hybrid"]) {
    const cli = await hybrid(bin, ["run", workflow, "--mode", mode, "--state-dir", stateDir, "--time-scale", "0.0005", "--seed", "3"]);
    expect(cli.code, cli.stderr).toBe(0);
  }
}, 60_000);

describe("the observability suite", () => {
  it("passes on the records of two finished runs", async () => {
    expect(await verdicts([{ dir: stateDir, runs: 2 }])).toEqual({
      "records valid, with every required metric": true,
      "finished runs that left a record": true,
      "required metrics missing": true,
      "torn store tails": true,
    });
  });

  it("fails when a finished run left no record", async () => {
    expect((await verdicts([{ dir: stateDir, runs: 3 }]))["finished runs that left a record"]).toBe(false);
  });

  it("fails on a record without a required metric, and on a torn tail", async () => {
    const copy = mkdtempSync(join(tmpdir(), "acceptance-observability-bad-"));
    const [first] = readFileSync(join(stateDir, "runs.jsonl"), "utf8").trim().split("\n");
    const record = JSON.parse(first!) as { runId: string; metrics: Record<string, number> };
    delete record.metrics.cache_hit_l3;
    writeFileSync(join(copy, "runs.jsonl"), `${first}\n${JSON.stringify({ ...record, runId: "other" })}\n`);
    const bad = await verdicts([{ dir: copy, runs: 2 }]);
    expect(bad["records valid, with every required metric"]).toBe(false);
    expect(bad["required metrics missing"]).toBe(false);
    appendFileSync(join(copy, "runs.jsonl"), '{"runId":"torn');
    expect((await verdicts([{ dir: copy, runs: 1 }]))["torn store tails"]).toBe(false);
  });

  it("fails when there is nothing to validate", async () => {
    expect((await verdicts([]))["records valid, with every required metric"]).toBe(false);
  });
});
