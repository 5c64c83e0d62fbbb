// Every command of the built bin as a real child process: its human output, its `--json` document
// (parsed: nothing else on stdout), and its exit codes 0, 1 and 3 (2 is cli-bad-input's, 130 cli-kill's).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILD_TIMEOUT_MS, buildCli, FIXTURES, hybrid, jsonOf, listing, SIDE_EFFECT_AGENT, startHybrid, tempDir } from "./fixtures/cli/cli.js";

const ECHO = "node agents/echo-agent.mjs";
const FAILING = `node -e "process.exit(3)"`;

/** A folder `hybrid init` has set up. */
async function initialised(): Promise<string> {
  const dir = tempDir();
  const init = await hybrid(["init"], { cwd: dir });
  expect(init.code, init.stderr).toBe(0);
  return dir;
}

beforeAll(() => buildCli(), BUILD_TIMEOUT_MS);

// Generous: several processes each, and a busy 2-core machine runs them slowly (no wall-clock assertion).
describe.concurrent("hybrid CLI commands", { timeout: 240_000 }, () => {
  it("--help lists every command; --version prints the package's", async () => {
    const [help, version] = await Promise.all([hybrid(["--help"]), hybrid(["--version"])]);
    expect(help.code).toBe(0);
    for (const command of ["init", "plan", "run", "resume", "report", "flags", "rollout"]) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(version.code).toBe(0);
    const { version: expected } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(expected);
  });

  it("init writes the config, workflow and agent, prints the next commands, refuses to overwrite without --force", async () => {
    const root = tempDir();
    const first = await hybrid(["init", "project", "--json"], { cwd: root });
    expect(first.code, first.stderr).toBe(0);
    const doc = jsonOf(first);
    expect(doc.files).toEqual(["hybrid.config.yaml", "workflows/example.yaml", "agents/echo-agent.mjs"]);
    expect(doc.next).toEqual(["cd project && hybrid plan workflows/example.yaml", `cd project && hybrid run workflows/example.yaml --runner command --command '${ECHO}'`]);
    const config = readFileSync(join(root, "project/hybrid.config.yaml"), "utf8");
    expect(config).toMatch(/^# hybrid\.config\.yaml, written by `hybrid init`/);
    expect(config).toMatch(/^ {2}hybrid_orchestration_enabled: false$/m);
    writeFileSync(join(root, "project/workflows/example.yaml"), "# mine\n");
    const before = listing(join(root, "project"));
    const again = await hybrid(["init", "project"], { cwd: root });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/workflows\/example\.yaml/);
    expect(listing(join(root, "project"))).toEqual(before);
    const forced = await hybrid(["init", "project", "--force"], { cwd: root });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^next:$/m);
    expect(readFileSync(join(root, "project/workflows/example.yaml"), "utf8")).toMatch(/^version: 1$/m);
  });

  it("the init workflow plans, and runs with --runner command and its stand-in agent", async () => {
    const dir = await initialised();
    const [text, json, mermaid] = await Promise.all([
      hybrid(["plan", "workflows/example.yaml"], { cwd: dir }),
      hybrid(["plan", "workflows/example.yaml", "--json"], { cwd: dir }),
      hybrid(["plan", "workflows/example.yaml", "--format", "mermaid"], { cwd: dir }),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/wave 2: implement, write-docs/);
    expect(text.stdout).toMatch(/estimated makespan: sequential 4\.5 min, hybrid 3\.5 min/);
    const plan = jsonOf(json);
    expect(Object.keys(plan)).toEqual(["workflowId", "planHash", "waves", "criticalPath", "sequentialOrder", "estimates"]);
    expect(plan).toMatchObject({
      workflowId: "example",
      waves: [["design"], ["implement", "write-docs"], ["review"]],
      criticalPath: { nodes: ["design", "implement", "review"], length: 210_000 },
      sequentialOrder: ["design", "implement", "write-docs", "review"],
      estimates: { sequential: { makespanMs: 270_000 }, hybrid: { makespanMs: 210_000, maxParallel: 4 }, unestimated: [] },
    });
    expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
    expect(mermaid.stdout).toMatch(/class n\d+,n\d+,n\d+ critical/);

    const run = await hybrid(["run", "workflows/example.yaml", "--runner", "command", "--command", ECHO, "--json"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const result = jsonOf(run);
    expect(result).toMatchObject({ mode: "sequential", strategyReason: "flag-off", status: "succeeded", workflowId: "example", planHash: plan.planHash });
    expect(Object.keys(result.nodes).sort()).toEqual(["design", "implement", "review", "write-docs"]);
    expect(result.metrics).toEqual(result.record.metrics);
    expect(result.metrics.node_count).toBe(4);
    expect(run.stderr).toMatch(/hybrid is off .*--mode hybrid runs the graph/);
  });

  it("run --mode hybrid and sequential override the flags; the kill switch still wins and says so", async () => {
    const dir = await initialised();
    const [hybridRun, sequentialRun, killed] = await Promise.all([
      hybrid(["run", "workflows/example.yaml", "--mode", "hybrid", "--seed", "3", "--json"], { cwd: dir }),
      hybrid(["run", "workflows/example.yaml", "--mode", "sequential", "--seed", "3", "--json"], { cwd: dir, env: { HYBRID_ORCHESTRATION_ENABLED: "true", HYBRID_ROLLOUT_PERCENTAGE: "100" } }),
      hybrid(["run", "workflows/example.yaml", "--mode", "hybrid", "--json"], { cwd: dir, env: { HYBRID_KILL_SWITCH: "true" } }),
    ]);
    expect(jsonOf(hybridRun)).toMatchObject({ mode: "hybrid", strategyReason: "hybrid", status: "succeeded" });
    expect(hybridRun.code).toBe(0);
    expect(jsonOf(sequentialRun)).toMatchObject({ mode: "sequential", status: "succeeded" });
    expect(jsonOf(killed)).toMatchObject({ mode: "sequential", strategyReason: "kill-switch", status: "succeeded" });
    expect(killed.stderr).toMatch(/kill switch is on \(env HYBRID_KILL_SWITCH\): the run goes sequential despite --mode hybrid/);
  });

  it("a failed run exits 1; resume --retry-failed with a working agent finishes it; a changed --workflow is refused (3) unless --force", async () => {
    const dir = await initialised();
    const failed = await hybrid(["run", "workflows/example.yaml", "--runner", "command", "--command", FAILING, "--run-id", "r1", "--json"], { cwd: dir });
    expect(failed.code).toBe(1);
    const doc = jsonOf(failed);
    expect(doc).toMatchObject({ status: "failed", resumeCommand: "hybrid resume r1 --state-dir .hybrid" });
    expect(doc.postMortem.failed[0].node).toBe("design");
    const workflow = join(dir, "workflows/example.yaml");
    writeFileSync(workflow, readFileSync(workflow, "utf8").replace("estimateMs: 30000", "estimateMs: 31000"));
    const edited = ["--workflow", "workflows/example.yaml", "--retry-failed", "--command", ECHO];
    const refused = await hybrid(["resume", "r1", ...edited, "--json"], { cwd: dir });
    expect(refused.code).toBe(3);
    expect(jsonOf(refused).error).toMatchObject({ exitCode: 3 });
    expect(refused.stderr).toMatch(/review/);
    const forced = await hybrid(["resume", "r1", ...edited, "--force", "--json"], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(jsonOf(forced)).toMatchObject({ runId: "r1", status: "succeeded" });
    // Edited again: a plain resume runs the saved workflow (here: nothing left) and says the file changed.
    writeFileSync(workflow, readFileSync(workflow, "utf8").replace("estimateMs: 31000", "estimateMs: 32000"));
    const again = await hybrid(["resume", "r1"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/run r1 succeeded/);
    expect(again.stderr).toMatch(/example\.yaml changed since the run started; .*--force resumes with the edited one/);
  });

  it("resume of a run another process holds exits 3 (locked)", async () => {
    const dir = tempDir();
    const effects = join(dir, "effects.log");
    const running = startHybrid(["run", join(FIXTURES, "crash.yaml"), "--runner", "command", "--command", SIDE_EFFECT_AGENT, "--run-id", "held"], {
      cwd: dir,
      env: { SIDE_EFFECTS: effects, AGENT_SLEEP_MS: "3000" },
    });
    while (!existsSync(effects)) await new Promise((resolve) => setTimeout(resolve, 50));
    const locked = await hybrid(["resume", "held", "--json"], { cwd: dir });
    running.child.kill("SIGINT");
    expect(locked.code, locked.stderr).toBe(3);
    expect(jsonOf(locked).error).toMatchObject({ code: "locked", exitCode: 3 });
    expect((await running.done).code).toBe(130);
  });

  it("report: the comparison, the trend, the dashboard, validation (exit 1 on a bad record)", async () => {
    const dir = await initialised();
    for (const mode of ["sequential", "hybrid"]) {
      const ran = await hybrid(["run", "workflows/example.yaml", "--mode", mode, "--seed", "1"], { cwd: dir });
      expect(ran.code, ran.stderr).toBe(0);
    }
    const [report, compare, html, valid] = await Promise.all([
      hybrid(["report", "--json", "--by", "week"], { cwd: dir }),
      hybrid(["report", "--compare", "--json"], { cwd: dir }),
      hybrid(["report", "--html", "out/dashboard.html"], { cwd: dir }),
      hybrid(["report", "--validate", "--json"], { cwd: dir }),
    ]);
    expect(report.code).toBe(0);
    expect(jsonOf(report)).toMatchObject({ runs: 2, trend: { by: "week" }, comparison: { verdict: "insufficient-data" } });
    expect(jsonOf(compare)).toMatchObject({ runs: { sequential: 1, hybrid: 1 }, verdict: "insufficient-data" });
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/Verdict: INSUFFICIENT DATA/);
    expect(html.stdout).toContain(`dashboard: ${join(dir, "out/dashboard.html")}`);
    expect(readFileSync(join(dir, "out/dashboard.html"), "utf8")).toMatch(/^<!doctype html>/i);
    expect(jsonOf(valid)).toMatchObject({ total: 2, valid: 2, complete: true });
    writeFileSync(join(dir, ".hybrid/runs.jsonl"), `${readFileSync(join(dir, ".hybrid/runs.jsonl"), "utf8")}{"runId":"broken"}\n{"also":"broken"}\n`);
    const [invalid, corrupt] = await Promise.all([hybrid(["report", "--validate", "--json"], { cwd: dir }), hybrid(["report"], { cwd: dir })]);
    expect(invalid.code).toBe(1);
    expect(jsonOf(invalid)).toMatchObject({ total: 4, valid: 2, complete: false });
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/runs\.jsonl/);
  });

  it("report on an empty state dir reads nothing and writes nothing", async () => {
    const dir = tempDir();
    const report = await hybrid(["report", "--json"], { cwd: dir });
    expect(report.code).toBe(0);
    expect(jsonOf(report)).toMatchObject({ runs: 0 });
    expect(listing(join(dir, ".hybrid"))).toEqual(["(absent)"]);
  });

  it("flags: every value with its source; --workflow says which mode and why", async () => {
    const dir = await initialised();
    const [plain, json] = await Promise.all([
      hybrid(["flags"], { cwd: dir }),
      hybrid(["flags", "--json", "--workflow", "workflows/example.yaml"], { cwd: dir, env: { HYBRID_KILL_SWITCH: "true", HYBRID_ORCHESTRATION_ENABLED: "true" } }),
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/kill_switch\s+false\s+file hybrid\.config\.yaml:\d+:\d+/);
    const doc = jsonOf(json);
    expect(doc.file).toBe("hybrid.config.yaml");
    expect(doc.flags.kill_switch).toEqual({ value: true, source: { kind: "env", variable: "HYBRID_KILL_SWITCH" }, from: "env HYBRID_KILL_SWITCH" });
    expect(doc.flags.parallel_graph_enabled).toMatchObject({ value: true, source: { kind: "file" } });
    expect(doc.rollout.percentage).toMatchObject({ value: 0 });
    expect(doc.strategy).toEqual({ workflowId: "example", mode: "sequential", reason: "kill-switch" });
  });

  it("rollout status, advance (refused: exit 1 with every reason), check, resume", async () => {
    const dir = tempDir();
    const status = await hybrid(["rollout", "status", "--json"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(jsonOf(status)).toMatchObject({ stage: 0, tracked: false, nextStage: 5, blockers: [] });
    expect(listing(join(dir, ".hybrid"))).toEqual(["(absent)"]);
    const advanced = await hybrid(["rollout", "advance", "--json"], { cwd: dir });
    expect(advanced.code, advanced.stderr).toBe(0);
    expect(jsonOf(advanced)).toMatchObject({ from: 0, to: 5 });
    const [refused, checked, notKilled, text] = await Promise.all([
      hybrid(["rollout", "advance", "--json"], { cwd: dir, env: { HYBRID_ROLLOUT_PERCENTAGE: undefined } }),
      hybrid(["rollout", "check", "--json"], { cwd: dir }),
      hybrid(["rollout", "resume", "--reason", "fixed"], { cwd: dir }),
      hybrid(["rollout", "status"], { cwd: dir }),
    ]);
    expect(refused.code).toBe(1);
    expect(jsonOf(refused).error).toMatchObject({ code: "rollout-refused", problems: [expect.objectContaining({ code: "dwell" })] });
    expect(checked.code).toBe(0);
    expect(jsonOf(checked)).toMatchObject({ tripped: false, killSwitch: false });
    expect(notKilled.code).toBe(1);
    expect(notKilled.stderr).toMatch(/not-killed/);
    expect(text.stdout).toMatch(/^rollout stage 5% \(since /);
    expect(text.stdout).toMatch(/advance: blocked\n {2}- stage 5% has lasted/);
  });
});
