// The full run of joins-e2e.test.ts's permutations: each policy with 24 orders of arrival of the
// upstreams (seeded delays) and of declaration; what the join gives never changes.
import { describe, expect, it } from "vitest";
import { MERGED, joinSection, mergedBlock, permutedRuns } from "./joins-fixtures.js";

const PERMUTATIONS = 24;

describe(`joins under ${PERMUTATIONS} orders of arrival`, () => {
  it("merge-with-rules: one join section, with the merge where the higher class won", async () => {
    const runs = await permutedRuns("merge-with-rules", PERMUTATIONS);
    const sections = runs.map((run) => joinSection(run.prompts.get("decide")!)!);
    for (const section of sections) expect(section).toBe(sections[0]);
    expect(mergedBlock(sections[0]!)).toEqual(MERGED);
  });

  it.each(["fail-fast", "manual-escalation"] as const)("%s: one G9 decision, one status for the join node", async (policy) => {
    const runs = await permutedRuns(policy, PERMUTATIONS);
    const status = policy === "fail-fast" ? "failed" : "needs-escalation";
    for (const run of runs) {
      expect(run.result.nodes.decide!.status).toBe(status);
      expect(run.result.gates.filter((g) => g.gate === "G9")).toEqual(runs[0]!.result.gates.filter((g) => g.gate === "G9"));
      expect(run.result.nodes.ship!.status).toBe("blocked");
    }
  });
});
