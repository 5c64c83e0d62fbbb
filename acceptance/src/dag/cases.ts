// The synthetic DAGs the correctness and determinism categories run: every shape of generateDag in
// turn (chain, fan-out, fan-in, diamond, layered, random, wide), random caps, and a few nodes whose
// agent fails for good or leaves a criterion unticked, so blocking and review are exercised too.
import type { Priority } from "@hybrid/graph";
import { TEST_PRIORITIES, generateDag, seededRandom } from "@hybrid/test-utils";
import type { DagShape, GeneratedWorkflow } from "@hybrid/test-utils";

export const SHAPES: readonly DagShape[] = ["chain", "fan-out", "fan-in", "diamond", "layered", "random", "wide"];

/** The caps a case runs under: the three the scheduler enforces. */
export interface CaseLimits {
  maxParallel: number;
  caps: Partial<Record<Priority, number>>;
  maxPerWave: number | null;
}

/** One generated case: the DAG, the caps it runs under, and the nodes that will not succeed. */
export interface DagCase extends CaseLimits {
  index: number;
  seed: number;
  shape: DagShape;
  workflow: GeneratedWorkflow;
  /** Their agent fails for good (a permanent error): status `failed`. */
  throwing: Set<string>;
  /** Their agent leaves an acceptance criterion unticked (gate G10): status `needs-review`. */
  reviewing: Set<string>;
}

/** A seeded source of integers in [min, max], mixed first: nearby seeds start xoroshiro128+ in nearby states. */
export function seededInts(seed: number): (min: number, max: number) => number {
  const random = seededRandom(seed);
  for (let i = 0; i < 16; i++) random();
  return (min, max) => min + Math.floor(random() * (max - min + 1));
}

/**
 * The `index`-th case of a suite seeded `base`. Sizes: 2–`maxSize` nodes, the wide shape 50–`wideMax`
 * (200 by default; its layer is the point). Caps are drawn so that many runs hit them: maxParallel 1–6, a class cap
 * of 1–3 on each priority with probability 0.4, a per-wave cap of 1–3 in a quarter of the cases.
 */
export function dagCase(base: number, index: number, options: { maxSize: number; wideMax?: number; failures?: boolean }): DagCase {
  const seed = base + index * 7919;
  const int = seededInts(seed);
  const shape = SHAPES[index % SHAPES.length]!;
  const size = shape === "wide" ? int(50, options.wideMax ?? 200) : int(2, options.maxSize);
  const workflow = generateDag(shape, size, seed, { degree: int(1, 4) });
  const caps: CaseLimits["caps"] = {};
  for (const priority of TEST_PRIORITIES) if (int(0, 9) < 4) caps[priority] = int(1, 3);
  const maxPerWave = int(0, 3) === 0 ? int(1, 3) : null;
  const maxParallel = int(1, 6);
  const ids = workflow.nodes.map((node) => node.id).sort();
  const failures = options.failures === false || ids.length < 3 ? 0 : int(0, 3);
  const throwing = new Set<string>();
  const reviewing = new Set<string>();
  for (let k = 0; k < failures; k++) {
    const id = ids[int(0, ids.length - 1)]!;
    if (!throwing.has(id) && !reviewing.has(id)) (int(0, 1) === 0 ? throwing : reviewing).add(id);
  }
  return { index, seed, shape, workflow, maxParallel, caps, maxPerWave, throwing, reviewing };
}
