import { thrown } from "@hybrid/test-utils";
import { buildGraph } from "@hybrid/graph";
import { arbitraryDag, seededRandom } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidScheduleOptionsError, isInvalidScheduleOptionsError, planSchedule, simulate } from "../src/index.js";
import { checkWideSimulation } from "./scheduler-checks.js";


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
    // Only a record's own properties are durations: an inherited one is not.
    const inherited = Object.create({ b: 1 }) as Record<string, number>;
    expect(simulate(plan, inherited).nodes["b"]).toEqual(simulate(plan, {}).nodes["b"]);
  });

  it("returns spans in a record without a prototype, and handles ids named like its members", () => {
    const result = simulate(plan, {});
    expect(Object.getPrototypeOf(result.nodes)).toBeNull();
    expect(result.nodes["toString"]).toBeUndefined();
    const named = planSchedule({ nodes: [node("toString", [], "docs", 3), node("constructor", ["toString"], "docs", 4), node("valueOf", [], "docs")] });
    // A plain {} "has" toString and constructor (functions, not numbers): they must not be read as durations.
    const spans = simulate(named, {}, { mode: "eager" });
    expect(spans.nodes["toString"]).toEqual({ start: 0, end: 3 });
    expect(spans.nodes["constructor"]).toEqual({ start: 3, end: 7 });
    expect(spans.nodes["hasOwnProperty"]).toBeUndefined();
    expect(simulate(named, { valueOf: 9 }).nodes["valueOf"]).toEqual({ start: 0, end: 9 });
  });

  it("simulates 10,000 nodes that all finish at once (150,000 in simulate.slow.test.ts)", () => {
    checkWideSimulation(10_000);
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
          const random = seededRandom(seed);
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

  it("rejects bad durations and options, naming each with its path", () => {
    expect(() => simulate(plan, { a: -1 })).toThrow('[scheduler] invalid simulate durations: a: duration of "a" must be a finite number >= 0, got -1');
    const error = thrown(() => simulate(plan, new Map<string, number>([["a", Number.NaN], ["e", "7" as never]])));
    expect(isInvalidScheduleOptionsError(error)).toBe(true);
    expect((error as InvalidScheduleOptionsError).problems.map((p) => p.path)).toEqual(["a", "e"]);
    expect(() => simulate(plan, {}, { maxParallel: 0 })).toThrow(InvalidScheduleOptionsError);
    expect(() => simulate(plan, {}, { caps: { docs: 0 } })).toThrow(/caps\.docs: /);
    expect(() => simulate(plan, {}, { mode: "fast" } as never)).toThrow(/mode: /);
  });

  it("names the first 20 bad durations in the message and keeps them all", () => {
    const wide = planSchedule({ nodes: Array.from({ length: 30 }, (_, i) => node(`n${i}`)) });
    const error = thrown(() => simulate(wide, Object.fromEntries(wide.order.map((id) => [id, -1]))));
    expect((error as InvalidScheduleOptionsError).problems).toHaveLength(30);
    expect((error as Error).message).toMatch(/; … and 10 more$/);
  });
});
