import { instantOf, type ContextSegment, type Tier } from "./segment.js";

/** A segment after redaction and counting: `segment.id` and `segment.source` are redacted too. */
export interface PreparedSegment {
  segment: ContextSegment;
  /** The id as given, for ordering ties and duplicate checks. */
  rawId: string;
  /** Redacted text. */
  text: string;
  /** Tokens of `text`. */
  tokens: number;
  /** Tokens of the rendered block (heading and text). */
  blockTokens: number;
}

/** What happens to one segment in a composition. */
export interface PlannedSegment extends PreparedSegment {
  status: "included" | "truncated" | "pruned";
  /** For a truncated segment: tokens of the text kept before the marker. */
  keptTokens?: number;
}

const TIER_ORDER: Record<Tier, number> = { L1: 0, L2: 1, L3: 2 };

// Code-unit comparison, not localeCompare: the order must not depend on the machine's locale.
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Prompt order: pinned first (by tier, then priority), then the rest by tier weight, priority and
 * recency (compared as instants, so `+02:00` offsets sort right; no time sorts as oldest); ids break
 * ties so the order is total and the prompt independent of input order.
 */
export function sortSegments<T extends { segment: ContextSegment; rawId: string }>(
  items: readonly T[],
  weights: Record<Tier, number>,
): T[] {
  const keyed = items.map((item) => ({ item, at: instantOf(item.segment.createdAt) }));
  keyed.sort(({ item: x, at: xAt }, { item: y, at: yAt }) => {
    const a = x.segment;
    const b = y.segment;
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    const tier = a.pinned ? TIER_ORDER[a.tier] - TIER_ORDER[b.tier] : weights[b.tier] - weights[a.tier];
    // Raw ids are unique (checked by composeContext), so the order is total.
    return tier || b.priority - a.priority || (xAt === yAt ? 0 : xAt < yAt ? 1 : -1) || byText(x.rawId, y.rawId);
  });
  return keyed.map(({ item }) => item);
}

/** The heading and text of one segment as it appears in the prompt (the provenance line has its source). */
export function renderBlock(segment: ContextSegment, text: string): string {
  return `## [${segment.tier}] ${segment.id}\n${text}`;
}
