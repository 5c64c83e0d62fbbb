// The strict baseline of token efficiency: what a node's prompt would be with no memory hierarchy
// but no run history either — its work item (L1), the whole outputs of its ancestors only, and the
// whole documents it references — built with @hybrid/context's public providers and counted with
// the one estimator of every token number of the suite.
import { composeFullContext, createDocsProvider, createHandoffProvider, createWorkItemProvider, loadContext } from "@hybrid/context";
import type { TokenEstimator, UpstreamOutput } from "@hybrid/context";
import type { NodeSpec } from "@hybrid/graph";
import { ancestorsOf } from "./oracles.js";

/** Strict-baseline tokens of every node of a run, from the outputs that run produced. */
export async function strictBaselineTokens(
  nodes: readonly NodeSpec[],
  outputs: ReadonlyMap<string, string>,
  options: { repoRoot: string; runId: string; estimator: TokenEstimator },
): Promise<Map<string, number>> {
  const ancestors = ancestorsOf(nodes);
  const agents = new Map(nodes.map((n) => [n.id, n.agent]));
  const providers = [
    createWorkItemProvider(),
    createHandoffProvider({ maxOutputs: Number.MAX_SAFE_INTEGER }),
    createDocsProvider({ root: options.repoRoot, maxTokensPerFile: Number.MAX_SAFE_INTEGER }),
  ];
  const tokens = new Map<string, number>();
  for (const node of nodes) {
    const direct = new Set(node.dependsOn);
    const upstream: UpstreamOutput[] = [...ancestors.get(node.id)!]
      .filter((id) => outputs.has(id))
      .map((id) => ({ nodeId: id, agent: agents.get(id)!, output: outputs.get(id)!, distance: direct.has(id) ? 1 : 2 }));
    const segments = await loadContext(providers, { node, upstream, runId: options.runId });
    tokens.set(node.id, composeFullContext(segments, { estimator: options.estimator }).tokens);
  }
  return tokens;
}
