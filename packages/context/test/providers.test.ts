import { describe, expect, it } from "vitest";
import {
  createContextEventCounter,
  createHandoffProvider,
  createWorkItemProvider,
  formatHandoffMarker,
  isContextOptionsError,
  loadContext,
  type ContextRequest,
} from "../src/index.js";
import { parseHandoffMarker, stripHandoffMarkers } from "../src/handoffs.js";

const node = {
  id: "merge-plan",
  agent: "tech-lead",
  priority: "implementation",
  scope: "Merge the plans of architecture and security",
  acceptance: ["ADR-0007 merged", "threat model reviewed"],
  dependsOn: ["architecture", "security-review"],
  inputs: ["adr-0007"],
  outputs: ["merged-plan"],
  issue: { owner: "acme", repo: "agents", number: 7 },
};

describe("createWorkItemProvider (L1)", () => {
  it("pins the id, acceptance criteria and blockers; scope and IO are high priority", async () => {
    const segments = await createWorkItemProvider().collect({
      node,
      runId: "r1",
      blockers: [{ nodeId: "security-review", status: "failed", reason: "timeout after 3 attempts" }],
    });
    expect(segments.map((s) => [s.id, s.pinned])).toEqual([
      ["merge-plan:work-item", true],
      ["merge-plan:acceptance", true],
      ["merge-plan:blockers", true],
      ["merge-plan:scope", false],
      ["merge-plan:io", false],
    ]);
    expect(segments.every((s) => s.tier === "L1" && s.source === "https://github.com/acme/agents/issues/7")).toBe(true);
    expect(segments[0]!.text).toBe("Work item: merge-plan\nAgent: tech-lead\nPriority: implementation\nRun: r1");
    expect(segments[1]!.text).toBe("Acceptance criteria:\n- ADR-0007 merged\n- threat model reviewed");
    expect(segments[2]!.text).toContain("security-review (failed): timeout after 3 attempts");
    expect(segments[4]!.text).toBe("Depends on: architecture, security-review\nInputs:\n- adr-0007\nOutputs:\n- merged-plan");
  });

  it("handles a minimal node and rejects an invalid one with paths", async () => {
    const segments = await createWorkItemProvider().collect({
      node: { id: "x", agent: "a", priority: 1, scope: "", acceptance: [] },
      runId: "r1",
    });
    expect(segments.map((s) => s.id)).toEqual(["x:work-item", "x:acceptance"]);
    expect(segments[1]!.text).toContain("(none declared)");
    expect(segments[0]!.source).toBe("work-item:x");
    const error = await createWorkItemProvider()
      .collect({ node: { ...node, acceptance: [1 as unknown as string] }, runId: "r1" })
      .catch((e: unknown) => e);
    expect(isContextOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain("acceptance[0]");
    expect(() => createWorkItemProvider({ basePriority: "high" as unknown as number })).toThrow(/basePriority/);
  });
});

describe("createHandoffProvider (L2, this run)", () => {
  const request: ContextRequest = {
    node: { ...node, acceptance: ["Keep the gateway port from the network decision"] },
    runId: "r1",
    upstream: [
      { nodeId: "far-old", agent: "a", output: "unrelated notes", distance: 3, completedAt: "2025-01-01T00:00:00Z" },
      { nodeId: "far-new", agent: "a", output: "more unrelated notes", distance: 2, completedAt: "2025-01-03T00:00:00Z" },
      { nodeId: "far-relevant", agent: "net", output: "network decision: gateway port 4443", distance: 3, completedAt: "2025-01-01T00:00:00Z" },
      { nodeId: "direct-b", agent: "b", output: "b done", distance: 1, completedAt: "2025-01-02T00:00:00Z" },
      { nodeId: "direct-a", agent: "c", output: "a done", distance: 1, completedAt: "2025-01-04T00:00:00Z", url: "https://github.com/acme/agents/issues/7#issuecomment-9" },
    ],
  };

  it("orders direct predecessors first (newest first, by instant), then the most relevant and newest ancestors", async () => {
    const segments = await createHandoffProvider().collect(request);
    expect(segments.map((s) => s.id)).toEqual([
      "handoff:direct-a",
      "handoff:direct-b",
      "handoff:far-relevant",
      "handoff:far-new",
      "handoff:far-old",
    ]);
    expect(segments[0]!.source).toBe("https://github.com/acme/agents/issues/7#issuecomment-9");
    expect(segments[1]!.source).toBe("run:r1/node:direct-b");
    expect(segments[1]!.text).toBe("Output of direct-b (b):\nb done");
    expect(segments.map((s) => s.priority)).toEqual([2000, 1999, 1998, 1997, 1996]);
  });

  it("compares completion times as instants: +02:00 offsets sort right", async () => {
    const segments = await createHandoffProvider().collect({
      node,
      runId: "r1",
      upstream: [
        { nodeId: "utc", agent: "a", output: "x", distance: 1, completedAt: "2025-01-01T01:30:00Z" },
        // 00:30Z: earlier, although its text sorts after the other one.
        { nodeId: "paris", agent: "a", output: "y", distance: 1, completedAt: "2025-01-01T02:30:00+02:00" },
      ],
    });
    expect(segments.map((s) => s.id)).toEqual(["handoff:utc", "handoff:paris"]);
  });

  it("can ignore relevance and cap the count", async () => {
    const segments = await createHandoffProvider({ relevance: false, maxOutputs: 3 }).collect(request);
    expect(segments.map((s) => s.id)).toEqual(["handoff:direct-a", "handoff:direct-b", "handoff:far-new"]);
    expect(await createHandoffProvider().collect({ node, runId: "r1" })).toEqual([]);
    const tie = await createHandoffProvider({ relevance: false }).collect({
      node,
      runId: "r1",
      upstream: [
        { nodeId: "y", agent: "a", output: "", distance: 2 },
        { nodeId: "x", agent: "a", output: "", distance: 2 },
        { nodeId: "z", agent: "a", output: "", distance: 2 },
      ],
    });
    expect(tie.map((s) => s.id)).toEqual(["handoff:x", "handoff:y", "handoff:z"]);
  });

  it("loadContext runs providers in order", async () => {
    const segments = await loadContext([createWorkItemProvider(), createHandoffProvider()], request);
    expect(segments[0]!.tier).toBe("L1");
    expect(segments.at(-1)!.tier).toBe("L2");
  });
});

describe("handoff markers", () => {
  it("round-trips and strips", () => {
    const marker = formatHandoffMarker({ runId: "run 1", nodeId: "n>1", agent: "arch" });
    expect(marker).toBe("<!-- hybrid:handoff run=run_1 node=n_1 agent=arch -->");
    expect(parseHandoffMarker(`hello\n${marker}\nbody`)).toEqual({ runId: "run_1", nodeId: "n_1", agent: "arch" });
    expect(parseHandoffMarker("<!-- hybrid:handoff run=1 -->")).toBeUndefined();
    expect(parseHandoffMarker("no marker")).toBeUndefined();
    expect(stripHandoffMarkers(`${marker}\nbody`)).toBe("body");
  });

  it("reads a marker from untrusted text in linear time (a long unterminated marker does not hang)", () => {
    // The old pattern backtracked quadratically here: minutes at this size, so the test timeout fails it.
    const hostile = `<!-- hybrid:handoff ${" ".repeat(300_000)}`.repeat(2);
    expect(parseHandoffMarker(hostile)).toBeUndefined();
    expect(stripHandoffMarkers(hostile)).toBe(hostile.trim());
  });
});

describe("createContextEventCounter", () => {
  it("counts per tier and resets", () => {
    const counter = createContextEventCounter();
    const at = "2025-01-01T00:00:00.000Z";
    const base = { runId: "r", nodeId: "n", at };
    counter.onEvent({ ...base, type: "context.cache", provider: "p", tier: "L2", hit: true, source: "s" });
    counter.onEvent({ ...base, type: "context.cache", provider: "p", tier: "L3", hit: false, source: "s" });
    counter.onEvent({ ...base, type: "context.fallback", provider: "p", tier: "L3", source: "s", reason: "gone", stale: false });
    counter.onEvent({ ...base, type: "context.duplicate", id: "x", keptFrom: "p", droppedFrom: "q" });
    expect(counter.snapshot()).toEqual({
      L1: { hits: 0, misses: 0, fallbacks: 0 },
      L2: { hits: 1, misses: 0, fallbacks: 0 },
      L3: { hits: 0, misses: 1, fallbacks: 1 },
    });
    counter.reset();
    expect(counter.snapshot().L2.hits).toBe(0);
  });
});
