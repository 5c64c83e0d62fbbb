import type { NodeRecord } from "./run-record.js";

/** A node's actual duration: first dispatch → final terminal event (retries and backoff included). */
export function nodeSpanMs(node: Pick<NodeRecord, "startedAt" | "endedAt">): number {
  if (node.startedAt === undefined || node.endedAt === undefined) return 0;
  return Math.max(0, node.endedAt - node.startedAt);
}

/**
 * Longest path through the dependency graph, weighting each node by its actual duration.
 * Unknown dependencies are ignored; a cycle (which a valid plan never has) is cut where it closes.
 * Ties go to the lexicographically smaller id, so the result is deterministic.
 */
export function actualCriticalPath(
  nodes: readonly Pick<NodeRecord, "id" | "dependsOn" | "startedAt" | "endedAt">[],
): { nodes: string[]; lengthMs: number } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const best = new Map<string, { length: number; prev: string | undefined }>();
  const visiting = new Set<string>();

  const visit = (id: string): number => {
    const done = best.get(id);
    if (done) return done.length;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const node = byId.get(id)!;
    let prev: string | undefined;
    let prevLength = 0;
    for (const dep of [...node.dependsOn].sort()) {
      if (!byId.has(dep)) continue;
      const length = visit(dep);
      if (prev === undefined || length > prevLength) {
        prev = dep;
        prevLength = length;
      }
    }
    visiting.delete(id);
    const length = prevLength + nodeSpanMs(node);
    best.set(id, { length, prev });
    return length;
  };

  let end: string | undefined;
  let endLength = -1;
  for (const id of [...byId.keys()].sort()) {
    const length = visit(id);
    if (length > endLength) {
      end = id;
      endLength = length;
    }
  }
  const path: string[] = [];
  const seen = new Set<string>();
  for (let id = end; id !== undefined && !seen.has(id); id = best.get(id)!.prev) {
    seen.add(id);
    path.unshift(id);
  }
  return { nodes: path, lengthMs: Math.max(0, endLength) };
}

/** Σ node busy time / makespan; 0 when the makespan is 0. */
export function parallelismRatio(nodes: readonly Pick<NodeRecord, "busyMs">[], makespanMs: number): number {
  if (makespanMs <= 0) return 0;
  const busy = nodes.reduce((sum, n) => sum + n.busyMs, 0);
  return busy / makespanMs;
}
