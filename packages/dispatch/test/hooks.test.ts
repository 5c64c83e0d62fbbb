// The hooks an orchestrator plugs into a run: admission, checks on each success, its own journal events.
import { createMemoryCheckpointStore } from "@hybrid/resilience";
import { describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner, createLedgerSink } from "../src/index.js";
import type { DispatchEvent } from "../src/index.js";
import { node, planOf, tempDir } from "./helpers.js";

/** A check failure as a gate throws it. */
function gateError(message: string, category: string): Error {
  return Object.assign(new Error(message), { code: category, category, transient: false });
}

describe("admit: the caller's own limit, read at every admission", () => {
  it("turns the rest of a run one-at-a-time once the caller says so", async () => {
    const plan = planOf(["a", "b", "c", "d", "e", "f"].map((id) => node(id)));
    let sequential = false;
    let live = 0;
    const peaks: number[] = [];
    const runner = createFunctionRunner(async (task) => {
      live += 1;
      peaks.push(live);
      if (task.nodeId === "b") sequential = true;
      await new Promise((resolve) => setImmediate(resolve));
      live -= 1;
      return "ok";
    });
    const events: DispatchEvent[] = [];
    const result = await createDispatchController({ maxParallel: 3, onEvent: (e) => events.push(e) }).run(plan, {
      runner,
      mode: "eager",
      admit: (_node, running) => !sequential || running === 0,
    });
    expect(result.status).toBe("succeeded");
    expect(Math.max(...peaks.slice(0, 3))).toBeGreaterThan(1);
    // The last three dispatches came after the switch: each ran alone.
    const lastThree = events.filter((e) => e.type === "node.dispatched").slice(-3).map((e) => e.nodeId);
    for (const id of lastThree) {
      const start = events.findIndex((e) => e.type === "node.dispatched" && e.nodeId === id);
      const end = events.findIndex((e) => e.type === "node.succeeded" && e.nodeId === id);
      expect(events.slice(start + 1, end).some((e) => e.type === "node.dispatched"), `${id} overlapped another`).toBe(false);
    }
  });
});

describe("check: a success counts only once the caller's checks passed", () => {
  it("a failing output check fails the node for good with the error's category, blocks dependents, and journals no success", async () => {
    const store = createMemoryCheckpointStore();
    const plan = planOf([node("a"), node("b", ["a"]), node("c")]);
    let calls = 0;
    const runner = createFunctionRunner((task) => {
      calls += 1;
      return `output of ${task.nodeId}`;
    });
    const result = await createDispatchController({ resilience: { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 } } }).run(plan, {
      runner,
      store,
      runId: "r-check",
      check: (stage, n) => {
        if (stage === "output" && n.id === "a") throw gateError("G10: criterion 2 not addressed", "needs-review");
      },
    });
    expect(result.outcomes.a).toMatchObject({ status: "failed", category: "needs-review", attempts: 1, error: { code: "needs-review" } });
    expect(result.outcomes.b).toMatchObject({ status: "blocked", blockedBy: "a" });
    expect(result.outcomes.c!.status).toBe("succeeded");
    expect(calls).toBe(2);
    const { events } = await store.read("r-check");
    expect(events.some((e) => e.type === "node.succeeded" && e.nodeId === "a")).toBe(false);
  });

  it("the handoff is recorded before the success counts, and a handoff check sees its URL", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const seen: Array<[string, string, string | undefined]> = [];
      const events: DispatchEvent[] = [];
      const controller = createDispatchController({ handoffSink: createLedgerSink({ dir, redact: (t) => t }), onEvent: (e) => events.push(e) });
      const result = await controller.run(planOf([node("a"), node("b", ["a"])]), {
        runner: createFunctionRunner((task) => `out ${task.nodeId}`),
        check: (stage, n, subject) => {
          seen.push([stage, n.id, subject.handoffUrl]);
          if (stage === "handoff" && n.id === "b") throw gateError("G6: no traceability", "gate-failed");
        },
      });
      expect(seen.map(([stage, id]) => `${stage}:${id}`)).toEqual(["output:a", "handoff:a", "output:b", "handoff:b"]);
      expect(seen[1]![2]).toMatch(/^ledger:\/\//);
      expect(result.outcomes.b).toMatchObject({ status: "failed", category: "gate-failed" });
      const types = events.filter((e) => "nodeId" in e && e.nodeId === "a").map((e) => e.type);
      expect(types.indexOf("handoff.recorded")).toBeLessThan(types.indexOf("node.succeeded"));
    } finally {
      await cleanup();
    }
  });
});

describe("onJournalOpen: the caller's events, in order with dispatch's", () => {
  it("journals run.strategy and gate.evaluated after run.started and before any dispatch", async () => {
    const store = createMemoryCheckpointStore();
    const listened: DispatchEvent[] = [];
    await createDispatchController({ onEvent: (e) => listened.push(e) }).run(planOf([node("a")]), {
      runner: createFunctionRunner(() => "ok"),
      store,
      runId: "r-open",
      onJournalOpen: async (journal) => {
        await journal.append({ type: "run.strategy", strategy: "hybrid", reason: "hybrid", parallel: true, memory: true });
        await journal.append({ type: "gate.evaluated", gateId: "G1", stage: "plan", decision: "pass" });
      },
    });
    const { events } = await store.read("r-open");
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(["run.started", "run.strategy", "gate.evaluated"]);
    expect(listened.slice(0, 3).map((e) => e.type)).toEqual(["run.started", "run.strategy", "gate.evaluated"]);
    await expect(
      createDispatchController().run(planOf([node("a")]), {
        runner: createFunctionRunner(() => "ok"),
        store: createMemoryCheckpointStore(),
        runId: "r-bad",
        onJournalOpen: (journal) => journal.append({ type: "gate.evaluated", gateId: "", stage: "plan", decision: "pass" }),
      }),
    ).rejects.toThrow(/gateId/);
  });
});
