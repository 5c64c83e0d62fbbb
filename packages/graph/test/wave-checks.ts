// Checks shared by waves.test.ts (small sizes, default suite) and waves.slow.test.ts (full sizes).
import { generateDag, permuteWorkflow, type GeneratedWorkflow } from "@hybrid/test-utils";
import { expect } from "vitest";
import { buildGraph, criticalPath, nodeWaves, planWaves, remainingPath, validateWorkflow } from "../src/index.js";

/** Edges go forward, waves are minimal and sorted, and another declaration order plans the same. */
export function checkWaves(workflow: GeneratedWorkflow, seed: number): void {
  const graph = buildGraph(workflow);
  const waves = planWaves(graph);
  const waveOf = nodeWaves(graph);
  expect(waves.flat().length).toBe(graph.size);
  for (const wave of waves) expect([...wave].sort()).toEqual(wave);
  for (const id of graph.ids) {
    const preds = graph.predecessors(id);
    for (const dep of preds) expect(waveOf.get(dep)!).toBeLessThan(waveOf.get(id)!);
    // Minimal: a node in wave w > 0 has a dependency in wave w - 1.
    if (waveOf.get(id)! > 0) expect(preds.some((dep) => waveOf.get(dep) === waveOf.get(id)! - 1)).toBe(true);
    else expect(preds).toEqual([]);
  }
  const permuted = buildGraph(permuteWorkflow(workflow, seed));
  expect(planWaves(permuted)).toEqual(waves);
  expect(criticalPath(permuted)).toEqual(criticalPath(graph));
  expect(permuted.topologicalOrder()).toEqual(graph.topologicalOrder());
}

const node = (id: string, dependsOn: string[]) => ({ id, agent: "a", priority: "docs", scope: "s", acceptance: [], dependsOn });

/** A chain of `size` nodes plans without recursion; closing it finds one cycle through all of it. */
export function checkChain(size: number): void {
  const nodes = Array.from({ length: size }, (_, i) => node(`c${i}`, i === 0 ? [] : [`c${i - 1}`]));
  const graph = buildGraph({ id: "chain", nodes });
  expect(planWaves(graph)).toHaveLength(size);
  expect(criticalPath(graph).length).toBe(size);
  expect(graph.ancestors(`c${size - 1}`)).toHaveLength(size - 1);
  expect(remainingPath(graph).get("c0")).toBe(size);
  nodes[0]!.dependsOn = [`c${size - 1}`];
  const [problem] = validateWorkflow({ id: "chain", nodes });
  expect(problem!.code).toBe("cycle");
  expect(problem!.cycle).toHaveLength(size + 1);
}

/** A random DAG of `size` nodes and about size × degree / 2 edges plans every node. */
export function checkRandomDag(size: number, degree: number): void {
  const graph = buildGraph(generateDag("random", size, 5, { degree }));
  expect(graph.edgeCount).toBeGreaterThan((size * degree * 9) / 20);
  const waves = planWaves(graph);
  expect(waves.flat()).toHaveLength(size);
  expect(criticalPath(graph, () => 1).nodes.length).toBe(waves.length);
}
