import { PrioritySchema } from "@hybrid/graph";
import { z } from "zod";
import { PriorityCapsSchema, parseOptions } from "./options.js";
import type { PlannedNode, SchedulePlan } from "./plan-schedule.js";
import { RankHeap } from "./ready-queue.js";
import { WaveScheduler } from "./wave-scheduler.js";

export const SimulateOptionsSchema = z.strictObject({
  /** Global concurrency cap (MAX_PARALLEL_AGENTS). @default 4 */
  maxParallel: z.number().int().min(1).default(4),
  /** Per-priority caps. @default {} */
  caps: PriorityCapsSchema.default({}),
  /** Cap on nodes of one wave running at once. @default unlimited */
  maxPerWave: z.number().int().min(1).optional(),
  /** @default "eager" */
  mode: z.enum(["wave", "eager", "sequential"]).default("eager"),
});
export type SimulateOptions = z.input<typeof SimulateOptionsSchema>;

export interface SimulationResult {
  makespan: number;
  nodes: Record<string, { start: number; end: number }>;
  /** Sum of all durations. */
  totalWork: number;
  /** Longest dependency chain by these durations. */
  criticalPathLength: number;
  /** No schedule can beat `max(critical path, total work / maxParallel)`. */
  lowerBound: number;
}

/**
 * Simulates a run of the plan with the given durations (by id; a node without one takes its
 * `estimateMs`, else the plan's default), using the same ready order and caps as run time.
 */
export function simulate(
  plan: SchedulePlan,
  durations: Record<string, number> | ReadonlyMap<string, number>,
  options?: SimulateOptions,
): SimulationResult {
  const { maxParallel, caps, maxPerWave, mode } = parseOptions(SimulateOptionsSchema, options, "simulate options");
  const lookup = durations instanceof Map ? (id: string) => durations.get(id) : (id: string) => (durations as Record<string, number>)[id];
  const duration = new Map<string, number>();
  for (const id of plan.order) {
    const value = lookup(id) ?? plan.nodes[id]!.spec.estimateMs ?? plan.config.defaultEstimateMs;
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`[scheduler] duration of "${id}" must be a finite number >= 0, got ${value}`);
    }
    duration.set(id, value);
  }

  const nodes: SimulationResult["nodes"] = {};
  let makespan = 0;
  if (mode === "sequential") {
    for (const id of plan.sequentialOrder) {
      nodes[id] = { start: makespan, end: makespan + duration.get(id)! };
      makespan = nodes[id].end;
    }
  } else {
    makespan = runEvents(plan, duration, nodes, { maxParallel, caps, maxPerWave, mode });
  }

  const totalWork = [...duration.values()].reduce((sum, d) => sum + d, 0);
  const finish = new Map<string, number>();
  for (const id of plan.sequentialOrder) {
    const before = plan.nodes[id]!.dependsOn.reduce((max, dep) => Math.max(max, finish.get(dep)!), 0);
    finish.set(id, before + duration.get(id)!);
  }
  const criticalPathLength = Math.max(0, ...finish.values());
  const workers = mode === "sequential" ? 1 : maxParallel;
  return { makespan, nodes, totalWork, criticalPathLength, lowerBound: Math.max(criticalPathLength, totalWork / workers) };
}

interface EventOptions {
  maxParallel: number;
  caps: Partial<Record<z.infer<typeof PrioritySchema>, number>>;
  maxPerWave: number | undefined;
  mode: "wave" | "eager";
}

/** Discrete-event loop: start whatever the caps allow, then jump to the next finish. */
function runEvents(
  plan: SchedulePlan,
  duration: ReadonlyMap<string, number>,
  nodes: SimulationResult["nodes"],
  { maxParallel, caps, maxPerWave, mode }: EventOptions,
): number {
  const scheduler = new WaveScheduler(plan, { mode });
  const perClass = new Map<string, number>();
  const perWave = new Map<number, number>();
  let running = 0;
  const canStart = (node: PlannedNode) =>
    (perClass.get(node.priority) ?? 0) < (caps[node.priority] ?? Infinity) &&
    (maxPerWave === undefined || (perWave.get(node.wave) ?? 0) < maxPerWave);
  // Finishing events ordered by time, then plan order, so equal times resolve deterministically.
  const finishing = new Map<number, PlannedNode[]>();
  const times = new RankHeap();
  let now = 0;
  for (;;) {
    while (running < maxParallel) {
      const node = scheduler.next(canStart);
      if (!node) break;
      running++;
      perClass.set(node.priority, (perClass.get(node.priority) ?? 0) + 1);
      perWave.set(node.wave, (perWave.get(node.wave) ?? 0) + 1);
      const end = now + duration.get(node.id)!;
      nodes[node.id] = { start: now, end };
      const key = timeKey(end);
      if (!finishing.has(key)) times.push(key);
      (finishing.get(key) ?? finishing.set(key, []).get(key)!).push(node);
    }
    const key = times.pop();
    if (key === undefined) break;
    const done = finishing.get(key)!.sort((a, b) => a.rank - b.rank);
    finishing.delete(key);
    now = Math.max(now, ...done.map((node) => nodes[node.id]!.end));
    for (const node of done) {
      running--;
      perClass.set(node.priority, perClass.get(node.priority)! - 1);
      perWave.set(node.wave, perWave.get(node.wave)! - 1);
      scheduler.succeeded(node.id);
    }
  }
  return Math.max(0, ...Object.values(nodes).map((span) => span.end));
}

/**
 * Heap keys must be integers; durations are any non-negative numbers, so times are keyed at
 * nanosecond resolution of the unit (ms), far below any meaningful difference.
 */
function timeKey(time: number): number {
  return Math.round(time * 1e6);
}
