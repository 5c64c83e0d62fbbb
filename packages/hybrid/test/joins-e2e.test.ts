// Joins end to end, through both orchestrators: five upstream nodes of every priority class hand a
// join node conflicting structured outputs. merge-with-rules: the join node's prompt carries the
// merge where the higher class won (ties by id) and it succeeds; fail-fast: it fails at G9 and its
// dependents are blocked; manual-escalation: it stops as needs-escalation, the run fails with a
// post-mortem and one escalation per run in the offline ledger. The order the upstreams finish in
// (seeded delays) and the order the workflow declares them in never change what the join gives.
import { describe, expect, it } from "vitest";
import { HybridOrchestrator } from "../src/index.js";
import type { RunResult } from "../src/index.js";
import { AGREEING, CONFLICT_KEYS, MERGED, escalationLines, joinSection, mergedBlock, permutedRuns, runJoin } from "./joins-fixtures.js";
import { HYBRID_ON, checklistAgent } from "./support.js";

const PERMUTATIONS = 4;

const g9 = (result: RunResult) => result.gates.filter((g) => g.gate === "G9");
const decisions = (result: RunResult) => result.gates.map((g) => `${g.gate}|${g.stage}|${g.nodeId ?? ""}|${g.decision}|${g.reason ?? ""}`).sort();

describe("merge-with-rules", () => {
  it("hands the join node the merge where the higher class won, ties by id, and it succeeds", async () => {
    const run = await runJoin("hybrid", "merge-with-rules");
    expect(run.result.status).toBe("succeeded");
    expect(run.result.nodes.decide!.status).toBe("succeeded");
    expect(run.result.nodes.ship!.status).toBe("succeeded");
    const section = joinSection(run.prompts.get("decide")!)!;
    expect(section).toBeDefined();
    // The oracle is written out by hand (joins-fixtures.ts), keys sorted at every level.
    expect(mergedBlock(section)).toEqual(MERGED);
    expect(section).toContain(`\`\`\`json\n${JSON.stringify(MERGED, null, 2)}\n\`\`\``);
    for (const key of CONFLICT_KEYS) expect(section).toMatch(new RegExp(`- \`${key.replace(".", "\\.")}\`: [a-z-]+'s value kept`));
    expect(section).toContain("- `verdict`: sec-scan's value kept");
    expect(section).toContain("- `branch`: impl-a's value kept");
    expect(section).toContain("- `owner`: arch-review's value kept");
    // Upstreams in resolution order: security, architecture, implementation (by id), docs.
    const headings = [...section.matchAll(/^## ([a-z-]+) \(/gm)].map((m) => m[1]);
    expect(headings).toEqual(["sec-scan", "arch-review", "impl-a", "impl-b", "docs-note"]);
    expect(section).toContain("## Join rules\n\n- security holds win\n- ties go to the lower id");
    expect(g9(run.result)).toEqual([expect.objectContaining({ nodeId: "decide", stage: "join", decision: "pass" })]);
  });

  it(`gives the join node the same section whatever order ${PERMUTATIONS} permutations of the upstreams finish in`, async () => {
    const runs = await permutedRuns("merge-with-rules", PERMUTATIONS);
    const sections = runs.map((run) => joinSection(run.prompts.get("decide")!));
    for (const section of sections) expect(section).toBe(sections[0]);
    for (const run of runs) expect(run.result.status).toBe("succeeded");
  });

  it("the sequential orchestrator settles it the same way: same statuses, same gate decisions", async () => {
    const [sequential, hybrid] = [await runJoin("sequential", "merge-with-rules"), await runJoin("hybrid", "merge-with-rules")];
    expect(sequential.result.status).toBe("succeeded");
    const statuses = (run: typeof hybrid) => Object.fromEntries(Object.entries(run.result.nodes).map(([id, node]) => [id, node.status]));
    expect(statuses(sequential)).toEqual(statuses(hybrid));
    expect(decisions(sequential.result)).toEqual(decisions(hybrid.result));
  });
});

describe("fail-fast", () => {
  it.each(["sequential", "hybrid"] as const)("%s: the join node fails at G9 and its dependents are blocked; the rest goes on", async (kind) => {
    const run = await runJoin(kind, "fail-fast");
    const { result } = run;
    expect(result.status).toBe("failed");
    expect(result.nodes.decide).toMatchObject({ status: "failed", category: "gate-failed" });
    expect(result.nodes.decide!.error!.message).toContain("G9");
    for (const key of CONFLICT_KEYS) expect(result.nodes.decide!.error!.message).toContain(key);
    expect(result.nodes.ship).toMatchObject({ status: "blocked", blockedBy: "decide" });
    expect(result.nodes.unrelated!.status).toBe("succeeded");
    // Its agent never ran: the conflict stopped it before dispatch.
    expect(run.started).not.toContain("decide");
    expect(run.started).not.toContain("ship");
    expect(g9(result)).toEqual([
      expect.objectContaining({ nodeId: "decide", stage: "join", decision: "fail", reason:
          "a fail-fast join with 4 conflicting keys fails the join: " +
          // Who said what, each key's values in resolution order (security, architecture, implementation by id, docs).
          'branch (impl-a: "fix/a"; impl-b: "fix/b"), ' +
          'owner (arch-review: "arch"; impl-a: "alice"; impl-b: "bob"; docs-note: "dana"), ' +
          'risk.level (sec-scan: "high"; arch-review: "medium"), ' +
          'verdict (sec-scan: "hold"; arch-review: "redesign"; impl-a: "ship"; impl-b: "ship-later"; docs-note: "ship")',
      }),
    ]);
    expect(result.postMortem!.failed).toEqual([expect.objectContaining({ node: "decide", category: "gate-failed" })]);
    expect(result.postMortem!.blocked).toEqual([{ node: "ship", blockedBy: "decide" }]);
  });

  it("agreeing upstreams: no conflict, the join node runs", async () => {
    const run = await runJoin("hybrid", "fail-fast", { outputs: AGREEING });
    expect(run.result.status).toBe("succeeded");
    expect(mergedBlock(joinSection(run.prompts.get("decide")!)!)).toEqual({
      checked: { "arch-review": true, "docs-note": true, "impl-a": true, "impl-b": true, "sec-scan": true },
      verdict: "ship",
    });
  });

  it("fails the same way whatever order the upstreams finish in", async () => {
    const runs = await permutedRuns("fail-fast", PERMUTATIONS);
    for (const run of runs) expect(g9(run.result)).toEqual(g9(runs[0]!.result));
    for (const run of runs) expect(run.result.nodes.decide!.error).toEqual(runs[0]!.result.nodes.decide!.error);
  });
});

describe("manual-escalation", () => {
  it("stops the join node as needs-escalation; the run fails with a post-mortem escalated once per run, in both modes", async () => {
    const first = await runJoin("sequential", "manual-escalation", { runId: "escalate-sequential" });
    // Both runs share one state directory, so one ledger: one escalation line per run in it.
    const second = await runJoin("hybrid", "manual-escalation", { runId: "escalate-hybrid", stateDir: first.stateDir });
    for (const run of [first, second]) {
      const { result } = run;
      const at = result.runId;
      expect(result.status, at).toBe("failed");
      expect(result.nodes.decide, at).toMatchObject({ status: "needs-escalation", category: "needs-escalation" });
      expect(result.nodes.ship, at).toMatchObject({ status: "blocked", blockedBy: "decide" });
      expect(result.nodes.unrelated!.status, at).toBe("succeeded");
      expect(run.started, at).not.toContain("decide");
      expect(g9(result), at).toEqual([expect.objectContaining({ nodeId: "decide", decision: "fail" })]);
      expect(result.postMortem!.failed, at).toEqual([expect.objectContaining({ node: "decide", category: "needs-escalation" })]);
      expect(result.postMortem!.blocked, at).toEqual([{ node: "ship", blockedBy: "decide" }]);
      expect(result.escalationUrl, at).toBe(`ledger://${run.stateDir}/ledger.jsonl#${result.runId}%3Aescalation`);
    }
    expect(decisions(second.result)).toEqual(decisions(first.result));
    const lines = await escalationLines(first.stateDir);
    expect([...lines.keys()].sort()).toEqual(["escalate-hybrid", "escalate-sequential"]);
    for (const [runId, records] of lines) {
      expect(records, runId).toHaveLength(1);
      expect(records[0]!.idempotencyKey).toBe(`${runId}:escalation`);
      expect(records[0]!.summary).toContain(`hybrid run \`${runId}\` of workflow \`join-manual-escalation\` needs escalation`);
      expect(records[0]!.summary).toContain("**Nodes:** `decide`");
    }
  });

  it("stays one escalation when the run is resumed and fails again", async () => {
    const run = await runJoin("hybrid", "manual-escalation", { runId: "escalate-twice" });
    const resumed = await new HybridOrchestrator({ runner: checklistAgent(), stateDir: run.stateDir, config: HYBRID_ON, onWarning: () => {} }).resume("escalate-twice", { retryFailed: true });
    expect(resumed.nodes.decide!.status).toBe("needs-escalation");
    expect(resumed.escalationUrl).toBe(run.result.escalationUrl);
    expect((await escalationLines(run.stateDir)).get("escalate-twice")).toHaveLength(1);
  });

  it("escalates the same way whatever order the upstreams finish in", async () => {
    const runs = await permutedRuns("manual-escalation", PERMUTATIONS);
    for (const run of runs) {
      expect(run.result.nodes.decide!.status).toBe("needs-escalation");
      expect(g9(run.result)).toEqual(g9(runs[0]!.result));
    }
  });
});

describe("with G9 switched off", () => {
  it.each(["fail-fast", "manual-escalation"] as const)("%s still holds: the conflict stops the node, and G9 is logged as a bypass", async (policy) => {
    const { result, started } = await runJoin("hybrid", policy, { g9: false });
    expect(g9(result)).toEqual([expect.objectContaining({ nodeId: "decide", decision: "bypass" })]);
    expect(result.nodes.decide!.status).toBe(policy === "fail-fast" ? "failed" : "needs-escalation");
    expect(result.nodes.decide!.error!.message).toContain("verdict");
    expect(result.nodes.ship).toMatchObject({ status: "blocked", blockedBy: "decide" });
    expect(started).not.toContain("decide");
  });
});
