import type { JournalNode } from "@hybrid/resilience";
import type { SchedulePlan } from "@hybrid/scheduler";
import { DispatchOptionsError } from "./errors.js";

/**
 * The plan's nodes as `run.started` journals them, in plan order. A hand-made plan can disagree
 * with itself (an id in `order` missing from `nodes`, an unknown dependency): that is bad input,
 * reported with the path of each problem before anything is journaled.
 * @throws DispatchOptionsError
 */
export function journalNodesOf(plan: SchedulePlan): JournalNode[] {
  const problems: { path: string; message: string }[] = [];
  const known = new Set<string>();
  const nodes: JournalNode[] = [];
  plan.order.forEach((id, rank) => {
    const node = Object.hasOwn(plan.nodes, id) ? plan.nodes[id] : undefined;
    if (node === undefined || node.id !== id) {
      problems.push({ path: `order[${rank}]`, message: `no node ${JSON.stringify(id)} in plan.nodes` });
      return;
    }
    // The scheduler serves ready nodes by rank: a rank that disagrees with `order` would reorder them.
    if (node.rank !== rank) problems.push({ path: `order[${rank}]`, message: `node ${JSON.stringify(id)} has rank ${node.rank}, not ${rank}` });
    known.add(id);
    nodes.push({ id, agent: node.agent, priority: node.priority, wave: node.wave, dependsOn: [...node.dependsOn], specHash: node.specHash });
  });
  for (const node of nodes) {
    node.dependsOn.forEach((dep, k) => {
      if (!known.has(dep)) problems.push({ path: `nodes.${node.id}.dependsOn[${k}]`, message: `unknown node ${JSON.stringify(dep)}` });
    });
  }
  plan.waves.forEach((wave, w) => {
    wave.forEach((id, k) => {
      if (!known.has(id)) problems.push({ path: `waves[${w}][${k}]`, message: `unknown node ${JSON.stringify(id)}` });
    });
  });
  if (problems.length === 0 && Object.keys(plan.nodes).length !== nodes.length) {
    problems.push({ path: "order", message: `lists ${nodes.length} nodes but plan.nodes has ${Object.keys(plan.nodes).length}` });
  }
  if (problems.length > 0) throw new DispatchOptionsError("plan", problems);
  return nodes;
}
