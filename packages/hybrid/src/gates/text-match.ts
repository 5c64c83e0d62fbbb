// Deterministic, linear-time text matching for the gates that read agent output (G7, G10). Agent
// output is untrusted and may be megabytes: every scan here is one pass (or one `indexOf` walk), and
// the only regexes are single character classes or anchored patterns with bounded quantifiers.

/** A letter, a combining mark or a digit: what words are made of. */
const WORD_RUN = /[\p{L}\p{M}\p{N}]+/gu;
const NOT_WORD_RUN = /[^\p{L}\p{M}\p{N}]+/gu;
const WORD_CHAR = /^[\p{L}\p{M}\p{N}_]$/u;
const WHITESPACE_RUN = /\s+/g;

/**
 * Words that carry no meaning of their own in an acceptance criterion; G10 does not look for them.
 * Negations (`no`, `not`, `never`, `without`, `none`, …) are deliberately absent: "no secrets
 * logged" is not addressed by "secrets logged" (they all stem to `no`, see `stem`).
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again all also am an and any are as at be because been before being below between both but by can " +
    "could did do does doing done down during each either else etc every few for from further had has have having he her here " +
    "hers him his how i if in into is it its itself just may me might more most must my of off on once only or other our ours " +
    "out over own per same shall she should so some such than that the their theirs them then there these they this those " +
    "through to too under until up upon us very via was we were what when where which while who whom why will with would you your"
  ).split(" "),
);

/** Lower case in compatibility normal form, so `ﬁ`, full-width letters and case never decide a match. */
export function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/** `fold`, with every whitespace run made one space and the ends trimmed. */
export function collapse(text: string): string {
  return fold(text).replace(WHITESPACE_RUN, " ").trim();
}

/** `fold`, with every run of characters that are not letters, marks or digits made one space and the ends trimmed. */
export function phrase(text: string): string {
  return fold(text).replace(NOT_WORD_RUN, " ").trim();
}

/** The words of a text (folded), in order. */
export function wordsOf(text: string): string[] {
  return fold(text).match(WORD_RUN) ?? [];
}

const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ["ational", "ate"],
  ["ation", "ate"],
  ["ies", "y"],
  ["ing", ""],
  ["ed", ""],
  ["es", ""],
  ["ly", ""],
  ["s", ""],
];

/** Words that negate; all stem to `no`, so "without recursion" is addressed by "no recursion". */
const NEGATIONS: ReadonlySet<string> = new Set(["no", "not", "never", "none", "nor", "without", "cannot"]);

/**
 * A light, deterministic stemmer (not Porter's): a negation (`no`, `not`, `never`, `none`, `nor`,
 * `without`, `cannot`) becomes `no`; other words of up to 3 characters are kept; otherwise the
 * first of `ational→ate`, `ation→ate`, `ies→y`, `ing`, `ed`, `es`, `ly`, `s` (not after `s`, `i`, `u`) that
 * leaves at least 3 characters is stripped; then a final `e` is dropped and a doubled final consonant
 * (other than `l`, `s`, `z`) is undoubled. `passes`, `passed`, `passing` → `pass`; `validated`,
 * `validation`, `validates` → `validat`; `handles`, `handled`, `handle` → `handl`.
 */
export function stem(word: string): string {
  if (NEGATIONS.has(word)) return "no";
  if (word.length <= 3) return word;
  let w = word;
  for (const [suffix, replacement] of SUFFIXES) {
    if (!w.endsWith(suffix) || w.length - suffix.length < 3) continue;
    // `class`, `status`, `analysis` end in an `s` that is no plural.
    if (suffix === "s" && /[siu]s$/.test(w)) break;
    w = w.slice(0, w.length - suffix.length) + replacement;
    break;
  }
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  const last = w[w.length - 1]!;
  if (w.length > 3 && last === w[w.length - 2] && /[bcdfghjkmnpqrtvwxy]/.test(last)) w = w.slice(0, -1);
  return w;
}

function isWordCodePoint(codePoint: number | undefined): boolean {
  return codePoint !== undefined && WORD_CHAR.test(String.fromCodePoint(codePoint));
}

/** Whether the character that ends just before `index` is a word character (surrogate pairs read whole). */
function wordBefore(text: string, index: number): boolean {
  if (index <= 0) return false;
  const low = text.charCodeAt(index - 1);
  const pair = index >= 2 && low >= 0xdc00 && low <= 0xdfff;
  return isWordCodePoint(text.codePointAt(pair ? index - 2 : index - 1));
}

/**
 * Whether `needle` occurs in `haystack` as whole words: where the needle starts (ends) with a word
 * character, the character before (after) the occurrence must not be one. Both are compared as
 * given: pass them through `collapse` first for a case- and spacing-insensitive match. Linear in the
 * haystack for a needle of bounded length (one `indexOf` walk).
 */
export function mentions(haystack: string, needle: string): boolean {
  if (needle === "") return false;
  const checkStart = isWordCodePoint(needle.codePointAt(0));
  const checkEnd = wordBefore(needle, needle.length);
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    if (checkStart && wordBefore(haystack, at)) continue;
    if (checkEnd && isWordCodePoint(haystack.codePointAt(at + needle.length))) continue;
    return true;
  }
  return false;
}
