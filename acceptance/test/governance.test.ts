// The governance and compatibility oracles catch planted violations: a gate that decides by mode,
// a gate that never fails, a reason one byte off, a spurious failure, a failed or written golden.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GateLogEntry, QualityGate } from "@hybrid/hybrid";
import { createDefinitionOfDoneGate } from "@hybrid/hybrid";
import { afterAll, describe, expect, it } from "vitest";
import { diffLogs, judgeScenario, normaliseGateLog, recordGates, recordView, type Expected } from "../src/governance/gate-log.js";
import { goldenContents, parseVitestReport } from "../src/governance/golden.js";
import { MODES, readRuns, recordingAgent, runOnce } from "../src/governance/runs.js";
import { gateScenarios } from "../src/governance/scenarios.js";

const entry = (gate: string, decision: GateLogEntry["decision"], extra: Partial<GateLogEntry> = {}): GateLogEntry =>
  ({ gate, stage: "output", nodeId: "n1", passed: decision === "pass", decision, ...extra }) as GateLogEntry;

describe("gate-log comparison", () => {
  it("ignores only the order of entries", () => {
    const a = [entry("G5", "pass"), entry("G7", "pass"), entry("G10", "fail", { reason: "open", needsReview: true })];
    expect(diffLogs(normaliseGateLog(a), normaliseGateLog([...a].reverse()))).toEqual({ onlyA: [], onlyB: [] });
  });

  it("catches a reason one byte off, a missing needsReview, and a duplicated entry", () => {
    const a = [entry("G10", "fail", { reason: "1 of 2 criteria", needsReview: true })];
    expect(diffLogs(normaliseGateLog(a), normaliseGateLog([entry("G10", "fail", { reason: "1 of 2 criteria.", needsReview: true })])).onlyA).toHaveLength(1);
    expect(diffLogs(normaliseGateLog(a), normaliseGateLog([entry("G10", "fail", { reason: "1 of 2 criteria" })])).onlyB).toHaveLength(1);
    expect(diffLogs(normaliseGateLog([...a, ...a]), normaliseGateLog(a))).toEqual({ onlyA: normaliseGateLog(a), onlyB: [] });
  });

  it("reads a run's gates back from runs.jsonl, times dropped, and knows a missing run", () => {
    const jsonl = [
      JSON.stringify({ runId: "other", gates: [{ id: "G1", stage: "plan", decision: "fail", at: 1 }] }),
      JSON.stringify({ runId: "r1", gates: [{ id: "G7", stage: "output", node: "n1", decision: "pass", at: 5 }, { id: "G1", stage: "plan", decision: "pass", at: 2 }] }),
      "",
    ].join("\n");
    expect(recordGates(jsonl, "r1")).toEqual(recordView([entry("G1", "pass", { stage: "plan", nodeId: undefined }), entry("G7", "pass")]));
    expect(recordGates(jsonl, "r1")).not.toEqual(recordView([entry("G7", "fail")]));
    expect(recordGates(jsonl, "r2")).toBeNull();
  });
});

describe("judgeScenario", () => {
  const expected: Expected = { gate: "G7", stage: "output", nodeId: "n1", needsReview: false, statuses: { n1: "failed", n2: "blocked" }, runStatus: "failed", notDispatched: ["n2"] };
  const good = { status: "failed", gates: [entry("G5", "pass"), entry("G7", "fail", { reason: "no artifact" })], nodes: { n1: { status: "failed" }, n2: { status: "blocked" } }, dispatched: ["n1"] };

  it("accepts the documented outcome", () => {
    expect(judgeScenario(expected, good)).toEqual([]);
  });

  it("reports each planted departure", () => {
    expect(judgeScenario(expected, { ...good, gates: [entry("G7", "pass")] })).toContain("G7 did not fail at output on n1");
    expect(judgeScenario(expected, { ...good, gates: [entry("G7", "bypass", { reason: "off" })] })).toContain("G7 decided bypass, not fail");
    expect(judgeScenario(expected, { ...good, gates: [...good.gates, entry("G10", "fail", { reason: "open", needsReview: true })] }).join()).toMatch(/spurious: G10/);
    expect(judgeScenario(expected, { ...good, gates: [entry("G7", "fail")] })).toContain("G7 failed without a reason");
    expect(judgeScenario(expected, { ...good, status: "succeeded" })).toContain("run succeeded, documented failed");
    expect(judgeScenario(expected, { ...good, nodes: { n1: { status: "failed" }, n2: { status: "succeeded" } } })).toContain("node n2 succeeded, documented blocked");
    expect(judgeScenario(expected, { ...good, dispatched: ["n1", "n2"] })).toContain("the agent was called for n2");
    expect(judgeScenario({ ...expected, needsReview: true }, good)).toContain("G7 needsReview=false, documented true");
  });
});

describe("the oracles on real runs", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), "governance-test-"));
    dirs.push(dir);
    return dir;
  };

  it("a G10 that asks for review in hybrid mode only makes the two modes' logs differ", async () => {
    const builtIn = createDefinitionOfDoneGate();
    const modal: QualityGate = { ...builtIn, check: (c) => (c.mode === "hybrid" && c.node?.id === "build" ? { passed: false, needsReview: true, reason: "hybrid only" } : builtIn.check(c)) };
    const scenario = gateScenarios().find((s) => s.name === "G7")!;
    const dir = await scratch();
    const logs = [];
    for (const mode of MODES) {
      const result = await runOnce({ mode, workflow: scenario.workflow, runId: `modal-${mode}`, stateDir: dir, repoRoot: dir, agent: recordingAgent(1, 0), seed: 1, options: { gates: [modal] } });
      logs.push(normaliseGateLog(result.gates));
      // The file oracle sees the same log as the run returned.
      expect(recordGates(await readRuns(dir), `modal-${mode}`)).toEqual(recordView(result.gates));
    }
    const diff = diffLogs(logs[0]!, logs[1]!);
    expect(diff.onlyB.join()).toMatch(/hybrid only/);
  });

  it("a G7 that never fails is reported as not failing its scenario", async () => {
    const scenario = gateScenarios().find((s) => s.name === "G7")!;
    const lenient: QualityGate = { id: "G7", name: "always passes", stage: "output", check: () => ({ passed: true }) };
    const dir = await scratch();
    const agent = recordingAgent(1, 0, scenario.behaviour);
    const result = await runOnce({ mode: "hybrid", workflow: scenario.workflow, runId: "lenient", stateDir: dir, repoRoot: dir, agent, seed: 1, options: { gates: [lenient] } });
    const problems = judgeScenario(scenario.expected, { status: result.status, gates: result.gates, nodes: result.nodes, dispatched: agent.dispatched });
    expect(problems).toContain("G7 did not fail at output on review");
    expect(problems).toContain("run succeeded, documented failed");
  });
});

describe("the regression suite's report and goldens", () => {
  const report = (tests: Array<{ title: string; status: string; failureMessages?: string[] }>, snapshot = {}) =>
    JSON.stringify({ success: tests.every((t) => t.status === "passed"), snapshot, testResults: [{ assertionResults: tests }] });

  it("reads a failed golden test by scenario, and counts written snapshots", () => {
    const parsed = parseVitestReport(
      report(
        [
          { title: "has a scenario for every example workflow", status: "passed" },
          { title: "'bugfix-release.conflict': prompts, outputs and gate log byte for byte", status: "failed", failureMessages: ["mismatch"] },
        ],
        { added: 1, updated: 0 },
      ),
    );
    expect(parsed.tests.map((t) => [t.scenario, t.status])).toEqual([
      [undefined, "passed"],
      ["bugfix-release.conflict", "failed"],
    ]);
    expect(parsed.written).toBe(1);
    expect(parsed.success).toBe(false);
    expect(() => parseVitestReport("{}")).toThrow(/not a vitest JSON report/);
  });

  it("counts what a golden pins", () => {
    const golden = ["# run", "", "## Gate log", "", "1. G1 plan: pass", "2. G7 output a: fail — no artifact", "", "## 1. a", "", "### Prompt", "", "p", "", "### Output", "", "o", ""].join("\n");
    expect(goldenContents(golden)).toEqual({ bytes: Buffer.byteLength(golden), prompts: 1, outputs: 1, gateLines: 2 });
  });
});
