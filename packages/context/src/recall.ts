// Targeted recall: identifiers an acceptance criterion names (ADR-0007, CVE-2024-3094, FACT-e7f248)
// must reach the agent even when the text that holds them did not fit. What a criterion references
// is what the agent will be judged on; a lexical rank alone can leave it out under the cap.
import type { PreparedSegment } from "./render.js";
import type { TokenEstimator } from "./token-estimator.js";

/** At most this many identifiers are recalled per prompt (a criterion list is user input). */
export const MAX_RECALL_TERMS = 64;
/** Lines quoted per identifier. */
const LINES_PER_TERM = 2;
/** Characters quoted around a match: enough for the sentence that states the fact. */
const CONTEXT_CHARS = 240;

/**
 * The identifiers named in some texts (acceptance criteria): words of letters, digits, `-` and `_`
 * that hold at least one digit and one letter and are 4–64 characters long, lower-cased, in order
 * of first appearance, at most `MAX_RECALL_TERMS`.
 */
export function referencedTerms(texts: readonly string[]): string[] {
  const terms = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]/g)) {
      const word = match[0];
      if (word.length < 4 || word.length > 64 || !/[0-9]/.test(word) || !/[A-Za-z]/.test(word)) continue;
      terms.add(word.toLowerCase());
      if (terms.size >= MAX_RECALL_TERMS) return [...terms];
    }
  }
  return [...terms];
}

/** Where `term` occurs in `text` as a whole word (not inside a longer identifier), case-insensitively. */
function occurrences(lower: string, term: string, limit: number): number[] {
  const found: number[] = [];
  const word = (c: string | undefined) => c !== undefined && /[a-z0-9_-]/.test(c);
  for (let at = lower.indexOf(term); at !== -1 && found.length < limit; at = lower.indexOf(term, at + term.length)) {
    if (!word(lower[at - 1]) && !word(lower[at + term.length])) found.push(at);
  }
  return found;
}

/** True when `term` occurs as a whole word in `text`. */
export const mentions = (text: string, term: string): boolean => occurrences(text.toLowerCase(), term, 1).length > 0;

/**
 * An occurrence that states the identifier rather than citing it: followed by `:` or `=`, or opening
 * its line (after list, quote or heading marks). "FACT-1a: the limit is 7" states FACT-1a; a
 * checklist line "- [x] Respects FACT-1a" only cites it. Looks at most 16 characters back.
 */
function isStatement(lower: string, at: number, length: number): boolean {
  if (/^[ \t]*[:=]/.test(lower.slice(at + length, at + length + 8))) return true;
  const before = lower.slice(Math.max(0, at - 16), at);
  const newline = before.lastIndexOf("\n");
  if (newline === -1 && at > 16) return false;
  return /^[\s>*#+\-\d.)]*$/.test(before.slice(newline + 1));
}

/** Where `text` states `term` (see `isStatement`), at most `limit` places. */
function statements(lower: string, term: string, limit: number): number[] {
  return occurrences(lower, term, Number.POSITIVE_INFINITY)
    .filter((at) => isStatement(lower, at, term.length))
    .slice(0, limit);
}

/** True when `term` is stated (not just cited) in `text`. */
export const states = (text: string, term: string): boolean => statements(text.toLowerCase(), term, 1).length > 0;

/**
 * One quoted passage: the line around a match, clipped to `CONTEXT_CHARS` either side. Offsets come
 * from the lower-cased text; where lower-casing changed lengths the lower-cased passage is quoted.
 */
function passage(text: string, lower: string, at: number, term: string): string {
  const quote = clip(text.length === lower.length ? text : lower, at, term.length);
  return quote.toLowerCase().includes(term) ? quote : clip(lower, at, term.length);
}

function clip(text: string, at: number, length: number): string {
  const lineStart = text.lastIndexOf("\n", at) + 1;
  const lineEnd = text.indexOf("\n", at + length);
  const from = Math.max(lineStart, at - CONTEXT_CHARS);
  const to = Math.min(lineEnd === -1 ? text.length : lineEnd, at + length + CONTEXT_CHARS);
  return `${from > lineStart ? "…" : ""}${text.slice(from, to).trim()}${to < (lineEnd === -1 ? text.length : lineEnd) ? "…" : ""}`;
}

/**
 * The recall block for the terms a composition left out: for each, up to two passages from the
 * segments that hold it (in the order given), each naming its segment, added while they fit
 * `maxTokens`. Returns the block's text (empty when nothing was quoted) and the segments quoted.
 */
export function recallExcerpt(
  missing: readonly string[],
  segments: readonly PreparedSegment[],
  maxTokens: number,
  estimator: TokenEstimator,
): { text: string; sources: string[] } {
  const lines: string[] = [];
  const sources = new Set<string>();
  const lowered = new Map<PreparedSegment, string>();
  const lower = (p: PreparedSegment) => lowered.get(p) ?? (lowered.set(p, p.text.toLowerCase()), p.text.toLowerCase());
  for (const term of missing) {
    const quotes: string[] = [];
    const from: string[] = [];
    // Where the identifier is stated first (the fact itself), then where it is only cited.
    for (const find of [statements, occurrences]) {
      for (const p of segments) {
        if (quotes.length >= LINES_PER_TERM) break;
        for (const at of find(lower(p), term, LINES_PER_TERM - quotes.length)) {
          const quote = `From ${p.segment.id}:\n${passage(p.text, lower(p), at, term)}`;
          if (quotes.includes(quote)) continue;
          quotes.push(quote);
          from.push(p.segment.id);
        }
      }
    }
    if (quotes.length === 0 || estimator.count(render([...lines, ...quotes])) > maxTokens) continue;
    lines.push(...quotes);
    for (const id of from) sources.add(id);
  }
  return { text: lines.length === 0 ? "" : render(lines), sources: [...sources] };
}

const render = (lines: readonly string[]) =>
  `Passages that hold what the acceptance criteria reference, quoted because their segments did not fit whole:\n${lines.join("\n")}`;
