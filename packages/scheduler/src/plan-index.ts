import type { PlannedNode, SchedulePlan } from "./plan-schedule.js";

/** A plan's topology by rank (position in plan order), so the run-time hot path never looks up ids. */
export interface PlanIndex {
  nodes: PlannedNode[];
  rankOf: Map<string, number>;
  /** Dependents of rank r: `dependentRanks[dependentOffsets[r] .. dependentOffsets[r + 1])`. */
  dependentOffsets: Uint32Array;
  dependentRanks: Uint32Array;
  waveOf: Uint32Array;
  /** Number of dependencies per rank. */
  dependencyCounts: Uint32Array;
}

/** The plan's topology by rank, built afresh for each scheduler (it counts `dependencyCounts` down). */
export function indexPlan(plan: SchedulePlan): PlanIndex {
  const n = plan.order.length;
  const nodes = plan.order.map((id) => plan.nodes[id]!);
  const rankOf = new Map<string, number>();
  const dependentOffsets = new Uint32Array(n + 1);
  const waveOf = new Uint32Array(n);
  const dependencyCounts = new Uint32Array(n);
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
