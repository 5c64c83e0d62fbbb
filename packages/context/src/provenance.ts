import { TIERS, type TierUsage } from "./plan.js";
import type { PlannedSegment } from "./render.js";
import type { Tier } from "./segment.js";
import type { TokenEstimator } from "./token-estimator.js";

/** What the provenance block is built from. */
export interface ProvenanceInput {
  /** The composition's budget, for the header. */
  budget: number;
  /** Kept segments (pinned first) in prompt order. */
  kept: readonly PlannedSegment[];
  pruned: readonly PlannedSegment[];
  tiers: Record<Tier, TierUsage>;
  shares: Record<Tier, number>;
}

/** The rendered block and how much of it is itemised. */
export interface RenderedProvenance {
  text: string;
  /** Kept segments with a line of their own. */
  listedKept: number;
  /** Pruned (tier, source) groups with a line of their own. */
  listedSources: number;
}

const n = (value: number) => String(value);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function statusOf(p: PlannedSegment): string {
  if (p.status === "truncated") return `truncated to ${p.keptTokens} tokens`;
  return p.segment.pinned ? `${p.status}, pinned` : p.status;
}

interface SourceGroup {
  tier: Tier;
  source: string;
  segments: number;
  tokens: number;
}

/** Pruned segments grouped by tier and source, the largest first. */
function groupPruned(pruned: readonly PlannedSegment[]): SourceGroup[] {
  const groups = new Map<string, SourceGroup>();
  for (const p of pruned) {
    const key = `${p.segment.tier}\u0000${p.segment.source}`;
    const group = groups.get(key) ?? { tier: p.segment.tier, source: p.segment.source, segments: 0, tokens: 0 };
    group.segments++;
    group.tokens += p.tokens;
    groups.set(key, group);
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort(
    (a, b) => b.tokens - a.tokens || b.segments - a.segments || byText(a.tier, b.tier) || byText(a.source, b.source),
  );
}

/**
 * The provenance block, at most `maxTokens` (each line counted, plus one token per line break). It
 * always says how many segments were included, truncated and pruned, how many tokens the pruned ones
 * held per tier, and which tiers were cut to their share; then it lists kept segments in prompt order
 * and pruned ones by tier and source, largest first, as far as its budget allows, and counts the
 * rest. Returns an empty text when not even the header fits.
 */
export function renderProvenance(input: ProvenanceInput, maxTokens: number, estimator: TokenEstimator): RenderedProvenance {
  const { kept, pruned } = input;
  const truncated = kept.filter((p) => p.status === "truncated").length;
  const total = kept.length + pruned.length;
  const header = `# Context provenance (budget ${n(input.budget)} tokens; ${plural(total, "segment")}: ${kept.length - truncated} included, ${truncated} truncated, ${pruned.length} pruned)`;
  let left = maxTokens;
  const take = (line: string): boolean => {
    const cost = estimator.count(line) + 1;
    if (cost > left) return false;
    left -= cost;
    return true;
  };
  if (!take(header)) return { text: "", listedKept: 0, listedSources: 0 };

  const prunedTokens = (tier: Tier) => pruned.filter((p) => p.segment.tier === tier).reduce((sum, p) => sum + p.tokens, 0);
  const perTier = TIERS.filter((tier) => pruned.some((p) => p.segment.tier === tier)).map(
    (tier) => `${tier} ${pruned.filter((p) => p.segment.tier === tier).length} (${n(prunedTokens(tier))} tokens)`,
  );
  const summary = pruned.length > 0 ? [`Pruned ${plural(pruned.length, "segment")}: ${perTier.join(", ")}`] : [];
  const notes = TIERS.filter((tier) => input.tiers[tier].cutToShare).map((tier) => {
    const { used, wanted } = input.tiers[tier];
    const guarantees = TIERS.filter((t) => t !== tier && input.shares[t] > 0).map((t) => `${t} ${Math.round(input.shares[t] * 100)}%`);
    return `${tier} was cut to its share: ${n(used)} of ${n(wanted)} tokens kept (guaranteed shares: ${guarantees.join(", ")})`;
  });
  // The counts and notes come first: a block too small for them lists nothing.
  const fixed = [...summary, ...notes].filter(take);

  // Lists items while they fit, keeping room for the line that counts the ones left out.
  const itemise = <T>(items: readonly T[], line: (item: T) => string, rest: (count: number) => string) => {
    const lines: string[] = [];
    if (items.length === 0 || left <= 0) return { lines, listed: 0 };
    const reserve = estimator.count(rest(items.length)) + 1;
    for (const [i, item] of items.entries()) {
      const text = line(item);
      const cost = estimator.count(text) + 1;
      if (cost + (i === items.length - 1 ? 0 : reserve) > left) {
        if (reserve <= left) {
          lines.push(rest(items.length - i));
          left -= reserve;
        }
        return { lines, listed: i };
      }
      left -= cost;
      lines.push(text);
    }
    return { lines, listed: items.length };
  };
  const keptTokens = (from: number) => kept.slice(from).reduce((sum, p) => sum + p.tokens, 0);
  const keptLines = itemise(
    kept,
    (p) => `- [${p.segment.tier}] ${p.segment.source} (${p.segment.id}): ${n(p.tokens)} tokens, ${statusOf(p)}`,
    (count) => `- … ${plural(count, "more kept segment")} (${n(keptTokens(kept.length - count))} tokens), each under its heading below`,
  );
  const groups = groupPruned(pruned);
  const groupSegments = (from: number) => groups.slice(from).reduce((sum, g) => sum + g.segments, 0);
  const sourceLines = itemise(
    groups,
    (g) => `- [${g.tier}] ${g.source}: ${plural(g.segments, "segment")} pruned (${n(g.tokens)} tokens)`,
    (count) => `- … ${plural(count, "more source")} (${plural(groupSegments(groups.length - count), "segment")})`,
  );
  const summaryLines = fixed.filter((line) => summary.includes(line));
  const noteLines = fixed.filter((line) => notes.includes(line));
  const text = [header, ...keptLines.lines, ...summaryLines, ...sourceLines.lines, ...noteLines].join("\n");
  return { text, listedKept: keptLines.listed, listedSources: sourceLines.listed };
}
