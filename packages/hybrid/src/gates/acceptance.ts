// G10's heuristic: is each acceptance criterion addressed in a node's output? Deterministic and
// linear in the output; documented in docs/quality-gates.md. A team that wants another rule
// replaces G10 (or wraps `assessAcceptance`).
import { collapse, fold, mentions, phrase, STOP_WORDS, stem, wordsOf } from "./text-match.js";

/** How one acceptance criterion fared against an output. */
export interface CriterionAssessment {
  criterion: string;
  addressed: boolean;
  /**
   * Why: `checklist` — a ticked line names it; `open` — an unticked line names it (and no ticked
   * one does): the agent says it is not done; `words` — every significant word occurs;
   * `missing-words` — some do not (listed in `missing`).
   */
  by: "checklist" | "open" | "words" | "missing-words";
  /** The criterion's significant words (folded) that the output lacks, for `missing-words`. */
  missing: string[];
}

// A checklist line: up to 16 blanks, an optional bullet (`-`, `*`, `+`, `1.`, `1)`), then a box
// (`[x]`, `[X]`, `[ ]`) or a mark (✅ ✔ ✓ ☑ ticked; ☐ ⬜ open). Anchored, every quantifier before
// the rest of the line bounded: one attempt per line, constant work before the tail.
const CHECK_LINE = /^[ \t]{0,16}(?:[-*+][ \t]{1,16}|\d{1,9}[.)][ \t]{1,16})?(?:\[([ xX])\]|(\u2705|\u2714\uFE0F?|\u2713|\u2611\uFE0F?)|(\u2610|\u2B1C))([^]*)$/u;

interface Checklist {
  ticked: string[];
  open: string[];
}

/** The phrases (`phrase`-normalised) of the output's ticked and unticked checklist lines. */
function checklist(output: string): Checklist {
  const found: Checklist = { ticked: [], open: [] };
  for (const line of output.split("\n")) {
    const match = CHECK_LINE.exec(line);
    if (!match) continue;
    const text = phrase(match[4]!);
    if (text === "") continue;
    const ticked = match[1] !== undefined ? match[1] !== " " : match[2] !== undefined;
    (ticked ? found.ticked : found.open).push(text);
  }
  return found;
}

/**
 * The words G10 looks for in a criterion, as `stem → first spelling`: its words minus stop-words,
 * stemmed; all its words when every one is a stop-word.
 */
function significantWords(criterion: string): Map<string, string> {
  const words = wordsOf(criterion);
  const kept = words.filter((word) => !STOP_WORDS.has(word));
  const significant = new Map<string, string>();
  for (const word of kept.length > 0 ? kept : words) if (!significant.has(stem(word))) significant.set(stem(word), word);
  return significant;
}

/** The stems among `wanted` that occur (stemmed) in the output. One pass over the output's words. */
function stemsPresent(output: string, wanted: ReadonlySet<string>): Set<string> {
  const present = new Set<string>();
  if (wanted.size === 0) return present;
  for (const match of fold(output).matchAll(/[\p{L}\p{M}\p{N}]+/gu)) {
    const s = stem(match[0]);
    if (wanted.has(s)) present.add(s);
  }
  return present;
}

/**
 * Assesses each acceptance criterion against an output, deterministically:
 * 1. a ticked checklist line (`- [x] …`, `✅ …`) whose text contains the criterion (compared as
 *    words: case, punctuation and spacing ignored) addresses it;
 * 2. otherwise an unticked line (`- [ ] …`, `☐ …`) that contains it means it is *not* addressed;
 * 3. otherwise it is addressed when each of its significant words occurs in the output: words are
 *    runs of letters and digits, lower-cased (NFKC), stop-words removed (all words kept when the
 *    criterion has nothing else; negations are never stop-words), compared after `stem`;
 * 4. a criterion without any letter or digit is addressed when the output contains it verbatim
 *    (case and spacing ignored).
 * Linear in the output for a bounded number of criteria.
 */
export function assessAcceptance(criteria: readonly string[], output: string): CriterionAssessment[] {
  const lists = checklist(output);
  const words = criteria.map(significantWords);
  const present = stemsPresent(output, new Set(words.flatMap((w) => [...w.keys()])));
  return criteria.map((criterion, i): CriterionAssessment => {
    const wanted = phrase(criterion);
    if (wanted !== "" && lists.ticked.some((line) => mentions(line, wanted))) return { criterion, addressed: true, by: "checklist", missing: [] };
    if (wanted !== "" && lists.open.some((line) => mentions(line, wanted))) return { criterion, addressed: false, by: "open", missing: [] };
    if (wanted === "") {
      const verbatim = collapse(criterion);
      const addressed = verbatim !== "" && collapse(output).includes(verbatim);
      return { criterion, addressed, by: addressed ? "words" : "missing-words", missing: addressed ? [] : [verbatim] };
    }
    const missing = [...words[i]!].filter(([s]) => !present.has(s)).map(([, word]) => word);
    return { criterion, addressed: missing.length === 0, by: missing.length === 0 ? "words" : "missing-words", missing };
  });
}
