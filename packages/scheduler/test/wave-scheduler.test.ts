import { buildGraph } from "@hybrid/graph";
import { arbitraryDag } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SchedulerStateError, WaveScheduler, isSchedulerStateError, planSchedule } from "../src/index.js";
import { checkReleases, drive } from "./scheduler-checks.js";

const node = (id: string, dependsOn: string[] = [], priority = "implementation") => ({
  id,
  agent: "agent",
  priority,
  scope: "s",
  acceptance: [],
  dependsOn,
});

// a → b → d, a → c → d, e (independent), f depends on e
const plan = () =>
  planSchedule(
    buildGraph({
      nodes: [node("a"), node("b", ["a"]), node("c", ["a"]), node("d", ["b", "c"]), node("e"), node("f", ["e"])],
    }),
  );

describe("WaveScheduler", () => {
  it("releases every node exactly once, never before its dependencies (40 random DAGs of up to 500 nodes, both modes)", () => {
    fc.assert(fc.property(arbitraryDag(500), fc.integer(), checkReleases), { numRuns: 40, seed: 99 });
  });

  it("blocks exactly the descendants of failed nodes and lets the rest finish", () => {
    fc.assert(
      fc.property(arbitraryDag(300), fc.integer(), (workflow, seed) => {
        const p = planSchedule(buildGraph(workflow));
        const graph = buildGraph(workflow);
        for (const mode of ["wave", "eager"] as const) {
          const { scheduler, released, done } = drive(p, mode, seed, 0.15);
          const counts = scheduler.counts();
          expect(counts.succeeded + counts.failed + counts.blocked).toBe(p.order.length);
          expect(released.length).toBe(counts.succeeded + counts.failed);
          for (const id of p.order) {
            if (scheduler.status(id) === "blocked") {
              const cause = scheduler.blockedBy(id)!;
              expect(scheduler.status(cause)).toBe("failed");
              expect(graph.ancestors(id)).toContain(cause);
            } else if (scheduler.status(id) === "succeeded") {
              expect(done.has(id)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it("hands out nodes in plan order and lets canStart skip without blocking others", () => {
    const p = planSchedule(
      buildGraph({ nodes: [node("s1", [], "security"), node("s2", [], "security"), node("d1", [], "docs"), node("i1", [], "implementation")] }),
    );
    const scheduler = new WaveScheduler(p);
    expect(scheduler.initialWavesStarted).toEqual([0]);
    expect(scheduler.readyCount()).toBe(4);
    expect(scheduler.next()!.id).toBe("s1");
    expect(scheduler.next((n) => n.priority !== "security")!.id).toBe("i1");
    expect(scheduler.next(() => false)).toBeUndefined();
    expect(scheduler.next()!.id).toBe("s2");
    expect(scheduler.next()!.id).toBe("d1");
    expect(scheduler.next()).toBeUndefined();
    expect(scheduler.runningCount()).toBe(4);
  });

  it("reports wave starts and completions; wave mode holds the barrier", () => {
    const wave = new WaveScheduler(plan(), { mode: "wave" });
    expect(wave.mode).toBe("wave");
    const first = [wave.next()!.id, wave.next()!.id];
    expect(first.sort()).toEqual(["a", "e"]);
    expect(wave.next()).toBeUndefined();
    expect(wave.succeeded("e")).toEqual({ ready: [], blocked: [], wavesStarted: [], wavesCompleted: [] });
    // f only depends on e, but wave 1 opens when all of wave 0 is done.
    const t = wave.succeeded("a");
    expect(t.wavesCompleted).toEqual([0]);
    expect(t.wavesStarted).toEqual([1]);
    expect(t.ready.sort()).toEqual(["b", "c", "f"]);

    const eager = new WaveScheduler(plan(), { mode: "eager" });
    eager.next();
    eager.next();
    expect(eager.succeeded("e")).toMatchObject({ ready: ["f"], wavesStarted: [1], wavesCompleted: [] });
  });

  it("completes waves that were blocked entirely", () => {
    const p = planSchedule(buildGraph({ nodes: [node("a"), node("b", ["a"]), node("c", ["b"])] }));
    const scheduler = new WaveScheduler(p, { mode: "wave" });
    scheduler.next();
    const t = scheduler.failed("a");
    expect(t.blocked).toEqual([
      { id: "b", blockedBy: "a" },
      { id: "c", blockedBy: "a" },
    ]);
    expect(t.wavesCompleted).toEqual([0, 1, 2]);
    expect(t.wavesStarted).toEqual([1, 2]);
    expect(scheduler.isDone()).toBe(true);
  });

  it("takes the mode as a string and rejects an unknown mode", () => {
    expect(new WaveScheduler(plan(), "wave").mode).toBe("wave");
    expect(() => new WaveScheduler(plan(), { mode: "parallel" as never })).toThrow(/mode: expected "wave" or "eager", got "parallel"/);
  });

  it("keeps schedulers of one plan independent of each other, and schedules a thawed copy the same", () => {
    const p = plan();
    const first = new WaveScheduler(p, "eager");
    const ids = (s: WaveScheduler) => [...(function* () { for (let n = s.next(); n; n = s.next()) yield n.id; })()];
    for (const id of ids(first)) first.succeeded(id);
    // A second scheduler on the same plan starts from scratch: the first counted down only its own state.
    const second = new WaveScheduler(p, "eager");
    expect(ids(second).sort()).toEqual(["a", "e"]);
    expect(ids(first).sort()).toEqual(["b", "c", "f"]);
    // Nothing depends on the plan being frozen: a deep, unfrozen copy schedules the same.
    const thawed = structuredClone(p);
    expect(Object.isFrozen(thawed.nodes)).toBe(false);
    const copy = new WaveScheduler(thawed, "eager");
    expect(copy.initial).toEqual(new WaveScheduler(p, "eager").initial);
    expect(ids(copy).sort()).toEqual(["a", "e"]);
  });

  it("lists in initial.ready only nodes that are ready, never one preset as completed or failed", () => {
    // Eager mode releases b and c when a is preset; b is itself preset (completed), c failed.
    const scheduler = new WaveScheduler(plan(), { mode: "eager", completed: ["a", "b", "e"], failed: ["c"] });
    expect(scheduler.initial.ready).toEqual(["f"]);
    expect(scheduler.initial.blocked).toEqual([{ id: "d", blockedBy: "c" }]);
    expect(scheduler.readyCount()).toBe(1);
    expect(scheduler.next()!.id).toBe("f");
    expect(scheduler.next()).toBeUndefined();
  });

  it("initial.ready is exactly the ready nodes of a resumed run (random DAGs, closed completed sets, both modes)", () => {
    fc.assert(
      fc.property(arbitraryDag(200), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (workflow, seed, share) => {
        const p = planSchedule(buildGraph(workflow));
        // A prefix of the sequential order is closed under dependencies; fail some nodes right after it.
        const done = p.sequentialOrder.slice(0, Math.floor(share * p.order.length));
        const doneSet = new Set(done);
        const failed = p.order.filter((id, k) => !doneSet.has(id) && (seed + k) % 5 === 0 && p.nodes[id]!.dependsOn.every((dep) => doneSet.has(dep)));
        for (const mode of ["wave", "eager"] as const) {
          const scheduler = new WaveScheduler(p, { mode, completed: done, failed });
          const ready = p.order.filter((id) => scheduler.status(id) === "ready");
          expect(scheduler.initial.ready).toEqual(ready);
          for (const id of ready) {
            expect(doneSet.has(id) || failed.includes(id)).toBe(false);
            for (const dep of p.nodes[id]!.dependsOn) expect(doneSet.has(dep)).toBe(true);
          }
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });

  it("schedules ids named like Object.prototype members (toString, constructor, …)", () => {
    const NAMES = ["toString", "constructor", "valueOf", "hasOwnProperty", "isPrototypeOf", "a", "b"];
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1 }), fc.array(fc.tuple(fc.nat(), fc.nat())), fc.integer(), (ids, edges, seed) => {
        const deps = new Map(ids.map((id) => [id, new Set<string>()]));
        for (const [x, y] of edges) {
          const [i, j] = [x % ids.length, y % ids.length];
          if (i > j) deps.get(ids[i]!)!.add(ids[j]!);
        }
        const p = planSchedule({ nodes: ids.map((id) => node(id, [...deps.get(id)!])) });
        for (const name of [...NAMES, "__proto__"]) expect(p.nodes[name]?.id).toBe(ids.includes(name) ? name : undefined);
        for (const mode of ["wave", "eager"] as const) {
          const { released } = drive(p, mode, seed);
          expect(released.sort()).toEqual([...ids].sort());
        }
        // A resumed run that names them.
        const first = p.sequentialOrder[0]!;
        expect(new WaveScheduler(p, { completed: [first] }).status(first)).toBe("succeeded");
        expect(() => new WaveScheduler(p, { completed: ["__proto__"] })).toThrow(/no node "__proto__"/);
      }),
      { numRuns: 150, seed: 4321 },
    );
  });

  it("starts a resumed run with standing failures failed and everything they block blocked", () => {
    for (const mode of ["wave", "eager"] as const) {
      // a -> b -> d, a -> c -> d, e -> f: b and f failed for good in an earlier process.
      const scheduler = new WaveScheduler(plan(), { mode, completed: ["a", "e"], failed: ["b", "f"] });
      expect(scheduler.initial.blocked).toEqual([{ id: "d", blockedBy: "b" }]);
      expect(scheduler.status("b")).toBe("failed");
      expect(scheduler.status("f")).toBe("failed");
      expect(scheduler.blockedBy("d")).toBe("b");
      const next = scheduler.next()!;
      expect(next.id).toBe("c");
      scheduler.succeeded("c");
      expect(scheduler.isDone()).toBe(true);
      expect(scheduler.counts()).toMatchObject({ succeeded: 3, failed: 2, blocked: 1 });
    }
    expect(() => new WaveScheduler(plan(), { completed: ["a"], failed: ["a"] })).toThrow(SchedulerStateError);
    expect(() => new WaveScheduler(plan(), { failed: ["nope"] })).toThrow(/nope/);
  });

  it("takes back the node objects it handed out, or any node by id", () => {
    const scheduler = new WaveScheduler(plan(), "eager");
    const a = scheduler.next()!;
    expect(scheduler.succeeded(a).ready).toEqual(["b", "c"]);
    const b = scheduler.next()!;
    // A copy is not the scheduler's own object: it is found by id, and checked like an id.
    expect(scheduler.failed({ ...b }).blocked).toEqual([{ id: "d", blockedBy: "b" }]);
    expect(() => scheduler.succeeded(b)).toThrow(/cannot be succeeded: it is failed/);
    expect(() => scheduler.requeue({ ...b, id: "nope", rank: 99 })).toThrow(/no node "nope"/);
  });

  it("requeues a running node", () => {
    const scheduler = new WaveScheduler(plan());
    const first = scheduler.next()!;
    scheduler.requeue(first.id);
    expect(scheduler.status(first.id)).toBe("ready");
    expect(scheduler.next()!.id).toBe(first.id);
  });

  it("starts from completed nodes of a resumed run", () => {
    const scheduler = new WaveScheduler(plan(), { mode: "wave", completed: ["a", "b", "e"] });
    expect(scheduler.status("b")).toBe("succeeded");
    expect(scheduler.initialWavesStarted).toEqual([0, 1]);
    expect([scheduler.next()!.id, scheduler.next()!.id].sort()).toEqual(["c", "f"]);
    expect(() => new WaveScheduler(plan(), { completed: ["d"] })).toThrow(/"d" cannot be completed: its dependency "b" is not/);
  });

  it("round-trips through snapshot and restore", () => {
    const p = plan();
    const scheduler = new WaveScheduler(p, { mode: "wave" });
    scheduler.next(); // a or e
    scheduler.next();
    scheduler.succeeded("a");
    scheduler.failed("e");
    const inFlight = scheduler.next()!.id;
    const snapshot = JSON.parse(JSON.stringify(scheduler.snapshot()));
    expect(snapshot).toMatchObject({ mode: "wave", succeeded: ["a"], failed: ["e"], blocked: [{ id: "f", blockedBy: "e" }], running: [inFlight] });
    const restored = WaveScheduler.restore(p, snapshot);
    expect(restored.status(inFlight)).toBe("ready");
    expect(restored.status("f")).toBe("blocked");
    expect(restored.currentWave).toBe(1);
    expect(() => WaveScheduler.restore(p, { ...snapshot, planHash: "other" })).toThrow(SchedulerStateError);
    // The instance form resets an existing scheduler to the snapshot.
    const fresh = new WaveScheduler(p, { mode: "wave" });
    expect(fresh.restore(snapshot).snapshot()).toEqual({ ...snapshot, running: [] });
    expect(fresh.status(inFlight)).toBe("ready");
  });

  it("rejects transitions its state does not allow", () => {
    const scheduler = new WaveScheduler(plan());
    for (const act of [() => scheduler.succeeded("d"), () => scheduler.failed("a"), () => scheduler.requeue("a"), () => scheduler.status("zz")]) {
      try {
        act();
        expect.unreachable();
      } catch (error) {
        expect(isSchedulerStateError(error)).toBe(true);
        expect(["invalid-transition", "unknown-node"]).toContain((error as SchedulerStateError).code);
      }
    }
    expect(() => scheduler.succeeded("d")).toThrow('[scheduler] node "d" cannot be succeeded: it is pending, not running');
  });
});
