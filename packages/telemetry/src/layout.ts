import { foldDependencies } from "./graph-walk.js";
import type { NodeRecord } from "./run-record.js";

/**
 * The layer of each node for drawing: its wave when the record has one, else one more than the
 * deepest of its dependencies (0 without any). Iterative, so a 200,000-node chain lays out too.
 */
export function layers(nodes: readonly Pick<NodeRecord, "id" | "wave" | "dependsOn">[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return foldDependencies<number>(
    byId.keys(),
    (id) => {
      const node = byId.get(id);
      // A node with a wave needs no walk through its dependencies.
      return node === undefined ? undefined : node.wave === undefined ? node.dependsOn : [];
    },
    (id, deps) => byId.get(id)!.wave ?? deps.reduce((level, dep) => Math.max(level, dep.value + 1), 0),
  );
}

/** Nodes in drawing order: by layer, then first start, then id. */
export function rowsOf<N extends Pick<NodeRecord, "id" | "startedAt">>(nodes: readonly N[], layer: ReadonlyMap<string, number>): N[] {
  return [...nodes].sort(
    (a, b) => layer.get(a.id)! - layer.get(b.id)! || (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
