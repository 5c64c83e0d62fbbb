import { z } from "zod";
import { scoreText, termsOf } from "./sections.js";
import { checkRequest, instantOf, parseOptions, type ContextProvider, type ContextRequest, type ContextSegment } from "./segment.js";

/** Who wrote a handoff comment: the marker `<!-- hybrid:handoff run=… node=… agent=… -->`. */
export interface HandoffMarker {
  runId: string;
  nodeId: string;
  agent: string;
}

// Bounded quantifiers: comment bodies are untrusted, and an unbounded lazy run before `\s*-->` is
// quadratic on a long unterminated marker.
const MARKER = /<!--[ \t]{0,8}hybrid:handoff[ \t]([^>]{0,400})-->/;

/**
 * The marker a handoff comment carries so later agents can find it (`@hybrid/dispatch` writes the
 * same). Whitespace and `>` in values become `_`. Only markers in comments by trusted authors count.
 */
export function formatHandoffMarker(marker: HandoffMarker): string {
  const clean = (value: string) => value.replace(/[\s>]+/g, "_");
  return `<!-- hybrid:handoff run=${clean(marker.runId)} node=${clean(marker.nodeId)} agent=${clean(marker.agent)} -->`;
}

/** Reads the first handoff marker in a comment body, if it has one with all three fields. */
export function parseHandoffMarker(body: string): HandoffMarker | undefined {
  const match = MARKER.exec(body);
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const pair of match[1]!.matchAll(/([a-z]{1,10})=(\S{1,200})/g)) fields.set(pair[1]!, pair[2]!);
  const runId = fields.get("run");
  const nodeId = fields.get("node");
  const agent = fields.get("agent");
  return runId && nodeId && agent ? { runId, nodeId, agent } : undefined;
}

/** Removes handoff markers from a body (they are for machines, not for the prompt). */
export function stripHandoffMarkers(body: string): string {
  return body.replace(new RegExp(MARKER.source, "g"), "").trim();
}

/** Newer first by instant (so `+02:00` offsets sort right); no time sorts last. */
export function newerFirst(a: string | undefined, b: string | undefined): number {
  const x = instantOf(a);
  const y = instantOf(b);
  return x === y ? 0 : x < y ? 1 : -1;
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
      const { node, runId, upstream = [] } = checkRequest(request);
      const terms = opts.relevance ? termsOf([node.scope, ...node.acceptance].join("\n")) : new Set<string>();
      const ranked = upstream
        .map((up) => ({ up, direct: up.distance <= 1, score: up.distance <= 1 ? 0 : scoreText(up.output, terms) }))
        .sort(
          (a, b) =>
            Number(b.direct) - Number(a.direct) ||
            b.score - a.score ||
            newerFirst(a.up.completedAt, b.up.completedAt) ||
            a.up.distance - b.up.distance ||
            (a.up.nodeId < b.up.nodeId ? -1 : a.up.nodeId > b.up.nodeId ? 1 : 0),
        )
        .slice(0, opts.maxOutputs);
      return ranked.map(({ up }, rank) => ({
        id: `handoff:${up.nodeId}`,
        tier: "L2",
        source: up.url ?? `run:${runId}/node:${up.nodeId}`,
        text: `Output of ${up.nodeId} (${up.agent}):\n${up.output}`,
        priority: opts.basePriority - rank,
        pinned: false,
        ...(up.completedAt ? { createdAt: up.completedAt } : {}),
      }));
    },
  };
}
