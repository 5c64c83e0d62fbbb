// Pure oracles of the performance and token-efficiency categories. They read what a run left
// behind (journal lines, captured prompts) and never the orchestrators' own conclusions.

/** The journal events these oracles read (a subset of @hybrid/resilience's, as written to disk). */
export interface JournalLine {
  type: string;
  at: number;
  nodeId?: string;
  attempt?: number;
  nodes?: Array<{ id: string; dependsOn: string[] }>;
}

/** `<state>/runs/<runId>/journal.jsonl` text → its events (each line is `{ v, seq, sum, event }`). */
export function parseJournal(text: string): JournalLine[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { event: JournalLine }).event);
}

export interface MakespanBound {
  makespanMs: number;
  /** Longest dependency chain of measured node work. */
  criticalPathMs: number;
  totalWorkMs: number;
  /** max(critical path, total work / maxParallel): no schedule of this work can be shorter. */
  lowerBoundMs: number;
  /** makespan / lower bound: 1.0 is optimal. */
  ratio: number;
}

/**
 * A run's makespan (run.started → run.completed) against the lower bound of its measured work.
 * A node's work is the sum of its attempts, each from `node.dispatched` to the attempt's end
 * (succeeded, failed or timed out): the agent's time, not the orchestrator's.
 */
export function makespanBound(events: readonly JournalLine[], maxParallel: number): MakespanBound {
  const started = events.find((e) => e.type === "run.started");
  const completed = events.findLast((e) => e.type === "run.completed");
  if (!started?.nodes || !completed) throw new Error("journal without run.started (with nodes) and run.completed");
  const work = new Map<string, number>();
  const open = new Map<string, number>();
  for (const e of events) {
    if (e.nodeId === undefined) continue;
    const key = `${e.nodeId}#${e.attempt ?? 0}`;
    if (e.type === "node.dispatched") open.set(key, e.at);
    else if ((e.type === "node.succeeded" || e.type === "node.failed" || e.type === "node.timed-out") && open.has(key)) {
      work.set(e.nodeId, (work.get(e.nodeId) ?? 0) + (e.at - open.get(key)!));
      open.delete(key);
    }
  }
  // Longest path: nodes in journal order are a topological order (the plan's), but do not rely on
  // it: memoised depth-first over dependsOn.
  const deps = new Map(started.nodes.map((n) => [n.id, n.dependsOn]));
  const finish = new Map<string, number>();
  const longest = (id: string): number => {
    const known = finish.get(id);
    if (known !== undefined) return known;
    let before = 0;
    for (const dep of deps.get(id) ?? []) before = Math.max(before, longest(dep));
    const value = before + (work.get(id) ?? 0);
    finish.set(id, value);
    return value;
  };
  let criticalPathMs = 0;
  for (const id of deps.keys()) criticalPathMs = Math.max(criticalPathMs, longest(id));
  const totalWorkMs = [...work.values()].reduce((a, b) => a + b, 0);
  const lowerBoundMs = Math.max(criticalPathMs, totalWorkMs / maxParallel);
  const makespanMs = completed.at - started.at;
  return { makespanMs, criticalPathMs, totalWorkMs, lowerBoundMs, ratio: lowerBoundMs > 0 ? makespanMs / lowerBoundMs : Number.NaN };
}

/** A node's pinned L1 items, as docs/architecture.md and the context README name them. */
export interface PinnedNode {
  id: string;
  agent: string;
  priority: string;
  scope: string;
  acceptance: readonly string[];
}

/** The pinned items of `node` whose text is not in `prompt` (each criterion is its own item). */
export function missingPinned(prompt: string, node: PinnedNode): string[] {
  const items = [
    `Work item: ${node.id}`,
    `Agent: ${node.agent}`,
    `Priority: ${node.priority}`,
    `Scope: ${node.scope}`,
    ...node.acceptance.map((criterion) => `- ${criterion}`),
  ];
  return items.filter((item) => !prompt.includes(item));
}

/** The referenced facts whose whole statement is not in `prompt`. */
export function missingFacts<T extends { text: string }>(prompt: string, facts: readonly T[]): T[] {
  return facts.filter((fact) => !prompt.includes(fact.text));
}

/** Savings of `value` against `baseline`, in % (null without a positive baseline). */
export const savingsPct = (baseline: number, value: number): number | null => (baseline > 0 ? ((baseline - value) / baseline) * 100 : null);

/** Every ancestor of each node of a workflow (by `dependsOn`), iteratively. */
export function ancestorsOf(nodes: ReadonlyArray<{ id: string; dependsOn: readonly string[] }>): Map<string, Set<string>> {
  const deps = new Map(nodes.map((n) => [n.id, n.dependsOn]));
  const out = new Map<string, Set<string>>();
  for (const node of nodes) {
    const seen = new Set<string>();
    const stack = [...node.dependsOn];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(deps.get(id) ?? []));
    }
    out.set(node.id, seen);
  }
  return out;
}
