// The journal's dispatch order is the admission order: nodes admitted together prepare side by side,
// and one whose prompt takes longer to prepare does not lose its place to the ones after it. (Seeded
// hybrid runs are compared on their dispatch order: the rollout's determinism trigger.)
import { describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner } from "../src/index.js";
import type { DispatchEvent } from "../src/index.js";
import { node, planOf } from "./helpers.js";

/** Yields to the event loop `n` times: prepares of unequal length without wall-clock sleeps. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("dispatch order", () => {
  it("journals and starts nodes admitted together in admission order, however long each prepare takes", async () => {
    const plan = planOf([node("a"), node("b"), node("c"), node("d"), node("e", ["a", "b", "c", "d"])]);
    const roots = plan.order.filter((id) => id !== "e");
    // The first admitted prepares longest, the last at once: without turns the journal reads backwards.
    const delay = new Map(roots.map((id, i) => [id, 3 * (roots.length - 1 - i)]));
    const events: DispatchEvent[] = [];
    const started: string[] = [];
    const controller = createDispatchController({ maxParallel: 4, onEvent: (event) => events.push(event) });
    const result = await controller.run(plan, {
      runner: createFunctionRunner((task) => (started.push(task.nodeId), "ok")),
      prepare: async (n) => {
        await ticks(delay.get(n.id) ?? 0);
        return { prompt: n.id };
      },
      mode: "eager",
    });
    expect(result.status).toBe("succeeded");
    expect(events.filter((e) => e.type === "node.dispatched").map((e) => (e as { nodeId: string }).nodeId)).toEqual(plan.order);
    expect(started).toEqual(plan.order);
  });

  it("lets the next node go when one admitted before it ends without a dispatch (its prepare failed)", async () => {
    const plan = planOf([node("a"), node("b"), node("c")]);
    const [first, ...rest] = plan.order;
    const controller = createDispatchController({ maxParallel: 3, resilience: { retry: { maxAttempts: 1 } } });
    const result = await controller.run(plan, {
      runner: createFunctionRunner(() => "ok"),
      prepare: async (n) => {
        await ticks(n.id === first ? 5 : 0);
        if (n.id === first) throw new Error("no prompt");
        return { prompt: n.id };
      },
      mode: "eager",
    });
    expect(result.outcomes[first!]!.status).toBe("failed");
    for (const id of rest) expect(result.outcomes[id]!.status).toBe("succeeded");
  });
});
