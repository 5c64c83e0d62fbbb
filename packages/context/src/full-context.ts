import { z } from "zod";
import { redactionPolicy, scannerOf } from "./prepare.js";
import { renderBlock } from "./render.js";
import { parseOptions, type ContextSegment, type Tier } from "./segment.js";
import { estimatorOption, getDefaultEstimator } from "./token-estimator.js";

export const FullContextOptionsSchema = z.object({
  /** @default createTiktokenEstimator({ encoding: "cl100k_base" }) (shared) */
  estimator: estimatorOption.optional(),
  /** Redaction of text, ids and sources, as `composeContext`'s `policy.redact`. @default true */
  redact: redactionPolicy.default(true),
});
export type FullContextOptions = z.input<typeof FullContextOptionsSchema>;

const TIERS: readonly Tier[] = ["L1", "L2", "L3"];

/**
 * What the legacy sequential mode sends: every segment whole (all upstream outputs, all comments,
 * whole docs), by tier then input order, with no cap and no provenance. The baseline that token
 * savings are measured against.
 */
export function composeFullContext(
  segments: readonly ContextSegment[],
  options: FullContextOptions = {},
): { prompt: string; tokens: number } {
  const opts = parseOptions("full context options", FullContextOptionsSchema, options);
  const estimator = opts.estimator ?? getDefaultEstimator();
  const scan = scannerOf(opts.redact, "redact");
  const blocks = TIERS.flatMap((tier) =>
    segments
      .filter((s) => s.tier === tier)
      .map((segment) => renderBlock({ ...segment, id: scan(segment.id).text.replace(/[\r\n]+/g, " ") }, scan(segment.text).text)),
  );
  const prompt = blocks.join("\n\n");
  return { prompt, tokens: estimator.count(prompt) };
}
