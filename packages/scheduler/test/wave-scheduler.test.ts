import { buildGraph } from "@hybrid/graph";
import { arbitraryDag, mulberry32 } from "@hybrid/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  SchedulerStateError,
  WaveScheduler,
  isSchedulerStateError,
  planSchedule,
  type SchedulePlan,
  type SchedulerMode,
} from "../src/index.js";

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

/** Runs a plan to the end, finishing a random running node each step; checks the invariants. */
function drive(p: SchedulePlan, mode: SchedulerMode, seed: number, failRate = 0) {
  const random = mulberry32(seed);
  const scheduler = new WaveScheduler(p, { mode });
  const released: string[] = [];
  const running: string[] = [];
  const done = new Set<string>();
  const failedOrBlocked = new Set<string>();
  const maxRunning = 1 + Math.floor(random() * 8);
  const finishedInWave = new Array<number>(p.waves.length).fill(0);
  let wavesFinished = 0;
  const finish = (id: string) => {
    finishedInWave[p.nodes[id]!.wave]!++;
    while (wavesFinished < p.waves.length && finishedInWave[wavesFinished] === p.waves[wavesFinished]!.length) wavesFinished++;
  };
  while (!scheduler.isDone()) {
    while (running.length < maxRunning) {
      const next = scheduler.next();
      if (!next) break;
      for (const dep of next.dependsOn) expect(done.has(dep)).toBe(true);
      if (mode === "wave") {
        // Barrier: every node of earlier waves is finished.
        expect(wavesFinished).toBeGreaterThanOrEqual(next.wave);
      }
      expect(scheduler.status(next.id)).toBe("running");
      released.push(next.id);
      running.push(next.id);
    }
    expect(running.length).toBeGreaterThan(0);
    const [id] = running.splice(Math.floor(random() * running.length), 1);
    if (random() < failRate) {
      const t = scheduler.failed(id!);
      failedOrBlocked.add(id!);
      finish(id!);
      for (const b of t.blocked) {
        expect(b.blockedBy).toBe(id);
        failedOrBlocked.add(b.id);
        finish(b.id);
        expect(scheduler.status(b.id)).toBe("blocked");
        expect(scheduler.blockedBy(b.id)).toBe(id);
      }
    } else {
      scheduler.succeeded(id!);
      done.add(id!);
      finish(id!);
    }
  }
  return { scheduler, released, done, failedOrBlocked };
}

describe("WaveScheduler", () => {
  it("releases every node exactly once, never before its dependencies (200 random DAGs, both modes)", () => {
    fc.assert(
      fc.property(arbitraryDag(2000), fc.integer(), (workflow, seed) => {
        const p = planSchedule(buildGraph(workflow));
        for (const mode of ["wave", "eager"] as const) {
          const { released, scheduler } = drive(p, mode, seed);
          expect(released.length).toBe(p.order.length);
          expect(new Set(released).size).toBe(p.order.length);
          expect(scheduler.counts()).toMatchObject({ succeeded: p.order.length, pending: 0, ready: 0, running: 0 });
          expect(scheduler.currentWave).toBe(p.waves.length);
        }
      }),
      { numRuns: 200, seed: 99 },
    );
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

  it("keeps schedulers of one (frozen, index-cached) plan independent of each other", () => {
    const p = plan();
    const first = new WaveScheduler(p, "eager");
    const ids = (s: WaveScheduler) => [...(function* () { for (let n = s.next(); n; n = s.next()) yield n.id; })()];
    for (const id of ids(first)) first.succeeded(id);
    // A second scheduler on the same plan starts from scratch: the cached index's dependency counts
    // were copied, not counted down by the first.
    const second = new WaveScheduler(p, "eager");
    expect(ids(second).sort()).toEqual(["a", "e"]);
    expect(ids(first).sort()).toEqual(["b", "c", "f"]);
    // A copied (unfrozen) plan is indexed afresh and schedules the same.
    const copy = new WaveScheduler({ ...p, nodes: { ...p.nodes } }, "eager");
    expect(ids(copy).sort()).toEqual(["a", "e"]);
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
