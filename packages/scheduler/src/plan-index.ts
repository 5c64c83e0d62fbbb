import type { PlannedNode, SchedulePlan } from "./plan-schedule.js";

/** A plan's topology by rank (position in plan order), so the run-time hot path never looks up ids. */
export interface PlanIndex {
  nodes: PlannedNode[];
  rankOf: Map<string, number>;
  /** Dependents of rank r: `dependentRanks[dependentOffsets[r] .. dependentOffsets[r + 1])`. */
  dependentOffsets: Uint32Array;
  dependentRanks: Uint32Array;
  waveOf: Uint32Array;
  /** Number of dependencies per rank (a fresh array: the scheduler counts it down). */
  dependencyCounts: Uint32Array;
}

// Frozen plans (planSchedule's) cannot change under us, so their index is built once: a dispatcher
// that runs one plan many times, or restores schedulers from snapshots, stops paying ~1 µs a node
// per run for it. Hand-made or copied plans are indexed afresh every time.
const cache = new WeakMap<SchedulePlan, PlanIndex>();

/**
 * Whether a plan is frozen the way `planSchedule` freezes it, so per-plan indexes may be cached on it
 * (a plan frozen only at the top could still have its nodes or order changed).
 */
export function isFrozenPlan(plan: SchedulePlan): boolean {
  return Object.isFrozen(plan) && Object.isFrozen(plan.nodes) && Object.isFrozen(plan.order);
}

/** The plan's index; `dependencyCounts` is always a fresh copy the caller may count down. */
export function indexPlan(plan: SchedulePlan): PlanIndex {
  const frozen = isFrozenPlan(plan);
  const cached = frozen ? cache.get(plan) : undefined;
  if (cached) return { ...cached, dependencyCounts: cached.dependencyCounts.slice() };
  const index = buildIndex(plan);
  if (frozen) cache.set(plan, { ...index, dependencyCounts: index.dependencyCounts.slice() });
  return index;
}

function buildIndex(plan: SchedulePlan): PlanIndex {
  const n = plan.order.length;
  const nodes = plan.order.map((id) => plan.nodes[id]!);
  const rankOf = new Map<string, number>();
  const dependentOffsets = new Uint32Array(n + 1);
  const waveOf = new Uint32Array(n);
  const dependencyCounts = new Uint32Array(n);
  // Plain loops over locals: a dispatch run builds one of these per run (~1 µs a node with forEach).
  for (let rank = 0; rank < n; rank++) {
    const node = nodes[rank]!;
    rankOf.set(node.id, rank);
    dependencyCounts[rank] = node.dependsOn.length;
    waveOf[rank] = node.wave;
    dependentOffsets[rank + 1] = dependentOffsets[rank]! + node.dependents.length;
  }
  const dependentRanks = new Uint32Array(dependentOffsets[n]!);
  for (let rank = 0; rank < n; rank++) {
    const dependents = nodes[rank]!.dependents;
    for (let k = 0, at = dependentOffsets[rank]!; k < dependents.length; k++) dependentRanks[at + k] = rankOf.get(dependents[k]!)!;
  }
  return { nodes, rankOf, dependentOffsets, dependentRanks, waveOf, dependencyCounts };
}
