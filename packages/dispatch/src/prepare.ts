import type { PlannedNode } from "@hybrid/scheduler";

/** Per-call context of `prepare`. */
export interface PrepareContext {
  /** Aborted when the node's attempt times out or the run stops: stop fetching and reject. */
  signal: AbortSignal;
}

/**
 * Builds a node's prompt from its spec and its predecessors' outputs (a record without a prototype,
 * by dependency id); `hybrid` plugs context in here. It runs inside the node's attempt deadline.
 */
export type PrepareFn = (
  node: PlannedNode,
  upstream: Readonly<Record<string, string>>,
  context: PrepareContext,
) => Promise<{ prompt: string }> | { prompt: string };

/**
 * The default prompt: the node's scope, its acceptance criteria and every upstream output, in
 * dependency order.
 */
export function defaultPrepare(node: PlannedNode, upstream: Readonly<Record<string, string>>): { prompt: string } {
  const lines = [`# ${node.id} (${node.agent}, ${node.priority})`, "", "## Scope", node.spec.scope];
  if (node.spec.acceptance.length > 0) {
    lines.push("", "## Acceptance", ...node.spec.acceptance.map((item) => `- ${item}`));
  }
  for (const id of node.dependsOn) {
    const output = upstream[id];
    if (output !== undefined) lines.push("", `## Upstream: ${id}`, output);
  }
  return { prompt: lines.join("\n") };
}
