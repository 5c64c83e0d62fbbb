// The performance suite's oracles catch planted violations: a makespan with idle time, a pinned
// criterion or a fact cut from a prompt, a non-ancestor counted in the strict baseline; and its
// workloads reference only facts that really are where they say.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTiktokenEstimator } from "@hybrid/context";
import { parseWorkflow } from "@hybrid/graph";
import { seededRandom } from "@hybrid/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { plant } from "../src/perf/agent.js";
import { ancestorsOf, makespanBound, missingFacts, missingPinned, parseJournal, savingsPct } from "../src/perf/oracles.js";
import type { JournalLine } from "../src/perf/oracles.js";
import { strictBaselineTokens } from "../src/perf/strict.js";
import { generateWorkload, plannedWorkloads, SHAPES } from "../src/perf/workloads.js";

const dir = mkdtempSync(join(tmpdir(), "acceptance-perf-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A journal of a → (b, c) → d with the given attempt windows [dispatched, succeeded]. */
function journal(windows: Record<string, [number, number]>, end: number): JournalLine[] {
  const nodes = [
    { id: "a", dependsOn: [] },
    { id: "b", dependsOn: ["a"] },
    { id: "c", dependsOn: ["a"] },
    { id: "d", dependsOn: ["b", "c"] },
  ];
  const events: JournalLine[] = [{ type: "run.started", at: 0, nodes }];
  for (const [id, [from, to]] of Object.entries(windows)) {
    events.push({ type: "node.dispatched", at: from, nodeId: id, attempt: 1 }, { type: "node.succeeded", at: to, nodeId: id, attempt: 1 });
  }
  events.push({ type: "run.completed", at: end });
  return events;
}

describe("makespan against its lower bound", () => {
  it("is 1.0 for a schedule with no idle time on the critical path", () => {
    const bound = makespanBound(journal({ a: [0, 10], b: [10, 30], c: [10, 20], d: [30, 40] }, 40), 4);
    expect(bound).toMatchObject({ criticalPathMs: 40, totalWorkMs: 50, lowerBoundMs: 40, makespanMs: 40, ratio: 1 });
  });

  it("reports a planted idle gap (a node held back after its dependencies finished)", () => {
    const bound = makespanBound(journal({ a: [0, 10], b: [10, 30], c: [10, 20], d: [60, 70] }, 70), 4);
    expect(bound.ratio).toBeGreaterThan(1.5);
  });

  it("uses total work / maxParallel when that is the larger bound, and counts every attempt", () => {
    const events = journal({ a: [0, 10], b: [10, 30], c: [10, 20], d: [30, 40] }, 60);
    // A failed first attempt of c adds its time to c's work.
    events.splice(1, 0, { type: "node.dispatched", at: 0, nodeId: "c", attempt: 0 }, { type: "node.failed", at: 30, nodeId: "c", attempt: 0 });
    const bound = makespanBound(events, 1);
    expect(bound.totalWorkMs).toBe(80);
    expect(bound.lowerBoundMs).toBe(80);
  });

  it("reads journal lines as the file store writes them, and refuses a journal without its ends", () => {
    const lines = journal({ a: [0, 5] }, 5).map((event, seq) => JSON.stringify({ v: 1, seq, sum: "x", event }));
    expect(parseJournal(`${lines.join("\n")}\n`)).toHaveLength(4);
    expect(() => makespanBound(parseJournal(lines.slice(0, 3).join("\n")), 4)).toThrow(/run.completed/);
  });
});

describe("recall", () => {
  const node = { id: "n1", agent: "sre", priority: "implementation", scope: "Harden the proxy.", acceptance: ["Alerts fire", "Respects FACT-00beef"] };
  const full = ["Work item: n1", "Agent: sre", "Priority: implementation", "Scope: Harden the proxy.", "- Alerts fire", "- Respects FACT-00beef"].join("\n");

  it("finds every pinned item in a prompt that has them, and names the one cut", () => {
    expect(missingPinned(full, node)).toEqual([]);
    expect(missingPinned(full.replace("- Alerts fire", ""), node)).toEqual(["- Alerts fire"]);
  });

  it("counts a fact as recalled only when its whole statement is there, not just its id", () => {
    const fact = { id: "FACT-00beef", text: "FACT-00beef: the batch size of the audit log is 12" };
    expect(missingFacts(`${full}\n${fact.text}.`, [fact])).toEqual([]);
    // Truncated mid-statement: the id is in the criteria, the value is gone.
    expect(missingFacts(`${full}\nFACT-00beef: the batch size of the audit\n[… 40 tokens truncated]`, [fact])).toEqual([fact]);
  });

  it("plants the fact after the output's header line", () => {
    const out = plant("header\nline 1\nline 2", "FACT", seededRandom(3));
    expect(out.split("\n")[0]).toBe("header");
    expect(out.split("\n")).toContain("FACT");
  });
});

describe("token baselines", () => {
  it("savings are relative to the baseline", () => {
    expect(savingsPct(200, 50)).toBe(75);
    expect(savingsPct(0, 50)).toBeNull();
  });

  it("the strict baseline counts ancestors' outputs and never a non-ancestor's", async () => {
    const estimator = createTiktokenEstimator();
    const spec = parseWorkflow({
      version: 1,
      id: "strict",
      nodes: [
        { id: "up", agent: "a", priority: "docs", scope: "s", acceptance: ["c"], dependsOn: [] },
        { id: "side", agent: "a", priority: "docs", scope: "s", acceptance: ["c"], dependsOn: [] },
        { id: "down", agent: "a", priority: "docs", scope: "s", acceptance: ["c"], dependsOn: ["up"] },
      ],
    });
    const long = "word ".repeat(500);
    const base = await strictBaselineTokens(spec.nodes, new Map([["up", "short"]]), { repoRoot: dir, runId: "r", estimator });
    const withUp = await strictBaselineTokens(spec.nodes, new Map([["up", long]]), { repoRoot: dir, runId: "r", estimator });
    const withSide = await strictBaselineTokens(spec.nodes, new Map([["up", "short"], ["side", long]]), { repoRoot: dir, runId: "r", estimator });
    expect(withUp.get("down")! - base.get("down")!).toBeGreaterThan(400);
    expect(withSide.get("down")).toBe(base.get("down"));
  });
});

describe("workloads", () => {
  it("are deterministic, acyclic, of every shape and 5–60 nodes", () => {
    const planned = plannedWorkloads(30, 11);
    expect(planned).toEqual(plannedWorkloads(30, 11));
    expect(new Set(planned.map((p) => p.shape))).toEqual(new Set(SHAPES));
    expect(Math.min(...planned.map((p) => p.size))).toBeGreaterThanOrEqual(5);
    expect(Math.max(...planned.map((p) => p.size))).toBeLessThanOrEqual(60);
    for (const shape of SHAPES) expect(() => parseWorkflow(generateWorkload(shape, 12, 5, join(dir, "a")).workflow as object)).not.toThrow();
  });

  it("reference only facts of an ancestor's output or of a document the node cites, and the document holds it", () => {
    for (const shape of SHAPES) {
      const w = generateWorkload(shape, 30, 21, join(dir, "b"));
      const spec = parseWorkflow(w.workflow as object);
      const ancestors = ancestorsOf(spec.nodes);
      for (const node of spec.nodes) {
        for (const fact of w.references.get(node.id) ?? []) {
          expect(node.acceptance).toContain(`Respects ${fact.id}`);
          if (fact.source.kind === "output") expect(ancestors.get(node.id)!.has(fact.source.nodeId)).toBe(true);
          else {
            expect(node.docs).toContain(fact.source.path);
            expect(readFileSync(join(w.repoRoot, fact.source.path), "utf8")).toContain(fact.text);
          }
        }
      }
    }
  });
});
