import { z } from "zod";
import { BudgetExceededError, ContextOptionsError } from "./errors.js";
import { createEmitter, systemClock, type ContextEventListener } from "./events.js";
import { planUnpinned, TIERS, type TierUsage } from "./plan.js";
import { renderProvenance } from "./provenance.js";
import { countFindings, redact } from "./redact.js";
import { mentions, recallExcerpt, states } from "./recall.js";
import { renderBlock, sortSegments, type PlannedSegment, type PreparedSegment } from "./render.js";
import { prepareSegments, redactionPolicy, type SegmentFinding } from "./prepare.js";
import { parseOptions, type ContextSegment, type Tier } from "./segment.js";
import { estimatorOption, getDefaultEstimator, type TokenEstimator } from "./token-estimator.js";

const share = z.number().min(0).max(1);

export const ContextPolicySchema = z.object({
  /** Weight of each tier when ordering unpinned segments (higher first). @default { L1: 3, L2: 2, L3: 1 } */
  tierWeights: z.object({ L1: z.number(), L2: z.number(), L3: z.number() }).default({ L1: 3, L2: 2, L3: 1 }),
  /**
   * Share of what pinned text leaves that each tier with content is guaranteed, whatever the others
   * want (at most 1 in total); unused shares flow to the other tiers. @default { L1: 0, L2: 0.5, L3: 0.25 }
   */
  tierShares: z
    .object({ L1: share, L2: share, L3: share })
    .default({ L1: 0, L2: 0.5, L3: 0.25 })
    .refine((s) => s.L1 + s.L2 + s.L3 <= 1, "the shares add up to more than 1"),
  /** The provenance block may take this share of the budget (at least 48 tokens, if that much is left; 0 leaves it out). @default 0.1 */
  provenanceShare: share.default(0.1),
  /**
   * The passages quoted for `recall` terms that did not fit may take this share of what pinned text
   * leaves (0 turns recall off). @default 0.1
   */
  recallShare: share.default(0.1),
  /** A truncated segment must keep at least this many tokens, or it is pruned instead. @default 32 */
  minTruncatedTokens: z.number().int().min(1).default(32),
  /**
   * Redaction of every segment's text, id and source before counting: `true` for this package's
   * `redact`, or your own `(text) => string` (`createRedactor(…)`); `false` sends them as they are.
   * @default true
   */
  redact: redactionPolicy.default(true),
});
export type ContextPolicy = z.input<typeof ContextPolicySchema>;

const EventsSchema = z.object({
  runId: z.string().min(1),
  nodeId: z.string().min(1),
  onEvent: z.custom<ContextEventListener>((value) => typeof value === "function", "expected a function"),
});

export const ComposeOptionsSchema = z.object({
  /** Hard cap on the final prompt's tokens, provenance included. @default 20000 */
  hardCap: z.number().int().positive().default(20_000),
  /** Tokens kept free for the agent's own instructions; the prompt gets `hardCap - reserve`. @default 0 */
  reserve: z.number().int().min(0).default(0),
  /** Token counter. @default createTiktokenEstimator({ encoding: "cl100k_base" }) (shared) */
  estimator: estimatorOption.optional(),
  /** Ordering, tier shares, provenance and truncation policy. */
  policy: ContextPolicySchema.prefault({}),
  /**
   * Identifiers the prompt must hold when a segment holds them (`referencedTerms(node.acceptance)`):
   * one whose segment was truncated or pruned is quoted, with the passage around it, in a pinned
   * `recall` block per tier, within `policy.recallShare`. @default []
   */
  recall: z.array(z.string().min(1).max(64)).max(64).default([]),
  /** Where this composition's events go (`context.estimator-fallback`), and the run and node they name. */
  events: EventsSchema.optional(),
});
export type ComposeOptions = z.input<typeof ComposeOptionsSchema>;

export type { SegmentFinding } from "./prepare.js";

/** What happened to one segment. */
export type SegmentStatus = "included" | "truncated" | "pruned";

/** One segment's account; `id` and `source` are redacted as in the prompt. */
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


/** The composed prompt and an account of every segment. */
export interface ComposedContext {
  prompt: string;
  /** Tokens of `prompt` as counted by the estimator; never above `hardCap - reserve`. */
  tokens: number;
  /** The budget that applied (`hardCap - reserve`). */
  budget: number;
  /** Tokens of the pinned segments alone. */
  pinnedTokens: number;
  /** Tokens of the provenance block (0 when the budget had no room for it). */
  provenanceTokens: number;
  included: string[];
  truncated: string[];
  pruned: string[];
  /** Every segment, in prompt order, then the pruned ones; the prompt's block itemises as many as fit. */
  provenance: ProvenanceEntry[];
  /** Per tier: what its unpinned segments wanted, were guaranteed and used, and whether it was cut to its share. */
  tiers: Record<Tier, TierUsage>;
  findings: SegmentFinding[];
  findingsByKind: Record<string, number>;
  /** The `recall` terms some segment held, and those the prompt still lacks (the recall share was too small). */
  recall: { held: string[]; missing: string[] };
}

// Below this the block cannot say more than its header; it gets this much when the budget allows.
const MIN_PROVENANCE_TOKENS = 48;

/**
 * Composes a prompt under a hard token cap, counted on the final string (provenance included).
 * Pinned segments go in first, verbatim; this throws `BudgetExceededError` only when they alone do
 * not fit, naming each with its tokens. Everything else degrades: unpinned segments go in by tier
 * weight, priority and recency, each tier guaranteed its share of what is left; the first segment of
 * a tier that partly fits is truncated at a boundary with an explicit marker and the rest are pruned.
 * The provenance block at the top has its own budget: it counts what was kept and pruned, itemises as
 * much as fits and says when a tier was cut to its share; with no room it is left out.
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
  if (estimator.fallback && opts.events) {
    const emit = createEmitter(opts.events.onEvent, redact, systemClock);
    emit(opts.events, { type: "context.estimator-fallback", ...estimator.fallback });
  }
  const { policy } = opts;
  const { prepared, findings } = prepareSegments(segments, policy.redact, estimator);
  const ordered = sortSegments(prepared, policy.tierWeights);
  const pinned = ordered.filter((p) => p.segment.pinned);
  const rest = ordered.filter((p) => !p.segment.pinned);
  const pinnedTokensOf = (list: readonly PreparedSegment[]) => (list.length > 0 ? estimator.count(list.map((p) => renderBlock(p.segment, p.text)).join("\n\n")) : 0);
  const pinnedTokens = pinnedTokensOf(pinned);
  if (pinnedTokens > budget) {
    const named = pinned
      .map((p) => ({ id: p.segment.id, source: p.segment.source, tokens: p.blockTokens }))
      .sort((a, b) => b.tokens - a.tokens || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    throw new BudgetExceededError(named, pinnedTokens, budget);
  }

  const fit = (fixed: readonly PreparedSegment[]) => fitUnpinned(fixed, rest, pinnedTokensOf(fixed), budget, policy, estimator);
  let fitted = fit(pinned);
  // The criteria naming a term are pinned themselves: a term counts as recalled only when text that
  // holds it beyond the pinned segments (a kept segment, or a quoted passage) is in the prompt.
  const held = opts.recall.map((t) => t.toLowerCase()).filter((term, i, all) => all.indexOf(term) === i && rest.some((p) => mentions(p.text, term)));
  const pinnedIds = new Set(pinned.map((p) => p.rawId));
  // Where some segment states a term ("FACT-1a: …"), only a statement counts: a handoff that merely
  // cites it ("- [x] Respects FACT-1a") does not hold the fact.
  const stated = new Set(held.filter((term) => rest.some((p) => states(p.text, term))));
  const lacking = (f: typeof fitted) => {
    const beyond = f.result.kept.filter((p) => !pinnedIds.has(p.rawId)).map((p) => p.text);
    return held.filter((term) => !beyond.some((text) => (stated.has(term) ? states(text, term) : mentions(text, term))));
  };
  let missing = lacking(fitted);
  // Quoting a passage takes room from the other segments, which may cost another term its text:
  // quote again for every term missed so far, a few rounds at most (each round only adds terms).
  const quoted = new Set<string>();
  for (let round = 0; round < 4 && missing.length > 0 && policy.recallShare > 0; round++) {
    for (const term of missing) quoted.add(term);
    const blocks = recallBlocks([...quoted], rest, Math.floor(policy.recallShare * (budget - pinnedTokens)), ordered, estimator);
    if (blocks.length === 0) break;
    fitted = fit([...pinned, ...blocks]);
    missing = lacking(fitted);
  }
  return account(fitted.result, { prompt: fitted.prompt, tokens: fitted.tokens, budget, pinnedTokens: fitted.pinnedTokens, findings }, fitted.provenance, estimator, { held, missing });
}

/** Pinned segments (given) and what fits of the rest, with the provenance block, counted on the final string. */
function fitUnpinned(
  pinned: readonly PreparedSegment[],
  rest: readonly PreparedSegment[],
  pinnedTokens: number,
  budget: number,
  policy: z.output<typeof ContextPolicySchema>,
  estimator: TokenEstimator,
) {
  const plan = (allowance: number) => {
    const { planned, tiers } = planUnpinned(rest, allowance, policy.tierShares, policy.minTruncatedTokens, estimator);
    const kept = [...pinned.map((p): PlannedSegment => ({ ...p, status: "included" })), ...planned.filter((p) => p.status !== "pruned")];
    return { kept, pruned: planned.filter((p) => p.status === "pruned"), tiers };
  };
  const assemble = (result: ReturnType<typeof plan>, provenanceBudget: number) => {
    const provenance =
      provenanceBudget > 0
        ? renderProvenance({ budget, ...result, shares: policy.tierShares }, provenanceBudget, estimator).text
        : "";
    const blocks = result.kept.map((p) => renderBlock(p.segment, p.text));
    const prompt = (provenance === "" ? blocks : [provenance, ...blocks]).join("\n\n");
    return { prompt, provenance };
  };

  const share = policy.provenanceShare;
  let provenanceBudget = share === 0 ? 0 : Math.min(budget - pinnedTokens, Math.max(Math.floor(budget * share), MIN_PROVENANCE_TOKENS));
  // First guess: what pinned text and a provenance block with everything pruned leave.
  let allowance = budget - estimator.count(assemble(plan(0), provenanceBudget).prompt);
  for (;;) {
    const result = plan(allowance);
    const { prompt, provenance } = assemble(result, provenanceBudget);
    const tokens = estimator.count(prompt);
    if (tokens <= budget) return { result, prompt, tokens, pinnedTokens, provenance };
    // Boundary effects made the estimate short: shrink the content, then the provenance block, by the
    // overshoot and plan again. With neither left the prompt is the pinned text, which fits.
    const over = tokens - budget + 1;
    if (allowance > 0) allowance -= over;
    else provenanceBudget = Math.max(0, provenanceBudget - over);
  }
}

/** A pinned `recall` segment per tier quoting the passages of `terms`, within `maxTokens` in all. */
function recallBlocks(terms: readonly string[], rest: readonly PreparedSegment[], maxTokens: number, all: readonly PreparedSegment[], estimator: TokenEstimator): PreparedSegment[] {
  const blocks: PreparedSegment[] = [];
  let left = maxTokens;
  for (const tier of ["L2", "L3"] as const) {
    const from = rest.filter((p) => p.segment.tier === tier);
    const { text, sources } = recallExcerpt(terms, from, left - 16, estimator);
    if (text === "") continue;
    // An id no provider used: segment ids are unique within a composition.
    let id = `recall:${tier}`;
    while (all.some((p) => p.segment.id === id)) id = `${id}'`;
    const segment: ContextSegment = { id, tier, source: `quoted from ${sources.join(", ")}`.slice(0, 300), text, priority: 0, pinned: true };
    const tokens = estimator.count(text);
    const blockTokens = estimator.count(renderBlock(segment, text));
    blocks.push({ segment, rawId: id, text, tokens, blockTokens });
    left -= blockTokens + 1;
  }
  return blocks;
}

function account(
  result: { kept: PlannedSegment[]; pruned: PlannedSegment[]; tiers: Record<Tier, TierUsage> },
  base: { prompt: string; tokens: number; budget: number; pinnedTokens: number; findings: SegmentFinding[] },
  provenance: string,
  estimator: TokenEstimator,
  recall: { held: string[]; missing: string[] },
): ComposedContext {
  const all = [...result.kept, ...result.pruned];
  const ids = (status: SegmentStatus) => all.filter((p) => p.status === status).map((p) => p.segment.id);
  return {
    ...base,
    provenanceTokens: provenance === "" ? 0 : estimator.count(provenance),
    included: ids("included"),
    truncated: ids("truncated"),
    pruned: ids("pruned"),
    provenance: all.map((p) => ({
      id: p.segment.id,
      tier: p.segment.tier,
      source: p.segment.source,
      pinned: p.segment.pinned,
      tokens: p.tokens,
      status: p.status,
      ...(p.keptTokens === undefined ? {} : { keptTokens: p.keptTokens }),
    })),
    tiers: Object.fromEntries(TIERS.map((tier) => [tier, { ...result.tiers[tier] }])) as Record<Tier, TierUsage>,
    findingsByKind: countFindings(base.findings),
    recall,
  };
}
