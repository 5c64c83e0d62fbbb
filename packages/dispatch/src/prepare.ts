import type { PlannedNode } from "@hybrid/scheduler";

/** Builds a node's prompt from its spec and its predecessors' outputs; `hybrid` plugs context in here. */
export type PrepareFn = (node: PlannedNode, upstream: Record<string, string>) => Promise<{ prompt: string }> | { prompt: string };

/**
 * The default prompt: the node's scope, its acceptance criteria and every upstream output, in
 * dependency order.
 */
export function defaultPrepare(node: PlannedNode, upstream: Record<string, string>): { prompt: string } {
  const lines = [`# ${node.id} (${node.agent}, ${node.priority})`, "", "## Scope", node.spec.scope];
  if (node.spec.acceptance.length > 0) {
    lines.push("", "## Acceptance", ...node.spec.acceptance.map((item) => `- ${item}`));
  }
  for (const id of node.dependsOn) {
    if (upstream[id] !== undefined) lines.push("", `## Upstream: ${id}`, upstream[id]);
  }
  return { prompt: lines.join("\n") };
}
