import { foldDependencies } from "./graph-walk.js";
import type { NodeRecord } from "./run-record.js";

/** A node's actual duration: first dispatch → final terminal event (retries and backoff included). */
export function nodeSpanMs(node: Pick<NodeRecord, "startedAt" | "endedAt">): number {
  if (node.startedAt === undefined || node.endedAt === undefined) return 0;
  return Math.max(0, node.endedAt - node.startedAt);
}

/**
 * Longest path through the dependency graph, weighting each node by its actual duration.
 * Unknown dependencies are ignored; a cycle (which a valid plan never has) is cut where it closes.
 * Ties go to the lexicographically smaller id, so the result is deterministic. Iterative: a chain
 * of 200,000 nodes does not overflow the stack.
 */
export function actualCriticalPath(
  nodes: readonly Pick<NodeRecord, "id" | "dependsOn" | "startedAt" | "endedAt">[],
): { nodes: string[]; lengthMs: number } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ids = [...byId.keys()].sort();
  const sortedDeps = (id: string) => {
    const node = byId.get(id);
    return node === undefined ? undefined : [...node.dependsOn].sort();
  };
  const best = foldDependencies<{ length: number; prev: string | undefined }>(ids, sortedDeps, (id, deps) => {
    let prev: { id: string; length: number } | undefined;
    for (const dep of deps) if (prev === undefined || dep.value.length > prev.length) prev = { id: dep.id, length: dep.value.length };
    return { length: (prev?.length ?? 0) + nodeSpanMs(byId.get(id)!), prev: prev?.id };
  });
  let end: string | undefined;
  let endLength = -1;
  for (const id of ids) {
    const length = best.get(id)!.length;
    if (length > endLength) {
      end = id;
      endLength = length;
    }
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = best.get(id)!.prev) path.push(id);
  return { nodes: path.reverse(), lengthMs: Math.max(0, endLength) };
}

/** Σ node busy time / makespan; 0 when the makespan is 0. */
export function parallelismRatio(nodes: readonly Pick<NodeRecord, "busyMs">[], makespanMs: number): number {
  if (makespanMs <= 0) return 0;
  const busy = nodes.reduce((sum, n) => sum + n.busyMs, 0);
  return busy / makespanMs;
}
