import type { ContextSegment, Tier } from "./segment.js";

/** A segment with its (redacted, maybe truncated) text and what happens to it. */
export interface PlannedSegment {
  segment: ContextSegment;
  text: string;
  tokens: number;
  status: "included" | "truncated" | "pruned";
  keptTokens?: number;
}

const TIER_ORDER: Record<Tier, number> = { L1: 0, L2: 1, L3: 2 };

// Missing createdAt sorts as oldest; ISO strings compare correctly as text.
const newer = (a: ContextSegment, b: ContextSegment) => (b.createdAt ?? "").localeCompare(a.createdAt ?? "");
// Code-unit comparison, not localeCompare: the order must not depend on the machine's locale.
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Prompt order: pinned first (by tier, then priority), then the rest by tier weight, priority and
 * recency; ids break ties so the order is total and the prompt deterministic.
 */
export function sortSegments<T extends { segment: ContextSegment }>(items: readonly T[], weights: Record<Tier, number>): T[] {
  return [...items].sort(({ segment: a }, { segment: b }) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    const tier = a.pinned ? TIER_ORDER[a.tier] - TIER_ORDER[b.tier] : weights[b.tier] - weights[a.tier];
    // Ids are unique (checked by composeContext), so the order is total.
    return tier || b.priority - a.priority || newer(a, b) || byText(a.id, b.id);
  });
}

/** The heading and text of one segment as it appears in the prompt (the provenance line has its source). */
export function renderBlock(planned: PlannedSegment): string {
  return `## [${planned.segment.tier}] ${planned.segment.id}\n${planned.text}`;
}

function statusOf(p: PlannedSegment): string {
  if (p.status === "truncated") return `truncated to ${p.keptTokens} tokens`;
  return p.segment.pinned ? `${p.status}, pinned` : p.status;
}

/** The provenance block: one line per segment, kept segments first in prompt order. */
export function renderProvenance(planned: readonly PlannedSegment[], budget: number): string {
  const lines = planned.map(
    (p) => `- [${p.segment.tier}] ${p.segment.source} (${p.segment.id}): ${p.tokens} tokens, ${statusOf(p)}`,
  );
  return [`# Context provenance (budget ${budget} tokens, ${planned.length} segments)`, ...lines].join("\n");
}

/** Provenance block, then every kept segment in prompt order. */
export function renderPrompt(planned: readonly PlannedSegment[], budget: number): string {
  const kept = planned.filter((p) => p.status !== "pruned");
  const pruned = planned.filter((p) => p.status === "pruned");
  const ordered = [...kept, ...pruned];
  return [renderProvenance(ordered, budget), ...kept.map(renderBlock)].join("\n\n");
}
