import { buildGraph } from "@hybrid/graph";
import { arbitraryDag, mulberry32 } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidScheduleOptionsError, planSchedule, simulate } from "../src/index.js";

const node = (id: string, dependsOn: string[] = [], priority = "implementation", estimateMs?: number) => ({
  id,
  agent: "agent",
  priority,
  scope: "s",
  acceptance: [],
  dependsOn,
  ...(estimateMs === undefined ? {} : { estimateMs }),
});

describe("simulate", () => {
  const plan = planSchedule(
    buildGraph({ nodes: [node("a", [], "architecture", 10), node("b", ["a"], "implementation", 30), node("c", ["a"], "implementation", 5), node("d", ["c"], "docs", 5), node("e", ["b", "d"], "docs", 1)] }),
  );

  it("runs sequential, wave and eager modes", () => {
    const sequential = simulate(plan, {}, { mode: "sequential" });
    expect(sequential.makespan).toBe(51);
    expect(sequential.lowerBound).toBe(51);
    const wave = simulate(plan, {}, { mode: "wave", maxParallel: 4 });
    // wave 1 = {b, c} ends at 40; d waits for the barrier, then e.
    expect(wave.nodes["d"]).toEqual({ start: 40, end: 45 });
    expect(wave.makespan).toBe(46);
    const eager = simulate(plan, {}, { mode: "eager", maxParallel: 4 });
    expect(eager.nodes["d"]).toEqual({ start: 15, end: 20 });
    expect(eager.makespan).toBe(41);
    expect(eager.criticalPathLength).toBe(41);
    expect(eager.totalWork).toBe(51);
    expect(eager.lowerBound).toBe(41);
  });

  it("takes durations from a record or a map, falling back to estimates", () => {
    const fromMap = simulate(plan, new Map([["b", 1]]), { mode: "eager" });
    expect(fromMap.nodes["b"]).toEqual({ start: 10, end: 11 });
    expect(simulate(plan, { b: 1 }).makespan).toBe(fromMap.makespan);
  });

  it("respects the global cap, class caps and the wave cap", () => {
    fc.assert(
      fc.property(
        arbitraryDag(200),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.integer(),
        (workflow, maxParallel, implCap, maxPerWave, seed) => {
          const p = planSchedule(buildGraph(workflow));
          const random = mulberry32(seed);
          const durations = Object.fromEntries(p.order.map((id) => [id, Math.floor(random() * 20)]));
          const caps = { implementation: implCap };
          const result = simulate(p, durations, { maxParallel, caps, mode: "eager", ...(maxPerWave ? { maxPerWave } : {}) });
          const spans = Object.entries(result.nodes);
          expect(spans).toHaveLength(p.order.length);
          for (const [id, span] of spans) {
            for (const dep of p.nodes[id]!.dependsOn) expect(result.nodes[dep]!.end).toBeLessThanOrEqual(span.start);
            // Concurrency at the moment this node starts.
            const live = spans.filter(([, s]) => s.start <= span.start && s.end > span.start && s.end > s.start);
            if (span.end > span.start) {
              expect(live.length).toBeLessThanOrEqual(maxParallel);
              const liveImpl = live.filter(([other]) => p.nodes[other]!.priority === "implementation");
              expect(liveImpl.length).toBeLessThanOrEqual(implCap);
              if (maxPerWave) expect(live.filter(([other]) => p.nodes[other]!.wave === p.nodes[id]!.wave).length).toBeLessThanOrEqual(maxPerWave);
            }
          }
          expect(result.makespan).toBeGreaterThanOrEqual(result.lowerBound - 1e-9);
          expect(simulate(p, durations, { maxParallel: 1 }).makespan).toBe(result.totalWork);
        },
      ),
      { numRuns: 80, seed: 3 },
    );
  });

  it("rejects bad durations and options", () => {
    expect(() => simulate(plan, { a: -1 })).toThrow(/duration of "a" must be a finite number >= 0/);
    expect(() => simulate(plan, {}, { maxParallel: 0 })).toThrow(InvalidScheduleOptionsError);
    expect(() => simulate(plan, {}, { caps: { docs: 0 } })).toThrow(/caps\.docs/);
  });
});
