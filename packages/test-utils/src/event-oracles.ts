// Pure oracles over a run's journaled events and its plan, shared by the random-DAG tests and the
// acceptance suite. They know nothing of the dispatcher: the events are read as plain data (the
// journal's vocabulary, docs/journal.md) and the expected outcome of each node is computed from the
// graph alone, so a dispatcher bug cannot hide in the oracle.

/** The fields of a journal event the oracles read (a `DispatchEvent` is one). */
export interface OracleEvent {
  type: string;
  nodeId?: string;
  priority?: string;
  wave?: number;
  final?: boolean;
}

/** What the oracles need of a plan (a `SchedulePlan` is one): its waves and each node's dependencies. */
export interface OraclePlan {
  waves: readonly (readonly string[])[];
  nodes: Readonly<Record<string, { dependsOn: readonly string[] }>>;
}

export type ExpectedStatus = "succeeded" | "failed" | "needs-review" | "blocked";

/** What each node must end as: from the graph alone, in topological order (the plan's waves). */
export function expectedStatuses(plan: OraclePlan, c: { throwing: ReadonlySet<string>; reviewing: ReadonlySet<string> }): Map<string, ExpectedStatus> {
  const statuses = new Map<string, ExpectedStatus>();
  for (const id of plan.waves.flat()) {
    const blocked = plan.nodes[id]!.dependsOn.some((dep) => statuses.get(dep) !== "succeeded");
    statuses.set(id, blocked ? "blocked" : c.throwing.has(id) ? "failed" : c.reviewing.has(id) ? "needs-review" : "succeeded");
  }
  return statuses;
}

/** Whether the event ends a node's life in the run: it succeeded, or failed for good. */
export const isFinalEvent = (event: OracleEvent): boolean => event.type === "node.succeeded" || (event.type === "node.failed" && event.final === true);

/** Peaks of live nodes read from the journal: from `node.dispatched` to the node's final event. */
export function journalPeaks(events: readonly OracleEvent[]): { peak: number; byClass: Map<string, number>; byWave: Map<number, number> } {
  const live = new Map<string, { priority: string; wave: number }>();
  const byClass = new Map<string, number>();
  const byWave = new Map<number, number>();
  let peak = 0;
  const count = <K>(key: (n: { priority: string; wave: number }) => K, into: Map<K, number>) => {
    const counts = new Map<K, number>();
    for (const node of live.values()) counts.set(key(node), (counts.get(key(node)) ?? 0) + 1);
    for (const [k, n] of counts) into.set(k, Math.max(into.get(k) ?? 0, n));
  };
  for (const event of events) {
    if (event.type === "node.dispatched") {
      live.set(event.nodeId!, { priority: event.priority ?? "", wave: event.wave ?? -1 });
      peak = Math.max(peak, live.size);
      count((n) => n.priority, byClass);
      count((n) => n.wave, byWave);
    }
    if (isFinalEvent(event)) live.delete(event.nodeId!);
  }
  return { peak, byClass, byWave };
}

/** Nodes dispatched before one of their dependencies succeeded, or dispatched twice. */
export function orderViolations(events: readonly OracleEvent[], plan: OraclePlan): string[] {
  const succeeded = new Set<string>();
  const dispatched = new Set<string>();
  const violations: string[] = [];
  for (const event of events) {
    if (event.type === "node.succeeded") succeeded.add(event.nodeId!);
    if (event.type !== "node.dispatched") continue;
    const id = event.nodeId!;
    if (dispatched.has(id)) violations.push(`${id} dispatched twice`);
    dispatched.add(id);
    const node = plan.nodes[id];
    if (node === undefined) violations.push(`${id} dispatched but not in the plan`);
    for (const dep of node?.dependsOn ?? []) if (!succeeded.has(dep)) violations.push(`${id} dispatched before ${dep} succeeded`);
  }
  return violations;
}

/** Every node `id` depends on, directly or not. */
export function ancestors(plan: OraclePlan, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...plan.nodes[id]!.dependsOn];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...plan.nodes[next]!.dependsOn);
  }
  return seen;
}
