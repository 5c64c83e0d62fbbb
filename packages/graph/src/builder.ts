import { buildGraph } from "./build-graph.js";
import type { DependencyGraph } from "./graph.js";
import type { NodeSpecInput, WorkflowMeta } from "./workflow-schema.js";

/** A node for the builder: `dependsOn` may be left out and added with `addDependency`. */
export type BuilderNode = Omit<NodeSpecInput, "dependsOn"> & { dependsOn?: string[] };

/**
 * Incremental form of `buildGraph`: add nodes and dependencies in any order, then `build()`, which
 * validates exactly as `buildGraph` does (paths refer to the order nodes were added).
 *
 * @example
 * const graph = new DependencyGraphBuilder({ id: "epic" })
 *   .addNode({ id: "a", agent: "architect", priority: "architecture", scope: "…", acceptance: [] })
 *   .addNode({ id: "b", agent: "engineer", priority: "implementation", scope: "…", acceptance: [] })
 *   .addDependency("b", "a") // b depends on a
 *   .build();
 */
export class DependencyGraphBuilder {
  readonly #meta: Partial<WorkflowMeta>;
  readonly #nodes: { spec: BuilderNode; dependsOn: string[] }[] = [];
  readonly #byId = new Map<string, { spec: BuilderNode; dependsOn: string[] }>();

  constructor(meta: Partial<WorkflowMeta> = {}) {
    this.#meta = { ...meta };
  }

  /** Adds a node. A second node with the same id is kept and reported as `duplicate-id` by `build()`. */
  addNode(spec: BuilderNode): this {
    const entry = { spec: { ...spec }, dependsOn: [...(spec.dependsOn ?? [])] };
    this.#nodes.push(entry);
    if (!this.#byId.has(spec.id)) this.#byId.set(spec.id, entry);
    return this;
  }

  /** Records that `dependent` depends on `dependency`. Both must be added before `build()`. */
  addDependency(dependent: string, dependency: string): this {
    const entry = this.#byId.get(dependent);
    if (!entry) {
      // Keep it, so build() reports it with the other problems instead of failing here.
      this.#nodes.push({ spec: { id: dependent } as BuilderNode, dependsOn: [dependency] });
      this.#byId.set(dependent, this.#nodes[this.#nodes.length - 1]!);
      return this;
    }
    entry.dependsOn.push(dependency);
    return this;
  }

  /** Validates and builds; throws `GraphValidationError` with every problem. */
  build(): DependencyGraph {
    return buildGraph({
      ...this.#meta,
      nodes: this.#nodes.map(({ spec, dependsOn }) => ({ ...spec, dependsOn })),
    });
  }
}
