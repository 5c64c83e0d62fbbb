// Checks shared by wave-scheduler.test.ts (small sizes, default suite) and its slow twin (full sizes).
import { buildGraph } from "@hybrid/graph";
import { seededRandom, type GeneratedWorkflow } from "@hybrid/test-utils";
import { expect } from "vitest";
import { WaveScheduler, planSchedule, simulate, type SchedulePlan, type SchedulerMode } from "../src/index.js";

/** Runs a plan to the end, finishing a random running node each step; checks the invariants. */
export function drive(p: SchedulePlan, mode: SchedulerMode, seed: number, failRate = 0) {
  const random = seededRandom(seed);
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

/** In both modes, every node is released exactly once and the run ends with every wave complete. */
export function checkReleases(workflow: GeneratedWorkflow, seed: number): void {
  const p = planSchedule(buildGraph(workflow));
  for (const mode of ["wave", "eager"] as const) {
    const { released, scheduler } = drive(p, mode, seed);
    expect(released.length).toBe(p.order.length);
    expect(new Set(released).size).toBe(p.order.length);
    expect(scheduler.counts()).toMatchObject({ succeeded: p.order.length, pending: 0, ready: 0, running: 0 });
    expect(scheduler.currentWave).toBe(p.waves.length);
  }
}

/**
 * `size` independent nodes of one duration, all run at once: every finish happens at the same time,
 * which spread into Math.max(...) threw a RangeError from about 125,000 nodes.
 */
export function checkWideSimulation(size: number): void {
  const nodes = Array.from({ length: size }, (_, i) => ({ id: `n${i}`, agent: "a", priority: "docs", scope: "s", acceptance: [], dependsOn: [], estimateMs: 5 }));
  const plan = planSchedule({ nodes });
  for (const mode of ["eager", "wave", "sequential"] as const) {
    const result = simulate(plan, {}, { mode, maxParallel: size });
    expect(result.makespan).toBe(mode === "sequential" ? 5 * size : 5);
    expect(result.criticalPathLength).toBe(5);
    expect(result.totalWork).toBe(5 * size);
    expect(Object.keys(result.nodes)).toHaveLength(size);
  }
}
