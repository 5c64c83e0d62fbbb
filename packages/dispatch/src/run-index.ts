import type { SchedulePlan } from "@hybrid/scheduler";
import { DispatchOptionsError } from "./errors.js";
import type { JournalNode } from "./events.js";

/** What a run needs of its plan beyond the scheduler: by rank (position in `plan.order`). */
export interface RunIndex {
  /** The plan's nodes as `run.started` journals them, in plan order (frozen when cached). */
  journalNodes: readonly JournalNode[];
  /** Dependencies of rank r, in `dependsOn` order: `dependencyRanks[dependencyOffsets[r] .. dependencyOffsets[r + 1])`. */
  dependencyOffsets: Uint32Array;
  dependencyRanks: Uint32Array;
  /** The ranks of each wave's nodes (`plan.waves` by rank), for the counts of `wave.completed`. */
  waveRanks: readonly Uint32Array[];
}

/** The plan's run index; throws `DispatchOptionsError` when the plan contradicts itself. */
export function runIndexOf(plan: SchedulePlan): RunIndex {
  return buildRunIndex(plan);
}

function buildRunIndex(plan: SchedulePlan): RunIndex {
  const n = plan.order.length;
  const rankOf = new Map<string, number>();
  const problems: { path: string; message: string }[] = [];
  const journalNodes: JournalNode[] = new Array(n);
  const dependencyOffsets = new Uint32Array(n + 1);
  for (let rank = 0; rank < n; rank++) {
    const id = plan.order[rank]!;
    const node = plan.nodes[id];
    // A hand-made plan can disagree with itself; the hot path trusts ranks, so check them once here.
    if (node === undefined || node.id !== id || node.rank !== rank) {
      problems.push({ path: `order[${rank}]`, message: node === undefined ? `no node ${JSON.stringify(id)} in plan.nodes` : `node ${JSON.stringify(id)} has rank ${node.rank}, not ${rank}` });
      continue;
    }
    rankOf.set(id, rank);
    journalNodes[rank] = { id, agent: node.agent, priority: node.priority, wave: node.wave, dependsOn: [...node.dependsOn], specHash: node.specHash };
    dependencyOffsets[rank + 1] = dependencyOffsets[rank]! + node.dependsOn.length;
  }
  if (problems.length === 0 && Object.keys(plan.nodes).length !== n) {
    problems.push({ path: "order", message: `lists ${n} nodes but plan.nodes has ${Object.keys(plan.nodes).length}` });
  }
  const dependencyRanks = new Uint32Array(dependencyOffsets[n]!);
  for (let rank = 0; problems.length === 0 && rank < n; rank++) {
    const node = journalNodes[rank]!;
    for (let k = 0, at = dependencyOffsets[rank]!; k < node.dependsOn.length; k++) {
      const dependency = rankOf.get(node.dependsOn[k]!);
      if (dependency === undefined) {
        problems.push({ path: `nodes.${node.id}.dependsOn[${k}]`, message: `unknown node ${JSON.stringify(node.dependsOn[k])}` });
        break;
      }
      dependencyRanks[at + k] = dependency;
    }
  }
  if (problems.length > 0) throw new DispatchOptionsError("plan", problems);
  const waveRanks = plan.waves.map((wave, w) => {
    const ranks = new Uint32Array(wave.length);
    for (let k = 0; k < wave.length; k++) {
      const rank = rankOf.get(wave[k]!);
      if (rank === undefined) throw new DispatchOptionsError("plan", [{ path: `waves[${w}][${k}]`, message: `unknown node ${JSON.stringify(wave[k])}` }]);
      ranks[k] = rank;
    }
    return ranks;
  });
  return { journalNodes, dependencyOffsets, dependencyRanks, waveRanks };
}
