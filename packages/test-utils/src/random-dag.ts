import fc from "fast-check";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

export const TEST_PRIORITIES = ["security", "architecture", "implementation", "docs"] as const;

/** A workflow node as tests generate it (plain data, the workflow file's shape: docs/architecture.md). */
export interface GeneratedNode {
  id: string;
  agent: string;
  priority: (typeof TEST_PRIORITIES)[number];
  scope: string;
  acceptance: string[];
  dependsOn: string[];
  estimateMs?: number;
}

export interface GeneratedWorkflow {
  version: 1;
  id: string;
  nodes: GeneratedNode[];
}

export type DagShape = "chain" | "fan-out" | "fan-in" | "diamond" | "layered" | "random" | "wide";

/**
 * The tests' seeded source of uniform numbers in [0, 1): pure-rand's xoroshiro128+, the one PRNG of
 * hybrid, seeded directly by `seed` (the same seed gives the same DAG in every test run).
 */
export function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed | 0);
  return () => uniformFloat64(rng);
}

/**
 * A DAG of `size` nodes of the given shape. Edges always point from a later-created node to an
 * earlier one, so it is acyclic; ids are shuffled so creation order is not id order.
 */
export function generateDag(shape: DagShape, size: number, seed: number, options: { degree?: number } = {}): GeneratedWorkflow {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const ids = Array.from({ length: size }, (_, i) => `n${i}-${(seed % 97).toString(36)}${pick(1000)}`);
  const deps: string[][] = ids.map(() => []);
  const degree = options.degree ?? 3;
  for (let i = 1; i < size; i++) {
    switch (shape) {
      case "chain":
        deps[i]!.push(ids[i - 1]!);
        break;
      case "fan-out":
        deps[i]!.push(ids[0]!);
        break;
      case "fan-in":
        if (i === size - 1) for (let k = 0; k < i; k++) deps[i]!.push(ids[k]!);
        break;
      case "diamond": {
        // Repeating diamonds: top → (left, right) → bottom → next top.
        const phase = i % 3;
        const base = i - phase;
        if (phase === 1 || phase === 2) deps[i]!.push(ids[base]!);
        if (phase === 0) deps[i]!.push(ids[i - 1]!, ids[i - 2]!);
        break;
      }
      case "layered": {
        const width = 1 + pick(8);
        const layerStart = Math.max(0, i - width - pick(width + 1));
        const count = 1 + pick(degree);
        for (let k = 0; k < count; k++) deps[i]!.push(ids[layerStart + pick(i - layerStart)]!);
        break;
      }
      case "random": {
        const count = pick(degree + 1);
        for (let k = 0; k < count; k++) deps[i]!.push(ids[pick(i)]!);
        break;
      }
      case "wide":
        // One root, a layer of `size - 2` independent nodes under it, one node joining them all:
        // the most nodes ready at once that a DAG of this size can have.
        if (i < size - 1 || size === 2) deps[i]!.push(ids[0]!);
        else for (let k = 1; k < i; k++) deps[i]!.push(ids[k]!);
        break;
    }
  }
  const nodes = ids.map((id, i) => ({
    id,
    agent: `agent-${pick(5)}`,
    priority: TEST_PRIORITIES[pick(4)]!,
    scope: `scope of ${id}`,
    acceptance: [`criterion for ${id}`],
    dependsOn: [...new Set(deps[i])],
    ...(random() < 0.7 ? { estimateMs: 1 + pick(1000) } : {}),
  }));
  return { version: 1, id: `dag-${shape}-${seed}`, nodes: shuffle(nodes, random) };
}

/** Fisher–Yates with the given random source; returns a new array. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The same workflow with nodes and every `dependsOn` list in a different order. */
export function permuteWorkflow(workflow: GeneratedWorkflow, seed: number): GeneratedWorkflow {
  const random = seededRandom(seed);
  return {
    ...workflow,
    nodes: shuffle(workflow.nodes, random).map((node) => ({ ...node, dependsOn: shuffle(node.dependsOn, random) })),
  };
}

/** fast-check arbitrary of DAG workflows of every shape, up to `maxSize` nodes. */
export function arbitraryDag(maxSize = 2000): fc.Arbitrary<GeneratedWorkflow> {
  const shapes: DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random"];
  return fc
    .record({
      shape: fc.constantFrom(...shapes),
      // Most DAGs small, some large: the biggest cost of these tests is the largest DAGs.
      size: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: Math.min(60, maxSize) }) },
        { weight: 1, arbitrary: fc.integer({ min: Math.min(61, maxSize), max: maxSize }) },
      ),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      degree: fc.integer({ min: 1, max: 6 }),
    })
    .map(({ shape, size, seed, degree }) => generateDag(shape, size, seed, { degree }));
}
