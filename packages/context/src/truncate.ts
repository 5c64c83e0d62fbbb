import type { TokenEstimator } from "./token-estimator.js";

/** A prefix of a text cut at a boundary, with the explicit marker appended. */
export interface Truncation {
  text: string;
  keptTokens: number;
  droppedTokens: number;
}

/** The marker appended to a truncated segment. */
export const truncationMarker = (dropped: number): string => `[… ${dropped} tokens truncated]`;

const MARKER_WORST = `\n${truncationMarker(9_999_999)}`;

function positions(text: string, pattern: RegExp): number[] {
  const found: number[] = [];
  for (const match of text.matchAll(pattern)) found.push(match.index + match[0].length);
  return found;
}

/** The largest candidate cut whose prefix fits `limit`, by binary search (prefix counts grow with length). */
function largestFitting(
  text: string,
  size: number,
  cutAt: (index: number) => number,
  limit: number,
  estimator: TokenEstimator,
): number | undefined {
  let lo = 0;
  let hi = size - 1;
  let best: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const cut = cutAt(mid);
    if (estimator.count(text.slice(0, cut).trimEnd()) <= limit) {
      best = cut;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * Cuts `text` to at most `maxTokens` (marker included) at the last line boundary that fits, else the
 * last sentence boundary, else the last word boundary, else a character boundary, and appends
 * `[… N tokens truncated]`. Returns undefined when not even the marker fits.
 */
export function truncateText(
  text: string,
  maxTokens: number,
  estimator: TokenEstimator,
  totalTokens = estimator.count(text),
): Truncation | undefined {
  const limit = maxTokens - estimator.count(MARKER_WORST);
  if (limit <= 0) return undefined;
  const lines = positions(text, /\n/g).map((end) => end - 1);
  const sentences = positions(text, /[.!?](?=\s)/g);
  const words = positions(text, /\S(?=\s)/g);
  let cut: number | undefined;
  for (const cuts of [lines, sentences, words].map((list) => list.filter((c) => c > 0))) {
    cut = largestFitting(text, cuts.length, (i) => cuts[i]!, limit, estimator);
    if (cut !== undefined) break;
  }
  if (cut === undefined) {
    // One unbroken run (a blob): cut at a character, never inside a surrogate pair.
    const low = (i: number) => text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff;
    cut = largestFitting(text, text.length - 1, (i) => (low(i + 1) ? i : i + 1), limit, estimator);
  }
  const kept = text.slice(0, cut ?? 0).trimEnd();
  if (kept === "") return undefined;
  const keptTokens = estimator.count(kept);
  const droppedTokens = Math.max(1, totalTokens - keptTokens);
  return { text: `${kept}\n${truncationMarker(droppedTokens)}`, keptTokens, droppedTokens };
}
