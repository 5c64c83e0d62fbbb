import { describe, expect, it } from "vitest";
import { isProgressComment, progressMarker, renderProgress } from "../src/progress-render.js";
import { ProgressSnapshotSchema } from "../src/progress-options.js";
import type { ProgressSnapshot } from "../src/index.js";
import { snapshotAt } from "./fixtures/snapshots.js";

const identity = (text: string): string => text;
const render = (snapshot: ProgressSnapshot): string => renderProgress(ProgressSnapshotSchema.parse(snapshot), identity);
const rows = (body: string): string[] => body.split("\n").filter((line) => line.startsWith("| `"));

describe("the progress marker", () => {
  it("is the first line, exactly, of the run's comment", () => {
    expect(progressMarker("run-1")).toBe("<!-- hybrid:progress run=run-1 -->");
    expect(isProgressComment("<!-- hybrid:progress run=run-1 -->", "run-1")).toBe(true);
    expect(isProgressComment("<!-- hybrid:progress run=run-1 -->\ntable", "run-1")).toBe(true);
    expect(isProgressComment("<!-- hybrid:progress run=run-1 -->\r\ntable", "run-1")).toBe(true);
    expect(isProgressComment("<!-- hybrid:progress run=run-10 -->\ntable", "run-1")).toBe(false);
    expect(isProgressComment("<!-- hybrid:progress run=run-1 -->table", "run-1")).toBe(false);
    expect(isProgressComment("quote: <!-- hybrid:progress run=run-1 -->", "run-1")).toBe(false);
  });
});

describe("the progress table", () => {
  it("keeps every value inside its cell", () => {
    const body = render({
      ...snapshotAt("run-1", 1, 1),
      nodes: [
        { id: "a|b", agent: "x`y", status: "failed\n| injected | row |", attempts: 2, handoffUrl: "ledger:///tmp/state/ledger.jsonl#run-1%3Aa" },
        { id: "c", agent: "d", status: "succeeded", attempts: 1, handoffUrl: "https://example.test/a b(c)|d" },
      ],
    });
    expect(rows(body)).toEqual([
      "| `a\\|b` | `x y` | `failed \\| injected \\| row \\|` | 2 | `ledger:///tmp/state/ledger.jsonl#run-1%3Aa` |",
      "| `c` | `d` | `succeeded` | 1 | [handoff](https://example.test/a%20b%28c%29%7Cd) |",
    ]);
    expect(body).toContain("**2 nodes**: 1 failed | injected | row | · 1 succeeded\n");
  });

  it("clips long values, counts one node as one, and stops before GitHub's length limit", () => {
    const long = render({ ...snapshotAt("run-1", 1, 1), nodes: [{ id: "n".repeat(500), agent: "a", status: "running", attempts: 0 }] });
    expect(rows(long)[0]).toBe(`| \`${"n".repeat(199)}…\` | \`a\` | \`running\` | 0 |  |`);
    expect(long).toContain("**1 node**: 1 running");
    const nodes = Array.from({ length: 2000 }, (_, i) => ({ id: `node-${i}-${"x".repeat(60)}`, agent: "agent", status: "pending", attempts: 0 }));
    const big = render({ ...snapshotAt("run-1", 1, 1), nodes });
    expect(big.length).toBeLessThan(65_536);
    const shown = rows(big).length;
    expect(shown).toBeGreaterThan(100);
    expect(big).toContain(`… and ${2000 - shown} more node(s), not shown: GitHub limits a comment's length.`);
  });
});
