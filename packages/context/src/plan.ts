import type { PlannedSegment, PreparedSegment } from "./render.js";
import type { Tier } from "./segment.js";
import type { TokenEstimator } from "./token-estimator.js";
import { truncateText } from "./truncate.js";

/** How one tier's unpinned segments fared against the budget. */
export interface TierUsage {
  /** Tokens its unpinned segments would take whole. */
  wanted: number;
  /** Tokens held for it against the other tiers: its share of what pinned text left, at most `wanted`. */
  guaranteed: number;
  /** Tokens its kept segments take. */
  used: number;
  /** It lost content because the other tiers' guaranteed shares were held for them. */
  cutToShare: boolean;
}

export const TIERS: readonly Tier[] = ["L1", "L2", "L3"];

// A block is joined to the previous one by a blank line: at most one more token.
const SEPARATOR = 1;

const usage = (): Record<Tier, TierUsage> => ({
  L1: { wanted: 0, guaranteed: 0, used: 0, cutToShare: false },
  L2: { wanted: 0, guaranteed: 0, used: 0, cutToShare: false },
  L3: { wanted: 0, guaranteed: 0, used: 0, cutToShare: false },
});

/**
 * Decides what happens to each unpinned segment under `allowance` tokens. Segments are taken in
 * prompt order; each tier is first guaranteed `shares[tier]` of the allowance (no more than it
 * wants), and a segment may use only what the other tiers' unclaimed guarantees leave, so unused
 * shares flow to whoever comes next (a tier that stopped claims nothing more). In each tier the first segment that does not fit is truncated at a
 * boundary (or pruned when less than `minTruncatedTokens` would remain) and the rest are pruned.
 */
export function planUnpinned(
  rest: readonly PreparedSegment[],
  allowance: number,
  shares: Record<Tier, number>,
  minTruncatedTokens: number,
  estimator: TokenEstimator,
): { planned: PlannedSegment[]; tiers: Record<Tier, TierUsage> } {
  const tiers = usage();
  for (const p of rest) tiers[p.segment.tier].wanted += p.blockTokens + SEPARATOR;
  const room = Math.max(0, allowance);
  for (const tier of TIERS) tiers[tier].guaranteed = Math.min(tiers[tier].wanted, Math.floor(shares[tier] * room));
  const stopped = new Set<Tier>();
  let used = 0;
  const planned = rest.map((p): PlannedSegment => {
    const tier = p.segment.tier;
    if (stopped.has(tier)) return { ...p, status: "pruned" };
    // What other tiers may still claim of their guarantee; a tier that stopped claims nothing more.
    const heldForOthers = TIERS.reduce(
      (sum, other) => (other === tier || stopped.has(other) ? sum : sum + Math.max(0, tiers[other].guaranteed - tiers[other].used)),
      0,
    );
    const free = room - used - heldForOthers;
    const cost = p.blockTokens + SEPARATOR;
    if (cost <= free) {
      used += cost;
      tiers[tier].used += cost;
      return { ...p, status: "included" };
    }
    stopped.add(tier);
    // Without the other tiers' holds it would have had more room.
    if (heldForOthers > 0) tiers[tier].cutToShare = true;
    const heading = p.blockTokens - p.tokens + SEPARATOR;
    const cut = free - heading > 0 ? truncateText(p.text, free - heading, estimator, p.tokens) : undefined;
    if (!cut || cut.keptTokens < minTruncatedTokens) return { ...p, status: "pruned" };
    const spent = heading + estimator.count(cut.text);
    used += spent;
    tiers[tier].used += spent;
    return { ...p, text: cut.text, status: "truncated", keptTokens: cut.keptTokens };
  });
  return { planned, tiers };
}
