import { UnknownNodeError } from "./errors.js";
import type { NodeSpec, WorkflowMeta, WorkflowSpec } from "./workflow-schema.js";

/**
 * Compact indexes of a graph. Node i is `ids[i]`; ids are sorted, so every index-ordered result is
 * independent of declaration order. `preds` are dependencies ("i depends on p"), `succs` dependents.
 */
export interface GraphIndex {
  ids: readonly string[];
  predOffsets: Uint32Array;
  preds: Uint32Array;
  succOffsets: Uint32Array;
  succs: Uint32Array;
  /** A topological order (dependencies first), deterministic. */
  topo: Uint32Array;
}

// Kept out of the public surface so the typed arrays cannot be mutated through the graph object.
const indexes = new WeakMap<DependencyGraph, GraphIndex>();

/** @internal The compact index of a graph, for this package's algorithms. */
export function indexOf(graph: DependencyGraph): GraphIndex {
  return indexes.get(graph)!;
}

/** Freezes an object and the objects and arrays it holds (specs are shallow: at most two levels). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "object") deepFreeze(item);
  } else {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === "object") deepFreeze(item);
    }
  }
  return Object.freeze(value);
}

/**
 * An immutable, validated dependency graph of work items. Build it with `buildGraph(spec)` or
 * `DependencyGraphBuilder`; it never contains a cycle, a dangling or a duplicate id.
 */
export class DependencyGraph {
  /** The workflow's own fields (version, id, taskType, description). */
  readonly workflow: Readonly<WorkflowMeta>;
  /** Number of nodes. */
  readonly size: number;
  /** Number of distinct dependency edges. */
  readonly edgeCount: number;
  readonly #position: ReadonlyMap<string, number>;
  readonly #specs: readonly NodeSpec[];

  /** @internal Use `buildGraph`; this trusts its input to be validated and canonical. */
  constructor(meta: WorkflowMeta, specs: NodeSpec[], position: Map<string, number>, index: GraphIndex) {
    this.workflow = deepFreeze({ ...meta });
    this.size = specs.length;
    this.edgeCount = index.preds.length;
    this.#position = position;
    this.#specs = deepFreeze(specs);
    indexes.set(this, index);
    Object.freeze(this);
  }

  /** Node ids in canonical (sorted) order. */
  get ids(): readonly string[] {
    return indexOf(this).ids;
  }

  has(id: string): boolean {
    return this.#position.has(id);
  }

  /** Canonical position of `id`; throws `UnknownNodeError` when absent. */
  positionOf(id: string): number {
    const position = this.#position.get(id);
    if (position === undefined) throw new UnknownNodeError(id);
    return position;
  }

  /** The frozen spec of a node; `dependsOn` is sorted and free of repeats. */
  node(id: string): NodeSpec {
    return this.#specs[this.positionOf(id)]!;
  }

  /** Every node spec in canonical (sorted id) order. */
  nodes(): readonly NodeSpec[] {
    return this.#specs;
  }

  /** Direct dependencies of `id`, sorted. */
  predecessors(id: string): string[] {
    const { predOffsets, preds, ids } = indexOf(this);
    const i = this.positionOf(id);
    return Array.from(preds.subarray(predOffsets[i]!, predOffsets[i + 1]!), (p) => ids[p]!);
  }

  /** Direct dependents of `id`, sorted. */
  successors(id: string): string[] {
    const { succOffsets, succs, ids } = indexOf(this);
    const i = this.positionOf(id);
    return Array.from(succs.subarray(succOffsets[i]!, succOffsets[i + 1]!), (s) => ids[s]!);
  }

  /** Every node `id` depends on, directly or not, sorted. */
  ancestors(id: string): string[] {
    const { predOffsets, preds } = indexOf(this);
    return this.#reach(this.positionOf(id), predOffsets, preds);
  }

  /** Every node that depends on `id`, directly or not, sorted. */
  descendants(id: string): string[] {
    const { succOffsets, succs } = indexOf(this);
    return this.#reach(this.positionOf(id), succOffsets, succs);
  }

  /** A deterministic topological order: every node after all its dependencies. */
  topologicalOrder(): string[] {
    const { topo, ids } = indexOf(this);
    return Array.from(topo, (i) => ids[i]!);
  }

  /** The graph as a workflow spec (nodes in canonical order), e.g. to serialise it. */
  toWorkflow(): WorkflowSpec {
    return { ...this.workflow, nodes: [...this.#specs] } as WorkflowSpec;
  }

  #reach(start: number, offsets: Uint32Array, targets: Uint32Array): string[] {
    const seen = new Uint8Array(this.size);
    const found: number[] = [];
    const queue: number[] = [start];
    seen[start] = 1;
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head]!;
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
        const w = targets[e]!;
        if (seen[w]) continue;
        seen[w] = 1;
        queue.push(w);
        found.push(w);
      }
    }
    const ids = indexOf(this).ids;
    return Uint32Array.from(found)
      .sort()
      .reduce<string[]>((out, i) => (out.push(ids[i]!), out), []);
  }
}

/** Free-function forms of the graph queries, for pipelines and for symmetry with `planWaves`. */
export const predecessors = (graph: DependencyGraph, id: string): string[] => graph.predecessors(id);
export const successors = (graph: DependencyGraph, id: string): string[] => graph.successors(id);
export const ancestors = (graph: DependencyGraph, id: string): string[] => graph.ancestors(id);
export const descendants = (graph: DependencyGraph, id: string): string[] => graph.descendants(id);
