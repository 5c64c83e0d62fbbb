// Checks shared by plan-schedule.test.ts (small sizes, default suite) and its slow twin (full sizes).
import { buildGraph } from "@hybrid/graph";
import { generateDag, permuteWorkflow, type GeneratedWorkflow } from "@hybrid/test-utils";
import { expect } from "vitest";
import { planSchedule } from "../src/index.js";

/**
 * Determinism: every declaration order (nodes and `dependsOn` lists shuffled by each seed) gives
 * the same waves, order, sequential order and planHash; the sequential order is topological.
 */
export function checkDeclarationOrder(workflow: GeneratedWorkflow, seeds: readonly number[]): void {
  const plan = planSchedule(buildGraph(workflow));
  for (const seed of seeds) {
    const again = planSchedule(buildGraph(permuteWorkflow(workflow, seed)));
    expect(again.planHash).toBe(plan.planHash);
    expect(again.waves).toEqual(plan.waves);
    expect(again.order).toEqual(plan.order);
    expect(again.sequentialOrder).toEqual(plan.sequentialOrder);
  }
  const position = new Map(plan.sequentialOrder.map((id, i) => [id, i]));
  expect(position.size).toBe(plan.order.length);
  for (const id of plan.order) for (const dep of plan.nodes[id]!.dependsOn) expect(position.get(dep)!).toBeLessThan(position.get(id)!);
}

/** A layered DAG of `size` nodes plans every node into the order and the sequential order. */
export function checkScale(size: number): void {
  const plan = planSchedule(buildGraph(generateDag("layered", size, 3)));
  expect(plan.order).toHaveLength(size);
  expect(new Set(plan.sequentialOrder).size).toBe(size);
}
