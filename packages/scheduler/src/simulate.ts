import { PrioritySchema } from "@hybrid/graph";
import { z } from "zod";
import { InvalidScheduleOptionsError, type OptionProblem } from "./errors.js";
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
  /** Each node's span by id, in a record without a prototype (a node may be called `toString`). */
  nodes: Record<string, { start: number; end: number }>;
  /** Sum of all durations. */
  totalWork: number;
  /** Longest dependency chain by these durations. */
  criticalPathLength: number;
  /** No schedule can beat `max(critical path, total work / maxParallel)`. */
  lowerBound: number;
}

/**
 * Simulates a run of the plan with the given durations (by id: a map, or a record whose own
 * properties count; a node without one takes its `estimateMs`, else the plan's default), using the
 * same ready order and caps as run time. Throws `InvalidScheduleOptionsError` naming every node
 * whose duration is not a finite number >= 0.
 */
export function simulate(
  plan: SchedulePlan,
  durations: Readonly<Record<string, number>> | ReadonlyMap<string, number>,
  options?: SimulateOptions,
): SimulationResult {
  const { maxParallel, caps, maxPerWave, mode } = parseOptions(SimulateOptionsSchema, options, "simulate options");
  const given: (id: string) => unknown =
    durations instanceof Map ? (id) => durations.get(id) : (id) => (Object.hasOwn(durations, id) ? (durations as Record<string, unknown>)[id] : undefined);
  const duration = new Map<string, number>();
  let totalWork = 0;
  const problems: OptionProblem[] = [];
  for (const id of plan.order) {
    const value = given(id) ?? plan.nodes[id]!.spec.estimateMs ?? plan.config.defaultEstimateMs;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      problems.push({ path: z.core.toDotPath([id]), message: `duration of "${id}" must be a finite number >= 0, got ${String(value)}` });
    }
    duration.set(id, value as number);
    totalWork += value as number;
  }
  if (problems.length > 0) throw new InvalidScheduleOptionsError("simulate durations", problems);

  const nodes = Object.create(null) as SimulationResult["nodes"];
  let makespan = 0;
  if (mode === "sequential") {
    for (const id of plan.sequentialOrder) {
      nodes[id] = { start: makespan, end: makespan + duration.get(id)! };
      makespan = nodes[id].end;
    }
  } else {
    makespan = runEvents(plan, duration, nodes, { maxParallel, caps, maxPerWave, mode });
  }

  // Loops, not Math.max(...spread): a plan can have more nodes than a call has arguments.
  let criticalPathLength = 0;
  const finish = new Map<string, number>();
  for (const id of plan.sequentialOrder) {
    let start = 0;
    for (const dep of plan.nodes[id]!.dependsOn) start = Math.max(start, finish.get(dep)!);
    const end = start + duration.get(id)!;
    finish.set(id, end);
    criticalPathLength = Math.max(criticalPathLength, end);
  }
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
    for (const node of done) now = Math.max(now, nodes[node.id]!.end);
    for (const node of done) {
      running--;
      perClass.set(node.priority, perClass.get(node.priority)! - 1);
      perWave.set(node.wave, perWave.get(node.wave)! - 1);
      scheduler.succeeded(node.id);
    }
  }
  return now;
}

/**
 * Heap keys must be integers; durations are any non-negative numbers, so times are keyed at
 * nanosecond resolution of the unit (ms), far below any meaningful difference.
 */
function timeKey(time: number): number {
  return Math.round(time * 1e6);
}
