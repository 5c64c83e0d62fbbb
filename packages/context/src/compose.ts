import { z } from "zod";
import { BudgetExceededError, ContextOptionsError } from "./errors.js";
import { countFindings, redactSecrets, type RedactionFinding } from "./redact.js";
import { parseOptions, type ContextSegment, type Tier } from "./segment.js";
import { getDefaultEstimator, type TokenEstimator } from "./token-estimator.js";
import { truncateText } from "./truncate.js";
import { renderBlock, renderPrompt, sortSegments, type PlannedSegment } from "./render.js";

const estimatorSchema = z.custom<TokenEstimator>(
  (value) => typeof value === "object" && value !== null && typeof (value as TokenEstimator).count === "function",
  "expected a TokenEstimator ({ count(text) })",
);

export const ContextPolicySchema = z.object({
  /** Weight of each tier when ordering unpinned segments (higher first). @default { L1: 3, L2: 2, L3: 1 } */
  tierWeights: z
    .object({ L1: z.number(), L2: z.number(), L3: z.number() })
    .default({ L1: 3, L2: 2, L3: 1 }),
  /** A truncated segment must keep at least this many tokens, or it is pruned instead. @default 32 */
  minTruncatedTokens: z.number().int().min(1).default(32),
  /** Redact secrets and PII in every segment before counting. @default true */
  redact: z.boolean().default(true),
});
export type ContextPolicy = z.input<typeof ContextPolicySchema>;

export const ComposeOptionsSchema = z.object({
  /** Hard cap on the final prompt's tokens, provenance included. @default 20000 */
  hardCap: z.number().int().positive().default(20_000),
  /** Tokens kept free for the agent's own instructions; the prompt gets `hardCap - reserve`. @default 0 */
  reserve: z.number().int().min(0).default(0),
  /** Token counter. @default createTiktokenEstimator({ encoding: "cl100k_base" }) (shared) */
  estimator: estimatorSchema.optional(),
  /** Ordering and truncation policy. */
  policy: ContextPolicySchema.default({ tierWeights: { L1: 3, L2: 2, L3: 1 }, minTruncatedTokens: 32, redact: true }),
});
export type ComposeOptions = z.input<typeof ComposeOptionsSchema>;

export const ContextSegmentSchema = z.object({
  id: z.string().min(1),
  tier: z.enum(["L1", "L2", "L3"]),
  source: z.string(),
  text: z.string(),
  priority: z.number().finite(),
  pinned: z.boolean(),
  createdAt: z.string().optional(),
});

/** What happened to one segment. */
export type SegmentStatus = "included" | "truncated" | "pruned";

/** One line of the provenance block. */
export interface ProvenanceEntry {
  id: string;
  tier: Tier;
  source: string;
  pinned: boolean;
  /** Tokens of the (redacted) segment text. */
  tokens: number;
  status: SegmentStatus;
  /** For truncated segments: tokens kept before the marker. */
  keptTokens?: number;
}

/** A redaction finding located in a segment. */
export interface SegmentFinding extends RedactionFinding {
  segmentId: string;
}

/** The composed prompt and an account of every segment. */
export interface ComposedContext {
  prompt: string;
  /** Tokens of `prompt` as counted by the estimator; never above `hardCap - reserve`. */
  tokens: number;
  /** The budget that applied (`hardCap - reserve`). */
  budget: number;
  included: string[];
  truncated: string[];
  pruned: string[];
  /** Every segment, in prompt order, then the pruned ones. */
  provenance: ProvenanceEntry[];
  findings: SegmentFinding[];
  findingsByKind: Record<string, number>;
}

interface Prepared {
  segment: ContextSegment;
  text: string;
  tokens: number;
  blockTokens: number;
}

function prepare(segments: readonly ContextSegment[], redactText: boolean, estimator: TokenEstimator) {
  const parsed = parseOptions("segments", z.array(ContextSegmentSchema), segments) as ContextSegment[];
  const seen = new Set<string>();
  const problems = parsed.flatMap((segment, i) => {
    if (seen.has(segment.id)) return [{ path: `[${i}].id`, message: `duplicate segment id "${segment.id}"` }];
    seen.add(segment.id);
    return [];
  });
  if (problems.length > 0) throw new ContextOptionsError("segments", problems);
  const findings: SegmentFinding[] = [];
  const prepared = parsed.map((segment): Prepared => {
    let text = segment.text;
    if (redactText) {
      const result = redactSecrets(text);
      text = result.text;
      findings.push(...result.findings.map((f) => ({ ...f, segmentId: segment.id })));
    }
    const tokens = estimator.count(text);
    const planned: PlannedSegment = { segment, text, tokens, status: "included" };
    return { segment, text, tokens, blockTokens: estimator.count(renderBlock(planned)) };
  });
  return { prepared, findings };
}

/**
 * Composes a prompt under a hard token cap. Pinned segments go in first, verbatim, or this throws
 * `BudgetExceededError`; the rest go in by tier weight, priority and recency, the last one that
 * partly fits is truncated at a boundary with an explicit marker, and the others are pruned. A
 * provenance block at the top lists every segment. The cap is checked on the final string.
 */
export function composeContext(segments: readonly ContextSegment[], options: ComposeOptions = {}): ComposedContext {
  const opts = parseOptions("compose options", ComposeOptionsSchema, options);
  const estimator = opts.estimator ?? getDefaultEstimator();
  const budget = opts.hardCap - opts.reserve;
  if (budget <= 0) {
    throw new ContextOptionsError("compose options", [
      { path: "reserve", message: `reserve (${opts.reserve}) must be below hardCap (${opts.hardCap})` },
    ]);
  }
  const { prepared, findings } = prepare(segments, opts.policy.redact, estimator);
  const ordered = sortSegments(prepared, opts.policy.tierWeights);
  const pinned = ordered.filter((p) => p.segment.pinned);
  const rest = ordered.filter((p) => !p.segment.pinned);
  const plan = (allowance: number): PlannedSegment[] => {
    const out: PlannedSegment[] = pinned.map((p) => ({ ...p, status: "included" }));
    let remaining = allowance;
    let stopped = false;
    for (const p of rest) {
      // The status words differ by a few tokens from the pruned-only estimate: keep that slack.
      const cost = p.blockTokens + 4;
      if (!stopped && cost <= remaining) {
        out.push({ ...p, status: "included" });
        remaining -= cost;
        continue;
      }
      if (!stopped) {
        stopped = true;
        const header = p.blockTokens - p.tokens + 12;
        const cut = truncateText(p.text, remaining - header, estimator, p.tokens);
        if (cut && cut.keptTokens >= opts.policy.minTruncatedTokens) {
          out.push({ ...p, text: cut.text, status: "truncated", keptTokens: cut.keptTokens });
          continue;
        }
      }
      out.push({ ...p, status: "pruned" });
    }
    return out;
  };

  const pinnedOnly = renderPrompt(plan(0), budget);
  const pinnedTokens = estimator.count(pinnedOnly);
  if (pinnedTokens > budget) {
    const named = pinned
      .map((p) => ({ id: p.segment.id, source: p.segment.source, tokens: p.tokens }))
      .sort((a, b) => b.tokens - a.tokens || a.id.localeCompare(b.id));
    throw new BudgetExceededError(named, pinnedTokens, budget);
  }
  let allowance = budget - pinnedTokens;
  for (;;) {
    const planned = plan(allowance);
    const prompt = allowance <= 0 ? pinnedOnly : renderPrompt(planned, budget);
    const tokens = allowance <= 0 ? pinnedTokens : estimator.count(prompt);
    if (tokens <= budget) {
      const ids = (status: SegmentStatus) => planned.filter((p) => p.status === status).map((p) => p.segment.id);
      return {
        prompt,
        tokens,
        budget,
        included: ids("included"),
        truncated: ids("truncated"),
        pruned: ids("pruned"),
        provenance: planned.map((p) => ({
          id: p.segment.id,
          tier: p.segment.tier,
          source: p.segment.source,
          pinned: p.segment.pinned,
          tokens: p.tokens,
          status: p.status,
          ...(p.keptTokens === undefined ? {} : { keptTokens: p.keptTokens }),
        })),
        findings,
        findingsByKind: countFindings(findings),
      };
    }
    // Boundary effects made the estimate short: shrink by the overshoot and plan again.
    allowance -= tokens - budget + 1;
  }
}

export const FullContextOptionsSchema = z.object({
  /** @default createTiktokenEstimator({ encoding: "cl100k_base" }) (shared) */
  estimator: estimatorSchema.optional(),
  /** Redact secrets and PII, as `composeContext` does. @default true */
  redact: z.boolean().default(true),
});
export type FullContextOptions = z.input<typeof FullContextOptionsSchema>;

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
  const tiers: Tier[] = ["L1", "L2", "L3"];
  const blocks = tiers.flatMap((tier) =>
    segments
      .filter((s) => s.tier === tier)
      .map((segment) => {
        const text = opts.redact ? redactSecrets(segment.text).text : segment.text;
        return renderBlock({ segment, text, tokens: 0, status: "included" });
      }),
  );
  const prompt = blocks.join("\n");
  return { prompt, tokens: estimator.count(prompt) };
}
