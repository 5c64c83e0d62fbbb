/** A node and what it depends on: all the blocking walk needs. */
export interface DependencyNode {
  id: string;
  dependsOn?: readonly string[];
}

/**
 * Nodes in an order where every node comes after its dependencies (Kahn's algorithm, iterative so a
 * 100,000-node chain does not overflow the stack). Nodes on a cycle or behind an unknown dependency
 * never become ready: they are returned separately, in input order.
 */
export function dependencyOrder<T extends DependencyNode>(nodes: readonly T[]): { ordered: T[]; unordered: T[] } {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const deps = node.dependsOn ?? [];
    // An unknown dependency can never be satisfied: count it and never release it.
    waiting.set(node.id, deps.length);
    for (const dep of deps) {
      if (!byId.has(dep)) continue;
      const list = dependents.get(dep);
      if (list) list.push(node.id);
      else dependents.set(dep, [node.id]);
    }
  }
  const ready = nodes.filter((node) => waiting.get(node.id) === 0);
  const ordered: T[] = [];
  for (let head = 0; head < ready.length; head++) {
    const node = ready[head]!;
    ordered.push(node);
    for (const dependent of dependents.get(node.id) ?? []) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(byId.get(dependent)!);
    }
  }
  const placed = new Set(ordered.map((node) => node.id));
  return { ordered, unordered: nodes.filter((node) => !placed.has(node.id)) };
}

/**
 * Who blocks whom: for every node downstream of a failed node (and not failed itself), the failed
 * node that blocks it, found through its dependencies in declaration order. The one definition used
 * by replay and the post-mortem (the scheduler tracks the same thing live, as it runs).
 */
export function blockedBy(nodes: readonly DependencyNode[], failed: ReadonlySet<string>): Map<string, string> {
  const blocker = new Map<string, string>();
  for (const node of dependencyOrder(nodes).ordered) {
    if (failed.has(node.id)) continue;
    for (const dep of node.dependsOn ?? []) {
      const found = failed.has(dep) ? dep : blocker.get(dep);
      if (found !== undefined) {
        blocker.set(node.id, found);
        break;
      }
    }
  }
  return blocker;
}
