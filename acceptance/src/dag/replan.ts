// Replanning: the same workflow planned again and again, and declared in other orders, must give
// the same plan. What is compared is what a user sees: the plan hash, the waves, the plan order and
// the sequential order.
import { buildGraph } from "@hybrid/graph";
import { planSchedule } from "@hybrid/scheduler";
import { permuteWorkflow, seededRandom, shuffle } from "@hybrid/test-utils";
import type { GeneratedWorkflow } from "@hybrid/test-utils";

/** The parts of a plan that must not change: one string, so plans compare with `===`. */
export function planFingerprint(workflow: unknown): string {
  const plan = planSchedule(buildGraph(workflow as Parameters<typeof buildGraph>[0]));
  return JSON.stringify({ planHash: plan.planHash, waves: plan.waves, order: plan.order, sequentialOrder: plan.sequentialOrder });
}

/** Every object's keys in a seeded random order, at every depth (arrays keep their order). */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, random));
  if (typeof value !== "object" || value === null) return value;
  const entries = shuffle(Object.entries(value), random);
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}

/**
 * The same workflow declared differently: nodes in another order, each `dependsOn` list in another
 * order (test-utils' permuteWorkflow), and the keys of every object (workflow, nodes, nested fields)
 * in another order.
 */
export function redeclare<T extends { nodes: ReadonlyArray<{ dependsOn: readonly string[] }> }>(workflow: T, seed: number): T {
  const permuted = permuteWorkflow(workflow as unknown as GeneratedWorkflow, seed);
  return shuffleKeys(permuted, seededRandom(seed + 1)) as T;
}
