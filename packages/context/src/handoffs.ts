import { z } from "zod";
import { scoreText, termsOf } from "./sections.js";
import { parseOptions, type ContextProvider, type ContextRequest, type ContextSegment } from "./segment.js";

/** Who wrote a handoff comment: the marker `<!-- hybrid:handoff run=… node=… agent=… -->`. */
export interface HandoffMarker {
  runId: string;
  nodeId: string;
  agent: string;
}

const MARKER = /<!--\s*hybrid:handoff\s+([^>]*?)\s*-->/;

/** The marker a handoff comment carries so later agents can find it. Values must not contain spaces. */
export function formatHandoffMarker(marker: HandoffMarker): string {
  const clean = (value: string) => value.replace(/[\s>]+/g, "_");
  return `<!-- hybrid:handoff run=${clean(marker.runId)} node=${clean(marker.nodeId)} agent=${clean(marker.agent)} -->`;
}

/** Reads the first handoff marker in a comment body, if it has one with all three fields. */
export function parseHandoffMarker(body: string): HandoffMarker | undefined {
  const match = MARKER.exec(body);
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const pair of match[1]!.matchAll(/([a-z]+)=(\S+)/g)) fields.set(pair[1]!, pair[2]!);
  const runId = fields.get("run");
  const nodeId = fields.get("node");
  const agent = fields.get("agent");
  return runId && nodeId && agent ? { runId, nodeId, agent } : undefined;
}

/** Removes handoff markers from a body (they are for machines, not for the prompt). */
export function stripHandoffMarkers(body: string): string {
  return body.replace(new RegExp(MARKER.source, "g"), "").trim();
}

export const HandoffProviderOptionsSchema = z.object({
  /** At most this many upstream outputs become segments (closest and newest kept). @default 1000 */
  maxOutputs: z.number().int().min(0).default(1000),
  /**
   * Among farther ancestors, rank outputs that share more terms with the node's scope and acceptance
   * criteria higher (a deterministic lexical score); recency breaks ties. @default true
   */
  relevance: z.boolean().default(true),
  /** Priority of the first segment; each later one gets one less. @default 2000 */
  basePriority: z.number().default(2000),
});
export type HandoffProviderOptions = z.input<typeof HandoffProviderOptionsSchema>;

/**
 * L2 (warm) provider for handoffs inside this run: the outputs of upstream nodes, direct
 * predecessors first, then farther ancestors (most relevant, then newest first).
 */
export function createHandoffProvider(options: HandoffProviderOptions = {}): ContextProvider {
  const opts = parseOptions("handoff provider options", HandoffProviderOptionsSchema, options);
  return {
    tier: "L2",
    name: "handoffs",
    async collect(request: ContextRequest): Promise<ContextSegment[]> {
      const terms = opts.relevance
        ? termsOf([request.node.scope, ...request.node.acceptance].join("\n"))
        : new Set<string>();
      const ranked = (request.upstream ?? [])
        .map((up) => ({ up, direct: up.distance <= 1, score: up.distance <= 1 ? 0 : scoreText(up.output, terms) }))
        .sort(
          (a, b) =>
            Number(b.direct) - Number(a.direct) ||
            b.score - a.score ||
            (b.up.completedAt ?? "").localeCompare(a.up.completedAt ?? "") ||
            a.up.distance - b.up.distance ||
            (a.up.nodeId < b.up.nodeId ? -1 : a.up.nodeId > b.up.nodeId ? 1 : 0),
        )
        .slice(0, opts.maxOutputs);
      return ranked.map(({ up }, rank) => ({
        id: `handoff:${up.nodeId}`,
        tier: "L2",
        source: up.url ?? (request.runId ? `run:${request.runId}/node:${up.nodeId}` : `node:${up.nodeId}`),
        text: `Output of ${up.nodeId} (${up.agent}):\n${up.output}`,
        priority: opts.basePriority - rank,
        pinned: false,
        ...(up.completedAt ? { createdAt: up.completedAt } : {}),
      }));
    },
  };
}
