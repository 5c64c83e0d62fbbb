// A `hybrid run` SIGKILLed after it saved how it was started (cli.json) but before the journal's first
// event leaves a run id that `run` refuses ("continue it with hybrid resume"): `resume` must then
// start the run, not stop with "no journal". The killed state is made exactly: the cli.json of a
// finished run copied under a new id, which is what such a kill leaves behind.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli, FIXTURES, hybrid, jsonOf, SIDE_EFFECT_AGENT, tempDir } from "./fixtures/cli/cli.js";

const CRASH_WORKFLOW_FILE = join(FIXTURES, "crash.yaml");

beforeAll(() => buildCli(), BUILD_TIMEOUT_MS);

describe("hybrid resume of a run killed before its journal began", { timeout: 240_000 }, () => {
  it("starts the run under its id, with the saved runner, and finishes it", async () => {
    const dir = tempDir();
    const env = { SIDE_EFFECTS: join(dir, "effects.log"), AGENT_SLEEP_MS: "20" };
    const first = await hybrid(["run", CRASH_WORKFLOW_FILE, "--runner", "command", "--command", SIDE_EFFECT_AGENT, "--run-id", "done"], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    mkdirSync(join(dir, ".hybrid/runs/unstarted"));
    copyFileSync(join(dir, ".hybrid/runs/done/cli.json"), join(dir, ".hybrid/runs/unstarted/cli.json"));

    const again = await hybrid(["run", CRASH_WORKFLOW_FILE, "--runner", "command", "--command", SIDE_EFFECT_AGENT, "--run-id", "unstarted"], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/continue it with `hybrid resume unstarted/);

    const resumed = await hybrid(["resume", "unstarted", "--json"], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/run unstarted was stopped before it started; starting it now/);
    expect(jsonOf(resumed)).toMatchObject({ runId: "unstarted", status: "succeeded" });
    const journal = readFileSync(join(dir, ".hybrid/runs/unstarted/journal.jsonl"), "utf8");
    expect(journal).toMatch(/"type":"run\.started"/);
  });
});
