import type { TokenEstimator } from "./token-estimator.js";
import { truncateText } from "./truncate.js";

const STOPWORDS = new Set(
  (
    "the and for are but not you all any can had her was one our out has have him his how its may new now " +
    "see two who did get let put say she too use that with this from they will would there their what " +
    "about which when make like than then them these some could other into more only over such also must " +
    "should shall each been were being does done after before under where while both same very just"
  ).split(" "),
);

/** Lower-case words of three or more characters (codes such as `adr-0007` stay whole), minus stop words. */
export function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[a-z0-9][a-z0-9_-]*[a-z0-9]|[a-z0-9]/g)) {
    const word = match[0];
    if (word.length >= 3 && !STOPWORDS.has(word)) terms.add(word);
  }
  return terms;
}

/** A query term that names something (`adr-0007`, `cve-2024-3094`): letters and digits. */
const IDENTIFIER_WEIGHT = 8;
const isIdentifier = (term: string) => term.length >= 4 && /[0-9]/.test(term) && /[a-z]/.test(term);

/**
 * Distinct query terms that occur in `text` (a deterministic lexical score); a term that names
 * something (letters and digits, as `adr-0007`) weighs as much as eight words, so the text a
 * criterion points at outranks text that merely shares its vocabulary.
 */
export function scoreText(text: string, terms: ReadonlySet<string>): number {
  if (terms.size === 0) return 0;
  const present = termsOf(text);
  let score = 0;
  for (const term of terms) if (present.has(term)) score += isIdentifier(term) ? IDENTIFIER_WEIGHT : 1;
  return score;
}

/** A Markdown section: a heading (absent for the preamble) and the text up to the next heading. */
export interface MarkdownSection {
  index: number;
  level: number;
  heading: string | undefined;
  body: string;
  /** Indexes of the enclosing sections, outermost first. */
  parents: number[];
}

/** Splits Markdown at ATX headings, ignoring `#` lines inside fenced code blocks. */
export function splitSections(markdown: string): MarkdownSection[] {
  const sections: MarkdownSection[] = [{ index: 0, level: 0, heading: undefined, body: "", parents: [] }];
  const open: MarkdownSection[] = [];
  let fence: string | undefined;
  const bodies: string[][] = [[]];
  for (const line of markdown.split("\n")) {
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) fence = fence === undefined ? fenceMatch[1]![0] : fenceMatch[1]![0] === fence ? undefined : fence;
    const heading = fence === undefined && !fenceMatch ? /^(#{1,6})\s+(.*)$/.exec(line) : null;
    if (!heading) {
      bodies[bodies.length - 1]!.push(line);
      continue;
    }
    const level = heading[1]!.length;
    while (open.length > 0 && open[open.length - 1]!.level >= level) open.pop();
    const section: MarkdownSection = {
      index: sections.length,
      level,
      heading: line,
      body: "",
      parents: open.map((s) => s.index),
    };
    sections.push(section);
    open.push(section);
    bodies.push([]);
  }
  sections.forEach((section, i) => (section.body = bodies[i]!.join("\n").replace(/\n+$/, "")));
  return sections.filter((s) => s.heading !== undefined || s.body.trim() !== "");
}

/**
 * Cuts a Markdown document to at most `maxTokens`: the sections whose heading and text best match
 * `terms` (headings count double), in document order, each with its enclosing headings, and a
 * `[… N sections omitted]` line where sections were left out. A lone best section that is still too
 * big is truncated at a boundary.
 */
export function selectSections(
  markdown: string,
  terms: ReadonlySet<string>,
  maxTokens: number,
  estimator: TokenEstimator,
): string {
  if (estimator.count(markdown) <= maxTokens) return markdown;
  const sections = splitSections(markdown);
  const render = (s: MarkdownSection) => (s.heading === undefined ? s.body : s.body === "" ? s.heading : `${s.heading}\n${s.body}`);
  const ranked = sections
    .map((section) => ({
      section,
      score: 2 * scoreText(section.heading ?? "", terms) + scoreText(section.body, terms),
      tokens: estimator.count(render(section)) + 1,
    }))
    .sort((a, b) => b.score - a.score || a.section.index - b.section.index);
  const chosen = new Set<number>();
  let used = 12; // room for omission markers
  for (const { section, tokens } of ranked) {
    const parentTokens = section.parents
      .filter((p) => !chosen.has(p))
      .reduce((sum, p) => sum + estimator.count(sections.find((s) => s.index === p)!.heading!) + 1, 0);
    if (used + tokens + parentTokens > maxTokens) continue;
    chosen.add(section.index);
    used += tokens + parentTokens;
  }
  if (chosen.size === 0) {
    return truncateText(render(ranked[0]!.section), maxTokens, estimator)?.text ?? "";
  }
  const out: string[] = [];
  const printed = new Set<number>();
  let omitted = 0;
  for (const section of sections) {
    if (!chosen.has(section.index)) {
      omitted++;
      continue;
    }
    // Headings of enclosing sections stay, so the agent knows where the text sits.
    for (const p of section.parents) {
      if (printed.has(p) || chosen.has(p)) continue;
      out.push(sections.find((s) => s.index === p)!.heading!);
      printed.add(p);
    }
    if (omitted > 0) out.push(`[… ${omitted} section${omitted === 1 ? "" : "s"} omitted]`);
    omitted = 0;
    out.push(render(section));
    printed.add(section.index);
  }
  if (omitted > 0) out.push(`[… ${omitted} section${omitted === 1 ? "" : "s"} omitted]`);
  return out.join("\n\n");
}
