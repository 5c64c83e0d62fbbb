import { generateDag } from "@hybrid/test-utils";
import type { DagShape } from "@hybrid/test-utils";
import { describe, expect, it } from "vitest";
import { createDispatchController, createFunctionRunner } from "../src/index.js";
import type { DispatchEvent } from "../src/index.js";
import { seededRandom } from "@hybrid/test-utils";
import type { AgentRunner } from "../src/index.js";
import { planOf } from "./helpers.js";

const PRIORITIES = ["security", "architecture", "implementation", "docs"] as const;
const SHAPES: DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];

/** Yields to the event loop `n` times: interleavings vary without wall-clock sleeps. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("caps (200 seeded random runs)", () => {
  it("never exceeds the global, class or wave cap, and never starts a node before its predecessors succeeded", async () => {
    for (let run = 0; run < 200; run++) {
      const random = seededRandom(1000 + run);
      const pick = (n: number) => Math.floor(random() * n);
      const workflow = generateDag(SHAPES[run % SHAPES.length]!, 2 + pick(40), 7 + run, { degree: 1 + pick(4) });
      const plan = planOf(workflow.nodes, workflow.id);
      const maxParallel = 1 + pick(6);
      const caps = Object.fromEntries(PRIORITIES.filter(() => random() < 0.5).map((p) => [p, 1 + pick(3)]));
      const maxPerWave = random() < 0.5 ? 1 + pick(3) : undefined;
      const mode = random() < 0.5 ? "wave" : "eager";
      const latency = new Map(plan.order.map((id) => [id, pick(6)]));

      let total = 0;
      const perClass = new Map<string, number>();
      const perWave = new Map<number, number>();
      const violations: string[] = [];
      const succeededEvents = new Set<string>();
      const finishedWaves = new Set<number>();
      const onEvent = (event: DispatchEvent): void => {
        if (event.type === "node.succeeded") succeededEvents.add(event.nodeId);
        if (event.type === "wave.completed") finishedWaves.add(event.wave);
      };
      const runner = createFunctionRunner(async (task) => {
        const node = plan.nodes[task.nodeId]!;
        for (const dep of node.dependsOn) if (!succeededEvents.has(dep)) violations.push(`${task.nodeId} before ${dep}`);
        if (mode === "wave") for (let w = 0; w < node.wave; w++) if (!finishedWaves.has(w)) violations.push(`${task.nodeId} before wave ${w}`);
        total += 1;
        perClass.set(node.priority, (perClass.get(node.priority) ?? 0) + 1);
        perWave.set(node.wave, (perWave.get(node.wave) ?? 0) + 1);
        if (total > maxParallel) violations.push(`total ${total} > ${maxParallel}`);
        const classCap = caps[node.priority];
        if (classCap !== undefined && perClass.get(node.priority)! > classCap) violations.push(`${node.priority} over ${classCap}`);
        if (maxPerWave !== undefined && perWave.get(node.wave)! > maxPerWave) violations.push(`wave ${node.wave} over ${maxPerWave}`);
        await ticks(latency.get(task.nodeId)!);
        total -= 1;
        perClass.set(node.priority, perClass.get(node.priority)! - 1);
        perWave.set(node.wave, perWave.get(node.wave)! - 1);
        return "ok";
      });
      const controller = createDispatchController({ maxParallel, caps, ...(maxPerWave ? { maxPerWave } : {}), onEvent });
      const result = await controller.run(plan, { runner, mode });
      expect(violations, `run ${run}`).toEqual([]);
      expect(result.status, `run ${run}`).toBe("succeeded");
    }
  }, 30_000);

  it("counts live runners, not promises: with timeouts and runners that settle late after the abort, caps hold and run() waits for every runner", async () => {
    for (let run = 0; run < 60; run++) {
      const random = seededRandom(5000 + run);
      const pick = (n: number) => Math.floor(random() * n);
      const workflow = generateDag(SHAPES[run % SHAPES.length]!, 2 + pick(20), 11 + run, { degree: 1 + pick(3) });
      // Some nodes hang until their 2 ms deadline and then take a while to die, like an agent that ignores SIGTERM.
      const hangs = new Set(workflow.nodes.filter(() => random() < 0.3).map((n) => n.id));
      const plan = planOf(workflow.nodes.map((n) => (hangs.has(n.id) ? { ...n, timeoutMs: 2 } : n)), workflow.id);
      const maxParallel = 1 + pick(4);
      const caps = Object.fromEntries(PRIORITIES.filter(() => random() < 0.5).map((p) => [p, 1 + pick(2)]));
      const mode = random() < 0.5 ? "wave" : "eager";
      let live = 0;
      let peak = 0;
      const perClass = new Map<string, number>();
      const violations: string[] = [];
      const runner: AgentRunner = {
        run: (task, signal) => {
          const node = plan.nodes[task.nodeId]!;
          live += 1;
          peak = Math.max(peak, live);
          perClass.set(node.priority, (perClass.get(node.priority) ?? 0) + 1);
          if (live > maxParallel) violations.push(`live ${live} > ${maxParallel}`);
          const classCap = caps[node.priority];
          if (classCap !== undefined && perClass.get(node.priority)! > classCap) violations.push(`${node.priority} over ${classCap}`);
          const settle = (): void => {
            live -= 1;
            perClass.set(node.priority, perClass.get(node.priority)! - 1);
          };
          return new Promise((resolve, reject) => {
            if (!hangs.has(task.nodeId)) {
              void ticks(pick(4)).then(() => (settle(), resolve({ output: "ok", tokens: { input: 1, output: 1 } })));
              return;
            }
            // Dies 5-15 ms after the abort: the slot must stay taken until then.
            signal.addEventListener("abort", () => setTimeout(() => (settle(), reject(signal.reason)), 5 + pick(10)), { once: true });
          });
        },
      };
      // A high breaker threshold: this test is about slots, not about waiting out an open breaker.
      const resilience = { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 }, breaker: { consecutiveFailures: 1000 } };
      const controller = createDispatchController({ maxParallel, caps, resilience, sleep: async () => {} });
      const result = await controller.run(plan, { runner, mode });
      expect(live, `run ${run}: runners still alive when run() settled`).toBe(0);
      expect(violations, `run ${run}`).toEqual([]);
      for (const id of hangs) expect(result.outcomes[id]!.status === "failed" || result.outcomes[id]!.status === "blocked", `run ${run} ${id}`).toBe(true);
      expect(peak).toBeLessThanOrEqual(maxParallel);
    }
  }, 60_000);

  it("a capped class does not hold back other classes (no head-of-line blocking)", async () => {
    const plan = planOf([
      { id: "s1", agent: "sec", priority: "security", scope: "s", acceptance: [], dependsOn: [] },
      { id: "s2", agent: "sec", priority: "security", scope: "s", acceptance: [], dependsOn: [] },
      { id: "d1", agent: "doc", priority: "docs", scope: "s", acceptance: [], dependsOn: [] },
    ]);
    const started: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runner = createFunctionRunner(async (task) => {
      started.push(task.nodeId);
      if (started.length === 2) release();
      await gate;
      return "ok";
    });
    const controller = createDispatchController({ maxParallel: 3, caps: { security: 1 } });
    const result = await controller.run(plan, { runner, mode: "eager" });
    expect(result.status).toBe("succeeded");
    // s2 waits for the security slot while d1 runs beside s1.
    expect(started.slice(0, 2)).toEqual(["s1", "d1"]);
  });
});
